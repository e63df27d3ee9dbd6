"""The Keras training API, read top to bottom: ``compile``, ``fit``, ``evaluate``, ``predict``.

What ``fit`` does, in order (each step is one signposted block of :meth:`Trainer.fit`)::

    train = EpochIterator(model, x=x, y=y, options=...)  # data → tensors on the device, once
    make the model ready on the first batch             # build a deferred model, bind optimizer
    val = EpochIterator(validation data)                # or the last validation_split of x
    callbacks = [progress bar] + user's + [History]     # Keras 2.3.1's order
    callbacks.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        reset the metrics; callbacks.on_epoch_begin(epoch)
        for xs, ys, sws in train.epoch():
            loss = train_step(xs, ys, sws)              # forward, loss, backward, update, metrics
            callbacks.on_train_batch_end(step, lazy logs)
        logs = epoch means, plus val_* from test_epoch(val) when validation_freq says so
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end(logs)

``evaluate`` is one ``test_epoch``; ``predict`` runs the forward pass over every batch and
concatenates. Data preparation lives in :mod:`~lamella.engine.data_adapter` and
:mod:`~lamella.engine.epoch_iterator`, the device rules in :mod:`~lamella.engine.device`,
the distribution seam in :mod:`~lamella.engine.distribution`, the losses and metrics in
:mod:`~lamella.engine.compile_utils`.

Speed rules (docs/performance.md): data becomes tensors once; the running loss and metrics stay
on the device and are read back only when a log line or a callback needs them; ``predict`` and
``evaluate`` run under ``torch.inference_mode`` and ``predict`` reads its outputs back once;
nothing per step that has nothing to do (the learning phase is set per epoch, the metric update
skipped without metrics); ``jit_compile`` compiles the whole step (:mod:`~lamella.engine.jit`).
"""

import contextlib
import sys
import warnings
from typing import Any, Optional, Sequence, Union

import numpy as np
import torch

from lamella import optimizers
from lamella.engine import base_layer, jit
from lamella.engine import data_adapter as da
from lamella.engine import device as devices
from lamella.engine.callbacks import Callback, CallbackList, History, LazyLogs, ProgbarLogger
from lamella.engine.compile_utils import CompiledObjectives, apply_output_masks
from lamella.engine.distribution import SINGLE_PROCESS, resolve_strategy
from lamella.engine.epoch_iterator import (
    DataOptions,
    EpochIterator,
    is_generator_like,
    validation_iterator,
)
from lamella.engine.epoch_logs import RunningLoss
from lamella.engine.learning_phase import learning_phase_scope
from lamella.engine.progbar import Progbar
from lamella.plugins import lookup
from lamella.utils.generic_utils import as_list

_FIT_LEGACY = {"nb_epoch": "epochs"}
#: (model id, trainable_version) whose requires_grad flags the weights carry now
_GRAD_FLAGS = [None]
_MIXED_PRECISION = (None, "float16", "bfloat16")


class Trainer:
    """The Keras training API, mixed into :class:`~lamella.engine.model.Model`."""

    #: Whether ``compile`` asked for metrics (the steps skip the metric update otherwise).
    _has_metrics = True

    def __init__(self):
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._objectives = None
        self._device = None
        self._autocast_dtype = None
        self._grad_scaler = None
        self._strategy = SINGLE_PROCESS
        self._step_fn = None
        self._target_tensors = None

    # --- compile -------------------------------------------------------------------------------

    def compile(self, optimizer: Any, loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, sample_weight_mode: Any = None,
                weighted_metrics: Any = None, target_tensors: Any = None,
                jit_compile: Union[bool, str] = False,
                device: Union[str, torch.device, None] = None,
                mixed_precision: Optional[str] = None, distribute: Any = None,
                **kwargs) -> None:
        """Configure training: Keras 2.3's arguments, plus four of lamella's.

        Args:
            optimizer: an optimizer name (``'adam'``), config dict or instance.
            loss, metrics, loss_weights, sample_weight_mode, weighted_metrics, target_tensors:
                as in Keras 2.3.
            jit_compile: ``True`` compiles the whole training step (forward, loss, backward,
                optimizer update) with ``torch.compile``, once per input signature, and falls
                back to eager execution (with a warning) where compiling fails. ``'debug'``
                does the same and logs every graph break and recompilation (torch's
                ``graph_breaks``/``recompiles`` logs); ``'reduce-overhead'`` asks torch for
                CUDA graphs (static shapes on CUDA; see docs/performance.md).
            device: where to train (``'cpu'``, ``'cuda:1'``, a ``torch.device``). ``None``
                keeps a model the user placed on an accelerator, else uses CUDA when visible.
            mixed_precision: ``None``, ``'float16'`` (autocast with loss scaling on CUDA) or
                ``'bfloat16'`` (autocast).
            distribute: a distribution strategy, by name (``'horovod'``, ``'ddp'``) or as an
                object (:class:`~lamella.engine.distribution.Strategy`).

        Example::

            model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
        """
        if kwargs:
            raise TypeError(f"compile() got an unexpected keyword argument {sorted(kwargs)[0]!r}")
        if mixed_precision not in _MIXED_PRECISION:
            raise ValueError(
                f"compile(mixed_precision=...) must be None, 'float16' or 'bfloat16', got "
                f"{mixed_precision!r}"
            )
        self.optimizer = optimizers.get(optimizer)
        self._objectives = CompiledObjectives(loss, metrics, loss_weights, weighted_metrics,
                                              sample_weight_mode)
        self._strategy = resolve_strategy(
            distribute, lambda name: lookup.resolve("strategies", name))
        self._device = self._strategy.device(devices.decide_device(self, device))
        self._autocast_dtype = getattr(torch, mixed_precision) if mixed_precision else None
        self._grad_scaler = None
        if mixed_precision == "float16" and self._device.type == "cuda":
            self._grad_scaler = torch.amp.GradScaler("cuda")
        self._jit_compile = jit.check_option(jit_compile)
        self._step_fn = None
        self._target_tensors = target_tensors
        if self.built and getattr(self, "_is_graph_network", False):
            self._finalize_compile()  # a subclassed model finishes on its first batch

    @property
    def device(self):
        """The device the model's weights live on (where ``compile`` put them)."""
        return devices.placed_device(self) or self._device or devices.default_device()

    @property
    def distribute_strategy(self):
        """The :class:`~lamella.engine.distribution.Strategy` the model trains under."""
        return self._strategy

    def _require_compiled(self, method):
        if self._objectives is None:
            raise RuntimeError(
                f"You must compile your model before using it: call model.compile(optimizer, "
                f"loss) before {method}()."
            )

    def _finalize_compile(self):
        """Bind the optimizer and losses once the model's weights and outputs exist."""
        self.to(self._device)
        names, shapes = self._output_names_and_shapes()
        self._objectives.build(names, shapes, self._device,
                               has_added_losses=self._has_loss_sources())
        records, frozen = self._split_weight_records()
        params = [r.variable for r in records]
        # Keras-layout weights train as their records say (a frozen one stays out even when a
        # model compiled earlier left its requires_grad on); plain torch parameters as torch says.
        seen = {id(r.variable) for r in records + frozen}
        params += [p for p in self.parameters() if p.requires_grad and id(p) not in seen]
        # Keras 2.3.1 trains the weights that were trainable when the model was compiled:
        # freezing a layer afterwards (the GAN pattern) changes only models compiled later.
        self._compiled_trainable_ids = {id(p) for p in params}
        _GRAD_FLAGS[0] = None
        self.optimizer.build(params)
        # Slots of weights not stored in Keras's layout (RNNs) are saved in Keras's layout.
        self.optimizer._keras_layouts = [r.layout for r in records] + \
            [None] * (len(params) - len(records))
        self._strategy.setup(self)
        self._constrained = self._has_constraints()
        self._has_metrics = bool(self._objectives.metric_entries)
        self._step_fn = None
        jit.uncompile(self)
        if self._jit_compile:
            self._step_fn = jit.compile_step(self, self._jit_compile)

    def _output_names_and_shapes(self):
        if getattr(self, "_is_graph_network", False):
            return self.output_names, [t.shape for t in self.outputs]
        shapes = self._probe_output_shapes
        self.output_names = [f"output_{i + 1}" for i in range(len(shapes))]
        return self.output_names, shapes

    def _make_ready(self, first_inputs):
        """Build a deferred model from its first batch and finish compiling it.

        ``first_inputs()`` returns that batch's inputs; it is called only when needed. A model
        that is not a graph learns its output shapes by running once on that batch.
        """
        needs_compile = self._objectives is not None and not self._objectives.built
        if self.built and not needs_compile:
            return
        if not self.built or not getattr(self, "_is_graph_network", False):
            if self._device is not None and self.built:
                self.to(self._device)
            with torch.no_grad():
                outputs = self(self._model_input(first_inputs()))
            self._probe_output_shapes = [(None,) + tuple(o.shape[1:]) for o in as_list(outputs)]
        if needs_compile:
            self._finalize_compile()

    @property
    def metrics_names(self):
        added = [m.name for m in self._added_metrics()]
        if self._objectives is None or not self._objectives.built:
            return ["loss"] + added if self._objectives is not None else []
        return self._objectives.names + added

    @property
    def metrics(self):
        """The compiled metrics, then those added with ``add_metric`` (Keras's order)."""
        if self._objectives is None or not self._objectives.built:
            return self._added_metrics()
        return [m for _, m, _ in self._objectives.metric_entries] + self._added_metrics()

    def reset_metrics(self):
        if self._objectives is not None and self._objectives.built:
            self._objectives.reset_metrics()
        for metric in self._added_metrics():
            metric.reset_states()

    # --- fit -----------------------------------------------------------------------------------

    def fit(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
            epochs: int = 1, verbose: int = 1, callbacks: Optional[Sequence[Callback]] = None,
            validation_split: float = 0.0, validation_data: Any = None,
            shuffle: Union[bool, str] = True, class_weight: Optional[dict] = None,
            sample_weight: Any = None, initial_epoch: int = 0,
            steps_per_epoch: Optional[int] = None, validation_steps: Optional[int] = None,
            validation_freq: Union[int, Sequence[int]] = 1, max_queue_size: int = 10,
            workers: int = 1, use_multiprocessing: bool = False, **kwargs) -> History:
        """Train the model; returns a :class:`~lamella.callbacks.History`."""
        for legacy, modern in _FIT_LEGACY.items():
            if legacy in kwargs:
                warnings.warn(f"fit(): `{legacy}` is deprecated, use `{modern}`.", stacklevel=2)
                epochs = kwargs.pop(legacy)
        if kwargs:
            raise TypeError(f"fit() got an unexpected keyword argument {sorted(kwargs)[0]!r}")
        self._require_compiled("fit")
        loading = dict(workers=workers, use_multiprocessing=use_multiprocessing,
                       max_queue_size=max_queue_size)

        # 1. The training data, and the validation split carved from its end.
        if validation_split and validation_data is None:
            (x, y, sample_weight, class_weight), validation_data = da.split_validation_data(
                self, x=x, y=y, sample_weight=sample_weight, class_weight=class_weight,
                split=validation_split)
        train = EpochIterator(
            self, x=x, y=y, sample_weight=sample_weight, class_weight=class_weight,
            options=DataOptions(batch_size=batch_size, shuffle=shuffle, steps=steps_per_epoch,
                                steps_argument="steps_per_epoch", **loading),
            strategy=self._strategy)

        # 2. Build and finish compiling on the first batch (validation targets are named
        #    after the outputs it finds).
        self._make_ready(lambda: train.first_inputs)

        # 3. The validation data.
        val = None
        if validation_data is not None:
            val = validation_iterator(self, validation_data, batch_size=batch_size,
                                      steps=validation_steps, strategy=self._strategy,
                                      **loading)

        # 4. Callbacks, in Keras 2.3.1's order: progress bar, the user's, History.
        names = self.metrics_names
        running = RunningLoss(len(self._objectives.output_names))
        count_mode = "steps" if (train.generator or steps_per_epoch) else "samples"
        do_validation = bool(validation_data is not None or validation_split)
        params = {
            "batch_size": train.batch_size,
            "epochs": epochs,
            "steps": train.steps if count_mode == "steps" else None,
            "samples": train.samples,
            "verbose": verbose,
            "do_validation": do_validation,
            "metrics": names + [f"val_{n}" for n in names] if do_validation else list(names),
        }
        history = History()
        progress = None
        if verbose and self._strategy.is_chief:
            # The bar is whatever is registered as "ProgbarLogger" (Keras's, from lamella-core,
            # unless a plugin overrides it); the core's own when plugins are switched off.
            # Epoch-so-far means across workers would need a collective from the chief alone.
            progress_class = lookup.find("callbacks", "ProgbarLogger") or ProgbarLogger
            progress = progress_class(count_mode=count_mode, epoch_values=(
                (lambda: running.values(self)) if self._strategy.world_size == 1 else None))
        user_callbacks = self._strategy.callbacks(_callback_sequence(callbacks))
        callback_list = CallbackList(
            [c for c in (progress, *user_callbacks, history) if c is not None],
            model=self, params=params)
        batch_hooks = callback_list.wants_batch_hooks("train")
        self.history = history
        self.stop_training = False

        # 5. The epochs.
        if verbose and self._strategy.is_chief and not train.generator:
            validating = val is not None and not val.generator
            print(f"Train on {train.samples} samples"
                  + (f", validate on {val.samples} samples" if validating else ""))
        callback_list.on_train_begin()
        epoch_logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                running.reset()
                callback_list.on_epoch_begin(epoch)
                self.train()
                steps_done = 0
                # The phase is set once per epoch, not per step (it costs a context switch).
                batches = self._strategy.train_epoch(self, train.epoch())
                with learning_phase_scope(True):
                    for step, (xs, ys, sws) in enumerate(batches):
                        steps_done = step + 1
                        size = int(xs[0].shape[0])
                        if batch_hooks:
                            callback_list.on_train_batch_begin(step, {"batch": step,
                                                                      "size": size})
                        total, per_output = self._train_step(xs, ys, sws)
                        running.add(total, per_output, size)
                        if batch_hooks:
                            callback_list.on_train_batch_end(
                                step, self._batch_logs(step, size, total))
                        if self.stop_training:
                            break
                if train.generator and steps_done < train.steps and not self.stop_training:
                    warnings.warn(
                        f"Your input ran out of data; interrupting training. Make sure that your "
                        f"dataset or generator can generate at least `steps_per_epoch * epochs` "
                        f"batches (in this case, {train.steps * epochs} batches).", stacklevel=2)
                    self.stop_training = True
                reduced = running.seen or self._strategy.world_size > 1  # a collective
                epoch_logs = running.values(self) if reduced else {}
                if val is not None and _should_validate(epoch, validation_freq):
                    results = self._test_epoch(val)
                    epoch_logs.update((f"val_{name}", value)
                                      for name, value in zip(self.metrics_names, results))
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
        except KeyboardInterrupt:  # Ctrl-C still ends the callbacks (files get closed)
            callback_list.on_train_end(epoch_logs)
            raise
        callback_list.on_train_end(epoch_logs)
        return history

    def _batch_logs(self, step, size, total):
        """A training batch's logs, each value read from the device only if looked at."""
        logs = LazyLogs({"batch": step, "size": size, "loss": lambda: float(total)})
        for metric in self.metrics:
            logs[metric.name] = lambda m=metric: float(m.result())
        return logs

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                      shuffle=True, initial_epoch=0):
        """``fit`` on a generator or ``Sequence`` (kept from Keras 2.3; same engine)."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
                        use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                        initial_epoch=initial_epoch)

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
        with devices.inference_context(self), learning_phase_scope(False):
            for step, (xs, ys, sws) in enumerate(data.epoch()):
                size = int(xs[0].shape[0])
                if hooks:
                    callback_list.on_test_batch_begin(step, {"batch": step, "size": size})
                total, per_output = self._test_step(xs, ys, sws)
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
                inference = devices.inference_context(self)  # once the layers exist
            first = False
            if hooks:
                callback_list.on_predict_batch_begin(step, {"batch": step,
                                                            "size": int(xs[0].shape[0])})
            with inference:
                outputs = self._predict_step(xs)
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

    # --- single batches ------------------------------------------------------------------------

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None, reset_metrics=True):
        self._require_compiled("train_on_batch")
        xs, ys, sws = da.standardize_data(self, x, y, sample_weight, class_weight)
        self._make_ready(lambda: xs)
        self.train()
        with learning_phase_scope(True):
            total, per_output = self._train_step(xs, ys, sws)
        return self._batch_results(total, per_output, reset_metrics)

    def test_on_batch(self, x, y, sample_weight=None, reset_metrics=True):
        self._require_compiled("test_on_batch")
        xs, ys, sws = da.standardize_data(self, x, y, sample_weight)
        self._make_ready(lambda: xs)
        self.eval()
        with devices.inference_context(self), learning_phase_scope(False):
            total, per_output = self._test_step(xs, ys, sws)
        return self._batch_results(total, per_output, reset_metrics)

    def predict_on_batch(self, x):
        xs = da.standardize_inputs(self, x)
        return self.predict(xs, batch_size=max(int(xs[0].shape[0]), 1))

    def _batch_results(self, total, per_output, reset_metrics):
        values = [float(total)]
        if len(per_output) > 1:
            values += [float(p) if p is not None else 0.0 for p in per_output]
        values += [float(m.result()) for m in self.metrics]
        if reset_metrics:
            self.reset_metrics()
        return values[0] if len(values) == 1 else values

    # --- what one batch does -------------------------------------------------------------------

    def _sync_grad_flags(self):
        """Give every weight the ``requires_grad`` this model collected at compile time.

        Models share weights (a GAN's discriminator is inside the combined model) but
        ``requires_grad`` is one flag per tensor, so each model sets the flags it needs before
        it trains; the check is one comparison per step unless some ``trainable`` changed or
        another model trained in between.
        """
        state = (id(self), base_layer.trainable_version[0])
        if _GRAD_FLAGS[0] == state:
            return
        compiled = self._compiled_trainable_ids
        for param in self.parameters():
            wanted = id(param) in compiled
            if param.requires_grad != wanted:
                param.requires_grad_(wanted)
        _GRAD_FLAGS[0] = state

    def _train_step(self, xs, ys, sws):
        """Forward, loss, backward, optimizer update, constraints and metrics for one batch.

        Runs in the training phase, which the caller sets (``fit`` once per epoch).
        """
        self._sync_grad_flags()
        if self._uses_call_losses():
            self._clear_call_losses()
        step = self._step_fn
        if step is not None:
            try:
                total, per_output, outputs, metric_weights = step(xs, ys, sws)
            except Exception as exc:  # noqa: BLE001 - any compiler failure falls back
                warnings.warn(f"jit_compile: the compiled training step failed ({exc}); "
                              f"running eagerly from now on.", stacklevel=3)
                self._step_fn = None
                self.optimizer.zero_grad()
                step = None
        if step is None:
            total, per_output, outputs, metric_weights = self._eager_train_step(xs, ys, sws)
        if self._constrained:
            self._apply_constraints()
        if self._has_metrics:
            self._objectives.update_metrics(ys, outputs, *metric_weights)
        if base_layer._added_metrics_in_use[0]:
            self._update_added_metrics()
        return total, per_output

    def _eager_train_step(self, xs, ys, sws):
        """What ``jit_compile`` compiles: forward and loss (under autocast), backward and the
        optimizer update. Returns detached values for the logs and metrics."""
        with self._autocast():
            total, per_output, (outputs, metric_weights) = self._forward_loss(xs, ys, sws)
        self.optimizer.zero_grad()
        if not total.requires_grad:
            pass  # nothing trainable (a frozen model): Keras still reports the loss and metrics
        elif self._grad_scaler is not None:
            self._grad_scaler.scale(total).backward()
            # Unscales, and skips the step when a gradient overflowed (the scale then shrinks).
            self._grad_scaler.step(_ScalerView(self.optimizer))
            self._grad_scaler.update()
        else:
            total.backward()
            self._apply_gradients()
        if self._has_metrics:  # the metrics read the outputs; without them they are dropped
            outputs = [o.detach() for o in outputs]
        return (total.detach(), [p.detach() if p is not None else None for p in per_output],
                outputs, metric_weights)

    def _apply_gradients(self):
        """The optimizer update from the gradients in ``param.grad`` (one fused kernel for the
        first-party optimizers, so compiling it gains nothing: ``jit_compile`` keeps it eager,
        where the optimizer's Python step counter cannot cause a recompilation per step)."""
        self.optimizer.step()

    def _test_step(self, xs, ys, sws):
        """Forward, loss and metrics for one batch (no gradients; the caller sets the
        inference phase)."""
        if self._uses_call_losses():
            self._clear_call_losses()
        with self._autocast():
            total, per_output, (outputs, metric_weights) = self._forward_loss(xs, ys, sws)
        if self._has_metrics:
            self._objectives.update_metrics(ys, outputs, *metric_weights)
        if base_layer._added_metrics_in_use[0]:
            self._update_added_metrics()
        return total, per_output

    def _predict_step(self, xs):
        """The outputs of one batch, as a list of float tensors."""
        with learning_phase_scope(False):
            if not self.built:
                self._make_ready(lambda: xs)
            if self._uses_call_losses():  # activity losses are not kept across batches
                self._clear_call_losses()
            with self._autocast():
                outputs = self(self._model_input(xs))
        return [o.float() for o in as_list(outputs)]

    def _forward_loss(self, xs, ys, sws):
        outputs, masks = self._strategy.forward(self, self._model_input(xs))
        if ys is None and any(loss is not None for loss in self._objectives.losses):
            raise ValueError("This model needs targets (y) to compute its loss.")
        metric_weights = (sws, None)
        if masks is not None:  # unweighted metrics see the masks alone, weighted ones both
            sws = apply_output_masks(sws, masks, len(outputs))
            metric_weights = (sws, apply_output_masks(None, masks, len(outputs)))
        extra_losses = self.losses if self._uses_call_losses() else ()
        total, per_output = self._objectives.compute_loss(ys, outputs, sws, extra_losses)
        return total, per_output, (outputs, metric_weights)

    def _model_input(self, xs):
        return xs[0] if len(xs) == 1 else list(xs)

    def _autocast(self):
        if self._autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self._device.type, dtype=self._autocast_dtype)

    def _uses_call_losses(self):
        """Whether any layer adds losses (regularizers, add_loss); re-scanned only when a layer
        starts using them or the model's modules change, not on every step."""
        key = (base_layer._loss_sources_version[0], len(self._modules))
        if getattr(self, "_loss_sources_key", None) != key:
            self._loss_sources_key = key
            self._loss_sources = self._has_loss_sources()
        return self._loss_sources


def _callback_sequence(callbacks):
    """``callbacks=`` as a list: ``None``, one callback (as tf.keras and Keras 3 accept), a list
    or a ``CallbackList``."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    return list(callbacks)


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        if freq < 1:
            raise ValueError(f"validation_freq must be >= 1, got {freq}")
        return (epoch + 1) % freq == 0
    if isinstance(freq, (list, tuple, set)):
        return epoch + 1 in freq
    raise ValueError(f"validation_freq must be an int or a list of epochs, got {freq!r}")


def _evaluation_progress(data, count_samples):
    """Keras's evaluate bar: counts samples for arrays, steps for generators or ``steps=``."""
    bar = Progbar(target=data.samples if count_samples else data.steps, stream=sys.stdout)
    seen = [0]

    def advance(size):
        seen[0] += size if count_samples else 1
        bar.update(seen[0])

    return advance


class _ScalerView:
    """What ``GradScaler.step`` needs of an optimizer: its parameters and ``step()``."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.param_groups = [{"params": optimizer._params}]

    def step(self):
        self.optimizer.step()


__all__ = ["Trainer"]
