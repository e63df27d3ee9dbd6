"""What ``compile`` sets up: one loss, loss weight and metric list per output, named as Keras 2.3
names them (``loss``, ``out_a_loss``, ``out_a_acc``, ``acc_1`` for a duplicate)."""

import copy
import functools
import inspect

import torch

from lamella import losses as losses_facade
from lamella import metrics as metrics_facade
from lamella.base.loss import Loss, LossFunctionWrapper
from lamella.base.metric import MeanMetricWrapper, Metric
from lamella.plugins import lookup
from lamella.utils.generic_utils import as_list


def per_output(value, output_names, argument):
    """Spread a per-output argument (single value, list or dict by name) over the outputs."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in output_names]
        if unknown:
            raise ValueError(
                f"Unknown entries in {argument} dictionary: {unknown}. Only expected the "
                f"following keys: {output_names}"
            )
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and argument == "loss":
        if len(value) != n:
            raise ValueError(
                f"When passing a list as {argument}, it should have one entry per model output. "
                f"The model has {n} outputs ({output_names}), but you passed {argument}={value!r}"
            )
        return list(value)
    return [value] * n


def as_keras_target(y_true, y_pred):
    """The target as Keras 2.3.1 feeds it to a loss or metric function: a 1-D target becomes a
    column ``(N, 1)`` (Keras expands every 1-D array) and takes the output's float dtype (the
    target placeholder has the output's dtype), so integer labels arrive as float32.

    Example::

        as_keras_target(torch.tensor([0, 1]), torch.zeros(2, 1)).shape   # (2, 1), float32
    """
    if y_true.dim() == 1:
        y_true = y_true.unsqueeze(-1)
    if y_pred.is_floating_point() and y_true.dtype != y_pred.dtype:
        y_true = y_true.to(y_pred.dtype)
    return y_true


def _keras_fed(kind, fn):
    """A user's own loss or metric function (one no plugin registered) receives its targets as
    Keras feeds them (:func:`as_keras_target`): such a function is written against Keras's
    shapes (a contrastive loss on 1-D labels would otherwise broadcast ``(N,)`` against
    ``(N, 1)`` to ``(N, N)``). Registered functions take lamella's targets as they are."""
    if not inspect.isfunction(fn) or lookup.registry(kind).name_of(fn) is not None:
        return fn

    @functools.wraps(fn)
    def fed(y_true, y_pred, *args, **kwargs):
        return fn(as_keras_target(y_true, y_pred), y_pred, *args, **kwargs)

    return fed


def make_loss(identifier):
    """A loss identifier → a :class:`Loss` object (functions are wrapped)."""
    if identifier is None:
        return None
    obj = losses_facade.get(identifier)
    if isinstance(obj, Loss):
        return obj
    if inspect.isclass(obj):
        return obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret loss {identifier!r}: it is not callable.")
    return LossFunctionWrapper(_keras_fed("losses", obj), name=getattr(obj, "__name__", "loss"))


def _raw_loss(loss):
    if isinstance(loss, LossFunctionWrapper):
        return getattr(loss.fn, "__wrapped__", loss.fn)
    return loss


def _base_metric_name(identifier):
    if isinstance(identifier, str):
        return identifier
    if isinstance(identifier, Metric):
        return identifier.name
    return getattr(identifier, "__name__", type(identifier).__name__)


def make_metric(identifier, loss, output_shape, name):
    """A metric identifier → a stateful :class:`Metric` named ``name``."""
    if isinstance(identifier, Metric):
        return identifier
    obj = None
    if isinstance(identifier, str):
        obj = lookup.resolve_metric(identifier, _raw_loss(loss), output_shape)
        if obj is None:
            obj = metrics_facade.get(identifier)
    else:
        obj = identifier
    if isinstance(obj, Metric):
        return obj
    if inspect.isclass(obj) and issubclass(obj, Metric):
        return obj(name=name)
    if not callable(obj):
        raise ValueError(f"Could not interpret metric {identifier!r}: it is not callable.")
    return MeanMetricWrapper(_keras_fed("metrics", obj), name=name)


class CompiledObjectives:
    """The losses, weights and metrics of a compiled model, with Keras's names."""

    def __init__(self, loss, metrics, loss_weights, weighted_metrics, sample_weight_mode):
        self.loss_spec = loss
        self.metrics_spec = metrics
        self.loss_weights_spec = loss_weights
        self.weighted_metrics_spec = weighted_metrics
        self.sample_weight_mode_spec = sample_weight_mode
        self.built = False

    def build(self, output_names, output_shapes, device, has_added_losses=False):
        """``has_added_losses``: the model adds losses of its own (``add_loss``), which may then
        be all it trains on (Keras 2.3's ``compile(optimizer)`` of a VAE)."""
        n = len(output_names)
        self.output_names = list(output_names)
        self.losses = [make_loss(spec) for spec in per_output(self.loss_spec, output_names, "loss")]
        if all(loss is None for loss in self.losses) and not has_added_losses:
            raise ValueError(
                "compile(loss=...) is required to train or evaluate the model, unless it adds "
                "losses of its own with model.add_loss(...). (A model saved with losses added "
                "that could not be saved loads with load_model(..., compile=False).)")
        weights = self.loss_weights_spec
        if weights is None:
            self.loss_weights = [1.0] * n
        elif isinstance(weights, dict):
            self.loss_weights = [float(weights.get(name, 1.0)) for name in output_names]
        else:
            if len(weights) != n:
                raise ValueError(
                    f"loss_weights has {len(weights)} entries but the model has {n} outputs "
                    f"({output_names})."
                )
            self.loss_weights = [float(w) for w in weights]
        modes = self.sample_weight_mode_spec
        self.sample_weight_modes = (
            [modes.get(name) for name in output_names] if isinstance(modes, dict)
            else list(modes) if isinstance(modes, (list, tuple)) else [modes] * n
        )
        for mode in self.sample_weight_modes:
            if mode not in (None, "temporal"):
                raise ValueError(
                    f"sample_weight_mode must be None or 'temporal', got {mode!r}"
                )

        self.metric_entries = []  # (output index, Metric, weighted)
        used_names = {"loss"} | {f"{name}_loss" for name in output_names}
        for weighted, spec in ((False, self.metrics_spec), (True, self.weighted_metrics_spec)):
            per_out = self._metrics_per_output(spec, output_names)
            for index, identifiers in enumerate(per_out):
                for identifier in identifiers:
                    base = _base_metric_name(identifier)
                    name = f"{output_names[index]}_{base}" if n > 1 else base
                    unique, suffix = name, 1
                    while unique in used_names:
                        unique, suffix = f"{name}_{suffix}", suffix + 1
                    used_names.add(unique)
                    if isinstance(identifier, Metric) and n > 1:
                        identifier = copy.deepcopy(identifier)
                    metric = make_metric(identifier, self.losses[index], output_shapes[index],
                                         unique)
                    metric.name = unique
                    metric.to(device)
                    self.metric_entries.append((index, metric, weighted))
        self.metric_names = [m.name for _, m, _ in self.metric_entries]
        self.built = True

    @staticmethod
    def _metrics_per_output(spec, output_names):
        n = len(output_names)
        if spec is None:
            return [[] for _ in range(n)]
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in output_names]
            if unknown:
                raise ValueError(
                    f"Unknown entries in metrics dictionary: {unknown}. Only expected the "
                    f"following keys: {output_names}"
                )
            return [as_list(spec.get(name)) for name in output_names]
        if isinstance(spec, (list, tuple)) and spec and all(
                isinstance(s, (list, tuple)) for s in spec):
            if len(spec) != n:
                raise ValueError(f"metrics as a list of lists needs one list per output ({n}).")
            return [list(s) for s in spec]
        return [as_list(spec) for _ in range(n)]

    @property
    def names(self):
        per_output_losses = []
        if len(self.output_names) > 1:
            per_output_losses = [f"{name}_loss" for name in self.output_names]
        return ["loss"] + per_output_losses + self.metric_names

    def compute_loss(self, y_true, y_pred, sample_weights, extra_losses=()):
        """The weighted total and the per-output losses (tensors)."""
        total, per_output_losses = None, []
        for index, loss in enumerate(self.losses):
            if loss is None:
                per_output_losses.append(None)
                continue
            target, prediction = y_true[index], y_pred[index]
            _check_shapes(target, prediction, loss, self.output_names[index])
            value = loss(target, prediction, sample_weights[index] if sample_weights else None)
            per_output_losses.append(value)
            weight = self.loss_weights[index]
            weighted = value * weight if weight != 1.0 else value
            total = weighted if total is None else total + weighted
        for extra in extra_losses:
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError("The model has no loss to optimize: pass compile(loss=...) or add "
                             "one with model.add_loss(...).")
        return total, per_output_losses

    @torch.no_grad()
    def update_metrics(self, y_true, y_pred, sample_weights, masks=None):
        """Update every metric; weighted metrics see ``sample_weights`` (masks included),
        the others only the outputs' ``masks``, as in Keras 2.3.1."""
        for index, metric, weighted in self.metric_entries:
            source = sample_weights if weighted else masks
            weight = source[index] if source else None
            metric.update_state(y_true[index], y_pred[index], sample_weight=weight)

    def reset_metrics(self):
        for _, metric, _ in self.metric_entries:
            metric.reset_states()



def _check_shapes(target, prediction, loss, output_name):
    if target.dim() == prediction.dim() and target.shape != prediction.shape:
        sparse = "sparse" in (getattr(loss, "name", "") or "")
        if not sparse and target.shape[0] == prediction.shape[0]:
            raise ValueError(
                f"Output {output_name!r}: the target has shape {tuple(target.shape)} but the model "
                f"output has shape {tuple(prediction.shape)} "
                f"(loss {getattr(loss, 'name', loss)!r})."
            )


def apply_output_masks(sample_weights, masks, n_outputs):
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
