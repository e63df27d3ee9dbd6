"""``Cropping1D``, ``Cropping2D`` and ``Cropping3D``: remove ``(before, after)`` cells of each
spatial axis (a slice: a view, no copy).

Example::

    import torch
    from lamella_layers.reshaping import Cropping2D

    Cropping2D(((1, 1), (2, 0)))(torch.zeros(1, 5, 5, 3)).shape      # (1, 3, 3, 3)
"""

from lamella_layers import _utils
from lamella_layers.reshaping.base import _pairs, _Spatial


class _Cropping(_Spatial):
    """The cropping base: ``cropping`` as ``rank`` ``(before, after)`` pairs.

    Example: ``Cropping1D((1, 2)).cropping == ((1, 2),)``.
    """

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(type(self).__name__, "cropping", cropping, self.rank)

    def _new_length(self, axis, length):
        return length - sum(self.cropping[axis])

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        index = [slice(None), slice(None)]
        for (before, after), length in zip(self.cropping, x.shape[2:]):
            index.append(slice(before, length - after))
        return _utils.from_channels_first(x[tuple(index)], self.data_format)

    def get_config(self):
        cropping = self.cropping[0] if self.rank == 1 else self.cropping
        return {**self._config(), "cropping": cropping}


class Cropping1D(_Cropping):
    """Crops ``(before, after)`` steps of ``(batch, steps, channels)``.

    Example: ``Cropping1D((1, 2))(torch.zeros(2, 7, 3)).shape == (2, 4, 3)``.
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and columns: ``((top, bottom), (left, right))``.

    Example: ``Cropping2D(((1, 1), (2, 0)))(torch.zeros(1, 5, 5, 3)).shape == (1, 3, 3, 3)``.
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial axes.

    Example: ``Cropping3D(1)(torch.zeros(1, 4, 4, 4, 2)).shape == (1, 2, 2, 2, 2)``.
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
