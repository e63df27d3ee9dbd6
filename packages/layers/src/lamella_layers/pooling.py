"""Keras 2.3's pooling layers: ``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D``,
``GlobalMaxPooling1D/2D/3D``, ``GlobalAveragePooling1D/2D/3D`` (and the ``MaxPool2D``-style
aliases).

``padding='same'`` follows TF: the output has ``ceil(size / stride)`` cells, the extra padded
cell goes at the end, max pooling never picks the padding (``-inf``) and average pooling
excludes it from the divisor (torch's ``count_include_pad=False``). channels_last input is
pooled through a permuted channels-first view (torch's ``channels_last`` memory format),
without a copy.

Example::

    import torch
    from lamella_layers.pooling import MaxPooling2D

    MaxPooling2D()(torch.ones(2, 8, 8, 3)).shape                                 # (2, 4, 4, 3)
    MaxPooling2D(3, strides=2, padding="same")(torch.ones(2, 8, 8, 3)).shape     # (2, 4, 4, 3)
"""

import torch
import torch.nn.functional as F

from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D"]

_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class _Pooling(Layer):
    """The N-D max/average pooling base (``rank`` spatial axes, TF's ``'same'`` rule).

    Example: ``MaxPooling2D(2)(torch.zeros(1, 4, 4, 3)).shape == (1, 2, 2, 3)``.
    """

    rank = 2
    _max = True

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if strides is None:
            strides = pool_size
        self.pool_size = _utils.normalize_tuple(owner, "pool_size", pool_size, self.rank)
        self.strides = _utils.normalize_tuple(owner, "strides", strides, self.rank)
        self.padding = _utils.normalize_padding(owner, padding)
        self.data_format = _utils.normalize_data_format(owner, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{type(self).__name__}: expected input of rank {self.rank + 2}; got "
                f"input_shape={tuple(input_shape)!r}."
            )
        self.built = True

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        pads = None
        if self.padding == "same":
            pads = [_utils.same_padding(length, k, s)
                    for length, k, s in zip(x.shape[2:], self.pool_size, self.strides)]
            if all(a == 0 and b == 0 for a, b in pads):
                pads = None
        if self._max:
            padding = 0
            if pads is not None:
                if all(a == b and a <= k // 2 for (a, b), k in zip(pads, self.pool_size)):
                    padding = tuple(a for a, _ in pads)  # torch pads max pooling with -inf
                else:
                    x = F.pad(x, _utils.pad_pairs(pads), value=float("-inf"))
            y = _MAX[self.rank](x, self.pool_size, self.strides, padding)
        elif pads is None:
            y = _AVG[self.rank](x, self.pool_size, self.strides)
        elif all(a == b and a <= k // 2 for (a, b), k in zip(pads, self.pool_size)):
            y = _AVG[self.rank](x, self.pool_size, self.strides, tuple(a for a, _ in pads),
                                count_include_pad=False)
        else:
            flat = _utils.pad_pairs(pads)
            total = _AVG[self.rank](F.pad(x, flat), self.pool_size, self.strides)
            ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            count = _AVG[self.rank](F.pad(ones, flat), self.pool_size, self.strides)
            y = total / count
        return _utils.from_channels_first(y, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        space = tuple(_utils.conv_output_length(length, k, self.padding, s) for length, k, s in
                      zip(_utils.spatial_of(input_shape, self.data_format), self.pool_size,
                          self.strides))
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        return _utils.with_spatial(input_shape, self.data_format, space, channels)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """Max pooling over steps. Example: ``MaxPooling1D()(torch.zeros(2, 8, 3)).shape ==
    (2, 4, 3)``."""

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max pooling over 2-D windows of ``pool_size``, every ``strides`` (default: ``pool_size``).

    Example: ``MaxPooling2D(pool_size=(2, 2))(torch.arange(16.).reshape(1, 4, 4, 1))`` is
    ``[[[[5], [7]], [[13], [15]]]]``.
    """

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max pooling over volumes. Example: ``MaxPooling3D()(torch.zeros(1, 4, 4, 4, 2)).shape ==
    (1, 2, 2, 2, 2)``."""

    rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(MaxPooling1D):
    """Average pooling over steps. Example: ``AveragePooling1D()(torch.ones(2, 8, 3))`` is all
    ones, shape ``(2, 4, 3)``."""

    _max = False


class AveragePooling2D(MaxPooling2D):
    """Average pooling over 2-D windows ('same' padding excluded from the mean).

    Example: ``AveragePooling2D(3, strides=2, padding="same")(torch.ones(1, 5, 5, 1))`` is all
    ones.
    """

    _max = False


class AveragePooling3D(MaxPooling3D):
    """Average pooling over volumes. Example: ``AveragePooling3D()(torch.ones(1, 2, 2, 2, 1))``
    is ``[[[[[1.]]]]]``."""

    _max = False


class _GlobalPooling(Layer):
    """The global max/average pooling base: one value per channel.

    Example: ``GlobalAveragePooling2D()(torch.zeros(1, 4, 4, 3)).shape == (1, 3)``.
    """

    rank = 2
    _max = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _utils.normalize_data_format(type(self).__name__, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self, ndim):
        return tuple(range(1, ndim - 1)) if self.data_format == "channels_last" else \
            tuple(range(2, ndim))

    def call(self, inputs):
        axes = self._axes(inputs.dim())
        if self._max:
            return inputs.amax(dim=axes)
        return inputs.mean(dim=axes)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        return (input_shape[0], channels)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over steps. Example: ``GlobalMaxPooling1D()(torch.zeros(2, 5, 3)).shape ==
    (2, 3)``."""

    rank = 1

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(data_format, **kwargs)


class GlobalAveragePooling1D(GlobalMaxPooling1D):
    """The mean over steps; with a mask, the mean over the unmasked steps (as in Keras).

    Example: ``GlobalAveragePooling1D()(torch.ones(2, 5, 3))`` is all ones, shape ``(2, 3)``.
    """

    _max = False

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(data_format, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        mask = mask.to(inputs.dtype).unsqueeze(2 if self.data_format == "channels_last" else 1)
        return (inputs * mask).sum(dim=steps_axis) / mask.sum(dim=steps_axis)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over rows and columns. Example: ``GlobalMaxPooling2D()(torch.zeros(1, 4, 4,
    3)).shape == (1, 3)``."""

    rank = 2


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over rows and columns. Example: ``GlobalAveragePooling2D()(torch.ones(1, 4, 4,
    3))`` is ``[[1., 1., 1.]]``."""

    rank = 2
    _max = False


class GlobalMaxPooling3D(_GlobalPooling):
    """The maximum over the three spatial axes. Example: ``GlobalMaxPooling3D()(torch.zeros(1,
    2, 2, 2, 3)).shape == (1, 3)``."""

    rank = 3


class GlobalAveragePooling3D(_GlobalPooling):
    """The mean over the three spatial axes. Example: ``GlobalAveragePooling3D()(torch.ones(1,
    2, 2, 2, 3))`` is ``[[1., 1., 1.]]``."""

    rank = 3
    _max = False


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
