"""Keras 2.3's metric functions and stateful metric classes (``keras/metrics.py@2.3.1``).

Metric functions return one value per sample (the engine averages them with
``MeanMetricWrapper``). Stateful metrics keep their state in tensors on the model's device and
update them in place, with no host synchronisation until ``result()`` is read.
"""

import torch

from lamella.base.metric import Mean, MeanMetricWrapper, Metric
from lamella_losses import losses as _losses
from lamella_losses._utils import EPSILON, as_tensor, l2_normalize, prepare

# --- functions ---------------------------------------------------------------------------------


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


def cosine_proximity(y_true, y_pred, axis=-1):
    """The metric version: ``+sum(l2_normalize(y)·l2_normalize(ŷ), axis)``."""
    y_true, y_pred = prepare("cosine_proximity", y_true, y_pred)
    return (l2_normalize(y_true, axis) * l2_normalize(y_pred, axis)).sum(dim=axis)


cosine_similarity = cosine_proximity

# --- stateful metrics ----------------------------------------------------------------------------




class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets exactly."""

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
    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype=dtype, k=k)


def _wrapper(class_name, fn, default_name, doc, **defaults):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        options = dict(defaults)
        options.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name, dtype=dtype, **options)

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc,
                                                   "__module__": __name__})


MeanSquaredError = _wrapper("MeanSquaredError", _losses.mean_squared_error, "mean_squared_error",
                            "The running mean of ``mean_squared_error``.")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _losses.mean_absolute_error,
                             "mean_absolute_error", "The running mean of ``mean_absolute_error``.")
MeanAbsolutePercentageError = _wrapper(
    "MeanAbsolutePercentageError", _losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "The running mean of ``mean_absolute_percentage_error``.")
MeanSquaredLogarithmicError = _wrapper(
    "MeanSquaredLogarithmicError", _losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "The running mean of ``mean_squared_logarithmic_error``.")
LogCoshError = _wrapper("LogCoshError", _losses.logcosh, "logcosh",
                        "The running mean of ``logcosh``.")
Poisson = _wrapper("Poisson", _losses.poisson, "poisson", "The running mean of ``poisson``.")
KLDivergence = _wrapper("KLDivergence", _losses.kullback_leibler_divergence,
                        "kullback_leibler_divergence",
                        "The running mean of ``kullback_leibler_divergence``.")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_proximity, "cosine_similarity",
                            "The running mean of the cosine similarity (+1 when aligned).",
                            axis=-1)
Hinge = _wrapper("Hinge", _losses.hinge, "hinge", "The running mean of ``hinge``.")
SquaredHinge = _wrapper("SquaredHinge", _losses.squared_hinge, "squared_hinge",
                        "The running mean of ``squared_hinge``.")
CategoricalHinge = _wrapper("CategoricalHinge", _losses.categorical_hinge, "categorical_hinge",
                            "The running mean of ``categorical_hinge``.")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", _losses.binary_crossentropy,
                              "binary_crossentropy", "The running mean of ``binary_crossentropy``.",
                              from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _wrapper(
    "CategoricalCrossentropy", _losses.categorical_crossentropy, "categorical_crossentropy",
    "The running mean of ``categorical_crossentropy``.", from_logits=False, label_smoothing=0)
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", _losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "The running mean of ``sparse_categorical_crossentropy``.",
    from_logits=False, axis=-1)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) mean of squared errors over every element seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = prepare("root_mean_squared_error", y_true, y_pred)
        super().update_state(torch.square(y_pred - y_true), sample_weight)

    def result(self):
        return torch.sqrt(self.total / self.count)


# --- confusion-matrix metrics --------------------------------------------------------------------


def _thresholds(thresholds, default=0.5):
    """``(values, scalar_result)``. As Keras 2.3.1, ``result()`` is a scalar whenever there is
    exactly one threshold, ``thresholds=[0.5]`` included (measured)."""
    if thresholds is None:
        values = [default]
    elif isinstance(thresholds, (int, float)):
        values = [float(thresholds)]
    else:
        values = [float(t) for t in thresholds]
    return values, len(values) == 1


def _filter_top_k(y_pred, k):
    """Keras's ``metrics_utils.filter_top_k``: keep the ``k`` largest values of the last axis
    (ties go to the lower index, as ``tf.nn.top_k``), set the rest to ``NEG_INF = −1e10``.
    Measured against Keras 2.3.1: with ``top_k=1`` and a tie only the first maximum counts."""
    k = min(k, y_pred.shape[-1])
    order = torch.sort(y_pred, dim=-1, descending=True, stable=True).indices[..., :k]
    mask = torch.zeros_like(y_pred).scatter_(-1, order, 1.0)
    return y_pred * mask + _NEG_INF * (1.0 - mask)


_NEG_INF = -1e10


class _ConfusionMetric(Metric):
    """Counts of true/false positives/negatives at each of ``thresholds`` (``ŷ > t``)."""

    _needed = ("tp", "fp", "tn", "fn")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None,
                 default_threshold=0.5):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        values, self._scalar = _thresholds(thresholds, default_threshold)
        self.thresholds = values
        n = len(values)
        for state in self._needed:
            self.add_weight(state, shape=(n,))
        self._threshold_tensor = None

    def _threshold_values(self, like):
        t = self._threshold_tensor
        if t is None or t.device != like.device or t.dtype != like.dtype:
            t = torch.tensor(self.thresholds, dtype=like.dtype, device=like.device)
            self._threshold_tensor = t
        return t

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = prepare(type(self).__name__, y_true, y_pred)
        if self.top_k is not None:
            y_pred = _filter_top_k(y_pred, self.top_k)
        if self.class_id is not None:
            y_true = y_true[..., self.class_id]
            y_pred = y_pred[..., self.class_id]
        dtype = getattr(torch, str(self.dtype))
        labels = (y_true != 0).reshape(-1, 1)
        preds = y_pred.reshape(-1, 1) > self._threshold_values(y_pred).reshape(1, -1)
        if sample_weight is not None:
            w = as_tensor(sample_weight, y_pred).to(dtype)
            while w.dim() < y_pred.dim():
                w = w.unsqueeze(-1)
            w = torch.broadcast_to(w, y_pred.shape).reshape(-1, 1)
        else:
            w = None
        labels = labels.to(dtype)
        preds = preds.to(dtype)

        def count(mask):
            return (mask * w).sum(0) if w is not None else mask.sum(0)

        if "tp" in self._needed:
            self.tp.add_(count(labels * preds))
        if "fp" in self._needed:
            self.fp.add_(count((1 - labels) * preds))
        if "tn" in self._needed:
            self.tn.add_(count((1 - labels) * (1 - preds)))
        if "fn" in self._needed:
            self.fn.add_(count(labels * (1 - preds)))

    def _out(self, value):
        return value[0] if self._scalar else value

    def get_config(self):
        config = {"thresholds": self.init_thresholds}
        config.update(super().get_config())
        return config


class TruePositives(_ConfusionMetric):
    """The (weighted) number of true positives (``ŷ > threshold`` and ``y`` true)."""

    _needed = ("tp",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.tp)


class FalsePositives(_ConfusionMetric):
    _needed = ("fp",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.fp)


class TrueNegatives(_ConfusionMetric):
    _needed = ("tn",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.tn)


class FalseNegatives(_ConfusionMetric):
    _needed = ("fn",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.fn)


def _div_no_nan(a, b):
    return torch.where(b == 0, torch.zeros_like(a), a / torch.where(b == 0, torch.ones_like(b), b))


class Precision(_ConfusionMetric):
    """``tp / (tp + fp)`` at each threshold (0 when nothing is predicted positive)."""

    _needed = ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        default = _NEG_INF if top_k is not None else 0.5
        super().__init__(thresholds=thresholds, top_k=top_k, class_id=class_id, name=name,
                         dtype=dtype, default_threshold=default)

    def result(self):
        return self._out(_div_no_nan(self.tp, self.tp + self.fp))

    def get_config(self):
        config = super().get_config()
        config.update(top_k=self.top_k, class_id=self.class_id)
        return config


class Recall(_ConfusionMetric):
    """``tp / (tp + fn)`` at each threshold (0 when there are no positives)."""

    _needed = ("tp", "fn")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        default = _NEG_INF if top_k is not None else 0.5
        super().__init__(thresholds=thresholds, top_k=top_k, class_id=class_id, name=name,
                         dtype=dtype, default_threshold=default)

    def result(self):
        return self._out(_div_no_nan(self.tp, self.tp + self.fn))

    def get_config(self):
        config = super().get_config()
        config.update(top_k=self.top_k, class_id=self.class_id)
        return config


class _SensitivitySpecificityBase(_ConfusionMetric):
    """Keras 2.3.1's ``SensitivitySpecificityBase``: confusion counts at ``num_thresholds``
    thresholds ``[0, 1/(n−1), ..., 1]`` (``[0.5]`` when ``n == 1``)."""

    def __init__(self, value, num_thresholds=200, name=None, dtype=None):
        if num_thresholds <= 0:
            raise ValueError(f"{type(self).__name__}: num_thresholds must be > 0")
        if num_thresholds == 1:
            thresholds = [0.5]
        else:
            thresholds = [0.0] + [(i + 1) * 1.0 / (num_thresholds - 1)
                                  for i in range(num_thresholds - 2)] + [1.0]
        self.value = value
        self.num_thresholds = num_thresholds
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def _at(self, rates, numerator, other):
        """``numerator/(numerator+other)`` at the threshold whose ``rates`` is closest to the
        target value (the first such threshold, as ``K.argmin``), 0 where undefined."""
        index = torch.argmin(torch.abs(rates - self.value))
        num, den = numerator[index], numerator[index] + other[index]
        return _div_no_nan(num, den)

    def get_config(self):
        config = {"num_thresholds": self.num_thresholds}
        config.update(Metric.get_config(self))
        return config


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The sensitivity (recall) at the threshold whose specificity is closest to
    ``specificity``."""

    def __init__(self, specificity, num_thresholds=200, name=None, dtype=None):
        if specificity < 0 or specificity > 1:
            raise ValueError("SensitivityAtSpecificity: specificity must be in [0, 1]")
        self.specificity = specificity
        super().__init__(specificity, num_thresholds=num_thresholds, name=name, dtype=dtype)

    def result(self):
        specificities = _div_no_nan(self.tn, self.tn + self.fp)
        return self._at(specificities, self.tp, self.fn)

    def get_config(self):
        config = super().get_config()
        config["specificity"] = self.specificity
        return config


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The specificity at the threshold whose sensitivity (recall) is closest to
    ``sensitivity``."""

    def __init__(self, sensitivity, num_thresholds=200, name=None, dtype=None):
        if sensitivity < 0 or sensitivity > 1:
            raise ValueError("SpecificityAtSensitivity: sensitivity must be in [0, 1]")
        self.sensitivity = sensitivity
        super().__init__(sensitivity, num_thresholds=num_thresholds, name=name, dtype=dtype)

    def result(self):
        sensitivities = _div_no_nan(self.tp, self.tp + self.fn)
        return self._at(sensitivities, self.tn, self.fp)

    def get_config(self):
        config = super().get_config()
        config["sensitivity"] = self.sensitivity
        return config


class AUC(_ConfusionMetric):
    """Area under the ROC or PR curve, by a Riemann sum over ``num_thresholds`` thresholds.

    Thresholds are Keras's: ``[−ε, 1/(n−1), ..., (n−2)/(n−1), 1+ε]``. ``summation_method`` is
    ``'interpolation'`` (trapezoids; for PR, Davis & Goadrich interpolation), ``'minoring'`` or
    ``'majoring'``.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None):
        curve = curve.upper()
        summation_method = summation_method.lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: unknown summation_method {summation_method!r}")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError("AUC: num_thresholds must be > 1")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        all_thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
        self.num_thresholds = num_thresholds
        self.curve = curve
        self.summation_method = summation_method
        self._init_thresholds = thresholds
        super().__init__(thresholds=all_thresholds, name=name, dtype=dtype)

    def _interpolate_pr_auc(self):
        n = self.num_thresholds
        tp, fp, fn = self.tp, self.fp, self.fn
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = _div_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - prec_slope * p[1:]
        both = (p[: n - 1] > 0) & (p[1:] > 0)
        safe_p_ratio = torch.where(both, _div_no_nan(p[: n - 1], torch.clamp(p[1:], min=0)),
                                   torch.ones_like(p[1:]))
        return _div_no_nan(prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
                           torch.clamp(tp[1:] + fn[1:], min=0)).sum()

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        n = self.num_thresholds
        recall = _div_no_nan(self.tp, self.tp + self.fn)
        if self.curve == "ROC":
            x, y = _div_no_nan(self.fp, self.fp + self.tn), recall
        else:
            x, y = recall, _div_no_nan(self.tp, self.tp + self.fp)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[: n - 1], y[1:])
        else:
            heights = torch.maximum(y[: n - 1], y[1:])
        return ((x[: n - 1] - x[1:]) * heights).sum()

    def get_config(self):
        config = {"num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "thresholds": self._init_thresholds}
        config.update(Metric.get_config(self))
        return config


#: ``(function, aliases)`` registered as metrics, beyond the loss functions.
METRIC_FUNCTIONS = [
    (accuracy, ()),
    (binary_accuracy, ()),
    (categorical_accuracy, ()),
    (sparse_categorical_accuracy, ()),
    (top_k_categorical_accuracy, ()),
    (sparse_top_k_categorical_accuracy, ()),
    (cosine_proximity, ("cosine", "cosine_similarity")),
]

class MeanIoU(Metric):
    """Mean intersection-over-union over ``num_classes`` classes (tf.keras's ``MeanIoU``; Keras
    2.3.1 offers it only with TensorFlow 2).

    ``y_true`` and ``y_pred`` hold class ids (flattened; not probabilities). A confusion matrix
    accumulates on the device; per class ``IoU = TP / (TP + FP + FN)``, averaged over the classes
    that occur in either.

    Example::

        m = MeanIoU(num_classes=2)
        m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        float(m.result())   # 0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if int(num_classes) < 2:
            raise ValueError(f"MeanIoU: num_classes must be >= 2, got {num_classes}")
        self.num_classes = int(num_classes)
        self.total_cm = self.add_weight("total_cm", (self.num_classes, self.num_classes),
                                        dtype="float64")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_tensor(y_true)
        shape = y_true.shape
        true_ids = y_true.reshape(-1).to(device=self.total_cm.device, dtype=torch.int64)
        pred_ids = as_tensor(y_pred, y_true).reshape(-1).to(device=self.total_cm.device,
                                                             dtype=torch.int64)
        weight = None
        if sample_weight is not None:  # (B,) weights cover every element of their sample
            weight = as_tensor(sample_weight, y_true).to(self.total_cm.device, torch.float64)
            weight = weight.reshape(tuple(weight.shape) + (1,) * (len(shape) - weight.dim()))
            weight = torch.broadcast_to(weight, shape).reshape(-1)
        if weight is None:
            weight = torch.ones(true_ids.shape, dtype=torch.float64, device=true_ids.device)
        # index_add_ rather than bincount: bincount sizes its output from the data (a sync).
        self.total_cm.view(-1).index_add_(0, true_ids * self.num_classes + pred_ids, weight)

    def result(self):
        rows, cols = self.total_cm.sum(dim=0), self.total_cm.sum(dim=1)
        true_positives = torch.diagonal(self.total_cm)
        denominator = rows + cols - true_positives
        present = (denominator != 0).sum()
        iou = true_positives / torch.where(denominator == 0, torch.ones_like(denominator),
                                           denominator)
        return (iou.sum() / torch.clamp(present, min=1)).to(torch.float32)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


METRIC_CLASSES = [
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError, LogCoshError,
    Poisson, KLDivergence, CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, TruePositives,
    TrueNegatives, FalsePositives, FalseNegatives, Precision, Recall, AUC,
    SensitivityAtSpecificity, SpecificityAtSensitivity, MeanIoU,
]
