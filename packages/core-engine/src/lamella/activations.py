"""``lamella.activations``: Keras's activation functions (registered by lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.activations.X`` is the object the installed plugin registered.
"""


from lamella.plugins import facade as _facade
from lamella.plugins import manager as _manager

# install() rebinds ``_facade`` to the Facade object, so the default goes through ``_manager``.
_facade.install(globals(), "activations", none_value=lambda: _manager.resolve("activations", "linear"))
