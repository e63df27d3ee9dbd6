"""What an epoch reports: the running means of the loss and the metrics' results.

The running sums stay on the device; a value is read back only when a log line or a callback
asks for it. Under a strategy with several workers the sums, the sample count and the metrics'
states are added across workers before reading, so an epoch's figures are exact for all the
data (never an average of per-worker averages).
"""

import torch

from lamella.engine.device import without_graph


class RunningLoss:
    """The epoch's running loss (weighted by batch size), kept on the device."""

    def __init__(self, outputs):
        self.outputs = outputs
        self.reset()

    def reset(self):
        self.total, self.per_output, self.seen = None, None, 0

    def add(self, total, per_output, size):
        # Values only: under autograd (a model calling K.gradients evaluates with it on) the
        # running sum would otherwise hold every batch's graph until the epoch ends.
        total = without_graph(total)
        per_output = [without_graph(p) for p in per_output] if per_output is not None else None
        # One kernel per step after the first (an in-place multiply-add on the running sum).
        if self.total is None:
            self.total = total * size
        else:
            self.total.add_(total, alpha=size)
        if self.outputs > 1:
            values = [p * size for p in per_output]
            self.per_output = values if self.per_output is None else [
                a + b for a, b in zip(self.per_output, values)]
        self.seen += size

    def values(self, model):
        """``{name: float}`` in ``metrics_names`` order (one device read per value)."""
        return dict(zip(model.metrics_names, self.value_list(model)))

    def value_list(self, model):
        """The floats in ``metrics_names`` order. A list, not a dict: two outputs of one name
        (both outputs of a nested model, the GAN's combined model) repeat a name in Keras's
        ``metrics_names`` too, and ``evaluate`` returns both values.

        Under a strategy with several workers, the sums, the sample count and every metric's
        state are added across workers first, so the values are exact for the whole data.
        """
        strategy = model.distribute_strategy
        if strategy.world_size > 1:
            return self._reduced_values(model, strategy)
        values = [self.total / max(self.seen, 1)]
        if self.outputs > 1:
            values += [p / max(self.seen, 1) for p in self.per_output]
        values += [m.result() for m in model.metrics]
        return [float(without_graph(v)) for v in values]

    def _reduced_values(self, model, strategy):
        states = [state for metric in model.metrics for state in metric.weights]
        # A worker whose shard ran out still joins the collective, with zeros.
        device = model._device
        zero = torch.zeros((), device=device)
        sums = [zero if self.total is None else self.total]
        if self.outputs > 1:
            sums += self.per_output or [zero] * self.outputs
        seen = torch.tensor(float(self.seen), device=device)
        reduced = strategy.all_reduce_sum([*sums, seen, *(s.clone() for s in states)])
        count = len(sums)
        totals, seen, reduced_states = reduced[:count], reduced[count], reduced[count + 1:]
        values = [t / seen.clamp(min=1) for t in totals]
        # Metrics compute their result from their own state: swap the added-up state in for
        # the moment of reading, then put this worker's back (later batches add to it).
        local = [state.clone() for state in states]
        for state, total in zip(states, reduced_states):
            state.copy_(total)
        try:
            values += [m.result() for m in model.metrics]
            values = [float(without_graph(v)) for v in values]
        finally:
            for state, mine in zip(states, local):
                state.copy_(mine)
        return values
