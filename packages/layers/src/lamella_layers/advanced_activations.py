"""Keras 2.3's advanced activation layers: ``LeakyReLU``, ``PReLU``, ``ELU``,
``ThresholdedReLU``, ``Softmax``, ``ReLU``.

Example::

    import torch
    from lamella_layers.advanced_activations import LeakyReLU, ReLU

    LeakyReLU()(torch.tensor([-1.0, 2.0]))                 # [-0.3, 2.0] (Keras's alpha 0.3)
    ReLU(max_value=1.0)(torch.tensor([-1.0, 2.0]))         # [0.0, 1.0]
"""

import torch.nn.functional as F

from lamella import constraints, initializers, regularizers
from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils
from lamella_layers import activations as _act

__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]


class _Elementwise(Layer):
    """An activation layer without weights: same shape out, the mask passes through.

    Example: ``ELU(1.0).compute_output_shape((None, 3)) == (None, 3)``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_Elementwise):
    """``x`` for ``x > 0``, ``alpha * x`` otherwise (``alpha=0.3`` as in Keras).

    Example: ``LeakyReLU(0.1)(torch.tensor([-1.0, 1.0]))`` is ``[-0.1, 1.0]``.
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _utils.number("LeakyReLU", "alpha", alpha)

    def call(self, inputs):
        return F.leaky_relu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Leaky ReLU with a learned ``alpha`` per element of ``input_shape[1:]`` (or shared along
    ``shared_axes``, 1-indexed like Keras).

    Example: ``PReLU(shared_axes=[1, 2])(torch.zeros(2, 4, 4, 3))``; its alpha has shape
    ``(1, 1, 3)``.
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for axis in self.shared_axes:
                if not 1 <= axis < len(input_shape):
                    raise ValueError(f"PReLU: `shared_axes` entry {axis} is out of range for "
                                     f"input_shape {tuple(input_shape)!r}.")
                param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU: every non-shared axis must be defined; got input_shape "
                             f"{tuple(input_shape)!r}.")
        self.alpha = self.add_weight("alpha", param_shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if not self.shared_axes or i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        # Keras: relu(x) - alpha * relu(-x)
        return F.relu(inputs) - self.alpha * F.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class ELU(_Elementwise):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Example: ``ELU(0.5)(torch.tensor([0.0, 2.0]))`` is ``[0.0, 2.0]``.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _utils.number("ELU", "alpha", alpha)

    def call(self, inputs):
        return _act.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class ThresholdedReLU(_Elementwise):
    """``x`` for ``x > theta``, 0 otherwise.

    Example: ``ThresholdedReLU(1.0)(torch.tensor([0.5, 2.0]))`` is ``[0.0, 2.0]``.
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = _utils.number("ThresholdedReLU", "theta", theta)

    def call(self, inputs):
        return inputs * (inputs > self.theta).to(inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


class Softmax(_Elementwise):
    """Softmax along ``axis`` (default the last; on 2-D inputs Keras 2.3.1 ignores ``axis``).

    Example: ``Softmax()(torch.zeros(1, 2))`` is ``[[0.5, 0.5]]``.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs):
        # Keras 2.3.1 calls activations.softmax, which ignores ``axis`` on 2-D inputs
        return _act.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ReLU(_Elementwise):
    """Keras's generalised ReLU: ``max_value`` clip, ``negative_slope`` below ``threshold``.

    Example: ``ReLU(max_value=1.0)(torch.tensor([-1.0, 3.0]))`` is ``[0.0, 1.0]``.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = _utils.number("ReLU", "max_value", max_value, low=0.0)
        self.max_value = max_value
        self.negative_slope = _utils.number("ReLU", "negative_slope", negative_slope,
                                             low=0.0)
        self.threshold = _utils.number("ReLU", "threshold", threshold)

    def call(self, inputs):
        return _act.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                         threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}
