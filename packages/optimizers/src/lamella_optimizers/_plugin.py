"""lamella_optimizers's registrations with lamella."""

from lamella.plugins import Component, hookimpl

_OPT = "lamella_optimizers.optimizers"
_SCH = "lamella_optimizers.schedules"


@hookimpl
def lamella_optimizers():
    return [
        Component("SGD", f"{_OPT}:SGD", aliases=("sgd",)),
        Component("RMSprop", f"{_OPT}:RMSprop", aliases=("rmsprop",)),
        Component("Adagrad", f"{_OPT}:Adagrad", aliases=("adagrad",)),
        Component("Adadelta", f"{_OPT}:Adadelta", aliases=("adadelta",)),
        Component("Adam", f"{_OPT}:Adam", aliases=("adam",)),
        Component("Adamax", f"{_OPT}:Adamax", aliases=("adamax",)),
        Component("Nadam", f"{_OPT}:Nadam", aliases=("nadam",)),
        Component("AdamW", f"{_OPT}:AdamW", aliases=("adamw",)),
        Component("TorchOptimizer", "lamella_optimizers.torch_optimizer:TorchOptimizer"),
    ]


@hookimpl
def lamella_schedules():
    return [
        Component("LearningRateSchedule", f"{_SCH}:LearningRateSchedule"),
        Component("ExponentialDecay", f"{_SCH}:ExponentialDecay"),
        Component("PiecewiseConstantDecay", f"{_SCH}:PiecewiseConstantDecay"),
        Component("InverseTimeDecay", f"{_SCH}:InverseTimeDecay"),
        Component("PolynomialDecay", f"{_SCH}:PolynomialDecay"),
        Component("CosineDecay", f"{_SCH}:CosineDecay"),
    ]
