"""``lamella.losses``: Keras's losses (registered by lamella-losses and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.losses.X`` is the object the installed plugin registered.
"""

from lamella.base.loss import Loss, LossFunctionWrapper, Reduction, compute_weighted_loss
from lamella.plugins import facade as _facade

_facade.install(globals(), "losses")
