"""Keras 2.3's rule for what ``'accuracy'``/``'acc'`` and ``'crossentropy'``/``'ce'`` mean.

``compile(metrics=['accuracy'])`` does not name one function: Keras 2.3.1 picks binary accuracy
when the output has one unit or the loss is binary crossentropy, sparse categorical accuracy
when the loss is sparse categorical crossentropy, and categorical accuracy otherwise (likewise
for ``'crossentropy'``). The plugin's ``lamella_resolve_metric`` hook delegates here.

Example::

    resolve("accuracy", "binary_crossentropy", (None, 3))   # metrics.binary_accuracy
    resolve("ce", None, (None, 5))                          # losses.categorical_crossentropy
    resolve("mse", "mse", (None, 1))                        # None: not a name this rule owns
"""

# Only the standard library at module level: the plugin module imports this one, and listing
# plugins must not import torch.

_CHOICES = {
    "accuracy": ("binary_accuracy", "sparse_categorical_accuracy", "categorical_accuracy"),
    "crossentropy": ("binary_crossentropy", "sparse_categorical_crossentropy",
                     "categorical_crossentropy"),
}
_ALIASES = {"accuracy": "accuracy", "acc": "accuracy", "crossentropy": "crossentropy",
            "ce": "crossentropy"}


def loss_kind(loss):
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
        except Exception:  # an unknown or failing name is simply not a crossentropy
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


def _last_dim(output_shape):
    if output_shape is None:
        return None
    try:
        return tuple(output_shape)[-1]
    except (TypeError, IndexError):
        return None


def resolve(name, loss, output_shape):
    """The metric (or loss) function ``name`` stands for, given the loss and output shape;
    ``None`` when ``name`` is not one of ``'accuracy'``, ``'acc'``, ``'crossentropy'``,
    ``'ce'``."""
    family = _ALIASES.get(name) if isinstance(name, str) else None
    if family is None:
        return None
    from lamella_losses import losses, metrics

    choices = _CHOICES[family]
    kind = loss_kind(loss)
    if _last_dim(output_shape) == 1 or kind == "binary":
        chosen = choices[0]
    elif kind == "sparse":
        chosen = choices[1]
    else:
        chosen = choices[2]
    module = metrics if hasattr(metrics, chosen) else losses
    return getattr(module, chosen)
