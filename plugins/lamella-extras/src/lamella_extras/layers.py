"""``RMSNorm``: root-mean-square layer normalization (Zhang & Sennrich, 2019)."""

import torch

from lamella.layers import Layer


def _ones(shape, dtype=None):
    # A callable initializer: the string "ones" needs lamella-layers, this plugin only the core.
    return torch.ones(shape)


class RMSNorm(Layer):
    """Divides by the root mean square over the last axis, then scales per feature.

    ``y = x / sqrt(mean(x², axis=-1) + epsilon) * gamma``; unlike layer normalization it
    neither centres the input nor adds a bias.

    Args:
        epsilon: added to the mean square, ``> 0``.
        scale: learn ``gamma`` (one weight per feature, starting at 1); ``False`` for none.

    Example::

        model = lamella.Sequential([lamella.layers.Dense(16, input_shape=(8,)),
                                    lamella.layers.RMSNorm(epsilon=1e-5)])
    """

    def __init__(self, epsilon=1e-6, scale=True, **kwargs):
        super().__init__(**kwargs)
        if not epsilon > 0:
            raise ValueError(f"RMSNorm: epsilon must be > 0, got {epsilon}")
        self.epsilon = float(epsilon)
        self.scale = bool(scale)
        self.supports_masking = True

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"RMSNorm: the last axis of the input must be known, got shape "
                             f"{tuple(input_shape)}")
        if self.scale:
            self.gamma = self.add_weight("gamma", (features,), initializer=_ones)
        super().build(input_shape)

    def call(self, inputs):
        # the mean square in at least float32, so float16 inputs neither overflow nor lose it
        wide = inputs.to(torch.promote_types(inputs.dtype, torch.float32))
        mean_square = wide.pow(2).mean(dim=-1, keepdim=True)
        outputs = inputs * torch.rsqrt(mean_square + self.epsilon).to(inputs.dtype)
        return outputs * self.gamma if self.scale else outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(epsilon=self.epsilon, scale=self.scale)
        return config
