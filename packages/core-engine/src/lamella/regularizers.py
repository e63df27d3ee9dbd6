"""``lamella.regularizers``: Keras's weight regularizers (registered by
lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.regularizers.X`` is the object the installed plugin registered.
"""

from lamella.base.initializer import Regularizer
from lamella.plugins import facade as _facade

_facade.install(globals(), "regularizers", serialize_arg="regularizer", deserialize_arg="config")
