"""Keras 2.3's confusion-matrix metrics: true/false positive/negative counts, precision,
recall, sensitivity/specificity and AUC.

Counts accumulate per threshold in tensors on the metric's device (``ŷ > t`` is a positive);
``result()`` derives the metric from them.
"""

import torch

from lamella.base.metric import Metric
from lamella_losses._utils import EPSILON, as_tensor, prepare

_NEG_INF = -1e10


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
    """The (weighted) number of true positives (``ŷ > threshold`` and ``y`` true).

    Example::

        m = TruePositives(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); float(m.result())  # 2.0
    """

    _needed = ("tp",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.tp)


class FalsePositives(_ConfusionMetric):
    """The (weighted) number of false positives (``ŷ > threshold`` and ``y`` false).

    Example::

        m = FalsePositives(); m.update_state([0, 1, 0, 0], [0, 0, 1, 1]); float(m.result())  # 2.0
    """

    _needed = ("fp",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.fp)


class TrueNegatives(_ConfusionMetric):
    """The (weighted) number of true negatives (``ŷ <= threshold`` and ``y`` false).

    Example::

        m = TrueNegatives(); m.update_state([0, 1, 0, 0], [1, 1, 0, 0]); float(m.result())  # 2.0
    """

    _needed = ("tn",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.tn)


class FalseNegatives(_ConfusionMetric):
    """The (weighted) number of false negatives (``ŷ <= threshold`` and ``y`` true).

    Example::

        m = FalseNegatives(); m.update_state([0, 1, 1, 1], [0, 1, 0, 0]); float(m.result())  # 2.0
    """

    _needed = ("fn",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.fn)


def _div_no_nan(a, b):
    return torch.where(b == 0, torch.zeros_like(a), a / torch.where(b == 0, torch.ones_like(b), b))


class Precision(_ConfusionMetric):
    """``tp / (tp + fp)`` at each threshold (0 when nothing is predicted positive).

    Example::

        m = Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); float(m.result())  # 0.6667
    """

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
    """``tp / (tp + fn)`` at each threshold (0 when there are no positives).

    Example::

        m = Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); float(m.result())  # 0.6667
    """

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
    ``specificity``.

    Example::

        m = SensitivityAtSpecificity(0.5)
        m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
        float(m.result())  # 1.0
    """

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
    ``sensitivity``.

    Example::

        m = SpecificityAtSensitivity(0.5)
        m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
        float(m.result())  # 0.5
    """

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

    Example::

        m = AUC(num_thresholds=3)
        m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
        float(m.result())  # 0.75
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

