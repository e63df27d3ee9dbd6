"""``model.summary()``: Keras 2.3's table, character for character."""


def _is_sequential_like(model):
    if model._is_sequential:
        return True
    if not getattr(model, "_is_graph_network", False):
        return True
    nodes = [n for depth in model._graph.nodes_by_depth.values() for n in depth]
    if len(model._graph.nodes_by_depth) != len(nodes):
        return False
    for node in nodes:
        if len(node.input_tensors) > 1:
            return False
        if len(node.outbound_layer._inbound_nodes) > 1:
            return False
    return True


def _shape_text(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    if isinstance(shape, list) and shape and isinstance(shape[0], tuple):
        return str(shape)
    return str(tuple(shape))


def _count(weights):
    return int(sum(w.numel() for w in weights))


def print_summary(model, line_length=None, positions=None, print_fn=None):
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "calling `fit()` with some data, or specify an `input_shape` argument in the first "
            "layer(s) for automatic build."
        )
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        relevant = model._graph.network_nodes
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[: positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_row(headers)
    print_fn("=" * line_length)

    layers = model.layers
    for index, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        params = layer.count_params() if layer.built else 0
        if sequential_like:
            print_row([name, _shape_text(layer), params])
        else:
            connections = []
            for node_index, node in enumerate(layer._inbound_nodes):
                key = f"{layer.name}_ib-{node_index}"
                if relevant and key not in relevant:
                    continue
                for inbound, n_index, t_index in zip(node.inbound_layers, node.node_indices,
                                                     node.tensor_indices):
                    connections.append(f"{inbound.name}[{n_index}][{t_index}]")
            first = connections[0] if connections else ""
            print_row([name, _shape_text(layer), params, first])
            for extra in connections[1:]:
                print_row(["", "", "", extra])
        print_fn(("=" if index == len(layers) - 1 else "_") * line_length)

    trainable = _count(_unique(model.trainable_weights))
    non_trainable = _count(_unique(model.non_trainable_weights))
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)


def _unique(tensors):
    seen, result = set(), []
    for tensor in tensors:
        if id(tensor) not in seen:
            seen.add(id(tensor))
            result.append(tensor)
    return result
