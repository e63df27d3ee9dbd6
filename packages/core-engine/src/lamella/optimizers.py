"""``lamella.optimizers``: Keras's optimizers (registered by lamella-optimizers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.optimizers.X`` is the object the installed plugin registered.
"""

from lamella import schedules
from lamella.base.optimizer import Optimizer
from lamella.plugins import facade as _facade

_facade.install(globals(), "optimizers", serialize_arg="optimizer", deserialize_arg="config")
