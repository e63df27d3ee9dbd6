"""Keras 2.3's loss functions (``keras/losses.py@2.3.1``) and loss classes.

Each function takes ``(y_true, y_pred)`` and returns one value per sample: a mean (or sum,
as Keras does) over the last axis. ``y_true`` may be a tensor or array of any numeric dtype;
mismatched shapes raise a ``ValueError`` naming both shapes and the loss.
"""

import math

import torch
import torch.nn.functional as F

from lamella.base.loss import LossFunctionWrapper, Reduction
from lamella_losses._utils import EPSILON, as_tensor, float_prediction, l2_normalize, prepare


def mean_squared_error(y_true, y_pred):
    """``mean((ŷ − y)², axis=-1)``."""
    y_true, y_pred = prepare("mean_squared_error", y_true, y_pred)
    return torch.square(y_pred - y_true).mean(dim=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|ŷ − y|, axis=-1)``."""
    y_true, y_pred = prepare("mean_absolute_error", y_true, y_pred)
    return torch.abs(y_pred - y_true).mean(dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 · mean(|y − ŷ| / clip(|y|, ε, ∞), axis=-1)``."""
    y_true, y_pred = prepare("mean_absolute_percentage_error", y_true, y_pred)
    diff = torch.abs(y_true - y_pred) / torch.clamp(torch.abs(y_true), min=EPSILON)
    return 100.0 * diff.mean(dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(clip(ŷ, ε) + 1) − log(clip(y, ε) + 1))², axis=-1)``."""
    y_true, y_pred = prepare("mean_squared_logarithmic_error", y_true, y_pred)
    first = torch.log(torch.clamp(y_pred, min=EPSILON) + 1.0)
    second = torch.log(torch.clamp(y_true, min=EPSILON) + 1.0)
    return torch.square(first - second).mean(dim=-1)


def _maybe_convert_labels(y_true):
    """Keras 2.3.1's ``losses._maybe_convert_labels``: when *every* target is 0 or 1 the
    targets become −1/1 (``2y − 1``); otherwise they are used as given. Measured against Keras
    2.3.1: ``hinge``/``squared_hinge`` on 0/1 targets use −1/1. Decided on the device, with no
    host synchronisation (``torch.where``)."""
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 − y·ŷ, 0)², axis=-1)``; targets are −1/1, and 0/1 targets are converted to
    −1/1 first (as Keras 2.3.1 does, when all of them are 0 or 1)."""
    y_true, y_pred = prepare("squared_hinge", y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)).mean(dim=-1)


def hinge(y_true, y_pred):
    """``mean(max(1 − y·ŷ, 0), axis=-1)``; targets are −1/1, and 0/1 targets are converted to
    −1/1 first (as Keras 2.3.1 does, when all of them are 0 or 1)."""
    y_true, y_pred = prepare("hinge", y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.clamp(1.0 - y_true * y_pred, min=0.0).mean(dim=-1)


def categorical_hinge(y_true, y_pred):
    """``max(0, max((1 − y)·ŷ) − sum(y·ŷ) + 1)`` over the last axis."""
    y_true, y_pred = prepare("categorical_hinge", y_true, y_pred)
    pos = (y_true * y_pred).sum(dim=-1)
    neg = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)


def logcosh(y_true, y_pred):
    """``mean(log(cosh(ŷ − y)), axis=-1)``, computed as ``x + softplus(−2x) − log 2``."""
    y_true, y_pred = prepare("logcosh", y_true, y_pred)
    x = y_pred - y_true
    return (x + F.softplus(-2.0 * x) - math.log(2.0)).mean(dim=-1)


def huber_loss(y_true, y_pred, delta=1.0):
    """``½·min(|e|, δ)² + δ·(|e| − min(|e|, δ))``, element-wise.

    Unlike the other losses, Keras 2.3.1's ``huber_loss`` does *not* average over the last
    axis: it returns one value per element (measured: shape ``(6, 3)`` for ``(6, 3)`` inputs),
    and ``Huber(reduction='none')`` does too. Reduced (``sum``/``sum_over_batch_size``) values
    are the same either way.
    """
    y_true, y_pred = prepare("huber_loss", y_true, y_pred)
    abs_error = torch.abs(y_pred - y_true)
    quadratic = torch.clamp(abs_error, max=delta)
    linear = abs_error - quadratic
    return 0.5 * torch.square(quadratic) + delta * linear


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    """Crossentropy against one-hot (or soft) targets, summed over the last axis.

    On probabilities (Keras's TF backend): ``ŷ / sum(ŷ)``, clipped to ``[ε, 1−ε]``, then
    ``−sum(y·log ŷ)``. ``label_smoothing`` replaces ``y`` by ``y·(1−s) + s/num_classes``, where
    Keras 2.3.1 takes ``num_classes`` from ``K.shape(y_true)[1]``: for rank-3 (temporal)
    targets ``(batch, time, classes)`` that is the number of *timesteps*, not classes. Measured
    against Keras 2.3.1 (``(2, 5, 4)`` targets smooth with ``s/5``); lamella reproduces it.
    """
    y_true, y_pred = prepare("categorical_crossentropy", y_true, y_pred)
    if label_smoothing:
        num_classes = y_true.shape[1] if y_true.dim() > 1 else y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        return -(y_true * torch.log_softmax(y_pred, dim=-1)).sum(dim=-1)
    y_pred = y_pred / y_pred.sum(dim=-1, keepdim=True)
    y_pred = torch.clamp(y_pred, EPSILON, 1.0 - EPSILON)
    return -(y_true * torch.log(y_pred)).sum(dim=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Crossentropy against integer class targets of shape ``(N,)`` or ``(N, 1)``.

    On probabilities, Keras's TF backend clips ``ŷ`` to ``[ε, 1−ε]`` and takes its log as the
    logits of a softmax crossentropy (so the clipped values are renormalised); so does lamella.
    """
    y_pred = float_prediction(y_pred)
    if axis != -1 and axis != y_pred.dim() - 1:
        y_pred = y_pred.movedim(axis, -1)
    y_true = as_tensor(y_true, y_pred)
    target_shape = y_pred.shape[:-1]
    if y_true.shape != target_shape:
        if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1 \
                and y_true.shape[:-1] == target_shape:
            y_true = y_true.squeeze(-1)
        else:
            raise ValueError(
                f"sparse_categorical_crossentropy: y_true and y_pred have incompatible shapes: "
                f"y_true {tuple(y_true.shape)} vs y_pred {tuple(y_pred.shape)} (expected integer "
                f"targets of shape {tuple(target_shape)} or {tuple(target_shape) + (1,)})."
            )
    if y_true.is_floating_point():
        y_true = y_true.long()
    elif y_true.dtype != torch.long:
        y_true = y_true.long()
    logits = y_pred if from_logits else torch.log(torch.clamp(y_pred, EPSILON, 1.0 - EPSILON))
    num_classes = logits.shape[-1]
    flat = F.cross_entropy(logits.reshape(-1, num_classes), y_true.reshape(-1), reduction="none")
    return flat.reshape(target_shape)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    """Binary crossentropy, averaged over the last axis.

    On probabilities, Keras 2.3.1 on TensorFlow 1.15 (``tf.keras.backend.binary_crossentropy``)
    clips ``ŷ`` to ``[ε, 1−ε]`` and computes ``−(y·log(ŷ + ε) + (1−y)·log(1 − ŷ + ε))``; it
    does *not* convert back to logits (measured: a target 1 at ``ŷ = 0`` costs
    ``−log(2ε) ≈ 15.42``, not ``−log ε ≈ 16.12``). lamella computes the same. With
    ``from_logits=True`` it is ``sigmoid_cross_entropy_with_logits``. ``label_smoothing``
    squeezes targets towards 0.5.
    """
    y_true, y_pred = prepare("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        y_pred = torch.clamp(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * torch.log(y_pred + EPSILON)
                + (1.0 - y_true) * torch.log(1.0 - y_pred + EPSILON))
    return bce.mean(dim=-1)


def kullback_leibler_divergence(y_true, y_pred):
    """``sum(y·log(y/ŷ), axis=-1)`` with both clipped to ``[ε, 1]``."""
    y_true, y_pred = prepare("kullback_leibler_divergence", y_true, y_pred)
    y_true = torch.clamp(y_true, EPSILON, 1.0)
    y_pred = torch.clamp(y_pred, EPSILON, 1.0)
    return (y_true * torch.log(y_true / y_pred)).sum(dim=-1)


def poisson(y_true, y_pred):
    """``mean(ŷ − y·log(ŷ + ε), axis=-1)``."""
    y_true, y_pred = prepare("poisson", y_true, y_pred)
    return (y_pred - y_true * torch.log(y_pred + EPSILON)).mean(dim=-1)


def cosine_proximity(y_true, y_pred, axis=-1):
    """``−sum(l2_normalize(y)·l2_normalize(ŷ), axis)`` (−1 for identical directions)."""
    y_true, y_pred = prepare("cosine_proximity", y_true, y_pred)
    return -(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis)).sum(dim=axis)


cosine_similarity = cosine_proximity

# --- loss classes ------------------------------------------------------------------------------

_SOBS = Reduction.SUM_OVER_BATCH_SIZE


class MeanSquaredError(LossFunctionWrapper):
    """The mean of squares of errors (``mean_squared_error``) as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=MeanSquaredError())
    """

    def __init__(self, reduction=_SOBS, name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """The mean of absolute errors (``mean_absolute_error``) as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=MeanAbsoluteError())
    """

    def __init__(self, reduction=_SOBS, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """``mean_absolute_percentage_error`` as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=MeanAbsolutePercentageError())
    """

    def __init__(self, reduction=_SOBS, name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """``mean_squared_logarithmic_error`` as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=MeanSquaredLogarithmicError())
    """

    def __init__(self, reduction=_SOBS, name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy as a loss object.

    Example::

        model.compile(optimizer="adam", loss=BinaryCrossentropy(from_logits=True))
    """

    def __init__(self, from_logits=False, label_smoothing=0, reduction=_SOBS,
                 name="binary_crossentropy"):
        super().__init__(binary_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy against one-hot (or soft) targets as a loss object.

    Example::

        model.compile(optimizer="adam", loss=CategoricalCrossentropy(label_smoothing=0.1))
    """

    def __init__(self, from_logits=False, label_smoothing=0, reduction=_SOBS,
                 name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy against integer class targets as a loss object.

    Example::

        model.compile(optimizer="adam", loss=SparseCategoricalCrossentropy(from_logits=True))
    """

    def __init__(self, from_logits=False, reduction=_SOBS, name="sparse_categorical_crossentropy"):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits)
        self.from_logits = from_logits


class Hinge(LossFunctionWrapper):
    """``hinge`` as a loss object (0/1 targets count as −1/1).

    Example::

        model.compile(optimizer="sgd", loss=Hinge())
    """

    def __init__(self, reduction=_SOBS, name="hinge"):
        super().__init__(hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """``squared_hinge`` as a loss object (0/1 targets count as −1/1).

    Example::

        model.compile(optimizer="sgd", loss=SquaredHinge())
    """

    def __init__(self, reduction=_SOBS, name="squared_hinge"):
        super().__init__(squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """``categorical_hinge`` as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=CategoricalHinge())
    """

    def __init__(self, reduction=_SOBS, name="categorical_hinge"):
        super().__init__(categorical_hinge, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """``poisson`` as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=Poisson())
    """

    def __init__(self, reduction=_SOBS, name="poisson"):
        super().__init__(poisson, reduction=reduction, name=name)


class LogCosh(LossFunctionWrapper):
    """``logcosh`` as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=LogCosh())
    """

    def __init__(self, reduction=_SOBS, name="logcosh"):
        super().__init__(logcosh, reduction=reduction, name=name)


class KLDivergence(LossFunctionWrapper):
    """``kullback_leibler_divergence`` as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=KLDivergence())
    """

    def __init__(self, reduction=_SOBS, name="kullback_leibler_divergence"):
        super().__init__(kullback_leibler_divergence, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """``huber_loss`` as a loss object (element-wise, as Keras 2.3.1).

    Example::

        model.compile(optimizer="sgd", loss=Huber(delta=0.5))
    """

    def __init__(self, delta=1.0, reduction=_SOBS, name="huber_loss"):
        super().__init__(huber_loss, reduction=reduction, name=name, delta=delta)


class CosineSimilarity(LossFunctionWrapper):
    """``cosine_proximity`` (−1 when aligned) as a loss object.

    Example::

        model.compile(optimizer="sgd", loss=CosineSimilarity(axis=-1))
    """

    def __init__(self, axis=-1, reduction=_SOBS, name="cosine_similarity"):
        super().__init__(cosine_proximity, reduction=reduction, name=name, axis=axis)
