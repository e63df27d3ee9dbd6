"""Shape manipulation: reshaping, permuting, joining, repeating, slicing, gathering, padding
and ``one_hot``/``arange``.

Example::

    from lamella import backend as K

    K.repeat_elements(x, 2, axis=1)          # like np.repeat
    K.spatial_2d_padding(images, ((1, 1), (2, 2)))
"""

import builtins

import numpy as np
import torch

from lamella.backend import config
from lamella.backend._tensors import to_tensor
from lamella.engine.dtypes import as_torch_dtype


def reshape(x, shape):
    """``x`` with a new ``shape`` (one entry may be ``-1``)."""
    return torch.reshape(to_tensor(x), tuple(int(s) for s in shape))


def permute_dimensions(x, pattern):
    """``x`` with its axes in the order ``pattern``, e.g. ``(0, 2, 1)``."""
    x = to_tensor(x)
    pattern = tuple(pattern)
    if sorted(p % builtins.max(x.dim(), 1) for p in pattern) != list(builtins.range(x.dim())):
        raise ValueError(f"permute_dimensions: pattern {pattern} is not a permutation of the "
                         f"{x.dim()} axes of x")
    return x.permute(*pattern)


def flatten(x):
    """``x`` as a 1-D tensor."""
    return torch.reshape(to_tensor(x), (-1,))


def batch_flatten(x):
    """``x`` as a 2-D tensor ``(batch, everything else)``."""
    x = to_tensor(x)
    return torch.reshape(x, (x.shape[0], -1))


def expand_dims(x, axis=-1):
    """``x`` with a new axis of size 1 at ``axis``."""
    return torch.unsqueeze(to_tensor(x), axis)


def squeeze(x, axis):
    """``x`` without the axis ``axis`` of size 1."""
    x = to_tensor(x)
    if x.shape[axis] != 1:
        raise ValueError(f"squeeze: axis {axis} of a tensor of shape {tuple(x.shape)} has "
                         f"size {x.shape[axis]}, not 1")
    return torch.squeeze(x, axis)


def concatenate(tensors, axis=-1):
    """The tensors joined along ``axis`` (sparse tensors are made dense first)."""
    tensors = [to_tensor(t) for t in tensors]
    tensors = [t.to_dense() if t.is_sparse else t for t in tensors]
    if axis < 0 and tensors and tensors[0].dim():
        axis %= tensors[0].dim()
    return torch.cat(tensors, dim=axis)


def stack(x, axis=0):
    """The tensors of the list ``x`` stacked along a new axis ``axis``."""
    return torch.stack([to_tensor(t) for t in x], dim=axis)


def tile(x, n):
    """``x`` repeated ``n`` times along each axis (``n`` an int or one int per axis)."""
    x = to_tensor(x)
    reps = (int(n),) if isinstance(n, (int, np.integer)) else tuple(int(r) for r in n)
    if len(reps) != builtins.max(x.dim(), 1) and isinstance(n, (list, tuple)):
        raise ValueError(f"tile: n must have one entry per axis of x (shape "
                         f"{tuple(x.shape)}), got {n!r}")
    return x.repeat(*reps)


def repeat(x, n):
    """A 2-D ``(samples, dim)`` tensor repeated into ``(samples, n, dim)``."""
    x = to_tensor(x)
    if x.dim() != 2:
        raise ValueError(f"repeat: x must be 2-D (samples, dim), got shape {tuple(x.shape)}")
    return x.unsqueeze(1).expand(x.shape[0], int(n), x.shape[1]).contiguous()


def repeat_elements(x, rep, axis):
    """Each element of ``x`` repeated ``rep`` times along ``axis``, like ``np.repeat``."""
    return torch.repeat_interleave(to_tensor(x), int(rep), dim=axis)


def reverse(x, axes):
    """``x`` reversed along ``axes`` (an int or a list of ints)."""
    dims = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    return torch.flip(to_tensor(x), dims=[int(a) for a in dims])


def slice(x, start, size):  # noqa: A001 - Keras's name
    """The block of ``x`` starting at ``start`` with ``size`` (``-1``: to the end)."""
    x = to_tensor(x)
    start, size = list(start), list(size)
    if len(start) != x.dim() or len(size) != x.dim():
        raise ValueError(f"slice: start and size need one entry per axis of x (shape "
                         f"{tuple(x.shape)}), got {start} and {size}")
    index = tuple(builtins.slice(int(b), None if int(s) == -1 else int(b) + int(s))
                  for b, s in zip(start, size))
    return x[index]


def gather(reference, indices):
    """The rows of ``reference`` at ``indices`` (an int tensor of any shape)."""
    reference = to_tensor(reference)
    indices = to_tensor(indices).long()
    return reference[indices]


def one_hot(indices, num_classes):
    """The one-hot encoding of an int tensor ``(batch, d1, ..., dn)``: ``(..., num_classes)``
    floats."""
    indices = to_tensor(indices).long()
    return torch.nn.functional.one_hot(indices, int(num_classes)).to(
        as_torch_dtype(config.floatx()))


def arange(start, stop=None, step=1, dtype="int32"):
    """``start, start + step, ...`` below ``stop`` (from 0 to ``start`` when ``stop`` is
    ``None``; an empty tensor when ``start`` is negative and ``stop`` is ``None``)."""
    if stop is None:
        if start < 0:
            start = 0
        start, stop = 0, start
    values = torch.arange(start, stop, step, dtype=torch.float64)
    return values.to(as_torch_dtype(dtype))


def temporal_padding(x, padding=(1, 1)):
    """Zeros added at the start and end of the middle axis of a 3-D tensor."""
    x = to_tensor(x)
    if x.dim() != 3 or len(padding) != 2:
        raise ValueError(f"temporal_padding: expected a 3-D x and a pair of paddings, got "
                         f"shape {tuple(x.shape)} and {padding!r}")
    return torch.nn.functional.pad(x, (0, 0, int(padding[0]), int(padding[1])))


def _spatial_padding(fn, x, padding, data_format, rank):
    x = to_tensor(x)
    data_format = config.normalize_data_format(data_format)
    if x.dim() != rank + 2 or len(padding) != rank or builtins.any(
            len(p) != 2 for p in padding):
        raise ValueError(f"{fn}: expected a {rank + 2}-D x and {rank} pairs of paddings, got "
                         f"shape {tuple(x.shape)} and {padding!r}")
    pads = []
    for before, after in reversed(padding):  # torch pads the last axis first
        pads += [int(before), int(after)]
    if data_format == "channels_last":
        pads = [0, 0] + pads
    return torch.nn.functional.pad(x, pads)


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zeros added around the rows and columns of a 4-D tensor."""
    return _spatial_padding("spatial_2d_padding", x, padding, data_format, 2)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zeros added around the three spatial axes of a 5-D tensor."""
    return _spatial_padding("spatial_3d_padding", x, padding, data_format, 3)
