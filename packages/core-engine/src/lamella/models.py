"""``lamella.models``: Keras's model functions (``load_model``, ``model_from_json``, ...)."""

import json

from lamella.engine.model import Model
from lamella.engine.sequential import Sequential
from lamella.saving import load_model, save_model


def model_from_config(config, custom_objects=None):
    """Build a model from ``{"class_name", "config"}``."""
    from lamella import layers

    if isinstance(config, list):
        raise TypeError("model_from_config expects a dict; use Sequential.from_config for a list.")
    return layers.deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """Build a model from the JSON that ``to_json`` writes (Keras 2.3's format)."""
    return model_from_config(json.loads(json_string), custom_objects=custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    """Build a model from YAML, read with a safe loader that accepts ``!!python/tuple``."""
    try:
        import yaml
    except ImportError as exc:
        raise ImportError("model_from_yaml needs PyYAML: pip install lamella-io") from exc

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_constructor("tag:yaml.org,2002:python/tuple",
                            lambda loader, node: list(loader.construct_sequence(node)))
    return model_from_config(yaml.load(yaml_string, Loader=_Loader), custom_objects)


def clone_model(model, input_tensors=None):
    """A new model with the same architecture and freshly initialised weights."""
    if input_tensors is not None:
        raise ValueError("clone_model(input_tensors=...) is not supported yet; clone without it "
                         "and call the clone on your tensors.")
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    return model_from_config(config)


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_config",
           "model_from_json", "model_from_yaml", "save_model"]
