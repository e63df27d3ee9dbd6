"""Keras 2.3's probabilistic metrics: running means of the crossentropies, the
Kullback-Leibler divergence and the Poisson loss."""

from lamella.base.metric import MeanMetricWrapper
from lamella_losses import losses as _losses


class BinaryCrossentropy(MeanMetricWrapper):
    """The running mean of ``binary_crossentropy``.

    Example::

        m = BinaryCrossentropy(from_logits=True)
        m.update_state([[1.0], [0.0]], [[2.0], [-1.0]])
        float(m.result())  # 0.2201
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(_losses.binary_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of ``categorical_crossentropy``.

    Example::

        m = CategoricalCrossentropy()
        m.update_state([[0.0, 1.0], [1.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]])
        float(m.result())  # 0.6931 (log 2)
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(_losses.categorical_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of ``sparse_categorical_crossentropy``.

    Example::

        m = SparseCategoricalCrossentropy()
        m.update_state([1, 0], [[0.5, 0.5], [0.5, 0.5]])
        float(m.result())  # 0.6931 (log 2)
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(_losses.sparse_categorical_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, axis=axis)


class KLDivergence(MeanMetricWrapper):
    """The running mean of ``kullback_leibler_divergence``.

    Example::

        m = KLDivergence(); m.update_state([[0.5, 0.5]], [[0.5, 0.5]]); float(m.result())  # 0.0
    """

    def __init__(self, name="kullback_leibler_divergence", dtype=None):
        super().__init__(_losses.kullback_leibler_divergence, name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The running mean of ``poisson``.

    Example::

        m = Poisson(); m.update_state([[0.0, 0.0]], [[1.0, 3.0]]); float(m.result())  # 2.0
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(_losses.poisson, name, dtype=dtype)
