"""``lamella.schedules``: learning-rate schedules (registered by
lamella-optimizers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.schedules.X`` is the object the installed plugin registered.
"""


from lamella.plugins import facade as _facade

_facade.install(globals(), "schedules")
