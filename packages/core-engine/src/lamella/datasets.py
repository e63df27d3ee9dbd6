"""``lamella.datasets``: Keras's datasets (registered by lamella-io and other plugins),
each with ``load_data``.

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.datasets.X`` is the object the installed plugin registered.
"""


from lamella.plugins import facade as _facade

_facade.install(globals(), "datasets")
