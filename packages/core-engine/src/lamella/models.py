"""``lamella.models``: Keras's model functions (``load_model``, ``model_from_json``, ...)."""

from lamella import layers
from lamella.engine import serialization
from lamella.engine.input_layer import Input, InputLayer  # noqa: F401  (in Keras's module too)
from lamella.engine.model import Model
from lamella.engine.sequential import Sequential
from lamella.saving import load_model, save_model


def model_from_config(config, custom_objects=None):
    """Build a model from ``{"class_name", "config"}``.

    A config that cannot be decoded raises ``ValueError`` (:class:`ConfigError`) naming the
    field, e.g. ``model_from_config: cannot decode field 'config.layers[1].config': ...``.

    Example::

        twin = model_from_config({"class_name": "Sequential", "config": model.get_config()})
    """
    if isinstance(config, list):
        raise TypeError("model_from_config expects a dict; use Sequential.from_config for a list.")
    with serialization.decoding_config("model_from_config", config=config):
        if not isinstance(config, dict):
            raise ValueError(f"expected a dict with 'class_name' and 'config', got "
                             f"{type(config).__name__}")
        with serialization.config_field("config"):
            return layers.deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """Build a model from the JSON that ``to_json`` writes (Keras 2.3's format).

    Example::

        twin = model_from_json(model.to_json())
    """
    config = serialization.parse_config_text(json_string, "model_from_json")
    with serialization.decoding_config("model_from_json"):  # names the source in errors
        return model_from_config(config, custom_objects=custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    """Build a model from YAML, read with a safe loader that accepts ``!!python/tuple``.

    Example::

        twin = model_from_yaml(model.to_yaml())
    """
    try:  # PyYAML is optional (lamella-io installs it): imported only when YAML is asked for
        import yaml
    except ImportError as exc:
        raise ImportError("model_from_yaml needs PyYAML: pip install lamella-io") from exc

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_constructor("tag:yaml.org,2002:python/tuple",
                            lambda loader, node: list(loader.construct_sequence(node)))
    config = serialization.parse_config_text(yaml_string, "model_from_yaml",
                                             yaml_loader=_Loader)
    with serialization.decoding_config("model_from_yaml"):  # names the source in errors
        return model_from_config(config, custom_objects)


def clone_model(model, input_tensors=None):
    """A new model with the same architecture and freshly initialised weights.

    With ``input_tensors`` (symbolic tensors from ``lamella.Input``) the clone is built on them,
    as Keras does: a Sequential stays a Sequential, a functional model becomes
    ``Model(input_tensors, clone(input_tensors))``.

    Example::

        twin = clone_model(model)
        twin.set_weights(model.get_weights())
    """
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    # Each layer is rebuilt by its own class, as Keras's clone does, so unregistered custom
    # layers clone too.
    own_classes = {type(m).__name__: type(m) for m in model.modules()}
    clone = model_from_config(config, custom_objects=own_classes)
    if input_tensors is None:
        return clone
    if isinstance(clone, Sequential):
        tensor = input_tensors[0] if isinstance(input_tensors, (list, tuple)) else input_tensors
        rebuilt = Sequential(name=model.name)
        rebuilt.add(tensor)
        for layer in clone.layers:
            rebuilt.add(layer)
        return rebuilt
    outputs = clone(input_tensors if isinstance(input_tensors, (list, tuple)) and
                    len(input_tensors) > 1 else _single(input_tensors))
    return Model(input_tensors, outputs, name=model.name)


def _single(tensors):
    return tensors[0] if isinstance(tensors, (list, tuple)) else tensors


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_config",
           "model_from_json", "model_from_yaml", "save_model"]
