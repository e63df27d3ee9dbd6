"""``lamella.activations``: Keras's activation functions (registered by
lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.activations.X`` is the object the installed plugin registered.
"""


from lamella.engine.base_layer import Layer  # noqa: F401  (Keras's module has it: advanced activations)
from lamella.plugins import facade as _facade
from lamella.plugins import lookup as _lookup

# install() rebinds ``_facade`` to the Facade object, so the default goes through ``_lookup``.
_facade.install(
    globals(), "activations", none_value=lambda: _lookup.resolve("activations", "linear"),
    serialize_arg="activation", deserialize_arg="name",
)
