"""``Callback`` and the callbacks every ``fit`` uses: ``History`` and ``ProgbarLogger``.

Batch logs are lazy: the engine keeps the running loss and metrics on the device and hands
callbacks a :class:`LazyLogs` mapping that reads a value back only when someone looks at it,
so a progress bar that redraws every 50 ms does not synchronise the device on every step.
"""

import collections.abc
import sys
import time

from lamella.engine.progbar import Progbar


class LazyLogs(collections.abc.MutableMapping):
    """A dict of log values whose entries may be zero-argument callables, evaluated on access."""

    def __init__(self, values=None):
        self._values = dict(values or {})

    def __getitem__(self, key):
        value = self._values[key]
        if callable(value):
            value = value()
            self._values[key] = value
        return value

    def __setitem__(self, key, value):
        self._values[key] = value

    def __delitem__(self, key):
        del self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def copy(self):
        return dict(self.items())

    def __repr__(self):
        return repr(self.copy())


class Callback:
    """Base class of callbacks: override any ``on_*`` hook Keras 2.3 calls.

    Epochs and batches are 0-indexed in the hooks. ``self.model`` and ``self.params`` are set
    before training starts.

    Example::

        class PrintLoss(Callback):
            def on_epoch_end(self, epoch, logs=None):
                print(epoch, logs["loss"])

        model.fit(x, y, callbacks=[PrintLoss()])
    """

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        """Receive the training parameters (``epochs``, ``steps``, ``samples``, ``verbose``,
        ``do_validation``, ``metrics``, ``batch_size``) before training starts."""
        self.params = params

    def set_model(self, model):
        """Receive the model being trained (also reachable as ``self.model``)."""
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only).

        Args:
            epoch: the epoch's index, from 0.
            logs: an empty dict (kept for Keras compatibility).
        """

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch (training only).

        Args:
            epoch: the epoch's index, from 0.
            logs: the epoch's results: ``loss``, the metrics, and ``val_``-prefixed ones on
                epochs that validated. A callback may add entries (``History`` runs last
                and records them, as ``lr`` from ``ReduceLROnPlateau``).
        """

    def on_batch_begin(self, batch, logs=None):
        """Keras 2.3's name for :meth:`on_train_batch_begin` (called by it)."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2.3's name for :meth:`on_train_batch_end` (called by it)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before a training batch.

        Args:
            batch: the batch's index within the epoch, from 0.
            logs: ``{"batch": index, "size": samples in the batch}``.
        """
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch.

        Args:
            batch: the batch's index within the epoch, from 0.
            logs: ``batch``, ``size``, and the batch's ``loss`` and metric values; each value
                is read from the device only when looked up (see :class:`LazyLogs`).
        """
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of ``evaluate`` (or of validation within ``fit``).

        Args:
            batch: the batch's index, from 0.
            logs: ``{"batch": index, "size": samples in the batch}``.
        """

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of ``evaluate`` (or of validation within ``fit``).

        Args:
            batch: the batch's index, from 0.
            logs: ``{"batch": index, "size": samples in the batch}``.
        """

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of ``predict``.

        Args:
            batch: the batch's index, from 0.
            logs: ``{"batch": index, "size": samples in the batch}``.
        """

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of ``predict``.

        Args:
            batch: the batch's index, from 0.
            logs: ``{"batch": index, "outputs": the batch's outputs as tensors}``.
        """

    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts, after ``set_model`` and ``set_params``.

        Args:
            logs: an empty dict (kept for Keras compatibility).
        """

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends, also after ``stop_training`` or an early break.

        Args:
            logs: the last epoch's logs (empty if no epoch ran).
        """

    def on_test_begin(self, logs=None):
        """Called when ``evaluate`` starts.

        Args:
            logs: an empty dict (kept for Keras compatibility).
        """

    def on_test_end(self, logs=None):
        """Called when ``evaluate`` ends.

        Args:
            logs: the results by name (``loss`` and the metrics).
        """

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts.

        Args:
            logs: an empty dict (kept for Keras compatibility).
        """

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends.

        Args:
            logs: an empty dict (kept for Keras compatibility).
        """


_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", ("on_batch_begin", "on_batch_end")),
    "test": ("on_test_batch_begin", "on_test_batch_end", ()),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end", ()),
}


def _overrides(callback, hook):
    # A hook set on the instance (LambdaCallback, ``cb.on_batch_end = fn``) counts too.
    if hook in getattr(callback, "__dict__", {}):
        return True
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls a list of callbacks in order; skips batch hooks nobody overrides."""

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        for callback in self.callbacks:
            callback.set_model(model)

    def wants_batch_hooks(self, mode):
        begin, end, legacy = _BATCH_HOOKS[mode]
        return any(
            _overrides(c, h) for c in self.callbacks for h in (begin, end, *legacy)
        )

    def _call(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs if logs is not None else {})

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs if logs is not None else {})

    def on_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs if logs is not None else {})

    def on_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs if logs is not None else {})

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs if logs is not None else {})

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs if logs is not None else {})

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs if logs is not None else {})

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs if logs is not None else {})

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs if logs is not None else {})

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs if logs is not None else {})

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs if logs is not None else {})

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs if logs is not None else {})

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs if logs is not None else {})

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs if logs is not None else {})

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs if logs is not None else {})

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs if logs is not None else {})

    def __iter__(self):
        return iter(self.callbacks)


class BaseLogger(Callback):
    """Averages per-batch values over the epoch, weighted by batch size (Keras's BaseLogger).

    lamella's engine already reports epoch averages, so ``fit`` does not add this callback; it
    exists for code that builds a callback list by hand.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 0)
        self.seen += size
        for key, value in logs.items():
            if key in ("batch", "size"):
                continue
            if key in self.stateful_metrics:
                self.totals[key] = value
            else:
                self.totals[key] = self.totals.get(key, 0) + value * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for key in self.params.get("metrics", []):
            if key in self.totals:
                value = self.totals[key]
                logs[key] = value if key in self.stateful_metrics else value / max(self.seen, 1)


class History(Callback):
    """Records the epoch logs; ``fit`` returns it. ``history.history`` maps key → list."""

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class ProgbarLogger(Callback):
    """Prints Keras's progress bar (``verbose=1``) or one line per epoch (``verbose=2``).

    Args:
        count_mode: ``'samples'`` or ``'steps'``: what the bar counts.
        stateful_metrics: names of metrics shown as they are rather than averaged.
        stream: where to print (``sys.stdout`` by default).
        epoch_values: a zero-argument callable returning the epoch-so-far values as a
            ``{name: value}`` dict; ``fit`` passes its running means, read from the device
            only when the bar is redrawn. Without it the bar shows each batch's logs.

    Example::

        model.fit(x, y, verbose=0, callbacks=[ProgbarLogger(count_mode="steps")])
    """

    def __init__(self, count_mode="samples", stateful_metrics=None, stream=None,
                 epoch_values=None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(
                f"ProgbarLogger: count_mode must be 'samples' or 'steps', got {count_mode!r}")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or [])
        self.stream = stream
        self.epoch_values = epoch_values

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 1)
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        if not self.verbose:
            return
        stream = self.stream or sys.stdout
        print(f"Epoch {epoch + 1}/{self.epochs}", file=stream)
        target = self.params["steps"] if self.use_steps else self.params.get("samples")
        self.target = target
        self.progbar = Progbar(target=target, verbose=self.verbose,
                               stateful_metrics=self.stateful_metrics, stream=stream)
        self.seen = 0
        self.epoch_started = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if not self.verbose:
            return
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        if self.target is None or self.seen < self.target:
            if self.epoch_values is not None:  # epoch-so-far means, read only when drawn
                self.progbar.update(self.seen, lambda: list(self.epoch_values().items()))
            else:
                names = [k for k in self.params.get("metrics", []) if k in logs]
                self.progbar.update(self.seen, lambda: [(k, logs[k]) for k in names])

    def on_epoch_end(self, epoch, logs=None):
        if not self.verbose:
            return
        logs = logs or {}
        values = [(k, logs[k]) for k in self.params.get("metrics", []) if k in logs]
        self.progbar.update(self.seen, values, finalize=True)
