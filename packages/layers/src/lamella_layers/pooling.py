"""Keras 2.3's 2-D max pooling, ``MaxPooling2D`` (alias ``MaxPool2D``).

``padding='same'`` follows TF: the output has ``ceil(size / stride)`` cells and the padding
(extra cell at the bottom/right) is never the maximum, because it is filled with ``-inf``.
channels_last input is pooled through a permuted ``(N, C, H, W)`` view (torch's
``channels_last`` memory format), without a copy.

Example::

    import torch
    from lamella_layers.pooling import MaxPooling2D

    MaxPooling2D()(torch.ones(2, 8, 8, 3)).shape                                 # (2, 4, 4, 3)
    MaxPooling2D(3, strides=2, padding="same")(torch.ones(2, 8, 8, 3)).shape     # (2, 4, 4, 3)
"""

import torch.nn.functional as F

from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils

__all__ = ["MaxPooling2D"]


class MaxPooling2D(Layer):
    """Max pooling over 2-D windows of ``pool_size``, every ``strides`` (default: ``pool_size``).

    Example: ``MaxPooling2D(pool_size=(2, 2))(torch.arange(16.).reshape(1, 4, 4, 1))`` is
    ``[[[[5], [7]], [[13], [15]]]]``.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if strides is None:
            strides = pool_size
        self.pool_size = _utils.normalize_tuple(owner, "pool_size", pool_size, 2)
        self.strides = _utils.normalize_tuple(owner, "strides", strides, 2)
        self.padding = _utils.normalize_padding(owner, padding)
        self.data_format = _utils.normalize_data_format(owner, data_format)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                f"{type(self).__name__}: expected input of rank 4; got input_shape="
                f"{tuple(input_shape)!r}."
            )
        self.built = True

    def call(self, inputs):
        channels_last = self.data_format == "channels_last"
        x = inputs.permute(0, 3, 1, 2) if channels_last else inputs
        padding = (0, 0)
        if self.padding == "same":
            pads = [_utils.same_padding(length, k, s)
                    for length, k, s in zip(x.shape[2:], self.pool_size, self.strides)]
            symmetric = all(a == b and a <= k // 2 for (a, b), k in zip(pads, self.pool_size))
            if symmetric:
                padding = tuple(a for a, _ in pads)  # torch pads max pooling with -inf itself
            else:
                x = F.pad(x, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]),
                          value=float("-inf"))
        y = F.max_pool2d(x, self.pool_size, self.strides, padding)
        return y.permute(0, 2, 3, 1) if channels_last else y

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            rows, cols = input_shape[1], input_shape[2]
        else:
            rows, cols = input_shape[2], input_shape[3]
        rows = _utils.conv_output_length(rows, self.pool_size[0], self.padding, self.strides[0])
        cols = _utils.conv_output_length(cols, self.pool_size[1], self.padding, self.strides[1])
        if self.data_format == "channels_last":
            return (input_shape[0], rows, cols, input_shape[3])
        return (input_shape[0], input_shape[1], rows, cols)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}
