"""Keras 2.3's hinge metrics: running means of the hinge losses."""

from lamella.base.metric import MeanMetricWrapper
from lamella_losses import losses as _losses


class Hinge(MeanMetricWrapper):
    """The running mean of ``hinge`` (0/1 targets count as −1/1).

    Example::

        m = Hinge(); m.update_state([[1.0, -1.0]], [[0.5, -2.0]]); float(m.result())  # 0.25
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(_losses.hinge, name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The running mean of ``squared_hinge`` (0/1 targets count as −1/1).

    Example::

        m = SquaredHinge(); m.update_state([[1.0, -1.0]], [[0.5, -2.0]]); float(m.result())  # 0.125
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(_losses.squared_hinge, name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The running mean of ``categorical_hinge``.

    Example::

        m = CategoricalHinge()
        m.update_state([[0.0, 1.0]], [[0.2, 0.6]])
        float(m.result())  # 0.6
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(_losses.categorical_hinge, name, dtype=dtype)
