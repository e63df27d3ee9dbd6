"""``lamella.datasets``: Keras's datasets (registered by lamella-io and other plugins),
each with ``load_data``.

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.datasets.X`` is the object the installed plugin registered.
"""

from lamella.plugins import facade as _facade
from lamella.plugins import lookup as _lookup

_facade.install(globals(), "datasets")


def forwarder(name):
    """A module ``__getattr__`` answering from the dataset module a plugin registered as
    ``name``, so ``lamella.datasets.<name>`` is a real module path, as in Keras
    (``from keras.datasets.mnist import load_data``)."""

    def __getattr__(attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(_lookup.resolve("datasets", name), attribute)

    return __getattr__
