"""The core engine: layers, models, the functional graph and the training loop."""

# Keras 2.3.1's ``keras.engine`` exports these; they are looked up lazily because every engine
# module imports this package first (eager imports here would be a cycle).
_KERAS_NAMES = {
    "Input": "lamella.engine.input_layer",
    "InputLayer": "lamella.engine.input_layer",
    "InputSpec": "lamella.engine.base_layer",
    "Layer": "lamella.engine.base_layer",
    "Model": "lamella.engine.model",
    "get_source_inputs": "lamella.utils",
}


def __getattr__(name):
    if name in _KERAS_NAMES:
        import importlib

        return getattr(importlib.import_module(_KERAS_NAMES[name]), name)
    raise AttributeError(f"module 'lamella.engine' has no attribute {name!r}")
