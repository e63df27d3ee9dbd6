"""Helpers shared by the Keras optimizers: slot bookkeeping and parameter selection."""

import torch

from lamella.base.optimizer import Optimizer

#: Keras's ``K.epsilon()``.
EPSILON = 1e-7


class KerasOptimizer(Optimizer):
    """An :class:`Optimizer` whose slots are per-parameter lists (Keras's ``ms``, ``vs``...).

    Subclasses set ``_slot_lists`` in ``_create_slots`` (a list of lists, each one tensor per
    parameter, in Keras's order) and use :meth:`_select` in ``_apply`` to get the slots of the
    parameters that have gradients this step (all of them, in the usual case, with no copying).
    """

    def build(self, params):
        params = list(params)
        self._index = {id(p): i for i, p in enumerate(params)}
        return super().build(params)

    def _select(self, params, *slot_lists):
        if len(params) == len(self._params):
            return slot_lists if len(slot_lists) != 1 else slot_lists[0]
        idx = [self._index[id(p)] for p in params]
        picked = tuple([s[i] for i in idx] for s in slot_lists)
        return picked if len(picked) != 1 else picked[0]

    @staticmethod
    def _zeros(params):
        return [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]


def epsilon_or_default(epsilon):
    return EPSILON if epsilon is None else float(epsilon)
