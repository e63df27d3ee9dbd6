"""``LearningRateScheduler``: set the learning rate at the start of every epoch."""

import inspect

import numpy as np

from lamella.engine.callbacks import Callback
from lamella_callbacks._lr import get_lr, set_lr


def _takes_lr(schedule):
    """Whether ``schedule`` accepts ``(epoch, lr)`` (by its arity) rather than ``(epoch)``."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):
        return None  # unknown: fall back to Keras's try/except
    positional = 0
    for parameter in signature.parameters.values():
        if parameter.kind == parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate from ``schedule`` at the start of each epoch.

    ``schedule`` is called as ``schedule(epoch, lr)`` when it takes two positional
    arguments, else as ``schedule(epoch)`` (epochs are 0-based); it must return a float
    (``float`` or a NumPy floating scalar), as in Keras. The rate in effect is recorded as
    ``logs['lr']`` at the end of each epoch, so History and CSVLogger see it.

    Example::

        def halve_every_ten(epoch, lr):
            return lr * 0.5 if epoch and epoch % 10 == 0 else lr

        model.fit(x, y, epochs=30, callbacks=[LearningRateScheduler(halve_every_ten, verbose=1)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _takes_lr(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        lr = get_lr(self.model, "LearningRateScheduler")
        if self._takes_lr is None:
            try:
                lr = self.schedule(epoch, lr)
            except TypeError:
                lr = self.schedule(epoch)
        elif self._takes_lr:
            lr = self.schedule(epoch, lr)
        else:
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.floating)):
            raise ValueError('The output of the "schedule" function should be float.')
        set_lr(self.model, lr, "LearningRateScheduler")
        if self.verbose > 0:
            print("\nEpoch %05d: LearningRateScheduler setting learning rate to %s."
                  % (epoch + 1, lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = get_lr(self.model, "LearningRateScheduler")
