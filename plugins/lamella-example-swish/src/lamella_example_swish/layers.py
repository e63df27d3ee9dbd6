"""The ``Swish`` layer: ``x * sigmoid(beta * x)`` with a fixed ``beta``."""

import torch

from lamella.layers import Layer


class Swish(Layer):
    """Applies ``x * sigmoid(beta * x)`` element-wise; ``beta=1.0`` is the swish activation.

    Example::

        model = lamella.Sequential([lamella.layers.Dense(8, input_shape=(4,)),
                                    lamella.layers.Swish(beta=1.5)])
    """

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = float(beta)
        self.supports_masking = True

    def call(self, inputs):
        return inputs * torch.sigmoid(self.beta * inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["beta"] = self.beta
        return config
