"""Whole-model HDF5 files (``model.save('m.h5')``) in Keras 2.3's legacy layout.

Root attributes ``keras_version``, ``backend``, ``model_config`` (the architecture's JSON) and
``training_config`` (compile arguments and the optimizer's config); group ``model_weights``
(the weights layout of :mod:`lamella_io.hdf5.weights`); group ``optimizer_weights`` (the
optimizer's ``get_weights()``: iterations, then its slots), so training resumes exactly.
"""

import contextlib
import json
import warnings

import numpy as np

from lamella.plugins import lookup
from lamella.plugins.errors import MissingPluginError, UnknownComponentError
from lamella_io.hdf5.files import (
    HDF5FormatError,
    checked_dataset,
    describe,
    is_group,
    read_dataset,
    refuse_links_out,
)
from lamella_io.hdf5.keras3 import drop_keras3_keys
from lamella_io.hdf5.weights import (
    load_attributes,
    load_weights_from_group,
    read_text_attribute,
    save_attributes,
    save_weights_to_group,
    write_text_attribute,
)
from lamella_io.safety import check_config_is_safe

BACKEND = "pytorch"


def _version():
    from lamella._version import __version__

    return __version__


def _json_default(obj):
    from lamella.engine.serialization import json_default

    return json_default(obj)


# --- the architecture ---------------------------------------------------------------------------

def _is_first_party(class_name):
    cls = lookup.find("layers", class_name)
    return cls is not None and getattr(cls, "__module__", "").startswith("lamella")


def _mark_wrapped_layers(config):
    """Give a wrapper's inner layer configs (``Bidirectional``/``TimeDistributed``'s ``layer``,
    ``backward_layer``) Keras 3's ``module``/``registered_name`` keys.

    Keras 3 rebuilds a wrapper's inner layer with its new deserializer, which cannot find a
    class from a Keras-2 ``{"class_name", "config"}`` alone ("Could not locate class 'LSTM'",
    keras-team/keras#19898), while Keras 2.3.1 and lamella ignore the extra keys. A class that
    is not lamella's own is written with ``registered_name`` = its name, so Keras 3 finds it in
    ``custom_objects``.
    """
    if isinstance(config, list):
        return [_mark_wrapped_layers(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: _mark_wrapped_layers(value) for key, value in config.items()}
    inner = config.get("config")
    if isinstance(inner, dict):
        for key in ("layer", "backward_layer"):
            wrapped = inner.get(key)
            if isinstance(wrapped, dict) and isinstance(wrapped.get("class_name"), str) \
                    and "module" not in wrapped:
                builtin = _is_first_party(wrapped["class_name"])
                inner[key] = {"module": "keras.layers" if builtin else None, **wrapped,
                              "registered_name": None if builtin else wrapped["class_name"]}
    return config


def model_config(model):
    """``{"class_name", "config"}`` for the file; a Sequential starts with its ``InputLayer``.

    tf.keras 2.x writes the input as an explicit leading ``InputLayer`` entry; both Keras 2.3.1
    and Keras 3 load that form, while Keras 3 mis-reads a first layer's ``batch_input_shape``.
    Wrapped layers carry Keras 3's ``module`` key (:func:`_mark_wrapped_layers`).
    """
    from lamella.engine.sequential import Sequential

    config = _mark_wrapped_layers(model.get_config())
    if isinstance(model, Sequential):
        config = dict(config)
        layers = list(config.get("layers", []))
        input_layer = getattr(model, "_input_layer", None)
        if input_layer is not None and not (layers and layers[0].get("class_name") == "InputLayer"):
            layers.insert(0, {"class_name": "InputLayer", "config": input_layer.get_config()})
        config["layers"] = layers
        return {"class_name": "Sequential", "config": config}
    return {"class_name": "Model", "config": config}


def _parse(text, where, field):
    """An attribute's JSON text as a config; a malformed one raises ``ConfigError`` (a
    ``ValueError``) naming the file and the attribute."""
    from lamella.engine.serialization import parse_config_text

    return parse_config_text(text, repr(where), field)


def model_from_file_config(config, custom_objects=None, safe_mode=True, where="model_config"):
    """Rebuild a model from a file's ``model_config`` (refusing serialised code in safe mode).

    A config that cannot be decoded raises ``ConfigError`` (a ``ValueError``) naming ``where``
    and the field, e.g. ``'m.h5:/': cannot decode field 'model_config.config.layers[1]'``.
    """
    from lamella.engine.serialization import check_config, decoding_config
    from lamella.models import model_from_config
    from lamella.saving import check_safe_mode, safe_mode_scope

    safe_mode = check_safe_mode(safe_mode)  # None is safe; only False itself is unsafe
    # The depth check first: the safety check and drop_keras3_keys recurse into the config.
    check_config(config, repr(where), "model_config", lambdas=False)
    check_config_is_safe(config, safe_mode=safe_mode, where=where)
    with decoding_config(repr(where), "model_config"):
        config = drop_keras3_keys(config)
        with safe_mode_scope(safe_mode):
            return model_from_config(config, custom_objects=custom_objects)


# --- the training configuration -----------------------------------------------------------------

def _serialize_objective(value, facade):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {key: _serialize_objective(item, facade) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_objective(item, facade) for item in value]
    return facade.serialize(value)


def training_config(model):
    """Keras 2.3's ``training_config`` dict for a compiled model."""
    from lamella import losses, metrics

    objectives = model._objectives
    optimizer = model.optimizer
    return {
        "optimizer_config": {"class_name": lookup.registered_name("optimizers", optimizer),
                             "config": optimizer.get_config()},
        "loss": _serialize_objective(objectives.loss_spec, losses),
        "metrics": _serialize_objective(objectives.metrics_spec, metrics),
        "weighted_metrics": _serialize_objective(objectives.weighted_metrics_spec, metrics),
        "sample_weight_mode": objectives.sample_weight_mode_spec,
        "loss_weights": objectives.loss_weights_spec,
    }


def _deserialize_objective(value, facade, custom_objects):
    if isinstance(value, dict) and "class_name" in value:
        return facade.deserialize(value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _deserialize_objective(v, facade, custom_objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_objective(v, facade, custom_objects) for v in value]
    if isinstance(value, str) and custom_objects and value in custom_objects:
        return custom_objects[value]
    return value


def compile_from_training_config(model, config, custom_objects=None):
    """``model.compile(...)`` with the arguments a ``training_config`` stores."""
    from lamella import losses, metrics, optimizers
    from lamella.plugins.custom_objects import CustomObjectScope

    with CustomObjectScope(custom_objects or {}):
        optimizer = optimizers.deserialize(drop_keras3_keys(config["optimizer_config"]),
                                           custom_objects=custom_objects)
        model.compile(
            optimizer=optimizer,
            loss=_deserialize_objective(config.get("loss"), losses, custom_objects),
            metrics=_deserialize_objective(config.get("metrics"), metrics, custom_objects),
            weighted_metrics=_deserialize_objective(config.get("weighted_metrics"), metrics,
                                                    custom_objects),
            loss_weights=config.get("loss_weights"),
            sample_weight_mode=config.get("sample_weight_mode"),
        )


# --- optimizer state ----------------------------------------------------------------------------

def _optimizer_weight_names(optimizer, count):
    prefix = getattr(optimizer, "name", None) or type(optimizer).__name__
    return [f"{prefix}/iterations:0"] + [f"training/{prefix}/slot_{i}:0" for i in range(count - 1)]


def save_optimizer_weights(root, optimizer):
    values = optimizer.get_weights()
    if "optimizer_weights" in root:
        del root["optimizer_weights"]
    group = root.create_group("optimizer_weights")
    names = _optimizer_weight_names(optimizer, len(values))
    for name, value in zip(names, values):
        value = np.asarray(value)
        dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if value.shape:
            dataset[:] = value
        else:
            dataset[()] = value
    save_attributes(group, "weight_names", names)


def restore_optimizer_weights(root, model):
    """Restore the optimizer's state by position, as Keras does; warn and keep a fresh
    optimizer when it does not fit.

    The stored shapes are compared with the optimizer's own before any data is read, so a
    file declaring huge slots costs nothing.
    """
    group = root["optimizer_weights"]
    names = load_attributes(group, "weight_names") or []
    try:
        datasets = [checked_dataset(group, name, f"optimizer weight {name!r}") for name in names]
    except HDF5FormatError as exc:
        raise HDF5FormatError(f"{describe(root)!r}: the optimizer_weights group is damaged: "
                              f"{exc}") from exc
    optimizer = model.optimizer
    if not getattr(optimizer, "built", False):
        warnings.warn(f"{describe(root)!r}: the model is not built, so its optimizer has no "
                      f"state yet; the saved optimizer state was not restored.", stacklevel=3)
        return
    expected = [tuple(np.shape(w)) for w in optimizer.get_weights()]
    stored = [tuple(d.shape) for d in datasets]
    if stored != expected:
        reason = (f"the file holds {len(stored)} optimizer weight(s) of shapes {stored}, the "
                  f"optimizer has {len(expected)} of shapes {expected}")
        _fresh_optimizer_warning(root, reason)
        return
    values = [read_dataset(d, f"optimizer weight {d.name!r}") for d in datasets]
    try:
        optimizer.set_weights(values)
    except (ValueError, TypeError) as exc:
        _fresh_optimizer_warning(root, str(exc).rstrip("."))


def _fresh_optimizer_warning(root, reason):
    warnings.warn(f"Error in loading the saved optimizer state from {describe(root)!r}: "
                  f"{reason}. As a result, your model is starting with a freshly initialized "
                  f"optimizer.", stacklevel=4)


# --- whole model --------------------------------------------------------------------------------

def model_file_attributes(model, include_optimizer=True):
    """The root's text attributes: ``keras_version``, ``backend``, ``model_config``,
    ``lamella_plugins`` (which distribution provided each layer and the optimizer; Keras
    ignores it) and, for a compiled model with ``include_optimizer``, ``training_config``."""
    attributes = {"keras_version": _version(), "backend": BACKEND,
                  "model_config": json.dumps(model_config(model), default=_json_default)}
    compiled = include_optimizer and _is_compiled(model)
    if compiled:
        attributes["training_config"] = json.dumps(training_config(model), default=_json_default)
    attributes["lamella_plugins"] = json.dumps(
        _providers(model, model.optimizer if compiled else None))
    return attributes


def _providers(model, optimizer):
    """``{kind: {saved name: {"distribution", "version"}}}`` for the model's layers (nested
    models included) and its optimizer."""
    providers = {"layers": {}, "optimizers": {}}
    pending = list(model.layers)
    while pending:
        layer = pending.pop()
        pending.extend(getattr(layer, "layers", []) if getattr(layer, "_is_model", False) else [])
        found = lookup.provider_of("layers", layer)
        if found is not None:
            providers["layers"][lookup.registered_name("layers", layer)] = found
    if optimizer is not None:
        found = lookup.provider_of("optimizers", optimizer)
        if found is not None:
            providers["optimizers"][lookup.registered_name("optimizers", optimizer)] = found
    return providers


@contextlib.contextmanager
def _naming_missing_plugins(root, where):
    """Say which distribution a missing layer or optimizer came from, as the file records it,
    and that ``compile=False`` loads a model whose optimizer is what is missing."""
    try:
        yield
    except MissingPluginError:
        raise  # a first-party name: the message already names the distribution
    except UnknownComponentError as exc:
        recorded = {}
        text = read_text_attribute(root, "lamella_plugins")
        if text:
            try:
                recorded = json.loads(text).get(exc.kind, {}).get(exc.name) or {}
            except (ValueError, AttributeError):
                recorded = {}
        hints = []
        if recorded.get("distribution"):
            version = f" {recorded['version']}" if recorded.get("version") else ""
            hints.append(f"{where!r} records that {exc.name!r} came from the distribution "
                         f"{recorded['distribution']!r}{version}; install it (pip install "
                         f"{recorded['distribution']}).")
        if exc.kind == "optimizers":
            hints.append("To load the model without its optimizer, pass compile=False to "
                         "load_model.")
        if not hints:
            raise
        raise UnknownComponentError(exc.kind, exc.name, exc.suggestions,
                                    hint=" ".join(hints)) from exc


def _is_compiled(model):
    return getattr(model, "optimizer", None) is not None and \
        getattr(model, "_objectives", None) is not None


def save_model_to_group(model, root, include_optimizer=True, attributes=None):
    """Write ``model`` (architecture, weights, training config, optimizer state) into ``root``."""
    if attributes is None:
        attributes = model_file_attributes(model, include_optimizer)
    if "training_config" in root.attrs:
        del root.attrs["training_config"]
    for name, text in attributes.items():
        try:
            write_text_attribute(root, name, text)
        except OSError as exc:
            raise ValueError(f"Cannot write the {name!r} attribute ({len(text)} bytes) into "
                             f"{describe(root)!r}: {exc}. Save to a path instead, which creates "
                             f"a file that holds attributes of any size.") from exc
    compiled = _is_compiled(model)
    if "model_weights" in root:
        del root["model_weights"]
    save_weights_to_group(root.create_group("model_weights"), list(model.layers), _version(),
                          BACKEND)
    if include_optimizer and compiled and getattr(model.optimizer, "built", False):
        save_optimizer_weights(root, model.optimizer)


def load_model_from_group(root, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild, load and (with ``compile=True``) recompile the model stored in ``root``."""
    where = describe(root)
    refuse_links_out(root.file)
    text = read_text_attribute(root, "model_config")
    if text is None:
        hint = ""
        if load_attributes(root, "layer_names") is not None:
            hint = (" It is a weights file (from save_weights): build the model in code and "
                    "call model.load_weights(path).")
        raise HDF5FormatError(f"{where!r}: no model found in the file: it has no "
                              f"'model_config' attribute.{hint}")
    config = _parse(text, where, "model_config")
    with _naming_missing_plugins(root, where):
        model = model_from_file_config(config, custom_objects, safe_mode, where)
    if "model_weights" not in root:
        raise HDF5FormatError(f"{where!r}: the file has a model_config but no 'model_weights' "
                              f"group (truncated?).")
    load_weights_from_group(root["model_weights"], model)
    if not compile:
        return model
    training_text = read_text_attribute(root, "training_config")
    if training_text is None:
        warnings.warn(f"No training configuration found in save file {where!r}: the model was "
                      f"*not* compiled. Compile it manually.", stacklevel=3)
        return model
    from lamella.engine.serialization import decoding_config

    training = _parse(training_text, where, "training_config")
    with _naming_missing_plugins(root, where), decoding_config(where, "training_config"):
        compile_from_training_config(model, training, custom_objects)
    if "optimizer_weights" in root:
        restore_optimizer_weights(root, model)
    return model


__all__ = ["compile_from_training_config", "is_group", "load_model_from_group", "model_config",
           "model_from_file_config", "save_model_to_group", "training_config"]
