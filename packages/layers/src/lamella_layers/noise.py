"""Keras 2.3's noise layers: ``GaussianNoise``, ``GaussianDropout``, ``AlphaDropout``.

All three are the identity in inference and act only in training (``training=True`` or the
layer in ``train()`` mode).

Example::

    import torch
    from lamella_layers.noise import GaussianNoise

    layer = GaussianNoise(0.1)
    layer.eval()
    layer(torch.ones(2, 3))            # unchanged
"""

import math

import torch

from lamella.engine.base_layer import Layer
from lamella_layers import _utils

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]


class _Noise(Layer):
    """A layer that perturbs its input in training only (the identity in inference).

    Example: ``GaussianDropout(0.5)(x, training=False)`` is ``x``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def _active(self, training):
        return self.training if training is None else bool(training)


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` in training.

    Example: ``GaussianNoise(0.1)(torch.ones(2, 3), training=True)``.
    """

    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _utils.number("GaussianNoise", "stddev", stddev, low=0)

    def call(self, inputs, training=None):
        if not self._active(training):
            return inputs
        return inputs + torch.randn_like(inputs) * self.stddev

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1 and stddev ``sqrt(rate / (1 - rate))``.

    Example: ``GaussianDropout(0.2)(torch.ones(2, 3), training=True)``.
    """

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = _utils.rate("GaussianDropout", "rate", rate)

    def call(self, inputs, training=None):
        if not self._active(training) or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (1.0 + torch.randn_like(inputs) * stddev)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(_Noise):
    """Dropout that keeps SELU's self-normalisation (mean and variance of the inputs).

    Example: ``AlphaDropout(0.1)(torch.ones(2, 3), training=True)``.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _utils.rate("AlphaDropout", "rate", rate)
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=None):
        if not self._active(training) or not 0 < self.rate < 1:
            return inputs
        alpha = 1.6732632423543772848170429916717
        scale = 1.0507009873554804934193349852946
        alpha_p = -alpha * scale
        if self.noise_shape is None:
            shape = inputs.shape
        else:
            shape = tuple(inputs.shape[i] if d is None else d
                          for i, d in enumerate(self.noise_shape))
        keep = (torch.rand(shape, device=inputs.device, dtype=inputs.dtype)
                >= self.rate).to(inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * keep + alpha_p * (1 - keep)
        return a * x + b

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
