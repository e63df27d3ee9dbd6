"""lamella_layers's registrations with lamella.

Every object is named by a ``"module:attr"`` string, so listing plugins imports nothing but
this module. The snake_case form of each class name is registered automatically; the Keras
aliases are listed here.
"""

from lamella.plugins import Component, hookimpl

_ACT = "lamella_layers.activations"
_INIT = "lamella_layers.initializers"
_REG = "lamella_layers.regularizers"
_CON = "lamella_layers.constraints"


@hookimpl
def lamella_layers():
    return [
        Component("Dense", "lamella_layers.core:Dense"),
        Component("Activation", "lamella_layers.core:Activation"),
        Component("Dropout", "lamella_layers.core:Dropout"),
        Component("Flatten", "lamella_layers.core:Flatten"),
        Component("Conv2D", "lamella_layers.convolutional:Conv2D", aliases=("Convolution2D",)),
        Component("MaxPooling2D", "lamella_layers.pooling:MaxPooling2D", aliases=("MaxPool2D",)),
    ]


@hookimpl
def lamella_activations():
    names = ("softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
             "hard_sigmoid", "exponential", "linear")
    return [Component(name, f"{_ACT}:{name}") for name in names]


@hookimpl
def lamella_initializers():
    return [
        Component("Zeros", f"{_INIT}:Zeros", aliases=("zeros", "zero")),
        Component("Ones", f"{_INIT}:Ones", aliases=("ones", "one")),
        Component("Constant", f"{_INIT}:Constant", aliases=("constant",)),
        Component("RandomNormal", f"{_INIT}:RandomNormal", aliases=("random_normal", "normal")),
        Component("RandomUniform", f"{_INIT}:RandomUniform",
                  aliases=("random_uniform", "uniform")),
        Component("TruncatedNormal", f"{_INIT}:TruncatedNormal", aliases=("truncated_normal",)),
        Component("VarianceScaling", f"{_INIT}:VarianceScaling", aliases=("variance_scaling",)),
        Component("Orthogonal", f"{_INIT}:Orthogonal", aliases=("orthogonal",)),
        Component("Identity", f"{_INIT}:Identity", aliases=("identity",)),
        *(Component(name, f"{_INIT}:{name}") for name in (
            "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
            "lecun_normal")),
    ]


@hookimpl
def lamella_regularizers():
    return [
        Component("L1L2", f"{_REG}:L1L2"),
        Component("l1", f"{_REG}:l1"),
        Component("l2", f"{_REG}:l2"),
        Component("l1_l2", f"{_REG}:l1_l2"),
    ]


@hookimpl
def lamella_constraints():
    return [
        Component("MaxNorm", f"{_CON}:MaxNorm", aliases=("max_norm", "maxnorm")),
        Component("NonNeg", f"{_CON}:NonNeg", aliases=("non_neg", "nonneg")),
        Component("UnitNorm", f"{_CON}:UnitNorm", aliases=("unit_norm", "unitnorm")),
        Component("MinMaxNorm", f"{_CON}:MinMaxNorm", aliases=("min_max_norm",)),
    ]
