"""``model_to_dot`` and ``plot_model``: Keras's model diagrams, drawn with pydot.

pydot is optional (``pip install pydot``); writing an image also needs Graphviz's ``dot``
program. The ``.dot`` format needs only pydot.
"""

import os


def _pydot():
    try:  # pydot is optional: imported only when a diagram is drawn
        import pydot
    except ImportError as exc:
        raise ImportError(
            "model_to_dot/plot_model need pydot: pip install pydot (and Graphviz's `dot` "
            "program for image formats such as PNG)."
        ) from exc
    return pydot


def _shape_label(shape):
    if isinstance(shape, list):
        return ", ".join(str(tuple(s)) for s in shape)
    return str(tuple(shape))


def _layer_shapes(layer):
    try:
        input_shape = _shape_label(layer.input_shape)
    except AttributeError:
        input_shape = "multiple"
    try:
        output_shape = _shape_label(layer.output_shape)
    except AttributeError:
        output_shape = "multiple"
    return input_shape, output_shape


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False):
    """The model's graph as a ``pydot.Dot`` (Keras 2.3's node labels and edges).

    Example::

        dot = model_to_dot(model, show_shapes=True)
        print(dot.to_string())
    """
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record")

    layers = model.layers
    if hasattr(model, "_input_layer") and model._input_layer is not None:
        layers = [model._input_layer] + layers  # Keras draws a Sequential's input too
    for layer in layers:
        layer_id = str(id(layer))
        class_name = type(layer).__name__
        if expand_nested and layer._is_model:
            dot.add_subgraph(model_to_dot(layer, show_shapes, show_layer_names, rankdir,
                                          expand_nested, subgraph=True))
        label = f"{layer.name}: {class_name}" if show_layer_names else class_name
        if show_shapes:
            input_shape, output_shape = _layer_shapes(layer)
            label = f"{label}\n|{{input:|output:}}|{{{{{input_shape}}}|{{{output_shape}}}}}"
        dot.add_node(pydot.Node(layer_id, label=label))

    for layer in layers:
        for node in layer._inbound_nodes:
            for inbound in node.inbound_layers:
                if inbound in layers or inbound is getattr(model, "_input_layer", None):
                    dot.add_edge(pydot.Edge(str(id(inbound)), str(id(layer))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96):
    """Draw the model to ``to_file``; the extension picks the format (``.png``, ``.svg``,
    ``.dot``...). Returns the ``pydot.Dot``.

    Example::

        plot_model(model, to_file="model.dot", show_shapes=True)
    """
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir, expand_nested, dpi)
    extension = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if extension in ("dot", "gv"):
        with open(to_file, "w") as handle:
            handle.write(dot.to_string())
        return dot
    try:
        dot.write(to_file, format=extension)
    except FileNotFoundError as exc:
        raise OSError(
            f"plot_model could not write {to_file!r}: Graphviz's `dot` program is needed for "
            f"the {extension!r} format (install graphviz), or save as '.dot' instead."
        ) from exc
    return dot


# --- the rest of Keras 2.3.1's ``keras.utils.vis_utils`` --------------------------------------


def is_model(layer):
    """Whether ``layer`` is a model (a nested ``Model`` is drawn as a cluster by Keras).

    Told from the class's ancestry rather than ``isinstance``: the engine imports this module
    (through ``lamella.utils``), so importing ``Model`` here would be an import cycle."""
    return any(cls.__name__ == "Model" and cls.__module__ == "lamella.engine.model"
               for cls in type(layer).__mro__)


def is_wrapped_model(layer):
    """Whether ``layer`` is a wrapper (``TimeDistributed``, ``Bidirectional``) around a model."""
    wrapper = _wrapper_class()
    return wrapper is not None and isinstance(layer, wrapper) and is_model(layer.layer)


def add_edge(dot, src, dst):
    """Add the edge ``src -> dst`` (node ids) to a pydot graph unless it is there already."""
    if not dot.get_edge(src, dst):
        dot.add_edge(_pydot().Edge(src, dst))


def _wrapper_class():
    from lamella.plugins import lookup

    return lookup.find("layers", "Wrapper")


def __getattr__(name):
    # Keras's module imports Model: the engine imports this module, so Model comes through
    # lamella's lazy top-level attribute (lamella.Model), not an import of the engine here.
    # Wrapper comes from the layers plugin.
    if name == "Model":
        import lamella

        return lamella.Model
    if name == "Wrapper":
        wrapper = _wrapper_class()
        if wrapper is not None:
            return wrapper
    raise AttributeError(f"module 'lamella.utils.vis_utils' has no attribute {name!r}")
