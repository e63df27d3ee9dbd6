"""``compile``/``fit``/``evaluate``/``predict`` and the ``*_on_batch`` methods: one training loop.

Speed rules: data becomes tensors once; the running loss and metrics stay on the device and are
read back only when a log line or a callback needs them; nothing is allocated per step beyond
what the model's own computation needs.
"""

import contextlib
import warnings

import numpy as np
import torch

from lamella.engine import base_layer
from lamella.engine import data_adapter as da
from lamella.engine.compile_utils import CompiledObjectives

_FIT_LEGACY = {"nb_epoch": "epochs"}


def _default_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Trainer:
    """The Keras training API, mixed into :class:`~lamella.engine.model.Model`."""

    def __init__(self):
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._objectives = None
        self._device = None
        self._autocast_dtype = None
        self._grad_scaler = None
        self._strategy = None
        self._step_fn = None
        self._target_tensors = None

    # --- compile -------------------------------------------------------------------------------

    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                jit_compile=False, device=None, mixed_precision=None, distribute=None, **kwargs):
        """Configure training (Keras 2.3's arguments, plus ``jit_compile``, ``device``,
        ``mixed_precision`` and ``distribute``)."""
        if kwargs:
            raise TypeError(f"compile() got an unexpected keyword argument {sorted(kwargs)[0]!r}")
        from lamella import optimizers

        self.optimizer = optimizers.get(optimizer)
        self._objectives = CompiledObjectives(loss, metrics, loss_weights, weighted_metrics,
                                              sample_weight_mode)
        self._device = torch.device(device) if device is not None else _default_device()
        if mixed_precision not in (None, "float16", "bfloat16"):
            raise ValueError(
                f"compile(mixed_precision=...) must be None, 'float16' or 'bfloat16', got "
                f"{mixed_precision!r}"
            )
        self._autocast_dtype = getattr(torch, mixed_precision) if mixed_precision else None
        self._grad_scaler = None
        if mixed_precision == "float16" and self._device.type == "cuda":
            self._grad_scaler = torch.amp.GradScaler("cuda")
        self._jit_compile = bool(jit_compile)
        self._step_fn = None
        self._target_tensors = target_tensors
        self._strategy = None
        if distribute is not None:
            from lamella.plugins import lookup

            strategy = lookup.resolve("strategies", distribute) if isinstance(distribute, str) else distribute
            self._strategy = strategy() if isinstance(strategy, type) else strategy
        if self.built and getattr(self, "_is_graph_network", False):
            self._finalize_compile()  # a subclassed model finishes on its first batch

    @property
    def _is_compiled(self):
        return self._objectives is not None

    def _require_compiled(self, method):
        if self._objectives is None:
            raise RuntimeError(
                f"You must compile your model before using it: call model.compile(optimizer, "
                f"loss) before {method}()."
            )

    def _output_names_and_shapes(self):
        if getattr(self, "_is_graph_network", False):
            return self.output_names, [t.shape for t in self.outputs]
        shapes = self._probe_output_shapes
        names = [f"output_{i + 1}" for i in range(len(shapes))]
        self.output_names = names
        return names, shapes

    def _finalize_compile(self):
        """Bind the optimizer and losses once the model's weights and outputs exist."""
        self.to(self._device)
        names, shapes = self._output_names_and_shapes()
        self._objectives.build(names, shapes, self._device)
        params = list(self.trainable_weights)
        seen = {id(p) for p in params}
        params += [p for p in self.parameters() if p.requires_grad and id(p) not in seen]
        self.optimizer.build(params)
        if self._strategy is not None and hasattr(self._strategy, "prepare"):
            self._strategy.prepare(self)
        self._constrained = self._has_constraints()
        if self._jit_compile:
            self._step_fn = self._compiled_forward_loss()

    def _ensure_ready(self, xs):
        """Build a deferred model from the first batch and finish compiling it.

        A model that is not a graph learns its output shapes by running once on that batch.
        """
        needs_compile = self._objectives is not None and not self._objectives.built
        if not self.built or (needs_compile and not getattr(self, "_is_graph_network", False)):
            if self._device is not None and self.built:
                self.to(self._device)
            with torch.no_grad():
                outputs = self(self._model_input(xs))
            self._probe_output_shapes = [(None,) + tuple(o.shape[1:]) for o in _as_list(outputs)]
        if needs_compile:
            self._finalize_compile()

    @property
    def metrics_names(self):
        if self._objectives is None or not self._objectives.built:
            return ["loss"] if self._objectives is not None else []
        return self._objectives.names

    @property
    def metrics(self):
        if self._objectives is None or not self._objectives.built:
            return []
        return [m for _, m, _ in self._objectives.metric_entries]

    def reset_metrics(self):
        if self._objectives is not None and self._objectives.built:
            self._objectives.reset_metrics()

    # --- one step ------------------------------------------------------------------------------

    def _model_input(self, xs):
        return xs[0] if len(xs) == 1 else list(xs)

    def _autocast(self):
        if self._autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self._device.type, dtype=self._autocast_dtype)

    def _loss_layers_losses(self):
        if not self._uses_call_losses():
            return ()
        return self.losses

    def _forward_loss(self, xs, ys, sws):
        outputs, masks = self._outputs_and_masks(self._model_input(xs))
        if ys is None:
            raise ValueError("This model needs targets (y) to compute its loss.")
        metric_weights = (sws, None)
        if masks is not None:  # unweighted metrics see the masks alone, weighted ones both
            sws = _apply_output_masks(sws, masks, len(outputs))
            metric_weights = (sws, _apply_output_masks(None, masks, len(outputs)))
        total, per_output = self._objectives.compute_loss(ys, outputs, sws, self._loss_layers_losses())
        return total, per_output, (outputs, metric_weights)

    def _compiled_forward_loss(self):
        try:
            return torch.compile(self._forward_loss)
        except Exception as exc:  # torch.compile unsupported here
            warnings.warn(f"jit_compile=True: torch.compile failed ({exc}); running eagerly.")
            return None

    def _train_step(self, xs, ys, sws):
        if self._uses_call_losses():
            self._clear_call_losses()
        with self._autocast():
            step = self._step_fn or self._forward_loss
            try:
                total, per_output, (outputs, metric_weights) = step(xs, ys, sws)
            except Exception as exc:
                if self._step_fn is None:
                    raise
                warnings.warn(f"jit_compile=True: the compiled step failed ({exc}); running eagerly.")
                self._step_fn = None
                total, per_output, (outputs, metric_weights) = self._forward_loss(xs, ys, sws)
        self.optimizer.zero_grad()
        if self._grad_scaler is not None:
            self._grad_scaler.scale(total).backward()
            # Unscales, and skips the step when a gradient overflowed (the scale then shrinks).
            self._grad_scaler.step(_ScalerView(self.optimizer))
            self._grad_scaler.update()
        else:
            total.backward()
            self.optimizer.step()
        if self._constrained:
            self._apply_constraints()
        self._objectives.update_metrics(ys, [o.detach() for o in outputs], *metric_weights)
        return total.detach(), [p.detach() if p is not None else None for p in per_output]

    def _uses_call_losses(self):
        """Whether any layer adds losses (regularizers, add_loss); re-scanned only when a layer
        starts using them or the model's modules change, not on every step."""
        key = (base_layer._loss_sources_version[0], len(self._modules))
        if getattr(self, "_loss_sources_key", None) != key:
            self._loss_sources_key = key
            self._loss_sources = self._has_loss_sources()
        return self._loss_sources

    def _test_step(self, xs, ys, sws):
        with self._autocast():
            if self._uses_call_losses():
                self._clear_call_losses()
            total, per_output, (outputs, metric_weights) = self._forward_loss(xs, ys, sws)
        self._objectives.update_metrics(ys, outputs, *metric_weights)
        return total, per_output

    # --- data -----------------------------------------------------------------------------------

    def _input_names_shapes(self, xs_count=None):
        if getattr(self, "_is_graph_network", False):
            return self.input_names, [t.shape for t in self.inputs]
        count = xs_count or 1
        names = getattr(self, "input_names", None) or [f"input_{i + 1}" for i in range(count)]
        return names, None

    def _standardize(self, x, y, sample_weight, class_weight=None, check_targets=True):
        device = self._device or _default_device()
        if isinstance(x, dict) or getattr(self, "_is_graph_network", False):
            names, shapes = self._input_names_shapes()
        else:
            names, shapes = self._input_names_shapes(len(da.to_list(x)))
        xs = da.standardize(x, names, "input", device, shapes)
        ys = None
        if y is None and self._target_tensors is not None:
            y = self._target_tensors
        if y is not None:
            output_names = self._known_output_names(y)
            ys = da.standardize(y, output_names, "target", device)
            ys = [t.float() if not t.is_floating_point() and t.dim() > 1 else t for t in ys]
        sws = self._standardize_sample_weights(sample_weight, ys, class_weight, device)
        da.check_lengths([("x", xs), ("y", ys), ("sample_weight", sws)])
        return xs, ys, sws

    def _known_output_names(self, y):
        if getattr(self, "_is_graph_network", False):
            return self.output_names
        if self._objectives is not None and self._objectives.built:
            return self._objectives.output_names
        if isinstance(y, dict):
            return list(y)
        return [f"output_{i + 1}" for i in range(len(da.to_list(y)))]

    def _standardize_sample_weights(self, sample_weight, ys, class_weight, device):
        if ys is None or (sample_weight is None and class_weight is None):
            return None
        n = len(ys)
        names = self._known_output_names(ys if n > 1 else ys[0])
        if sample_weight is None:
            weights = [None] * n
        elif isinstance(sample_weight, dict):
            weights = [sample_weight.get(name) for name in names]
        else:
            weights = da.to_list(sample_weight) if n > 1 else [sample_weight]
        weights = [None if w is None else da._as_tensor(w, "sample_weight", device).float() for w in weights]
        modes = self._sample_weight_modes(n)
        for weight, mode, target in zip(weights, modes, ys):
            if weight is None:
                continue
            if mode == "temporal" and weight.dim() != 2:
                raise ValueError(
                    f"Found a sample_weight array with shape {tuple(weight.shape)}. In order to use "
                    f"timestep-wise sample weighting, you should pass a 2D sample_weight array."
                )
            if mode is None and weight.dim() != 1:
                raise ValueError(
                    f"Found a sample_weight array with shape {tuple(weight.shape)}; per-sample "
                    f"weights must be 1D. For timestep-wise weights, compile the model with "
                    f"sample_weight_mode='temporal'."
                )
        if class_weight is not None:
            per_output = (
                [class_weight.get(name) for name in names]
                if isinstance(class_weight, dict) and any(name in class_weight for name in names)
                else [class_weight] * n
            )
            for i, (cw, target) in enumerate(zip(per_output, ys)):
                if cw is not None:
                    factor = _class_weights_for(target, cw)
                    weights[i] = factor if weights[i] is None else weights[i] * factor
        if all(w is None for w in weights):
            return None
        return [w if w is not None else torch.ones(ys[i].shape[0], device=device)
                for i, w in enumerate(weights)]

    def _sample_weight_modes(self, n):
        if self._objectives is not None and self._objectives.built:
            return self._objectives.sample_weight_modes
        spec = self._objectives.sample_weight_mode_spec if self._objectives else None
        if isinstance(spec, (list, tuple)):
            return list(spec)
        return [spec if not isinstance(spec, dict) else None] * n

    # --- fit ---------------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_freq=1, max_queue_size=10, workers=1, use_multiprocessing=False, **kwargs):
        """Train the model; returns a :class:`~lamella.callbacks.History`."""
        from lamella.engine.training_loops import fit_loop

        for legacy, modern in _FIT_LEGACY.items():
            if legacy in kwargs:
                warnings.warn(f"fit(): `{legacy}` is deprecated, use `{modern}`.")
                epochs = kwargs.pop(legacy)
        if kwargs:
            raise TypeError(f"fit() got an unexpected keyword argument {sorted(kwargs)[0]!r}")
        self._require_compiled("fit")
        return fit_loop(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                        validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                        steps_per_epoch, validation_steps, validation_freq, max_queue_size,
                        workers, use_multiprocessing)

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

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False):
        """The loss and metrics on the data: a float, or a list ordered as ``metrics_names``."""
        from lamella.engine.training_loops import evaluate_loop

        self._require_compiled("evaluate")
        return evaluate_loop(self, x, y, batch_size, verbose, sample_weight, steps, callbacks,
                             max_queue_size, workers, use_multiprocessing)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose,
                             max_queue_size=max_queue_size, workers=workers,
                             use_multiprocessing=use_multiprocessing)

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """The model's outputs as NumPy arrays (a list for several outputs)."""
        from lamella.engine.training_loops import predict_loop

        return predict_loop(self, x, batch_size, verbose, steps, callbacks, max_queue_size,
                            workers, use_multiprocessing)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing)

    # --- single batches -----------------------------------------------------------------------

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None, reset_metrics=True):
        self._require_compiled("train_on_batch")
        xs, ys, sws = self._standardize(x, y, sample_weight, class_weight)
        self._ensure_ready(xs)
        self.train()
        total, per_output = self._train_step(xs, ys, sws)
        result = self._batch_results(total, per_output)
        if reset_metrics:
            self.reset_metrics()
        return result

    def test_on_batch(self, x, y, sample_weight=None, reset_metrics=True):
        self._require_compiled("test_on_batch")
        xs, ys, sws = self._standardize(x, y, sample_weight)
        self._ensure_ready(xs)
        self.eval()
        with torch.no_grad():
            total, per_output = self._test_step(xs, ys, sws)
        result = self._batch_results(total, per_output)
        if reset_metrics:
            self.reset_metrics()
        return result

    def predict_on_batch(self, x):
        from lamella.engine.training_loops import predict_loop

        n = len(da.to_list(x)[0]) if not isinstance(x, dict) else len(next(iter(x.values())))
        return predict_loop(self, x, max(n, 1), 0, None, None, 10, 1, False)

    def _batch_results(self, total, per_output):
        values = [float(total)]
        if len(per_output) > 1:
            values += [float(p) if p is not None else 0.0 for p in per_output]
        values += [float(m.result()) for m in self.metrics]
        return values[0] if len(values) == 1 else values


def _apply_output_masks(sample_weights, masks, n_outputs):
    """Keras 2.3.1 multiplies each output's mask into its sample weights (ones if none), so
    masked timesteps add nothing to the loss or the metrics."""
    if masks is None or all(m is None for m in masks):
        return sample_weights
    weights = list(sample_weights) if sample_weights else [None] * n_outputs
    for i, mask in enumerate(masks):
        if mask is None:
            continue
        mask = mask.to(torch.float32)
        weight = weights[i]
        if weight is None:
            weights[i] = mask
            continue
        while weight.dim() < mask.dim():
            weight = weight.unsqueeze(-1)
        weights[i] = weight * mask
    return weights


class _ScalerView:
    """What ``GradScaler.step`` needs of an optimizer: its parameters and ``step()``."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.param_groups = [{"params": optimizer._params}]

    def step(self):
        self.optimizer.step()


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _class_weights_for(target, class_weight):
    if target.dim() > 2:
        raise ValueError("class_weight is not supported for 3+ dimensional targets.")
    if target.dim() == 2 and target.shape[1] > 1:
        classes = target.argmax(dim=1)
    else:
        classes = target.reshape(-1)
    present = set(np.unique(classes.detach().cpu().numpy()).tolist())
    missing = {c for c in present if c not in class_weight and int(c) not in class_weight}
    if missing:
        raise ValueError(
            f"`class_weight` must contain all classes in the data. The classes {missing} exist "
            f"in the data but not in `class_weight`."
        )
    table = torch.zeros(int(max(present)) + 1 if present else 1, device=target.device)
    for c in present:
        table[int(c)] = float(class_weight.get(c, class_weight.get(int(c))))
    return table[classes.long()]


__all__ = ["Trainer"]
