"""``lamella.metrics``: Keras's metrics (registered by lamella-losses and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.metrics.X`` is the object the installed plugin registered.
"""

from lamella.base.metric import Mean, MeanMetricWrapper, Metric, Reduce, Sum
from lamella.plugins import facade as _facade

_facade.install(globals(), "metrics")

# Functions (not classes) handed out by attribute accept symbolic tensors:
# `binary_crossentropy(inputs, outputs)` on functional-API tensors records a graph node.
from lamella.engine import symbolic_ops as _symbolic_ops  # noqa: E402

_symbolic_ops.wrap_facade(globals(), "metrics")
