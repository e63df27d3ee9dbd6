"""lamella_optimizers: Keras 2.3 optimizers and learning-rate schedules for lamella."""

from lamella._version import __version__
from lamella_optimizers.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Nadam,
    RMSprop,
)
from lamella_optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)
from lamella_optimizers.torch_optimizer import TorchOptimizer

__all__ = [
    "__version__", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam", "AdamW",
    "TorchOptimizer", "LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
    "InverseTimeDecay", "PolynomialDecay", "CosineDecay",
]
