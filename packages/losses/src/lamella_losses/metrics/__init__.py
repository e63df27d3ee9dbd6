"""Keras 2.3's metric functions and stateful metric classes (``keras/metrics.py@2.3.1``).

Metric functions return one value per sample (the engine averages them with
``MeanMetricWrapper``). Stateful metrics keep their state in tensors on the model's device and
update them in place, with no host synchronisation until ``result()`` is read.

Split by concept, as tf.keras documents them (module names as Keras 3's, which also keeps them
apart from the ``accuracy`` function): ``accuracy_metrics``, ``regression_metrics``,
``probabilistic_metrics``, ``hinge_metrics``, ``confusion_metrics`` (counts, precision, recall,
AUC ...) and ``iou_metrics``. Every name is importable from here, and the plugin registers
them as ``lamella_losses.metrics:<name>``.

Example::

    from lamella_losses.metrics import AUC, categorical_accuracy
"""

from lamella_losses.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from lamella_losses.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from lamella_losses.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from lamella_losses.metrics.iou_metrics import MeanIoU
from lamella_losses.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from lamella_losses.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    cosine_proximity,
    cosine_similarity,
)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "CosineSimilarity", "FalseNegatives",
    "FalsePositives", "Hinge", "KLDivergence", "LogCoshError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanIoU", "MeanSquaredError", "MeanSquaredLogarithmicError",
    "Poisson", "Precision", "Recall", "RootMeanSquaredError", "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity", "SquaredHinge", "TopKCategoricalAccuracy", "TrueNegatives",
    "TruePositives", "accuracy", "binary_accuracy", "categorical_accuracy", "cosine_proximity",
    "cosine_similarity", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]
