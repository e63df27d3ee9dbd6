"""The epoch and batch loops behind ``fit``, ``evaluate`` and ``predict``."""

import itertools
import sys

import torch

from lamella.engine import data_adapter as da
from lamella.engine.callbacks import CallbackList, History, LazyLogs, ProgbarLogger


class _DataSource:
    """Batches of ``(xs, ys, sws)`` from arrays (sliced on the device) or from a generator."""

    def __init__(self, model, x, y, sample_weight, class_weight, batch_size, steps, shuffle,
                 workers, use_multiprocessing, max_queue_size, steps_argument):
        self.model = model
        self.generator = da.is_generator_like(x) or isinstance(x, torch.utils.data.Dataset)
        if self.generator:
            if y is not None or sample_weight is not None:
                raise ValueError("`y` and `sample_weight` must not be given when x is a generator "
                                 "or Sequence: it yields them itself.")
            if batch_size is not None:
                raise ValueError("`batch_size` must not be given when x is a generator or "
                                 "Sequence: it makes its own batches.")
            if isinstance(x, torch.utils.data.Dataset) and not isinstance(x, torch.utils.data.IterableDataset):
                x = torch.utils.data.DataLoader(x, batch_size=32, shuffle=bool(shuffle))
            self.steps = da.infer_steps(x, steps, steps_argument)
            self.iterator = da.BatchIterator(x, workers, use_multiprocessing, max_queue_size,
                                             shuffle=bool(shuffle) and shuffle != "batch")
            self.class_weight = class_weight
            self.samples = None
        else:
            self.xs, self.ys, self.sws = model._standardize(x, y, sample_weight, class_weight)
            self.samples = self.xs[0].shape[0]
            self.batch_size = batch_size or 32
            self.steps_mode = steps is not None
            self.steps = int(steps) if steps is not None else -(-self.samples // self.batch_size)
            self.shuffle = shuffle

    def peek_inputs(self):
        """The inputs of the first batch, without losing it (builds deferred models)."""
        data = self.iterator.data
        if isinstance(data, da.Sequence):
            batch = data[0]
        else:
            if self.iterator._iterator is None:
                self.iterator._iterator = iter(data)
            batch = next(self.iterator._iterator)
            self.iterator._iterator = itertools.chain([batch], self.iterator._iterator)
        x, y, sw = da.unpack_batch(batch)
        return self.model._standardize(x, y, sw)[0]

    def epoch(self):
        if self.generator:
            for batch in self.iterator.epoch(self.steps):
                x, y, sw = da.unpack_batch(batch)
                yield self.model._standardize(x, y, sw, self.class_weight)
            self.iterator.on_epoch_end()
            return
        if self.steps_mode:
            for _ in range(self.steps):
                yield self.xs, self.ys, self.sws
            return
        device = self.xs[0].device
        for index in da.batch_indices(self.samples, self.batch_size, self.shuffle, device):
            yield da.take(self.xs, index), da.take(self.ys, index), da.take(self.sws, index)


class _Running:
    """The epoch's running loss (weighted by batch size), kept on the device."""

    def __init__(self, outputs):
        self.outputs = outputs
        self.reset()

    def reset(self):
        self.total, self.per_output, self.seen = None, None, 0

    def add(self, total, per_output, size):
        weighted = total * size
        self.total = weighted if self.total is None else self.total + weighted
        if self.outputs > 1:
            values = [p * size for p in per_output]
            self.per_output = values if self.per_output is None else [
                a + b for a, b in zip(self.per_output, values)]
        self.seen += size

    def values(self, model):
        """``{name: float}`` in ``metrics_names`` order (one device read per value)."""
        names = model.metrics_names
        values = [self.total / max(self.seen, 1)]
        if self.outputs > 1:
            values += [p / max(self.seen, 1) for p in self.per_output]
        values += [m.result() for m in model.metrics]
        return dict(zip(names, (float(v) for v in values)))


def _make_ready(model, source):
    """Build a deferred model and finish compiling it from ``source``'s first batch."""
    if model.built and model._objectives.built:
        return
    model._ensure_ready(source.peek_inputs() if source.generator else source.xs)


def _batch_size_of(xs):
    return int(xs[0].shape[0])


def _make_callbacks(model, callbacks, verbose, count_mode, params, with_history):
    """Keras 2.3.1's order: the progress bar, the user's callbacks, then History (so History
    records what callbacks add to the epoch logs, such as ``lr``)."""
    callback_list = list(callbacks or [])
    if verbose:
        callback_list.insert(0, ProgbarLogger(count_mode=count_mode))
    history = None
    if with_history:
        history = History()
        callback_list.append(history)
    callback_list = CallbackList(callback_list, model=model, params=params)
    return callback_list, history


def fit_loop(model, x, y, batch_size, epochs, verbose, callbacks, validation_split,
             validation_data, shuffle, class_weight, sample_weight, initial_epoch,
             steps_per_epoch, validation_steps, validation_freq, max_queue_size, workers,
             use_multiprocessing):
    do_validation = validation_data is not None or validation_split
    if validation_split and validation_data is None:
        if da.is_generator_like(x):
            raise ValueError("`validation_split` is only supported for in-memory data "
                             "(arrays, tensors), not for generators or Sequences.")
        if not 0.0 < validation_split < 1.0:
            raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
        xs, ys, sws = model._standardize(x, y, sample_weight, None)
        (xs, ys, sws), (vx, vy, vsw) = da.split_validation([xs, ys, sws], validation_split)
        if class_weight is not None:
            sws = model._standardize_sample_weights(sws[0] if sws and len(sws) == 1 else sws, ys,
                                                    class_weight, xs[0].device)
        x, y, sample_weight, class_weight = xs, ys, sws, None
        validation_data = (vx, vy, vsw)
    train = _DataSource(model, x, y, sample_weight, class_weight, batch_size, steps_per_epoch,
                        shuffle, workers, use_multiprocessing, max_queue_size, "steps_per_epoch")
    _make_ready(model, train)  # validation targets are named after the outputs it finds
    val = None
    if validation_data is not None:
        if da.is_generator_like(validation_data):
            val = _DataSource(model, validation_data, None, None, None, None, validation_steps,
                              False, workers, use_multiprocessing, max_queue_size,
                              "validation_steps")
        else:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data must be (x_val, y_val) or (x_val, y_val, "
                                 "val_sample_weights), or a generator/Sequence.")
            val_sample_weight = validation_data[2] if len(validation_data) == 3 else None
            val = _DataSource(model, validation_data[0], validation_data[1], val_sample_weight,
                              None, batch_size, None, False, workers, use_multiprocessing,
                              max_queue_size, "validation_steps")

    names = model.metrics_names
    count_mode = "steps" if (train.generator or steps_per_epoch) else "samples"
    params = {
        "batch_size": None if train.generator else train.batch_size,
        "epochs": epochs,
        "steps": train.steps if count_mode == "steps" else None,
        "samples": train.samples,
        "verbose": verbose,
        "do_validation": bool(do_validation),
        "metrics": names + [f"val_{n}" for n in names] if do_validation else list(names),
    }
    callback_list, history = _make_callbacks(model, callbacks, verbose, count_mode, params, True)
    model.history = history
    model.stop_training = False
    running = _Running(len(model._objectives.output_names))
    wants_batch_logs = callback_list.wants_batch_hooks("train")
    freq = validation_freq

    if verbose and not train.generator and val is not None and not val.generator:
        print(f"Train on {train.samples} samples, validate on {val.samples} samples")
    elif verbose and not train.generator:
        print(f"Train on {train.samples} samples")
    callback_list.on_train_begin()
    for callback in callback_list:
        if isinstance(callback, ProgbarLogger):
            callback.running_values = lambda: running.values(model)
    epoch_logs = {}
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        running.reset()
        callback_list.on_epoch_begin(epoch)
        model.train()
        for step, (xs, ys, sws) in enumerate(train.epoch()):
            size = _batch_size_of(xs)
            if wants_batch_logs:
                callback_list.on_train_batch_begin(step, {"batch": step, "size": size})
            total, per_output = model._train_step(xs, ys, sws)
            running.add(total, per_output, size)
            if wants_batch_logs:
                logs = LazyLogs({"batch": step, "size": size, "loss": lambda t=total: float(t)})
                for metric in model.metrics:
                    logs[metric.name] = lambda m=metric: float(m.result())
                callback_list.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = running.values(model) if running.seen else {}
        if val is not None and _should_validate(epoch, freq):
            results = _test_epoch(model, val)
            for name, value in zip(model.metrics_names, results):
                epoch_logs[f"val_{name}"] = value
        callback_list.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callback_list.on_train_end(epoch_logs)
    return history


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        if freq < 1:
            raise ValueError(f"validation_freq must be >= 1, got {freq}")
        return (epoch + 1) % freq == 0
    if isinstance(freq, (list, tuple, set)):
        return epoch + 1 in freq
    raise ValueError(f"validation_freq must be an int or a list of epochs, got {freq!r}")


def _test_epoch(model, source, callback_list=None, progress=None):
    """One pass of ``model._test_step`` over ``source``; the loss and metrics as a list.

    ``progress(size)`` is called after each batch (the evaluate progress bar).
    """
    model.reset_metrics()
    running = _Running(len(model._objectives.output_names))
    hooks = callback_list is not None and callback_list.wants_batch_hooks("test")
    model.eval()
    with torch.no_grad():
        for step, (xs, ys, sws) in enumerate(source.epoch()):
            size = _batch_size_of(xs)
            if hooks:
                callback_list.on_test_batch_begin(step, {"batch": step, "size": size})
            total, per_output = model._test_step(xs, ys, sws)
            running.add(total, per_output, size)
            if hooks:
                callback_list.on_test_batch_end(step, LazyLogs({"batch": step, "size": size}))
            if progress is not None:
                progress(size)
    values = running.values(model)
    return [values[name] for name in model.metrics_names]


def _evaluation_progress(source, steps):
    """Keras's evaluate bar: counts samples for arrays, steps for generators or ``steps=``."""
    from lamella.engine.progbar import Progbar

    count_samples = not source.generator and steps is None
    bar = Progbar(target=source.samples if count_samples else source.steps, stream=sys.stdout)
    seen = [0]

    def advance(size):
        seen[0] += size if count_samples else 1
        bar.update(seen[0])

    return advance


def evaluate_loop(model, x, y, batch_size, verbose, sample_weight, steps, callbacks,
                  max_queue_size, workers, use_multiprocessing):
    source = _DataSource(model, x, y, sample_weight, None, batch_size, steps, False, workers,
                         use_multiprocessing, max_queue_size, "steps")
    _make_ready(model, source)
    callback_list = CallbackList(callbacks, model=model, params={"verbose": verbose})
    progress = _evaluation_progress(source, steps) if verbose == 1 else None
    callback_list.on_test_begin()
    results = _test_epoch(model, source, callback_list, progress)
    callback_list.on_test_end(dict(zip(model.metrics_names, results)))
    return results[0] if len(results) == 1 else results


def predict_loop(model, x, batch_size, verbose, steps, callbacks, max_queue_size, workers,
                 use_multiprocessing):
    generator = da.is_generator_like(x) or isinstance(x, torch.utils.data.Dataset)
    if generator:
        source = _DataSource(model, x, None, None, None, batch_size, steps, False, workers,
                             use_multiprocessing, max_queue_size, "steps")
        batches = (xs for xs, _, _ in source.epoch())
    else:
        device = model._device or next((p.device for p in model.parameters()), torch.device("cpu"))
        names, shapes = model._input_names_shapes(len(da.to_list(x)) if not isinstance(x, dict) else None)
        xs = da.standardize(x, names, "input", device, shapes)
        da.check_lengths([("x", xs)])
        size = batch_size or 32
        n = xs[0].shape[0]
        inputs = xs
        batches = ([t[i:i + size] for t in inputs] for i in range(0, n, size)) if steps is None \
            else (inputs for _ in range(int(steps)))
    callback_list = CallbackList(callbacks, model=model, params={"verbose": verbose})
    callback_list.on_predict_begin()
    model.eval()
    collected = None
    with torch.no_grad():
        for step, xs in enumerate(batches):
            callback_list.on_predict_batch_begin(step, {"batch": step, "size": _batch_size_of(xs)})
            if not model.built:
                model._ensure_ready(xs)
            if model._uses_call_losses():  # activity losses are not kept across batches
                model._clear_call_losses()
            with model._autocast():
                outputs = model(model._model_input(xs))
            outputs = [o.float() for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
            collected = [[] for _ in outputs] if collected is None else collected
            for store, out in zip(collected, outputs):
                store.append(out)
            callback_list.on_predict_batch_end(step, {"batch": step, "outputs": outputs})
    callback_list.on_predict_end()
    if collected is None:
        return []
    arrays = [torch.cat(parts).cpu().numpy() for parts in collected]
    return arrays[0] if len(arrays) == 1 else arrays


__all__ = ["fit_loop", "evaluate_loop", "predict_loop"]
