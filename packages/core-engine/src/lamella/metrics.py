"""``lamella.metrics``: Keras's metrics (registered by lamella-losses and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.metrics.X`` is the object the installed plugin registered.
"""

from lamella.base.metric import Mean, MeanMetricWrapper, Metric, Reduce, Sum
from lamella.plugins import facade as _facade

_facade.install(globals(), "metrics")
