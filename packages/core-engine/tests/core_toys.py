"""Minimal components for the core's own tests, so they run with only lamella-core installed."""

import torch

from lamella.base.optimizer import Optimizer
from lamella.engine.base_layer import Layer


class ToyDense(Layer):
    """A dense layer with a deterministic initializer (Keras layout (in, out))."""

    def __init__(self, units, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.seed = units, seed

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


class ToySGD(Optimizer):
    def __init__(self, learning_rate=0.1, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)

    def _apply(self, params, grads, lr):
        torch._foreach_add_(params, grads, alpha=-lr)


def mse(y_true, y_pred):
    return ((y_pred - y_true) ** 2).mean(dim=-1)
