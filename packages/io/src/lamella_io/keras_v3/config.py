"""Model and compile configs between Keras 3's ``config.json`` dialect and lamella's.

Reading: lamella's config decoder already understands Keras 3's layer dialect (``module``/
``registered_name`` keys, ``DTypePolicy`` dicts, ``InputLayer(batch_shape=)``, ``__keras_tensor__``
inbound nodes, ``build_config``), and :func:`lamella_io.hdf5.keras3.drop_keras3_keys` removes
Keras-3-only constructor arguments that keep Keras 2.3's behaviour. What is left to do here is
what only ``.keras`` files hold: ``shared_object_id`` (Keras 3's marker for one object used in
several places, which lamella rebuilds per use) and ``compile_config``, Keras 3's counterpart
of Keras 2.3's ``training_config``.

Writing: lamella's Keras 2.3 config (as the HDF5 writer makes it, Sequential input layer
included) in Keras 3's dialect, so that ``keras.models.load_model`` finds each class.

Example::

    config = keras3_model_config(model)          # what config.json holds
    plain = from_keras3(config)                  # back to {"class_name", "config"}
"""

from lamella.plugins import lookup

#: The module Keras 3 writes for each first-party class kind.
_MODULES = {"Sequential": "keras", "Functional": "keras.src.models.functional"}
#: Compile arguments Keras 3's ``Model.compile`` does not take (so not in ``compile_config``).
_LAMELLA_ONLY_COMPILE = ("sample_weight_mode",)


#: Keras 3's one-penalty regularizer classes, which Keras 2.3 spells as ``L1L2``.
_REGULARIZERS = {"L1": "l1", "L2": "l2"}


def strip_shared_ids(config):
    """A copy of ``config`` without Keras 3's ``shared_object_id`` keys, and with Keras 3's
    ``L1``/``L2`` regularizer objects as the ``L1L2`` Keras 2.3 has (the same penalty)."""
    if isinstance(config, list):
        return [strip_shared_ids(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: strip_shared_ids(value) for key, value in config.items()
              if key != "shared_object_id"}
    penalty = _REGULARIZERS.get(config.get("class_name"))
    inner = config.get("config")
    if penalty and str(config.get("module", "keras.regularizers")).startswith(
            "keras.regularizers") and isinstance(inner, dict) and set(inner) == {penalty}:
        other = "l2" if penalty == "l1" else "l1"
        config = {**config, "class_name": "L1L2",
                  "config": {penalty: inner[penalty], other: 0.0}}
    return config


def from_keras3(config, where):
    """``config.json``'s model entry as the ``{"class_name", "config"}`` lamella builds from."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) \
            or not isinstance(config.get("config"), dict):
        keys = f" with keys {sorted(config)}" if isinstance(config, dict) else ""
        raise ValueError(f"{where}: expected a model config object with 'class_name' and "
                         f"'config', got {type(config).__name__}{keys}.")
    return {"class_name": config["class_name"], "config": strip_shared_ids(config["config"])}


def _is_first_party(class_name):
    cls = lookup.find("layers", class_name)
    return cls is not None and getattr(cls, "__module__", "").startswith("lamella")


def _layer_entry(entry, model):
    """One layer dict of a model config in Keras 3's dialect (nested models recursively)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        return entry
    entry = dict(entry)
    class_name = entry["class_name"]
    inner = entry.get("config")
    if isinstance(entry.get("inbound_nodes"), list) and model is not None:
        entry["inbound_nodes"] = [_node(node, model) for node in entry["inbound_nodes"]]
    if class_name in ("Sequential", "Model", "Functional") and isinstance(inner, dict):
        class_name = "Sequential" if class_name == "Sequential" else "Functional"
        entry["class_name"] = class_name
        entry["config"] = _model_body(inner, _sublayer(model, inner.get("name")),
                                      sequential=class_name == "Sequential")
        entry.setdefault("module", _MODULES[class_name])
        entry.setdefault("registered_name", None)
        return entry
    if class_name == "InputLayer" and isinstance(inner, dict) and "batch_input_shape" in inner:
        inner = dict(inner)
        inner["batch_shape"] = inner.pop("batch_input_shape")
        entry["config"] = inner
    first_party = _is_first_party(class_name)
    entry.setdefault("module", "keras.layers" if first_party else None)
    # A class that is not lamella's own is found through Keras 3's custom_objects by name.
    entry.setdefault("registered_name", None if first_party else class_name)
    return entry


def _sublayer(model, name):
    try:
        return model.get_layer(name) if model is not None and name is not None else None
    except ValueError:
        return None


def _is_model(layer):
    from lamella.engine.model import Model

    return isinstance(layer, Model)


def _keras3_index(layer, node_index):
    # Keras 2.3 (and lamella) count a nested model's own input-to-output node as its node 0;
    # Keras 3 counts only the calls, so its node ``i`` is Keras 2.3's ``i + 1``.
    return node_index - 1 if _is_model(layer) and node_index > 0 else node_index


def _tensor(history, model):
    name, node_index, tensor_index = history[:3]
    layer = _sublayer(model, name)
    shape = None
    if layer is not None:
        try:
            shape = layer.get_output_shape_at(node_index)
        except Exception:  # noqa: BLE001 - the shape is informative only; Keras 3 re-derives it
            shape = None
        if isinstance(shape, list):
            shape = shape[tensor_index] if tensor_index < len(shape) else None
        node_index = _keras3_index(layer, node_index)
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape) if shape is not None else None, "dtype": "float32",
                       "keras_history": [name, node_index, tensor_index]}}


def _node(node, model):
    """A Keras 2.3 inbound node (``[[name, node, tensor, kwargs], ...]``) in Keras 3's form
    (``{"args": [...], "kwargs": {...}}``), whose node indices Keras 3 reads unambiguously."""
    if not isinstance(node, list):
        return node  # already Keras 3's form
    tensors = [_tensor(item, model) for item in node]
    kwargs = next((item[3] for item in node if len(item) > 3 and item[3]), {})
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": dict(kwargs)}


def _sequential_input(layers):
    """A Sequential's layer list with its input as an explicit leading ``InputLayer`` and no
    ``batch_input_shape`` on the other layers (Keras 3's layers refuse that argument)."""
    layers = [dict(layer) if isinstance(layer, dict) else layer for layer in layers]
    first = layers[0] if layers else None
    if isinstance(first, dict) and first.get("class_name") != "InputLayer" \
            and isinstance(first.get("config"), dict) \
            and first["config"].get("batch_input_shape") is not None:
        inner = first["config"]
        layers.insert(0, {"class_name": "InputLayer",
                          "config": {"batch_input_shape": inner["batch_input_shape"],
                                     "dtype": inner.get("dtype") or "float32",
                                     "sparse": False, "name": f"{inner.get('name')}_input"}})
    for layer in layers:
        if isinstance(layer, dict) and layer.get("class_name") != "InputLayer" \
                and isinstance(layer.get("config"), dict) \
                and "batch_input_shape" in layer["config"]:
            layer["config"] = {k: v for k, v in layer["config"].items()
                               if k != "batch_input_shape"}
    return layers


def _model_body(config, model=None, sequential=False):
    body = dict(config)
    if isinstance(body.get("layers"), list):
        layers = _sequential_input(body["layers"]) if sequential else body["layers"]
        body["layers"] = [_layer_entry(layer, model) for layer in layers]
    for key in ("input_layers", "output_layers"):
        if isinstance(body.get(key), list) and model is not None:
            body[key] = [[item[0], _keras3_index(_sublayer(model, item[0]), item[1]), item[2]]
                         if isinstance(item, list) and len(item) == 3 else item
                         for item in body[key]]
    return body


def keras3_model_config(model):
    """The model's config as Keras 3's ``config.json`` model entry (without compile_config)."""
    from lamella_io.hdf5.model_file import model_config

    config = model_config(model)  # Keras 2.3's, the Sequential's InputLayer written out
    class_name = "Sequential" if config["class_name"] == "Sequential" else "Functional"
    return {"module": _MODULES[class_name], "class_name": class_name,
            "config": _model_body(config["config"], model, sequential=class_name == "Sequential"),
            "registered_name": None}


def _keras3_object(entry, kind_module):
    """A Keras 2.3 ``{"class_name", "config"}`` (optimizer, loss, metric) as Keras 3 writes it."""
    if isinstance(entry, dict) and isinstance(entry.get("class_name"), str):
        return {"module": kind_module, "class_name": entry["class_name"],
                "config": entry.get("config", {}), "registered_name": None}
    if isinstance(entry, list):
        return [_keras3_object(item, kind_module) for item in entry]
    if isinstance(entry, dict):
        return {key: _keras3_object(value, kind_module) for key, value in entry.items()}
    return entry


def compile_config(model):
    """Keras 3's ``compile_config`` for a compiled model, plus the lamella-only compile
    arguments (which Keras 3's ``compile`` would refuse) kept apart for ``metadata.json``."""
    from lamella_io.hdf5.model_file import training_config

    training = training_config(model)
    optimizer = dict(training["optimizer_config"])
    opt_config = dict(optimizer.get("config") or {})
    # Keras 3 has no ``decay``: 0 is the same as leaving it out; another value is kept so
    # that Keras 3 warns that it ignores it.
    if opt_config.get("decay") in (0, 0.0):
        opt_config.pop("decay")
    opt_config.setdefault("name", _snake(optimizer["class_name"]))
    compiled = {
        "optimizer": {"module": "keras.optimizers", "class_name": optimizer["class_name"],
                      "config": opt_config, "registered_name": None},
        "loss": _keras3_object(training["loss"], "keras.losses"),
        "loss_weights": training["loss_weights"],
        "metrics": _keras3_object(training["metrics"], "keras.metrics"),
        "weighted_metrics": _keras3_object(training["weighted_metrics"], "keras.metrics"),
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }
    extras = {key: training[key] for key in _LAMELLA_ONLY_COMPILE if training.get(key) is not None}
    return compiled, extras


def training_config_from(compile_cfg, extras, where):
    """Keras 3's ``compile_config`` as the ``training_config`` lamella's HDF5 loader compiles
    from (:func:`lamella_io.hdf5.model_file.compile_from_training_config`)."""
    if not isinstance(compile_cfg, dict):
        raise ValueError(f"{where}: compile_config must be an object, not "
                         f"{type(compile_cfg).__name__}.")
    optimizer = compile_cfg.get("optimizer")
    if isinstance(optimizer, str):  # compile(optimizer="adam") is stored as the name
        optimizer = {"class_name": optimizer, "config": {}}
    if not isinstance(optimizer, dict) or "class_name" not in optimizer:
        raise ValueError(f"{where}: compile_config.optimizer must be a name or an object with "
                         f"'class_name', not {optimizer!r}.")
    config = dict(optimizer.get("config") or {})
    config.pop("name", None)  # Keras 3's variable-name prefix; lamella's optimizers take none
    from lamella_io.hdf5.keras3 import drop_keras3_keys

    def objectives(key):  # Keras 3's loss/metric objects carry keys Keras 2.3's do not take
        return drop_keras3_keys(strip_shared_ids(compile_cfg.get(key)))

    training = {
        "optimizer_config": {"class_name": optimizer["class_name"], "config": config},
        "loss": objectives("loss"),
        "metrics": objectives("metrics"),
        "weighted_metrics": objectives("weighted_metrics"),
        "loss_weights": compile_cfg.get("loss_weights"),
        "sample_weight_mode": None,
    }
    for key in _LAMELLA_ONLY_COMPILE:
        if isinstance(extras, dict) and key in extras:
            training[key] = extras[key]
    return training


def _snake(name):
    from lamella_io.keras_v3.weights_store import snake_case

    return snake_case(name)


__all__ = ["compile_config", "from_keras3", "keras3_model_config", "strip_shared_ids",
           "training_config_from"]
