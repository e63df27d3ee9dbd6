"""``lamella.metrics``: Keras's metrics (registered by lamella-losses and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.metrics.X`` is the object the installed plugin registered.
"""

from lamella.base.metric import Mean, MeanMetricWrapper, Metric, Reduce, Sum
from lamella.engine.base_layer import Layer  # noqa: F401  (Keras's module has it)
from lamella.plugins import facade as _facade

_facade.install(globals(), "metrics", serialize_arg="metric", deserialize_arg="config")


def clone_metric(metric):
    """A fresh, unbuilt copy of a stateful ``Metric`` (same config, no state); anything else
    (a metric function, a name) is returned as it is, as in Keras 2.3.1.

    Example::

        fresh = clone_metric(lamella.metrics.AUC(num_thresholds=50))
    """
    if isinstance(metric, Metric):
        return type(metric).from_config(metric.get_config())
    return metric


def clone_metrics(metrics):
    """:func:`clone_metric` of each metric in a list or of each value in a dict (``None`` is
    ``None``)."""
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        return {key: clone_metric(value) for key, value in metrics.items()}
    return [clone_metric(metric) for metric in metrics]


# Functions (not classes) handed out by attribute accept symbolic tensors:
# `binary_crossentropy(inputs, outputs)` on functional-API tensors records a graph node.
from lamella.engine import symbolic_ops as _symbolic_ops  # noqa: E402

_symbolic_ops.wrap_facade(globals(), "metrics")
