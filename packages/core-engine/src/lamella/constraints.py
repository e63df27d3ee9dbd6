"""``lamella.constraints``: Keras's weight constraints (registered by
lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.constraints.X`` is the object the installed plugin registered.
"""

from lamella.base.initializer import Constraint
from lamella.plugins import facade as _facade

_facade.install(globals(), "constraints", serialize_arg="constraint", deserialize_arg="config")
