"""What every backend module shares: turning the arrays and numbers Keras accepts into torch
tensors, and reading axis arguments."""

import numpy as np
import torch

from lamella.backend import config
from lamella.engine.dtypes import as_torch_dtype


def to_tensor(x, dtype=None):
    """``x`` as a tensor: tensors pass through (cast when ``dtype`` is given), NumPy arrays keep
    their dtype (negative strides are copied), Python numbers and lists of floats become
    ``floatx()`` as in Keras."""
    if dtype is not None:
        dtype = as_torch_dtype(dtype)
    if torch.is_tensor(x):
        return x if dtype is None or x.dtype == dtype else x.to(dtype)
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if any(s < 0 for s in x.strides):
            x = x.copy()
        return torch.as_tensor(x, dtype=dtype)
    if dtype is None:
        array = np.asarray(x)
        if array.dtype.kind == "f":
            dtype = as_torch_dtype(config.floatx())
        elif array.dtype.kind == "i":
            dtype = torch.int32  # Keras turns Python ints into int32 tensors
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def like(value, x):
    """``value`` (a number or a tensor) as a tensor of ``x``'s dtype on ``x``'s device."""
    if torch.is_tensor(value):
        return value.to(device=x.device)
    return torch.as_tensor(value, dtype=x.dtype, device=x.device)


def axes(axis, ndim):
    """An axis argument as torch takes it (a list becomes a tuple), checked against ``ndim``."""
    if axis is None:
        return None
    listed = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in listed:
        if not -ndim <= int(a) < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
    return tuple(int(a) for a in listed) if isinstance(axis, (list, tuple)) else int(axis)


def floatx_dtype(dtype=None):
    """The torch dtype for ``dtype``, or ``floatx()``'s when it is ``None``."""
    return as_torch_dtype(dtype or config.floatx())
