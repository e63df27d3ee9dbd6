"""``lamella.layers``: Keras's layers (registered by lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.layers.X`` is the object the installed plugin registered. Keras 2.3.1's module
paths (``from lamella.layers.convolutional import Conv2D``) are submodules: see _keras_modules.
"""

from lamella.engine.base_layer import InputSpec, Layer
from lamella.engine.input_layer import Input, InputLayer
from lamella.layers import _keras_modules
from lamella.plugins import facade as _facade

_facade.install(globals(), "layers")
_keras_modules.install_package(globals())
