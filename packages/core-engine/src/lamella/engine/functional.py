"""Graph analysis and execution for functional models, following Keras 2.3's ``Network``.

:func:`analyse` walks back from the outputs to order the nodes by depth (deepest first) and
the layers as Keras orders ``model.layers``; :func:`execute` runs the ordered nodes on real
tensors.
"""

import dataclasses

import torch

from lamella.engine.input_layer import InputLayer


@dataclasses.dataclass
class Graph:
    layers: list
    nodes_by_depth: dict  # depth -> [Node]
    input_layers: list  # [(layer, node_index, tensor_index)]
    output_layers: list
    network_nodes: set  # keys "layername_ib-<node_index>" of nodes inside the model
    steps: list  # [(node, input_keys, output_keys)] in execution order
    uses_masks: bool
    #: keys of the tensors a recorded ``K.gradients`` differentiates with respect to: they are
    #: made to require gradients when computed (TensorFlow differentiates any tensor; torch
    #: only those that require gradients).
    gradient_targets: frozenset = frozenset()


def node_key(layer, node_index):
    return f"{layer.name}_ib-{node_index}"


def tensor_key(tensor):
    layer, node_index, tensor_index = tensor._keras_history
    return (id(layer), node_index, tensor_index)


def analyse(inputs, outputs):
    """Order the graph between ``inputs`` and ``outputs`` as Keras 2.3 does."""
    for tensor in inputs:
        layer = tensor._keras_history[0] if tensor._keras_history else None
        if not isinstance(layer, InputLayer):
            raise ValueError(
                f"Model inputs must come from lamella.Input (InputLayer); got {tensor!r}."
            )
    finished, in_progress, ordered_nodes = set(), set(), []
    layer_indices = {}

    def build_map(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in in_progress:
            raise ValueError(f"The model graph has a cycle at layer {layer.name!r}.")
        if id(node) in finished:
            return
        layer_indices.setdefault(layer, len(layer_indices))
        in_progress.add(id(node))
        for inbound in _all_inputs(node):
            build_map(inbound)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered_nodes.append(node)

    for tensor in outputs:
        build_map(tensor)

    nodes_depths, layers_depths = {}, {}
    for node in reversed(ordered_nodes):
        depth = nodes_depths.setdefault(id(node), 0)
        depth = max(depth, layers_depths.get(node.outbound_layer, 0))
        layers_depths[node.outbound_layer] = depth
        nodes_depths[id(node)] = depth
        for inbound in _all_inputs(node):
            layer, node_index, _ = inbound._keras_history
            inbound_node = layer._inbound_nodes[node_index]
            nodes_depths[id(inbound_node)] = max(depth + 1, nodes_depths.get(id(inbound_node), 0))

    nodes_by_depth = {}
    for node in ordered_nodes:
        nodes_by_depth.setdefault(nodes_depths[id(node)], []).append(node)
    layers_by_depth = {}
    for layer, depth in layers_depths.items():
        layers_by_depth.setdefault(depth, []).append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth], key=lambda la: layer_indices[la]))
    _check_unique_names(layers)

    input_ids = {tensor_key(t) for t in inputs}
    for node in ordered_nodes:
        for tensor in _all_inputs(node):
            history_layer = tensor._keras_history[0]
            if isinstance(history_layer, InputLayer) and tensor_key(tensor) not in input_ids:
                raise ValueError(
                    f"Graph disconnected: cannot obtain the value of tensor {tensor!r} at layer "
                    f"{node.outbound_layer.name!r}. The following input was not passed to the "
                    f"model: {history_layer.name!r}."
                )

    steps = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if isinstance(node.outbound_layer, InputLayer):
                continue
            steps.append((node, [tensor_key(t) for t in node.input_tensors],
                          [tensor_key(t) for t in node.output_tensors],
                          {k: tensor_key(t) for k, t in node.kwarg_tensors.items()}))

    network_nodes = set()
    for node in ordered_nodes:
        layer = node.outbound_layer
        network_nodes.add(node_key(layer, layer._inbound_nodes.index(node)))
    uses_masks = any(t._keras_mask is not None for n in ordered_nodes for t in n.output_tensors)
    gradient_targets = frozenset(
        key for node, in_keys, _, _ in steps
        if getattr(node.outbound_layer, "differentiates_its_inputs", False)
        for key in in_keys[1:])
    return Graph(
        layers=layers,
        nodes_by_depth=nodes_by_depth,
        input_layers=[t._keras_history for t in inputs],
        output_layers=[t._keras_history for t in outputs],
        network_nodes=network_nodes,
        steps=steps,
        uses_masks=uses_masks,
        gradient_targets=gradient_targets,
    )


def _track_gradients(values, keys):
    """Make the floating tensors under ``keys`` require gradients (a fresh leaf where one
    did not: an input, or a value computed from no trainable weight), so that a recorded
    ``K.gradients`` with respect to them gets the gradient TensorFlow would give."""
    for key in keys:
        value = values.get(key)
        if value is not None and value.is_floating_point() and not value.requires_grad \
                and torch.is_grad_enabled():
            values[key] = value.detach().requires_grad_(True)


def _check_unique_names(layers):
    """Weights are saved and restored by layer name, so two layers of one name would lose one's
    weights; Keras 2.3 refuses such a model with this message."""
    counts = {}
    for layer in layers:
        counts[layer.name] = counts.get(layer.name, 0) + 1
    for name, count in counts.items():
        if count > 1:
            raise ValueError(f'The name "{name}" is used {count} times in the model. All layer '
                             f"names should be unique.")


def _all_inputs(node):
    return node.input_tensors + list(node.kwarg_tensors.values())


def execute(graph, input_keys, output_keys, inputs, masks=None):
    """Run the graph on real tensors; returns ``(outputs, output_masks)``."""
    values = dict(zip(input_keys, inputs))
    targets = getattr(graph, "gradient_targets", None)
    if targets:
        _track_gradients(values, targets)
    track_masks = graph.uses_masks or masks is not None
    mask_values = dict(zip(input_keys, masks or [None] * len(inputs))) if track_masks else None
    for node, in_keys, out_keys, kwarg_keys in graph.steps:
        layer = node.outbound_layer
        args = [values[k] for k in in_keys]
        x = args[0] if node.single_input else args
        kwargs = node.call_kwargs
        if kwarg_keys:
            kwargs = dict(kwargs, **{name: values[key] for name, key in kwarg_keys.items()})
        if track_masks:
            in_masks = [mask_values.get(k) for k in in_keys]
            mask = in_masks[0] if node.single_input else in_masks
            has_mask = any(m is not None for m in in_masks)
            if has_mask and layer._call_accepts("mask"):
                kwargs = dict(kwargs, mask=mask)
            out = layer(x, **kwargs)
            out_mask = layer.compute_mask(x, mask if has_mask else None)
        else:
            out = layer(x, **kwargs)
        outs = out if isinstance(out, (list, tuple)) and len(out_keys) > 1 else [out]
        for key, value in zip(out_keys, outs):
            values[key] = value
        if targets:
            _track_gradients(values, targets.intersection(out_keys))
        if track_masks:
            out_masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outs)
            for key, value in zip(out_keys, out_masks):
                mask_values[key] = value
    outputs = [values[k] for k in output_keys]
    output_masks = [mask_values.get(k) for k in output_keys] if track_masks else None
    return outputs, output_masks
