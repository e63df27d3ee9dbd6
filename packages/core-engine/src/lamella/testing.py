"""Small, deterministic components for testing plugins with only lamella-core installed.

A plugin's own tests run with lamella-core and that plugin alone (no lamella-layers, no
lamella-optimizers), yet often need a model that trains. These stand in for Dense, SGD and
mean squared error there.

Example::

    from lamella.testing import SeededDense, PlainSGD, mean_squared_error

    model = lamella.Sequential([SeededDense(3, input_shape=(4,)), SeededDense(1, seed=1)])
    model.compile(PlainSGD(0.1), loss=mean_squared_error)
"""

import torch

from lamella.base.optimizer import Optimizer
from lamella.engine.base_layer import Layer


class SeededDense(Layer):
    """``x @ kernel + bias`` with a seeded normal initializer (Keras layout ``(in, units)``).

    Example::

        SeededDense(3, seed=0)(torch.ones(2, 4)).shape   # (2, 3)
    """

    def __init__(self, units, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.seed = int(units), int(seed)

    def build(self, input_shape):
        generator = torch.Generator().manual_seed(self.seed)
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], self.units),
            initializer=lambda shape, dtype=None: torch.randn(shape, generator=generator) * 0.3)
        self.bias = self.add_weight("bias", (self.units,),
                                    initializer=lambda shape, dtype=None: torch.zeros(shape))

    def call(self, inputs):
        return torch.nn.functional.linear(inputs, self.kernel.t(), self.bias)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return dict(super().get_config(), units=self.units, seed=self.seed)


class PlainSGD(Optimizer):
    """Stochastic gradient descent without momentum: ``p -= lr * g``.

    Example::

        model.compile(PlainSGD(learning_rate=0.1), loss=mean_squared_error)
    """

    def __init__(self, learning_rate=0.1, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)

    def _apply(self, params, grads, lr):
        torch._foreach_add_(params, grads, alpha=-lr)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error over the last axis."""
    return ((y_pred - y_true) ** 2).mean(dim=-1)
