"""``lamella.initializers``: Keras's weight initializers (registered by
lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.initializers.X`` is the object the installed plugin registered.
"""

from lamella.base.initializer import Initializer
from lamella.plugins import facade as _facade

_facade.install(globals(), "initializers", serialize_arg="initializer", deserialize_arg="config")
