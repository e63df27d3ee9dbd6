"""``keras.callbacks.callbacks`` as in Keras 2.3.1 (where its callbacks are defined): the same
objects as ``lamella.callbacks``, plus Keras's ``Progbar``, which that module imports."""

from lamella.callbacks import BaseLogger, Callback, CallbackList, History, ProgbarLogger
from lamella.plugins import facade as _facade

_facade.install(globals(), "callbacks")


def __getattr__(name):  # noqa: F811 (the facade's, plus Keras's Progbar import)
    if name == "Progbar":
        from lamella import utils

        return utils.Progbar
    return _facade.getattr(name)


__all__ = ["BaseLogger", "Callback", "CallbackList", "History", "ProgbarLogger"]
