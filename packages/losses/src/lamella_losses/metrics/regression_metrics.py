"""Keras 2.3's regression metrics: running means of the error losses, root mean squared error
and cosine similarity."""

import torch

from lamella.base.metric import Mean, MeanMetricWrapper
from lamella_losses import losses as _losses
from lamella_losses._utils import l2_normalize, prepare


def cosine_proximity(y_true, y_pred, axis=-1):
    """The metric version: ``+sum(l2_normalize(y)·l2_normalize(ŷ), axis)``."""
    y_true, y_pred = prepare("cosine_proximity", y_true, y_pred)
    return (l2_normalize(y_true, axis) * l2_normalize(y_pred, axis)).sum(dim=axis)


cosine_similarity = cosine_proximity


class MeanSquaredError(MeanMetricWrapper):
    """The running mean of ``mean_squared_error``.

    Example::

        m = MeanSquaredError(); m.update_state([[0.0, 1.0]], [[1.0, 1.0]]); float(m.result())  # 0.5
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_losses.mean_squared_error, name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The running mean of ``mean_absolute_error``.

    Example::

        m = MeanAbsoluteError()
        m.update_state([[0.0, 1.0]], [[2.0, 1.0]])
        float(m.result())  # 1.0
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_losses.mean_absolute_error, name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The running mean of ``mean_absolute_percentage_error``.

    Example::

        m = MeanAbsolutePercentageError()
        m.update_state([[2.0, 4.0]], [[1.0, 4.0]])
        float(m.result())  # 25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(_losses.mean_absolute_percentage_error, name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The running mean of ``mean_squared_logarithmic_error``.

    Example::

        m = MeanSquaredLogarithmicError()
        m.update_state([[0.0, 1.0]], [[0.0, 1.0]])
        float(m.result())  # 0.0
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(_losses.mean_squared_logarithmic_error, name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) mean of squared errors over every element seen.

    Example::

        m = RootMeanSquaredError(); m.update_state([[0.0, 0.0]], [[3.0, 4.0]])
        float(m.result())  # 3.5355 (sqrt(12.5))
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = prepare("root_mean_squared_error", y_true, y_pred)
        super().update_state(torch.square(y_pred - y_true), sample_weight)

    def result(self):
        return torch.sqrt(self.total / self.count)


class LogCoshError(MeanMetricWrapper):
    """The running mean of ``logcosh``.

    Example::

        m = LogCoshError(); m.update_state([[0.0, 1.0]], [[0.0, 1.0]]); float(m.result())  # 0.0
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(_losses.logcosh, name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The running mean of the cosine similarity (+1 when aligned).

    Example::

        m = CosineSimilarity(); m.update_state([[1.0, 0.0]], [[2.0, 0.0]]); float(m.result())  # 1.0
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_proximity, name, dtype=dtype, axis=axis)
