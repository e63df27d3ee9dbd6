"""``lamella.layers``: Keras's layers (registered by lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.layers.X`` is the object the installed plugin registered.
"""

from lamella.engine.base_layer import InputSpec, Layer
from lamella.engine.input_layer import Input, InputLayer
from lamella.plugins import facade as _facade

_facade.install(globals(), "layers")
