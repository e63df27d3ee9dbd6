"""Input handling shared by the loss and metric functions."""

import torch

EPSILON = 1e-7


def as_tensor(value, like=None):
    if torch.is_tensor(value):
        return value
    if like is not None:
        return torch.as_tensor(value, device=like.device)
    return torch.as_tensor(value)


def float_prediction(y_pred):
    """``y_pred`` as a float tensor; half precision (autocast outputs) is computed in float32,
    since Keras's ε = 1e-7 clipping is meaningless in float16."""
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        return y_pred.to(torch.get_default_dtype())
    if y_pred.dtype in (torch.float16, torch.bfloat16):
        return y_pred.float()
    return y_pred


def prepare(name, y_true, y_pred, cast=True):
    """Tensors, ``y_true`` cast to ``y_pred``'s float dtype, shapes checked.

    As Keras's ``squeeze_or_expand_dimensions``, a rank difference of one with a trailing axis
    of size 1 is fixed (``(N,)`` targets for ``(N, 1)`` outputs); any other mismatch raises a
    ``ValueError`` naming both shapes and the loss (Keras would silently broadcast).
    """
    y_pred = float_prediction(y_pred)
    y_true = as_tensor(y_true, y_pred)
    if cast and y_true.dtype != y_pred.dtype:
        y_true = y_true.to(y_pred.dtype)
    if y_true.shape != y_pred.shape:
        if y_true.dim() == y_pred.dim() - 1 and y_pred.shape[-1] == 1 \
                and y_true.shape == y_pred.shape[:-1]:
            y_true = y_true.unsqueeze(-1)
        elif y_pred.dim() == y_true.dim() - 1 and y_true.shape[-1] == 1 \
                and y_pred.shape == y_true.shape[:-1]:
            y_pred = y_pred.unsqueeze(-1)
        else:
            raise ValueError(
                f"{name}: y_true and y_pred have incompatible shapes: y_true "
                f"{tuple(y_true.shape)} vs y_pred {tuple(y_pred.shape)}."
            )
    return y_true, y_pred


def l2_normalize(x, dim=-1):
    """``tf.math.l2_normalize``: ``x / sqrt(max(sum(x²), 1e-12))``."""
    return x * torch.rsqrt(torch.clamp((x * x).sum(dim=dim, keepdim=True), min=1e-12))
