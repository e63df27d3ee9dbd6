"""``lamella.losses``: Keras's losses (registered by lamella-losses and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.losses.X`` is the object the installed plugin registered.
"""

from lamella.base.loss import Loss, LossFunctionWrapper, Reduction, compute_weighted_loss
from lamella.plugins import facade as _facade

_facade.install(globals(), "losses", serialize_arg="loss", deserialize_arg="name")


def is_categorical_crossentropy(loss):
    """Whether ``loss`` is categorical cross-entropy in any of its forms (the class, a wrapper of
    the function, the function, or its name), as Keras 2.3.1 tells.

    Example::

        is_categorical_crossentropy("categorical_crossentropy")   # True
    """
    from lamella.plugins import lookup

    cls = lookup.find("losses", "CategoricalCrossentropy")
    fn = lookup.find("losses", "categorical_crossentropy")
    return bool(
        (cls is not None and isinstance(loss, cls))
        or (isinstance(loss, LossFunctionWrapper) and fn is not None and loss.fn is fn)
        or getattr(loss, "__name__", None) == "categorical_crossentropy"
        or (isinstance(loss, str) and loss == "categorical_crossentropy")
    )


# Functions (not classes) handed out by attribute accept symbolic tensors:
# `binary_crossentropy(inputs, outputs)` on functional-API tensors records a graph node.
from lamella.engine import symbolic_ops as _symbolic_ops  # noqa: E402

_symbolic_ops.wrap_facade(globals(), "losses")
