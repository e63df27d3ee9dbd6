"""lamella_losses's registrations with lamella: losses, metrics and Keras's ``'accuracy'`` rule.

These lists are the single source of what the package registers; objects are named as
``"module:attr"`` strings so that listing plugins imports nothing heavy.
"""

from lamella.plugins import Component, hookimpl
from lamella_losses import accuracy_rule

_L = "lamella_losses.losses"
_M = "lamella_losses.metrics"

# (name, aliases) of the loss functions; the same functions are metrics too, as in Keras.
_LOSS_FUNCTIONS = [
    ("mean_squared_error", ("mse", "MSE")),
    ("mean_absolute_error", ("mae", "MAE")),
    ("mean_absolute_percentage_error", ("mape", "MAPE")),
    ("mean_squared_logarithmic_error", ("msle", "MSLE")),
    ("squared_hinge", ()),
    ("hinge", ()),
    ("categorical_hinge", ()),
    ("logcosh", ()),
    ("huber_loss", ()),
    ("categorical_crossentropy", ()),
    ("sparse_categorical_crossentropy", ()),
    ("binary_crossentropy", ()),
    ("kullback_leibler_divergence", ("kld", "KLD")),
    ("poisson", ()),
]

_LOSS_CLASSES = [
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "Hinge", "SquaredHinge", "CategoricalHinge", "Poisson",
    "LogCosh", "KLDivergence", "Huber", "CosineSimilarity",
]

_METRIC_FUNCTIONS = [
    ("accuracy", ()),
    ("binary_accuracy", ()),
    ("categorical_accuracy", ()),
    ("sparse_categorical_accuracy", ()),
    ("top_k_categorical_accuracy", ()),
    ("sparse_top_k_categorical_accuracy", ()),
]

_METRIC_CLASSES = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "MeanSquaredError",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
    "RootMeanSquaredError", "LogCoshError", "Poisson", "KLDivergence", "CosineSimilarity",
    "Hinge", "SquaredHinge", "CategoricalHinge", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "TruePositives", "TrueNegatives", "FalsePositives",
    "FalseNegatives", "Precision", "Recall", "AUC", "SensitivityAtSpecificity",
    "SpecificityAtSensitivity", "MeanIoU",
]


@hookimpl
def lamella_losses():
    records = [Component(name, f"{_L}:{name}", aliases=aliases)
               for name, aliases in _LOSS_FUNCTIONS]
    records.append(Component("cosine_proximity", f"{_L}:cosine_proximity",
                             aliases=("cosine", "cosine_similarity")))
    records += [Component(name, f"{_L}:{name}") for name in _LOSS_CLASSES]
    return records


@hookimpl
def lamella_metrics():
    records = [Component(name, f"{_L}:{name}", aliases=aliases)
               for name, aliases in _LOSS_FUNCTIONS]
    records += [Component(name, f"{_M}:{name}", aliases=aliases)
                for name, aliases in _METRIC_FUNCTIONS]
    # The metric version of cosine proximity is +sum (the loss is -sum).
    records.append(Component("cosine_proximity", f"{_M}:cosine_proximity",
                             aliases=("cosine", "cosine_similarity")))
    records += [Component(name, f"{_M}:{name}") for name in _METRIC_CLASSES]
    return records


@hookimpl
def lamella_resolve_metric(name, loss, output_shape):
    """Keras 2.3's rule for ``'accuracy'``/``'acc'`` and ``'crossentropy'``/``'ce'``."""
    return accuracy_rule.resolve(name, loss, output_shape)
