"""Binary focal crossentropy (Lin et al., 2017, https://arxiv.org/abs/1708.02002).

Crossentropy scaled by ``(1 − p_t)^γ``: well-classified examples (``p_t`` near 1) count little,
so training concentrates on the hard ones. ``γ = 0`` without ``alpha`` is binary crossentropy.
"""

import torch
import torch.nn.functional as F

from lamella.losses import Loss

#: Keras's ``K.epsilon()``: probabilities are clipped to ``[ε, 1 − ε]``.
EPSILON = 1e-7


def binary_focal_crossentropy(y_true, y_pred, gamma=2.0, alpha=None, from_logits=False):
    """Per-sample focal loss, averaged over the last axis as Keras's losses are.

    ``loss = −α_t · (1 − p_t)^γ · (y·log p + (1 − y)·log(1 − p))`` with ``p_t = y·p + (1−y)(1−p)``
    and ``α_t = y·α + (1 − y)(1 − α)`` (1 when ``alpha`` is ``None``).

    Example::

        model.compile(optimizer="adam", loss="binary_focal_crossentropy")
    """
    y_true = y_true.to(y_pred.dtype)
    if from_logits:
        p = torch.sigmoid(y_pred)
        log_p, log_not_p = F.logsigmoid(y_pred), F.logsigmoid(-y_pred)
    else:
        p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
        log_p, log_not_p = torch.log(p), torch.log1p(-p)
    crossentropy = -(y_true * log_p + (1.0 - y_true) * log_not_p)
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    loss = (1.0 - p_t).pow(gamma) * crossentropy
    if alpha is not None:
        loss = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * loss
    return loss.mean(dim=-1)


class BinaryFocalCrossentropy(Loss):
    """The focal loss as a loss object, so its settings are saved with the model.

    Args:
        gamma: the focusing parameter, ``>= 0``.
        alpha: the weight of the positive class in ``[0, 1]``, or ``None`` for none.
        from_logits: ``y_pred`` holds logits rather than probabilities.
        reduction, name: as every Keras loss object takes them.

    Example::

        model.compile(optimizer="adam", loss=BinaryFocalCrossentropy(gamma=3.0, alpha=0.25))
    """

    def __init__(self, gamma=2.0, alpha=None, from_logits=False, reduction="auto",
                 name="binary_focal_crossentropy"):
        super().__init__(reduction=reduction, name=name)
        if gamma < 0:
            raise ValueError(f"BinaryFocalCrossentropy: gamma must be >= 0, got {gamma}")
        if alpha is not None and not 0.0 <= alpha <= 1.0:
            raise ValueError(f"BinaryFocalCrossentropy: alpha must be in [0, 1] or None, "
                             f"got {alpha}")
        self.gamma = float(gamma)
        self.alpha = None if alpha is None else float(alpha)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        return binary_focal_crossentropy(y_true, y_pred, gamma=self.gamma, alpha=self.alpha,
                                         from_logits=self.from_logits)

    def get_config(self):
        config = super().get_config()
        config.update(gamma=self.gamma, alpha=self.alpha, from_logits=self.from_logits)
        return config
