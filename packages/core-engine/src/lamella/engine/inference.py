"""The Keras inference API: ``evaluate`` and ``predict``, mixed into the training API.

``evaluate`` is one ``_test_epoch`` (the test step over every batch, the loss and metrics
averaged as in ``fit``'s validation); ``predict`` runs ``_predict_step`` over every batch and
concatenates the outputs, read back to the host once. Both run under ``torch.inference_mode``
(:func:`~lamella.engine.device.inference_context`). :class:`~lamella.engine.trainer.Trainer`
inherits these methods, so ``model.evaluate`` and ``model.predict`` are unchanged; ``fit``'s
validation uses ``_test_epoch`` too.

Example::

    loss, acc = model.evaluate(x, y, batch_size=32)
    probabilities = model.predict(x)
"""

import sys
from typing import Any, Optional, Sequence, Union

import numpy as np
import torch

from lamella.engine import base_layer
from lamella.engine import data_adapter as da
from lamella.engine import device as devices
from lamella.engine.callbacks import Callback, CallbackList, LazyLogs
from lamella.engine.epoch_iterator import DataOptions, EpochIterator, is_generator_like
from lamella.engine.epoch_logs import RunningLoss
from lamella.engine.learning_phase import learning_phase_scope
from lamella.engine.progbar import Progbar
from lamella.utils.generic_utils import as_list


class Inference:
    """``evaluate`` and ``predict`` (and their generator forms), mixed into
    :class:`~lamella.engine.trainer.Trainer`; the methods they call (``_make_ready``,
    ``_forward_loss``, ``reset_metrics``...) are the trainer's.

    Example::

        model.compile(PlainSGD(0.1), mean_squared_error)
        model.evaluate(x, y)          # the loss (a list with metrics)
        model.predict(x)              # a NumPy array (a list for several outputs)
    """

    # --- evaluate ------------------------------------------------------------------------------

    def evaluate(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
                 verbose: int = 1, sample_weight: Any = None, steps: Optional[int] = None,
                 callbacks: Optional[Sequence[Callback]] = None, max_queue_size: int = 10,
                 workers: int = 1, use_multiprocessing: bool = False) -> Union[float, list]:
        """The loss and metrics on the data: a float, or a list ordered as ``metrics_names``."""
        self._require_compiled("evaluate")
        data = EpochIterator(
            self, x=x, y=y, sample_weight=sample_weight,
            options=DataOptions(batch_size=batch_size, steps=steps, workers=workers,
                                use_multiprocessing=use_multiprocessing,
                                max_queue_size=max_queue_size),
            strategy=self._strategy)
        self._make_ready(lambda: data.first_inputs)
        callback_list = CallbackList(_callback_sequence(callbacks), model=self,
                                     params={"verbose": verbose})
        progress = None
        if verbose == 1 and self._strategy.is_chief:
            count_samples = not data.generator and steps is None
            progress = _evaluation_progress(data, count_samples=count_samples)
        callback_list.on_test_begin()
        results = self._test_epoch(data, callback_list, progress)
        callback_list.on_test_end(dict(zip(self.metrics_names, results)))
        return results[0] if len(results) == 1 else results

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose,
                             max_queue_size=max_queue_size, workers=workers,
                             use_multiprocessing=use_multiprocessing)

    def _test_epoch(self, data, callback_list=None, progress=None):
        """One pass of the test step over ``data``; the loss and metrics as a list.

        ``progress(size)`` is called after each batch (the evaluate progress bar).
        """
        self.reset_metrics()
        running = RunningLoss(len(self._objectives.output_names))
        hooks = callback_list is not None and callback_list.wants_batch_hooks("test")
        self.eval()
        run = devices.InferenceRunner(self)
        with learning_phase_scope(False):
            for step, (xs, ys, sws) in enumerate(data.epoch()):
                size = int(xs[0].shape[0])
                if hooks:
                    callback_list.on_test_batch_begin(step, {"batch": step, "size": size})
                total, per_output = run(self._test_step, xs, ys, sws)
                running.add(total, per_output, size)
                if hooks:
                    callback_list.on_test_batch_end(step, LazyLogs({"batch": step, "size": size}))
                if progress is not None:
                    progress(size)
        return running.value_list(self)  # a list: metrics_names may repeat a name

    # --- predict -------------------------------------------------------------------------------

    def predict(self, x: Any, batch_size: Optional[int] = None, verbose: int = 0,
                steps: Optional[int] = None, callbacks: Optional[Sequence[Callback]] = None,
                max_queue_size: int = 10, workers: int = 1,
                use_multiprocessing: bool = False) -> Union[np.ndarray, list]:
        """The model's outputs as NumPy arrays (a list for several outputs)."""
        options = DataOptions(batch_size=batch_size, steps=steps, workers=workers,
                              max_queue_size=max_queue_size,
                              use_multiprocessing=use_multiprocessing)
        device = None
        if is_generator_like(x):
            batches = (xs for xs, _, _ in EpochIterator(self, x=x, options=options).epoch())
        else:
            # Host arrays stay on the host and go to an accelerator batch by batch (pinned,
            # non-blocking: the copy of batch i+1 overlaps the computation of batch i).
            inputs = da.standardize_inputs(self, x, keep_on_host=True)
            device = devices.data_device(self)
            size = options.batch_size or 32
            batches = (
                ([t[i:i + size] for t in inputs] for i in range(0, inputs[0].shape[0], size))
                if steps is None else (inputs for _ in range(int(steps))))
        batches = self._strategy.shard_batches(batches)  # each worker predicts its share
        callback_list = CallbackList(_callback_sequence(callbacks), model=self,
                                     params={"verbose": verbose})
        hooks = callback_list.wants_batch_hooks("predict")
        callback_list.on_predict_begin()
        self.eval()
        collected = None
        first = True
        for step, xs in enumerate(batches):
            if device is not None:
                xs = [devices.move(t, device, pin=True) for t in xs]
            if first and not self.built:  # build outside inference mode: weights must train
                with learning_phase_scope(False):
                    self._make_ready(lambda: xs)
            if first:
                run = devices.InferenceRunner(self)  # once the layers exist
            first = False
            if hooks:
                callback_list.on_predict_batch_begin(step, {"batch": step,
                                                            "size": int(xs[0].shape[0])})
            outputs = run(self._predict_step, xs)
            if collected is None:
                collected = [devices.HostCollector() for _ in outputs]
            for store, out in zip(collected, outputs):
                store.append(out)
            if hooks:
                callback_list.on_predict_batch_end(step, {"batch": step, "outputs": outputs})
        callback_list.on_predict_end()
        # Every worker's batches, in order (one process: its own).
        gathered = self._strategy.gather_batches(
            None if collected is None else [store.parts() for store in collected])
        if gathered is None:
            return []
        # cat copies even one part: the array never shares memory with a model's tensors
        arrays = [torch.cat(parts).cpu().numpy() for parts in gathered]
        return arrays[0] if len(arrays) == 1 else arrays

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing)

    # --- what one batch does -------------------------------------------------------------------

    def _test_step(self, xs, ys, sws):
        """Forward, loss and metrics for one batch (no gradients; the caller sets the
        inference phase)."""
        if self._uses_call_losses():
            self._clear_call_losses()
        with self._autocast():
            total, per_output, (outputs, metric_weights) = self._forward_loss(xs, ys, sws)
        with torch.no_grad():  # metric states hold values (autograd may be on: K.gradients)
            if self._has_metrics:
                self._objectives.update_metrics(ys, outputs, *metric_weights)
            if base_layer._added_metrics_in_use[0]:
                self._update_added_metrics()
        return total, per_output

    def _predict_step(self, xs):
        """The outputs of one batch, as a list of tensors: floating ones as float32 (autocast
        may compute them in 16 bits), integer and bool ones (an argmax, a comparison) as they
        are, as Keras 2.3's predict returns them."""
        with learning_phase_scope(False):
            if not self.built:
                self._make_ready(lambda: xs)
            if self._uses_call_losses():  # activity losses are not kept across batches
                self._clear_call_losses()
            with self._autocast():
                outputs = self(self._model_input(xs))
        return [o.float() if o.is_floating_point() else o for o in as_list(outputs)]


def _callback_sequence(callbacks):
    """``callbacks=`` as a list: ``None``, one callback (as tf.keras and Keras 3 accept), a list
    or a ``CallbackList``."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    return list(callbacks)


def _evaluation_progress(data, count_samples):
    """Keras's evaluate bar: counts samples for arrays, steps for generators or ``steps=``."""
    bar = Progbar(target=data.samples if count_samples else data.steps, stream=sys.stdout)
    seen = [0]

    def advance(size):
        seen[0] += size if count_samples else 1
        bar.update(seen[0])

    return advance


__all__ = ["Inference"]
