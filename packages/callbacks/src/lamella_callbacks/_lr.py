"""Reading and setting an optimizer's learning rate on behalf of the learning-rate callbacks.

As Keras 2.3.1's callbacks do, through the variable (``K.get_value(optimizer.lr)``,
``K.set_value(optimizer.lr, value)``), so a variable that user code holds sees the change.
"""

from lamella.base.optimizer_variables import get_hyperparameter, set_hyperparameter


def _optimizer(model, owner):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(f'{owner}: the optimizer must have a "learning_rate" (or "lr") attribute.')
    return optimizer


def get_lr(model, owner="callback"):
    """The optimizer's base learning rate as a float.

    A schedule object is evaluated at the optimizer's current ``iterations`` (Keras's ``decay``
    is not applied: like Keras's ``K.get_value(optimizer.lr)``, this is the base rate).
    """
    optimizer = _optimizer(model, owner)
    lr = optimizer.learning_rate
    if callable(lr):
        iterations = int(get_hyperparameter(optimizer, "iterations")) if hasattr(
            optimizer, "iterations") else 0
        return float(lr(iterations))
    return get_hyperparameter(optimizer, "learning_rate")


def set_lr(model, value, owner="callback"):
    """Set the optimizer's base learning rate (``K.set_value`` into its variable; a schedule
    object is replaced by the value, as Keras does)."""
    set_hyperparameter(_optimizer(model, owner), "learning_rate", value)
