"""``lamella.layers``: Keras's layers (registered by lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.layers.X`` is the object the installed plugin registered. Keras 2.3.1's module
paths (``from lamella.layers.convolutional import Conv2D``) are submodules: see _keras_modules.
"""

from lamella.engine.base_layer import InputSpec, Layer
from lamella.engine.input_layer import Input, InputLayer
from lamella.layers import _keras_modules
from lamella.plugins import facade as _facade
from lamella.utils.generic_utils import deserialize_keras_object  # noqa: F401  (as in Keras)

_facade.install(globals(), "layers", serialize_arg="layer", deserialize_arg="config")
_keras_modules.install_package(globals())
