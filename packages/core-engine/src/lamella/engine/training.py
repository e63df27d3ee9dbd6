"""``keras.engine.training`` as in Keras 2.3.1: where ``Model`` is defined (lamella's training
API itself lives in :mod:`lamella.engine.trainer`)."""

from lamella.engine.base_layer import Layer
from lamella.engine.model import Model
from lamella.engine.network import Network

__all__ = ["Layer", "Model", "Network"]
