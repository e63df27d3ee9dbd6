"""Functional models to and from Keras 2.3's config (``layers`` with ``inbound_nodes``)."""

import numpy as np

from lamella import layers as layers_facade
from lamella.engine import functional


def json_default(obj):
    """``json.dumps`` fallback: NumPy values become lists and scalars, types their names."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, type):
        return obj.__name__
    raise TypeError(f"Not JSON serializable: {obj!r}")


def functional_config(model):
    relevant = model._graph.network_nodes
    layer_configs = []
    node_renumbering = {}
    for layer in model.layers:
        # Keras counts a nested model's own input-to-output node as node 0, so its first call
        # inside this model is node 1 (Keras 2.3 and 3 both write and read it that way).
        kept = _nested_model_offset(layer)
        for original_index, _ in enumerate(layer._inbound_nodes):
            key = functional.node_key(layer, original_index)
            if key in relevant:
                node_renumbering[key] = kept
                kept += 1
    for layer in model.layers:
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
            "class_name": type(layer).__name__,
            "config": layer.get_config(),
            "inbound_nodes": inbound_nodes,
        })

    def endpoints(histories):
        return [[layer.name, node_renumbering.get(functional.node_key(layer, node_index), 0),
                 tensor_index] for layer, node_index, tensor_index in histories]

    return {
        "name": model.name,
        "layers": layer_configs,
        "input_layers": endpoints(model._graph.input_layers),
        "output_layers": endpoints(model._graph.output_layers),
    }


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
    created = {}
    pending = []
    for layer_data in config["layers"]:
        layer = layers_facade.deserialize(
            {"class_name": layer_data["class_name"], "config": layer_data["config"]},
            custom_objects,
        )
        created[layer_data["name"]] = layer
        pending.extend((layer, node) for node in layer_data.get("inbound_nodes", []))

    def output_of(name, node_index, tensor_index):
        layer = created[name]
        node_index = max(node_index - _nested_model_offset(layer), 0)
        if node_index >= len(layer._inbound_nodes):
            return None
        return layer._inbound_nodes[node_index].output_tensors[tensor_index]

    progress = True
    while pending and progress:
        progress = False
        remaining = []
        for layer, node_data in pending:
            entries, kwargs = _node_inputs(node_data)
            tensors = [output_of(e[0], e[1], e[2]) for e in entries]
            if any(t is None for t in tensors):
                remaining.append((layer, node_data))
                continue
            layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)
            progress = True
        pending = remaining
    if pending:
        names = sorted({layer.name for layer, _ in pending})
        raise ValueError(f"Could not rebuild the model graph: layers {names} have inputs that "
                         f"are never produced.")

    def resolve(endpoints):
        if endpoints and not isinstance(endpoints[0], list):
            endpoints = [endpoints]
        return [output_of(*endpoint[:3]) for endpoint in endpoints]

    inputs, outputs = resolve(config["input_layers"]), resolve(config["output_layers"])
    return cls(inputs=inputs if len(inputs) > 1 else inputs[0],
               outputs=outputs if len(outputs) > 1 else outputs[0], name=config.get("name"))
