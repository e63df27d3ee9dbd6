"""lamella_losses's registrations with lamella: losses, metrics and Keras's ``'accuracy'`` rule."""

from lamella.plugins import Component, hookimpl

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
    records = [Component(name, f"{_L}:{name}", aliases=aliases) for name, aliases in _LOSS_FUNCTIONS]
    records.append(Component("cosine_proximity", f"{_L}:cosine_proximity",
                             aliases=("cosine", "cosine_similarity")))
    records += [Component(name, f"{_L}:{name}") for name in _LOSS_CLASSES]
    return records


@hookimpl
def lamella_metrics():
    records = [Component(name, f"{_L}:{name}", aliases=aliases) for name, aliases in _LOSS_FUNCTIONS]
    records += [Component(name, f"{_M}:{name}", aliases=aliases)
                for name, aliases in _METRIC_FUNCTIONS]
    # The metric version of cosine proximity is +sum (the loss is -sum).
    records.append(Component("cosine_proximity", f"{_M}:cosine_proximity",
                             aliases=("cosine", "cosine_similarity")))
    records += [Component(name, f"{_M}:{name}") for name in _METRIC_CLASSES]
    return records


def _loss_kind(loss):
    """'binary', 'sparse' or None for a loss given as a name, a function or a Loss object."""
    from lamella_losses import losses

    if loss is None:
        return None
    if isinstance(loss, str):
        if loss == "binary_crossentropy":
            return "binary"
        if loss == "sparse_categorical_crossentropy":
            return "sparse"
        try:
            from lamella.plugins import lookup

            loss = lookup.resolve("losses", loss, None)
        except Exception:
            return None
    if loss is losses.binary_crossentropy or isinstance(loss, losses.BinaryCrossentropy) \
            or loss is losses.BinaryCrossentropy:
        return "binary"
    if loss is losses.sparse_categorical_crossentropy \
            or isinstance(loss, losses.SparseCategoricalCrossentropy) \
            or loss is losses.SparseCategoricalCrossentropy:
        return "sparse"
    fn = getattr(loss, "fn", None)  # a LossFunctionWrapper around one of the functions
    if fn is losses.binary_crossentropy:
        return "binary"
    if fn is losses.sparse_categorical_crossentropy:
        return "sparse"
    return None


@hookimpl
def lamella_resolve_metric(name, loss, output_shape):
    """Keras 2.3's rule for ``'accuracy'``/``'acc'`` and ``'crossentropy'``/``'ce'``."""
    if name in ("accuracy", "acc"):
        choices = ("binary_accuracy", "sparse_categorical_accuracy", "categorical_accuracy")
    elif name in ("crossentropy", "ce"):
        choices = ("binary_crossentropy", "sparse_categorical_crossentropy",
                   "categorical_crossentropy")
    else:
        return None
    from lamella_losses import losses, metrics

    kind = _loss_kind(loss)
    last_dim = None
    if output_shape is not None:
        try:
            last_dim = tuple(output_shape)[-1]
        except (TypeError, IndexError):
            last_dim = None
    if last_dim == 1 or kind == "binary":
        chosen = choices[0]
    elif kind == "sparse":
        chosen = choices[1]
    else:
        chosen = choices[2]
    module = metrics if hasattr(metrics, chosen) else losses
    return getattr(module, chosen)
