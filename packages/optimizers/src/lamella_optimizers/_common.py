"""Helpers shared by the Keras optimizers: slot bookkeeping and parameter selection."""

import torch

from lamella.base.optimizer import Optimizer

#: Keras's ``K.epsilon()``.
EPSILON = 1e-7


class KerasOptimizer(Optimizer):
    """An :class:`Optimizer` whose slots are per-parameter lists (Keras's ``ms``, ``vs``...).

    Subclasses create per-parameter slot lists in ``_create_slots`` (each one tensor per
    parameter, in Keras's order) and use the core's
    :meth:`~lamella.optimizers.Optimizer.select_slots` in ``_apply`` to get the slots of the
    parameters that have gradients this step.
    """

    @staticmethod
    def _zeros(params):
        return [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]


def epsilon_or_default(epsilon):
    return EPSILON if epsilon is None else float(epsilon)
