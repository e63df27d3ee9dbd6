"""Reading and setting an optimizer's learning rate on behalf of the learning-rate callbacks."""


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
        return float(lr(getattr(optimizer, "iterations", 0)))
    return float(lr)


def set_lr(model, value, owner="callback"):
    """Set the optimizer's base learning rate (replacing a schedule object, as Keras does)."""
    _optimizer(model, owner).learning_rate = float(value)
