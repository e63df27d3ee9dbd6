"""``UpSampling1D``, ``UpSampling2D`` and ``UpSampling3D``: repeat each cell ``size`` times per
spatial axis; ``UpSampling2D(interpolation='bilinear')`` resizes as TF 1 did, so results match
Keras 2.3's.

Example::

    import torch
    from lamella_layers.reshaping import UpSampling2D

    UpSampling2D((2, 3))(torch.zeros(1, 2, 2, 1)).shape             # (1, 4, 6, 1)
"""

import torch

from lamella_layers import _utils
from lamella_layers.reshaping.base import _Spatial


def _legacy_bilinear(x, axis, factor):
    """TF 1's ``resize_bilinear`` (``align_corners=False``, no half-pixel centres) on one axis."""
    length = x.shape[axis]
    src = torch.arange(length * factor, device=x.device, dtype=torch.float64) / factor
    low = src.floor().long()
    high = torch.clamp(low + 1, max=length - 1)
    weight = (src - low.to(torch.float64)).to(x.dtype)
    shape = [1] * x.dim()
    shape[axis] = -1
    weight = weight.reshape(shape)
    return x.index_select(axis, low) * (1 - weight) + x.index_select(axis, high) * weight


class _UpSampling(_Spatial):
    """The up-sampling base: ``size`` as one positive factor per spatial axis.

    Example: ``UpSampling3D(2).size == (2, 2, 2)``.
    """

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = _utils.normalize_tuple(type(self).__name__, "size", size, self.rank)

    def _new_length(self, axis, length):
        return length * self.size[axis]

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        for axis, factor in enumerate(self.size):
            if factor != 1:
                x = self._resize(x, 2 + axis, factor)
        return _utils.from_channels_first(x, self.data_format)

    def _resize(self, x, axis, factor):
        return x.repeat_interleave(factor, dim=axis)

    def get_config(self):
        size = self.size[0] if self.rank == 1 else self.size
        return {**self._config(), "size": size}


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times.

    Example: ``UpSampling1D(2)(torch.zeros(2, 4, 3)).shape == (2, 8, 3)``.
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, None, **kwargs)


class UpSampling2D(_UpSampling):
    """Repeats rows and columns (``interpolation='nearest'``) or resizes bilinearly as TF 1
    does (``'bilinear'``).

    Example: ``UpSampling2D((2, 3))(torch.zeros(1, 2, 2, 1)).shape == (1, 4, 6, 1)``.
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: `interpolation` should be one of 'nearest', "
                             f"'bilinear'; got {interpolation!r}.")
        self.interpolation = interpolation

    def _resize(self, x, axis, factor):
        if self.interpolation == "bilinear":
            return _legacy_bilinear(x, axis, factor)
        return super()._resize(x, axis, factor)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Repeats along the three spatial axes.

    Example: ``UpSampling3D(2)(torch.zeros(1, 2, 2, 2, 1)).shape == (1, 4, 4, 4, 1)``.
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
