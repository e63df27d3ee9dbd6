"""``keras.engine.topology`` as in Keras 2.3.1: Keras's shim of re-exports kept for code written
for Keras 2.0/2.1 (``from keras.engine.topology import Layer``)."""

from lamella.engine.base_layer import InputSpec, Layer
from lamella.engine.input_layer import Input, InputLayer
from lamella.engine.network import Network
from lamella.engine.node import Node
from lamella.utils import get_source_inputs

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "Network", "Node", "get_source_inputs"]
