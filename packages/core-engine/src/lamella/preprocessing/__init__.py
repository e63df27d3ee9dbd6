"""``lamella.preprocessing``: Keras's ``sequence``, ``text`` and ``image`` modules.

Each submodule forwards to the module a plugin registered under that name through the
``lamella_preprocessing`` hook (lamella-io provides all three), so
``from lamella.preprocessing.sequence import pad_sequences`` works once it is installed.
"""

from lamella.plugins import lookup


def registered_module(name):
    """The module a plugin registered as ``lamella.preprocessing.<name>``."""
    return lookup.resolve("preprocessing", name)


def forwarder(submodule):
    """A module ``__getattr__`` that forwards to the registered ``submodule``."""

    def __getattr__(attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(registered_module(submodule), attribute)

    return __getattr__
