"""lamella: the Keras 2.3 API on PyTorch.

Example::

    import lamella
    from lamella import layers

    model = lamella.Sequential([layers.Dense(64, activation="relu", input_shape=(20,)),
                                layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=5, batch_size=32, validation_split=0.1)

Importing lamella loads no plugin: components are discovered on the first lookup.
"""

import importlib

from lamella._version import __version__

_SUBMODULES = {
    "activations", "applications", "backend", "callbacks", "constraints", "datasets", "engine",
    "initializers", "layers", "losses", "metrics", "models", "objectives", "optimizers",
    "plugins", "preprocessing", "regularizers", "saving", "schedules", "utils", "wrappers",
}
_ATTRIBUTES = {
    "Model": "lamella.engine.model",
    "Sequential": "lamella.engine.sequential",
    "Input": "lamella.engine.input_layer",
    "install_keras_alias": "lamella.keras_alias",
    "uninstall_keras_alias": "lamella.keras_alias",
}

__all__ = ["__version__", *sorted(_ATTRIBUTES), *sorted(_SUBMODULES)]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"lamella.{name}")
    if name in _ATTRIBUTES:
        return getattr(importlib.import_module(_ATTRIBUTES[name]), name)
    raise AttributeError(f"module 'lamella' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_ATTRIBUTES))
