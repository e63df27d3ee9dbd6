"""``ZeroPadding1D``, ``ZeroPadding2D`` and ``ZeroPadding3D``: add ``(before, after)`` zeros on
each spatial axis.

Example::

    import torch
    from lamella_layers.reshaping import ZeroPadding2D

    ZeroPadding2D(((1, 0), (2, 2)))(torch.zeros(1, 3, 3, 2)).shape   # (1, 4, 7, 2)
"""

import torch.nn.functional as F

from lamella_layers import _utils
from lamella_layers.reshaping.base import _pairs, _Spatial


class _ZeroPadding(_Spatial):
    """The zero-padding base: ``padding`` as ``rank`` ``(before, after)`` pairs.

    Example: ``ZeroPadding1D(2).padding == ((2, 2),)``.
    """

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(type(self).__name__, "padding", padding, self.rank)

    def _new_length(self, axis, length):
        return length + sum(self.padding[axis])

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        padded = F.pad(x, _utils.pad_pairs(self.padding))
        return _utils.from_channels_first(padded, self.data_format)

    def get_config(self):
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**self._config(), "padding": padding}


class ZeroPadding1D(_ZeroPadding):
    """Pads ``(before, after)`` zero steps.

    Example: ``ZeroPadding1D(2)(torch.zeros(2, 4, 3)).shape == (2, 8, 3)``.
    """

    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, None, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns with zeros.

    Example: ``ZeroPadding2D(1)(torch.zeros(1, 3, 3, 2)).shape == (1, 5, 5, 2)``.
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes with zeros.

    Example: ``ZeroPadding3D(1)(torch.zeros(1, 2, 2, 2, 1)).shape == (1, 4, 4, 4, 1)``.
    """

    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
