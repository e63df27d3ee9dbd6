"""Functional models to and from Keras 2.3's config (``layers`` with ``inbound_nodes``), and
the one place a config that cannot be decoded becomes an error naming its source and field.

Every loader (``load_model``, ``model_from_json``, ``model_from_yaml``, ``Model.from_config``)
decodes inside :func:`decoding_config`; the code that walks a config marks where it is with
:func:`config_field`. A generic failure on the way (``KeyError: 'layers'``, a ``TypeError``
from a value of the wrong kind, a ``RecursionError`` from a config nested 100k deep, torch's
``RuntimeError`` on an impossible size) comes out as :class:`ConfigError`::

    ValueError: model.h5: cannot decode field 'model_config.config.layers[1].config':
    Dense: `units` must be a positive integer no larger than 9223372036854775807; got 10**30.

with the original exception as ``__cause__``.
"""

import contextlib
import contextvars
import json
import warnings

import numpy as np

from lamella import layers as layers_facade
from lamella.engine import base_layer, functional
from lamella.plugins import lookup

#: How deeply dicts and lists may nest in a model config. Keras's own configs stay under 40
#: even with models nested in models; the limit keeps the recursive code that reads configs
#: (and Python's own recursion limit) out of reach of a hostile file.
MAX_CONFIG_DEPTH = 200


class ConfigError(ValueError):
    """A model config that cannot be decoded; the message names its source and the field.

    Example::

        try:
            lamella.models.model_from_json('{"class_name": "Sequential", "config": {}}')
        except ConfigError as exc:
            print(exc)   # model_from_json: cannot decode field 'config': missing key 'layers'
    """


class ConfigTypeError(ConfigError, TypeError):
    """A :class:`ConfigError` caused by a ``TypeError`` (so ``except TypeError`` still holds,
    e.g. for Keras's "Keyword argument not understood").

    Example::

        try:
            model_from_json(text_with_an_unknown_argument)
        except TypeError as exc:          # also a ValueError naming the field
            print(exc)
    """


# The failures a malformed config provokes in generic code. lamella's own errors (an unknown
# name, code refused in safe mode, a damaged file) already say what is wrong and keep their
# types.
_GENERIC = (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError,
            OverflowError, RuntimeError, json.JSONDecodeError)
_FIELD = "_lamella_config_field"
# None outside a decode; inside, "unchecked", or "depth"/"full" once the config was checked
# that far (a nested model's config is part of what the outer check walked).
_DECODING = contextvars.ContextVar("lamella_decoding_config", default=None)


class _ConfigProblem(ValueError):
    """What :func:`check_config` found; :func:`decoding_config` adds the source and field."""


def _join(outer, inner):
    if not outer:
        return inner or ""
    if not inner:
        return outer
    return outer + inner if inner.startswith("[") else f"{outer}.{inner}"


@contextlib.contextmanager
def config_field(field):
    """Mark failures inside the block as coming from ``field`` (``"layers[2].config"``),
    relative to the enclosing :func:`config_field`.

    Example::

        for index, layer_config in enumerate(config["layers"]):
            with config_field(f"layers[{index}].config"):
                layers.deserialize(layer_config)
    """
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, ConfigError) and field:
            try:
                setattr(exc, _FIELD, _join(field, getattr(exc, _FIELD, "")))
            except AttributeError:  # pragma: no cover - an exception type without __dict__
                pass
        raise


def _reason(exc):
    if isinstance(exc, _ConfigProblem):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "it is nested too deeply to decode"
    if type(exc) is KeyError and exc.args:
        return f"missing key {exc.args[0]!r}"
    text = str(exc).split("\n", 1)[0]  # torch appends a C++ backtrace on later lines
    return f"{type(exc).__name__}: {text}"


def _wrappable(exc):
    kind = type(exc)
    return kind in _GENERIC or kind is _ConfigProblem or kind.__module__.startswith("torch")


@contextlib.contextmanager
def decoding_config(where, field=None, config=None, lambdas=True):
    """Decode a config inside the block: a generic failure becomes :class:`ConfigError`
    naming ``where`` (the file, or the function given the config) and the field.

    ``config``, when given, is first checked (:func:`check_config`; ``lambdas=False`` checks
    only its depth). Nested uses (a model inside a model) only add their ``field``: the
    outermost names the source.

    Example::

        with decoding_config("model.h5", "model_config", config):
            model = model_from_config(config)
    """
    state = _DECODING.get()
    wanted = "full" if lambdas else "depth"
    check = config is not None and state != "full" and (
        state in (None, "unchecked") or wanted == "full")
    token = _DECODING.set(wanted if check else state or "unchecked")
    try:
        with config_field(field):
            if check:
                _check(config, lambdas)
            yield
    except ConfigError:
        raise
    except Exception as exc:
        if state is not None or not _wrappable(exc):
            raise
        error = config_error(where, getattr(exc, _FIELD, ""), _reason(exc))
        if isinstance(exc, TypeError):
            error = ConfigTypeError(str(error))
        raise error from exc
    finally:
        _DECODING.reset(token)


def config_error(where, field, reason):
    """The :class:`ConfigError` for ``reason`` at ``field`` of the config from ``where``.

    Example::

        raise config_error("model.h5", "model_config.config", "missing key 'layers'")
    """
    at = f"cannot decode field {field!r}" if field else "cannot decode the config"
    return ConfigError(f"{where}: {at}: {reason}")


def parse_config_text(text, where, field=None, yaml_loader=None):
    """JSON (or, with ``yaml_loader``, a safe YAML loader) text as a config, its depth checked.

    Example::

        config = parse_config_text(f.attrs["model_config"], "model.h5", "model_config")
    """
    with decoding_config(where, field):
        if yaml_loader is None:
            config = json.loads(text)
        else:  # a YAMLError (a refused tag, a syntax error) names the line and stays as is
            import yaml

            config = yaml.load(text, Loader=yaml_loader)
    check_config(config, where, field, lambdas=False)
    return config


def check_config(config, where, field=None, lambdas=True):
    """Refuse, before any object is built, a config nested deeper than
    :data:`MAX_CONFIG_DEPTH` or (with ``lambdas``) holding Keras 3's serialised lambdas
    (``"__lambda__"``), which lamella cannot load. Iterative, so any depth is checked
    without recursing; raises :class:`ConfigError` naming ``where`` and the field.

    Example::

        check_config({"class_name": "Sequential", "config": {"layers": []}}, "model.json")
    """
    with decoding_config(where, field, config, lambdas):
        pass


def _check(config, lambdas):
    pending = [(config, "", 0)]
    while pending:
        node, path, depth = pending.pop()
        if depth > MAX_CONFIG_DEPTH:
            problem = _ConfigProblem(f"it nests more than {MAX_CONFIG_DEPTH} levels deep")
            setattr(problem, _FIELD, path[:200] + ("..." if len(path) > 200 else ""))
            raise problem
        if isinstance(node, dict):
            if lambdas and node.get("class_name") == "__lambda__":
                problem = _ConfigProblem(
                    "it holds a Keras 3 serialised Python function ('__lambda__'), which "
                    "lamella cannot load (it is bytecode, in Keras 3's format). Re-create the "
                    "Lambda layer in code and load the weights, or refer to a registered "
                    "function by name.")
                setattr(problem, _FIELD, path)
                raise problem
            pending.extend((value, _join(path, str(key)), depth + 1)
                           for key, value in node.items())
        elif isinstance(node, (list, tuple)):
            pending.extend((value, _join(path, f"[{index}]"), depth + 1)
                           for index, value in enumerate(node))


def json_default(obj):
    """``json.dumps`` fallback: NumPy values become lists and scalars, types their names."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, type):
        return obj.__name__
    raise TypeError(f"Not JSON serializable: {obj!r}")


def _saved_graph(model):
    """The graph a config records, and its added losses and metrics: the model's own graph,
    or, when the model computes symbolic losses or metrics (``add_loss``/``add_metric`` of
    functional-API tensors) from its own layers and recorded ops, the graph with them."""
    from lamella.engine.symbolic_ops import TensorOp

    if model._extras_key != base_layer._symbolic_extras_version[0]:
        model._refresh_extras()
    if model._extras_graph is None:
        return model._graph, model.layers, {}
    own = {id(layer) for layer in model.layers}
    foreign = [layer.name for layer in model._extras_graph.layers
               if id(layer) not in own and not isinstance(layer, TensorOp)]
    updates = [e for e in model._extras if e[0] == "update"]
    if foreign or updates:
        reason = (f"they use layers inside nested models ({', '.join(foreign[:5])})" if foreign
                  else "updates of variables cannot be written to a config")
        warnings.warn(f"Model {model.name!r}: the losses, metrics and updates added with "
                      f"add_loss/add_metric/add_update are not saved ({reason}); add them "
                      f"again after loading, as in Keras 2.3.", stacklevel=4)
        return model._graph, model.layers, {}
    extras = {"added_losses": [t for kind, t, _ in model._extras if kind == "loss"],
              "added_metrics": [(t, extra[1]) for kind, t, extra in model._extras
                                if kind == "metric"]}
    return model._extras_graph, model._extras_graph.layers, extras


def functional_config(model):
    graph, layers, extras = _saved_graph(model)
    relevant = graph.network_nodes
    layer_configs = []
    node_renumbering = {}
    for layer in layers:
        # Keras counts a nested model's own input-to-output node as node 0, so its first call
        # inside this model is node 1 (Keras 2.3 and 3 both write and read it that way).
        kept = _nested_model_offset(layer)
        for original_index, _ in enumerate(layer._inbound_nodes):
            key = functional.node_key(layer, original_index)
            if key in relevant:
                node_renumbering[key] = kept
                kept += 1
    for layer in layers:
        inbound_nodes = []
        for original_index, node in enumerate(layer._inbound_nodes):
            if functional.node_key(layer, original_index) not in relevant or not node.input_tensors:
                continue
            entries = []
            for inbound, node_index, tensor_index in zip(node.inbound_layers, node.node_indices,
                                                         node.tensor_indices):
                new_index = node_renumbering.get(functional.node_key(inbound, node_index), 0)
                entries.append([inbound.name, new_index, tensor_index, dict(node.call_kwargs)])
            inbound_nodes.append(entries)
        layer_configs.append({
            "name": layer.name,
            "class_name": lookup.registered_name("layers", layer),
            "config": layer.get_config(),
            "inbound_nodes": inbound_nodes,
        })

    def endpoints(histories):
        return [[layer.name, node_renumbering.get(functional.node_key(layer, node_index), 0),
                 tensor_index] for layer, node_index, tensor_index in histories]

    config = {
        "name": model.name,
        "layers": layer_configs,
        "input_layers": endpoints(model._graph.input_layers),
        "output_layers": endpoints(model._graph.output_layers),
    }
    # lamella's own keys (Keras 2.3 never saved added losses); Keras ignores them.
    if extras.get("added_losses"):
        config["added_losses"] = endpoints([t._keras_history for t in extras["added_losses"]])
    if extras.get("added_metrics"):
        config["added_metrics"] = [[*endpoints([t._keras_history])[0], name]
                                   for t, name in extras["added_metrics"]]
    return config


def _nested_model_offset(layer):
    return 1 if layer._is_model else 0


def _node_inputs(node_data):
    """Keras 2 (``[name, node, tensor, kwargs]`` lists) or Keras 3 (``{"args": ...}``) nodes."""
    if isinstance(node_data, dict):
        entries = []
        for arg in node_data.get("args", []):
            for item in arg if isinstance(arg, list) else [arg]:
                history = item["config"]["keras_history"]
                entries.append([history[0], history[1], history[2], {}])
        return entries, node_data.get("kwargs", {})
    entries = [list(entry) + [{}] * (4 - len(entry)) for entry in node_data]
    return entries, entries[0][3] if entries else {}


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model from its config (``Model.from_config``); a malformed config
    raises :class:`ConfigError` naming the field."""
    with decoding_config(f"{cls.__name__}.from_config", config=config):
        return _functional_from_config(cls, config, custom_objects)


def _functional_from_config(cls, config, custom_objects):
    created = {}
    pending = []
    for index, layer_data in enumerate(config["layers"]):
        with config_field(f"layers[{index}]"):
            entry = {"class_name": layer_data["class_name"], "config": layer_data["config"]}
            with config_field("config"):
                layer = layers_facade.deserialize(entry, custom_objects)
            created[layer_data["name"]] = layer
            pending.extend((layer, node, index) for node in layer_data.get("inbound_nodes", []))

    def output_of(name, node_index, tensor_index):
        if name not in created:
            raise ValueError(f"no layer is named {name!r}")
        layer = created[name]
        node_index = max(node_index - _nested_model_offset(layer), 0)
        if node_index >= len(layer._inbound_nodes):
            return None
        return layer._inbound_nodes[node_index].output_tensors[tensor_index]

    progress = True
    while pending and progress:
        progress = False
        remaining = []
        for layer, node_data, index in pending:
            with config_field(f"layers[{index}].inbound_nodes"):
                entries, kwargs = _node_inputs(node_data)
                tensors = [output_of(e[0], e[1], e[2]) for e in entries]
                if any(t is None for t in tensors):
                    remaining.append((layer, node_data, index))
                    continue
                layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)
            progress = True
        pending = remaining
    if pending:
        names = sorted({layer.name for layer, _, _ in pending})
        raise ValueError(f"Could not rebuild the model graph: layers {names} have inputs that "
                         f"are never produced.")

    def resolve(key):
        with config_field(key):
            endpoints = config[key]
            if endpoints and not isinstance(endpoints[0], list):
                endpoints = [endpoints]
            outputs = [output_of(*endpoint[:3]) for endpoint in endpoints]
            if not outputs or any(t is None for t in outputs):
                raise ValueError(f"{endpoints} does not name layer outputs the graph produces")
            return outputs

    inputs, outputs = resolve("input_layers"), resolve("output_layers")
    model = cls(inputs=inputs if len(inputs) > 1 else inputs[0],
                outputs=outputs if len(outputs) > 1 else outputs[0], name=config.get("name"))
    if config.get("added_losses"):
        model.add_loss(resolve("added_losses"))
    with config_field("added_metrics"):
        for entry in config.get("added_metrics") or []:
            if not isinstance(entry, list) or len(entry) != 4 or not isinstance(entry[3], str):
                raise ValueError(f"{entry!r} is not [layer, node, tensor, metric name]")
            tensor = output_of(*entry[:3])
            if tensor is None:
                raise ValueError(f"{entry!r} does not name a layer output the graph produces")
            model.add_metric(tensor, name=entry[3])
    return model
