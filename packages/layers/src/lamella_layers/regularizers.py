"""Keras 2.3's weight regularizers: penalties added to the training loss.

The penalty is ``l1 * sum(|w|) + l2 * sum(w**2)`` — no ½ factor, and not torch's
``weight_decay``. As in Keras, the factors are held as float32, so ``get_config()`` reports
``0.009999999776482582`` for ``0.01`` (what Keras 2.3 writes in its files).

Example::

    import torch
    from lamella_layers.regularizers import l2

    l2(0.1)(torch.tensor([1.0, -2.0]))     # tensor(0.5)
"""

import numpy as np
import torch

from lamella.base.initializer import Regularizer

__all__ = ["Regularizer", "L1L2", "l1", "l2", "l1_l2"]


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w**2)``.

    Example: ``L1L2(l1=0.1, l2=0.1)(torch.tensor([1.0, -2.0]))`` is ``0.3 + 0.5 = 0.8``.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = np.float32(l1)
        self.l2 = np.float32(l2)

    def __call__(self, x):
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1:
            penalty = penalty + float(self.l1) * torch.sum(torch.abs(x))
        if self.l2:
            penalty = penalty + float(self.l2) * torch.sum(torch.square(x))
        return penalty

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


def l1(l=0.01):  # noqa: E741 (Keras's argument name)
    """An L1 penalty: ``L1L2(l1=l)``.

    Example: ``l1(0.5)(torch.tensor([-2.0]))`` is ``1.0``.
    """
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741
    """An L2 penalty: ``L1L2(l2=l)``.

    Example: ``l2(0.5)(torch.tensor([-2.0]))`` is ``2.0``.
    """
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    """Both penalties: ``L1L2(l1=l1, l2=l2)``.

    Example: ``l1_l2(1.0, 1.0)(torch.tensor([-2.0]))`` is ``6.0``.
    """
    return L1L2(l1=l1, l2=l2)
