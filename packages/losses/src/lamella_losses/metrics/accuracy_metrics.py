"""Keras 2.3's accuracy metrics: the per-sample functions and their running-mean classes."""

import torch

from lamella.base.metric import MeanMetricWrapper
from lamella_losses._utils import as_tensor, prepare


def _floatx(like):
    return like.dtype if like.is_floating_point() else torch.get_default_dtype()


def accuracy(y_true, y_pred):
    """Element-wise exact equality, as a float."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred).to(y_pred.dtype)
    return torch.eq(y_true, y_pred).to(_floatx(y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """``mean(y == round(ŷ), axis=-1)`` at the default threshold, else ``mean(y == (ŷ > t))``.

    As Keras 2.3.1: with ``threshold == 0.5`` it compares ``y`` with ``K.round(ŷ)`` (round half
    to even), not with ``ŷ > 0.5``, so predictions outside ``[0, 1]`` (logits) round to other
    integers (``2.5 → 2``, ``−0.7 → −1``) and never match 0/1 targets. Measured against Keras
    2.3.1 on logits.
    """
    y_true, y_pred = prepare("binary_accuracy", y_true, y_pred)
    if threshold == 0.5:
        predicted = torch.round(y_pred)
    else:
        predicted = (y_pred > threshold).to(y_pred.dtype)
    return torch.eq(y_true, predicted).to(y_pred.dtype).mean(dim=-1)


def categorical_accuracy(y_true, y_pred):
    """``argmax(y) == argmax(ŷ)`` over the last axis."""
    y_true, y_pred = prepare("categorical_accuracy", y_true, y_pred)
    return torch.eq(y_true.argmax(dim=-1), y_pred.argmax(dim=-1)).to(y_pred.dtype)


def sparse_categorical_accuracy(y_true, y_pred):
    """``y == argmax(ŷ)``; ``y`` is squeezed when its rank equals ``ŷ``'s and may be float."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred)
    if y_true.dim() == y_pred.dim():
        y_true = y_true.squeeze(-1)
    predicted = y_pred.argmax(dim=-1)
    if y_true.dtype != predicted.dtype:
        predicted = predicted.to(y_true.dtype)
    return torch.eq(y_true, predicted).to(_floatx(y_pred))


def _in_top_k(predictions, targets, k):
    """``tf.nn.in_top_k``: ties at the boundary count as inside the top k."""
    targets = targets.long().reshape(-1, 1)
    target_score = predictions.gather(-1, targets)
    better = (predictions > target_score).sum(dim=-1)
    return better < k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether ``argmax(y)`` is among the ``k`` highest predictions."""
    y_true, y_pred = prepare("top_k_categorical_accuracy", y_true, y_pred)
    flat = y_pred.reshape(-1, y_pred.shape[-1])
    hit = _in_top_k(flat, y_true.argmax(dim=-1).reshape(-1), k)
    return hit.reshape(y_pred.shape[:-1]).to(y_pred.dtype)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the integer target is among the ``k`` highest predictions."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred)
    flat = y_pred.reshape(-1, y_pred.shape[-1])
    targets = y_true.reshape(-1)
    if targets.numel() != flat.shape[0]:
        raise ValueError(
            f"sparse_top_k_categorical_accuracy: y_true and y_pred have incompatible shapes: "
            f"y_true {tuple(y_true.shape)} vs y_pred {tuple(y_pred.shape)}."
        )
    return _in_top_k(flat, targets, k).reshape(y_pred.shape[:-1]).to(_floatx(y_pred))


class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets exactly.

    Example::

        m = Accuracy(); m.update_state([1, 2, 3, 4], [0, 2, 3, 4]); float(m.result())  # 0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``ŷ > threshold`` matches binary targets.

    Example::

        m = BinaryAccuracy(); m.update_state([[1], [0]], [[0.9], [0.7]]); float(m.result())  # 0.5
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(ŷ)`` matches the one-hot target's ``argmax(y)``.

    Example::

        m = CategoricalAccuracy()
        m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
        float(m.result())  # 0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(ŷ)`` matches an integer class target.

    Example::

        m = SparseCategoricalAccuracy()
        m.update_state([2, 1], [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
        float(m.result())  # 0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the ``k`` highest predictions.

    Example::

        m = TopKCategoricalAccuracy(k=2)
        m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.2, 0.7], [0.6, 0.1, 0.3]])
        float(m.result())  # 0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often an integer class target is among the ``k`` highest predictions.

    Example::

        m = SparseTopKCategoricalAccuracy(k=2)
        m.update_state([2, 1], [[0.1, 0.2, 0.7], [0.6, 0.1, 0.3]])
        float(m.result())  # 0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype=dtype, k=k)
