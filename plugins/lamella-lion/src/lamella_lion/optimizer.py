"""Lion, "EvoLved Sign Momentum" (Chen et al., 2023, https://arxiv.org/abs/2302.06675).

One step, for each parameter ``p`` with gradient ``g`` and momentum ``m`` (Algorithm 2 of the
paper, with decoupled weight decay):

    c = β1·m + (1 − β1)·g
    p ← p − lr·(sign(c) + λ·p)
    m ← β2·m + (1 − β2)·g

The update has the same size in every coordinate, so Lion wants a learning rate 3-10x smaller
than Adam's (the default here is 1e-4) and a weight decay 3-10x larger.
"""

import torch

from lamella.optimizers import Optimizer


class Lion(Optimizer):
    """The Lion optimizer: a sign update of an interpolated momentum.

    Args:
        learning_rate: the step size (``lr`` is accepted too, as in Keras 2.3).
        beta_1: the interpolation between momentum and gradient for the update, in ``[0, 1)``.
        beta_2: the momentum's decay, in ``[0, 1)``.
        weight_decay: decoupled weight decay ``λ`` (``p ← p − lr·λ·p``), ``>= 0``.
        **kwargs: ``decay``, ``clipnorm``, ``clipvalue`` as every Keras optimizer takes them.

    State saved with a model: ``[iterations] + momentums`` (one tensor per weight).

    Example::

        model.compile(optimizer="lion", loss="categorical_crossentropy")
        model.compile(optimizer=Lion(learning_rate=3e-5, weight_decay=0.1), loss="mse")
    """

    def __init__(self, learning_rate=1e-4, beta_1=0.9, beta_2=0.99, weight_decay=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for option, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0.0 <= value < 1.0:
                raise ValueError(f"Lion: {option} must be in [0, 1), got {value}")
        if weight_decay < 0:
            raise ValueError(f"Lion: weight_decay must be >= 0, got {weight_decay}")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.weight_decay = float(weight_decay)

    def _create_slots(self, params):
        # One momentum per weight, in the weights' order: returned so that they are saved with
        # the model and restored by set_weights.
        self.momentums = [torch.zeros_like(p, memory_format=torch.preserve_format)
                          for p in params]
        return list(self.momentums)

    def _apply(self, params, grads, lr):
        # params holds only the weights with a gradient this step: pick their momentums.
        momentums = self.select_slots(params, self.momentums)
        update = torch._foreach_mul(momentums, self.beta_1)
        torch._foreach_add_(update, grads, alpha=1.0 - self.beta_1)
        torch._foreach_sign_(update)
        if self.weight_decay:
            torch._foreach_add_(update, params, alpha=self.weight_decay)
        torch._foreach_add_(params, update, alpha=-lr)
        torch._foreach_mul_(momentums, self.beta_2)
        torch._foreach_add_(momentums, grads, alpha=1.0 - self.beta_2)

    def get_config(self):
        config = super().get_config()
        return {"learning_rate": config.pop("learning_rate"), "beta_1": self.beta_1,
                "beta_2": self.beta_2, "weight_decay": self.weight_decay, **config}
