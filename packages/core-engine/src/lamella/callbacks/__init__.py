"""``lamella.callbacks``: Keras's callbacks (History and ProgbarLogger from the core,
the rest from plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.callbacks.X`` is the object the installed plugin registered.
"""

from lamella.engine.callbacks import BaseLogger, Callback, CallbackList, History, ProgbarLogger
from lamella.plugins import facade as _facade

_facade.install(globals(), "callbacks")
