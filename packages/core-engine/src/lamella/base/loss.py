"""``Loss``: Keras's loss contract (per-sample values, then weighting and reduction)."""

import torch


class Reduction:
    """How a :class:`Loss` reduces per-sample values (Keras's ``losses_utils.Reduction``)."""

    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    AUTO = "auto"

    ALL = (NONE, SUM, SUM_OVER_BATCH_SIZE, AUTO)

    @classmethod
    def validate(cls, reduction):
        if reduction not in cls.ALL:
            raise ValueError(f"Invalid loss reduction {reduction!r}; expected one of {cls.ALL}")


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Weight per-sample ``losses`` and reduce them as Keras 2.3 does.

    ``sum_over_batch_size`` (and ``auto``) divide the weighted sum by the number of loss values,
    not by the sum of the weights.
    """
    if sample_weight is not None:
        sample_weight = torch.as_tensor(sample_weight, dtype=losses.dtype, device=losses.device)
        while sample_weight.dim() > losses.dim() and sample_weight.shape[-1] == 1:
            sample_weight = sample_weight.squeeze(-1)
        while sample_weight.dim() < losses.dim():
            sample_weight = sample_weight.unsqueeze(-1)
        losses = losses * sample_weight
    if reduction == Reduction.NONE:
        return losses
    if reduction != Reduction.SUM and losses.numel() > 0:
        return losses.mean()  # the sum divided by the count, in one kernel instead of two
    total = losses.sum()
    if reduction == Reduction.SUM:
        return total
    return total / max(losses.numel(), 1)


class Loss:
    """Base class of loss objects: implement ``call(y_true, y_pred)`` returning per-sample values.

    Example::

        class MeanFourthPower(Loss):
            def call(self, y_true, y_pred):
                return ((y_pred - y_true) ** 4).mean(dim=-1)

        model.compile(optimizer="sgd", loss=MeanFourthPower())
    """

    def __init__(self, reduction=Reduction.SUM_OVER_BATCH_SIZE, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        return compute_weighted_loss(self.call(y_true, y_pred), sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A loss object around a function ``fn(y_true, y_pred, **kwargs)`` of per-sample values."""

    def __init__(self, fn, reduction=Reduction.SUM_OVER_BATCH_SIZE, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = dict(self._fn_kwargs)
        config.update(super().get_config())
        return config
