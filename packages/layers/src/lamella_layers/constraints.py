"""Keras 2.3's weight constraints: projections applied after each optimizer step.

Norms are taken along ``axis`` of the Keras layout: for a Dense kernel ``(in, out)`` the
default ``axis=0`` constrains each unit's incoming weight vector; for a Conv2D kernel
``(kh, kw, in, out)`` use ``axis=[0, 1, 2]``.

Example::

    import torch
    from lamella_layers.constraints import MaxNorm

    w = torch.tensor([[3.0], [4.0]])       # column norm 5
    MaxNorm(max_value=1.0)(w)               # column rescaled to norm ~1
"""

import torch

from lamella.base.initializer import Constraint

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"]

#: Keras's fuzz factor ``K.epsilon()``.
EPSILON = 1e-7


def _dims(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w, axis):
    return torch.sqrt(torch.sum(torch.square(w), dim=_dims(axis), keepdim=True))


class MaxNorm(Constraint):
    """Rescale weight vectors whose L2 norm along ``axis`` exceeds ``max_value``.

    Aliases ``'max_norm'``, ``'maxnorm'``.

    Example: ``MaxNorm(2.0)(torch.tensor([[3.0], [4.0]]))`` has column norm ``2``.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero the negative weights. Aliases ``'non_neg'``, ``'nonneg'``.

    Example: ``NonNeg()(torch.tensor([-1.0, 2.0]))`` is ``[0.0, 2.0]``.
    """

    def __call__(self, w):
        return w * (w >= 0.0).to(w.dtype)


class UnitNorm(Constraint):
    """Scale weight vectors along ``axis`` to unit L2 norm. Aliases ``'unit_norm'``, ``'unitnorm'``.

    Example: ``UnitNorm()(torch.tensor([[3.0], [4.0]]))`` is ``[[0.6], [0.8]]``.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move norms along ``axis`` into ``[min_value, max_value]`` at ``rate`` (1 = all the way).

    Alias ``'min_max_norm'``.

    Example: ``MinMaxNorm(1.0, 2.0)(torch.tensor([[0.3], [0.4]]))`` has column norm ``1``.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = (self.rate * torch.clamp(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}
