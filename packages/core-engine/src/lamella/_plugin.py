"""lamella-core's own registrations: the layers and callbacks that live in the core."""

from lamella.plugins import Component, hookimpl


@hookimpl
def lamella_layers():
    return [
        Component("InputLayer", "lamella.engine.input_layer:InputLayer"),
        Component("Model", "lamella.engine.model:Model", aliases=("Functional",)),
        Component("Sequential", "lamella.engine.sequential:Sequential"),
        # Backend ops, gradients and masks recorded on functional-API tensors.
        Component("TensorOp", "lamella.engine.symbolic_ops:TensorOp"),
        Component("MaskOf", "lamella.engine.base_layer:MaskOf"),
        Component("GradientOp", "lamella.engine.graph_function:GradientOp"),
    ]


@hookimpl
def lamella_callbacks():
    return [
        Component("BaseLogger", "lamella.engine.callbacks:BaseLogger"),
        Component("History", "lamella.engine.callbacks:History"),
        Component("ProgbarLogger", "lamella.engine.callbacks:ProgbarLogger"),
    ]
