"""``keras.engine.network`` as in Keras 2.3.1: ``Network`` is the graph-of-layers base of
``Model``; in lamella that is ``Model`` itself (its training methods are unused by a network
that is not compiled), so ``Network`` is ``Model``.

Example::

    from lamella.engine.network import Network
    isinstance(lamella.Model(inputs, outputs), Network)   # True
"""

from lamella.engine.base_layer import Layer
from lamella.engine.input_layer import InputLayer
from lamella.engine.model import Model as Network
from lamella.engine.node import Node

__all__ = ["InputLayer", "Layer", "Network", "Node"]
