"""``Metric``: stateful metrics that accumulate on the model's device.

State lives in tensors updated in place, so a training step never waits for the device; the
engine reads ``result()`` back only when a log line or a callback needs it.
"""

import torch

from lamella.engine.dtypes import as_torch_dtype
from lamella.engine.naming import unique_name
from lamella.plugins.registry import to_snake_case


class Metric:
    """Base class of stateful metrics: ``update_state``, ``result``, ``reset_states``.

    Example::

        class CountPositives(Metric):
            def __init__(self, name="count_positives"):
                super().__init__(name=name)
                self.count = self.add_weight("count")

            def update_state(self, y_true, y_pred, sample_weight=None):
                self.count.add_((y_pred > 0).sum())

            def result(self):
                return self.count
    """

    #: the Layer keyword arguments Keras 2.3.1's Metric (a Layer) accepts besides name and dtype
    LAYER_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "weights",
                    "activity_regularizer", "trainable")

    def __init__(self, name=None, dtype=None, **kwargs):
        unknown = sorted(set(kwargs) - set(self.LAYER_KWARGS))
        if unknown:
            raise TypeError(f"{type(self).__name__}: keyword argument(s) {unknown} not understood;"
                            f" a Metric accepts name, dtype and Layer's {self.LAYER_KWARGS}")
        # A metric holds no trainable weights; Keras keeps the flag, so does lamella.
        self.trainable = kwargs.get("trainable", True)
        self.name = name or to_snake_case(type(self).__name__)
        if name is None:
            self.name = unique_name(type(self).__name__)
        self.dtype = dtype or "float32"
        self._state_names = []
        self._device = None

    def add_weight(self, name, shape=(), initializer=None, dtype=None):
        """Create a state tensor (zeros, the default, or ones) and keep it as an attribute."""
        initializer = initializer or "zeros"
        if initializer not in ("zeros", "ones"):
            raise ValueError(f"{type(self).__name__}.add_weight({name!r}): initializer must be "
                             f"'zeros' or 'ones', got {initializer!r}")
        dtype = as_torch_dtype(dtype or self.dtype)
        make = torch.ones if initializer == "ones" else torch.zeros
        tensor = make(shape, dtype=dtype, device=self._device)
        setattr(self, name, tensor)
        self._state_names.append((name, initializer))
        return tensor

    @property
    def weights(self):
        return [getattr(self, name) for name, _ in self._state_names]

    def to(self, device):
        """Move the state tensors to ``device`` (the engine does this at compile time)."""
        self._device = torch.device(device)
        for name, _ in self._state_names:
            setattr(self, name, getattr(self, name).to(self._device))
        return self

    def reset_states(self):
        for name, initializer in self._state_names:
            getattr(self, name).fill_(1 if initializer == "ones" else 0)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _as_tensor(value, like=None):
    if torch.is_tensor(value):
        return value
    device = like.device if like is not None else None
    return torch.as_tensor(value, dtype=torch.float32, device=device)


def broadcast_sample_weight(values, sample_weight):
    """``sample_weight`` shaped for ``values`` exactly as Keras 2.3.1's metrics shape it.

    ``losses_utils.squeeze_or_expand_dimensions`` (a rank difference of one is fixed by
    squeezing or expanding the weights' last axis), then ``losses_utils.broadcast_weights``:
    missing trailing axes are added with size 1 and *not* repeated; only axes the weights
    already had are repeated. So ``(B,)`` weights on ``(B, T, C)`` values stay ``(B, 1, 1)``,
    and a weighted mean divides by ``sum(w)`` rather than ``T·C·sum(w)`` (measured against
    Keras 2.3.1). Returns ``(values, weights)``; ``values * weights`` has ``values``'s shape.
    """
    weight = _as_tensor(sample_weight, values).to(values.dtype)
    values_rank, weight_rank = values.dim(), weight.dim()
    if weight_rank:
        if values_rank == 0 and weight_rank == 1:
            values = values.unsqueeze(-1)
        elif weight_rank - values_rank == 1 and weight.shape[-1] == 1:
            weight = weight.squeeze(-1)
        elif values_rank - weight_rank == 1:
            weight = weight.unsqueeze(-1)
    weight_rank = weight.dim()
    if weight_rank > values.dim():
        raise ValueError(f"Incompatible shapes: values {tuple(values.shape)} vs sample_weight "
                         f"{tuple(weight.shape)}")
    weight = weight.reshape(list(weight.shape) + [1] * (values.dim() - weight_rank))
    target = [values.shape[i] if i < weight_rank else 1 for i in range(values.dim())]
    return values, weight.expand(target)


class Reduce(Metric):
    """Reduces every value it sees by ``'sum'`` or ``'mean'`` (weighted)."""

    def __init__(self, reduction, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if reduction not in ("sum", "mean", "sum_over_batch_size"):
            raise ValueError(f"{type(self).__name__}: unknown reduction {reduction!r}")
        self.reduction = reduction
        self.total = self.add_weight("total")
        if reduction != "sum":
            self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        values = _as_tensor(values).to(self.total.dtype)
        if sample_weight is not None:
            values, weight = broadcast_sample_weight(values, sample_weight)
            values = values * weight
            if self.reduction == "mean":
                self.count.add_(weight.sum())
        if self.reduction == "sum_over_batch_size" or (
                self.reduction == "mean" and sample_weight is None):
            self.count.add_(values.numel())
        self.total.add_(values.sum())

    def result(self):
        if self.reduction == "sum":
            return self.total
        return self.total / self.count

    def get_config(self):
        return super().get_config()


class Sum(Reduce):
    """The weighted sum of every value seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__("sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The weighted mean of every value seen.

    Example::

        m = Mean(); m.update_state([1.0, 3.0]); float(m.result())  # 2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__("mean", name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        config = dict(self._fn_kwargs)
        config.update(super().get_config())
        return config
