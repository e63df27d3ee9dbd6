"""Neural-network operations: activations, cross-entropies, ``dropout``, ``l2_normalize``,
``in_top_k``, ``bias_add`` and batch normalization.

Example::

    from lamella import backend as K

    loss = K.sparse_categorical_crossentropy(labels, probabilities)
    y = K.bias_add(K.dot(x, kernel), bias)
"""

import torch
import torch.nn.functional as F

from lamella.backend import config
from lamella.backend._tensors import to_tensor

# ---------------------------------------------------------------------------- activations


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: ``x`` above ``threshold`` (capped at ``max_value``), minus
    ``alpha * (threshold - x)`` below it, in Keras 2.3.1's order of operations."""
    x = to_tensor(x)
    if alpha != 0.0:
        if max_value is None and threshold == 0.0:
            return F.leaky_relu(x, negative_slope=alpha)
        negative_part = torch.relu(threshold - x)
    if threshold != 0.0:
        x = x * (x > threshold).to(x.dtype)
    else:
        x = torch.relu(x)
    if torch.is_tensor(max_value):
        x = torch.minimum(torch.clamp(x, min=0.0), max_value.to(x.dtype))
    elif max_value is not None:
        x = torch.clamp(x, 0.0, max_value)
    if alpha != 0.0:
        x = x - alpha * negative_part
    return x


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` above 0, ``alpha * (exp(x) - 1)`` below."""
    x = to_tensor(x)
    return torch.where(x > 0, x, alpha * torch.expm1(torch.clamp(x, max=0.0)))


def softmax(x, axis=-1):
    """The softmax of ``x`` along ``axis``."""
    return torch.softmax(to_tensor(x), dim=axis)


def softplus(x):
    """``log(exp(x) + 1)``."""
    return F.softplus(to_tensor(x))


def softsign(x):
    """``x / (|x| + 1)``."""
    return F.softsign(to_tensor(x))


def sigmoid(x):
    """The logistic sigmoid."""
    return torch.sigmoid(to_tensor(x))


def hard_sigmoid(x):
    """``clip(0.2 * x + 0.5, 0, 1)``, Keras's piecewise-linear sigmoid."""
    return torch.clamp(to_tensor(x) * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    """The hyperbolic tangent."""
    return torch.tanh(to_tensor(x))


# ---------------------------------------------------------------------------- losses


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """The cross-entropy of one-hot (or soft) ``target`` and ``output`` along ``axis``:
    probabilities are renormalised to sum to 1 and clipped to ``[epsilon, 1 - epsilon]``."""
    target, output = to_tensor(target), to_tensor(output)
    _check_axis("categorical_crossentropy", output, axis)
    if from_logits:
        return -(target * torch.log_softmax(output, dim=axis)).sum(dim=axis)
    output = output / output.sum(dim=axis, keepdim=True)
    eps = config.epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -(target * torch.log(output)).sum(dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """The cross-entropy of integer ``target`` classes and ``output`` along ``axis``."""
    target, output = to_tensor(target), to_tensor(output)
    _check_axis("sparse_categorical_crossentropy", output, axis)
    axis %= output.dim()
    if axis != output.dim() - 1:
        output = output.movedim(axis, -1)
    if from_logits:
        log_probs = torch.log_softmax(output, dim=-1)
    else:
        eps = config.epsilon()
        log_probs = torch.log(torch.clamp(output, eps, 1.0 - eps))
    labels = target.long().reshape(log_probs.shape[:-1])
    classes = log_probs.shape[-1]
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(f"sparse_categorical_crossentropy: target holds classes outside "
                         f"[0, {classes}) for an output with {classes} classes")
    return -log_probs.gather(-1, labels.unsqueeze(-1)).squeeze(-1)


def binary_crossentropy(target, output, from_logits=False):
    """The element-wise binary cross-entropy; probabilities are clipped to
    ``[epsilon, 1 - epsilon]`` and turned back into logits, as Keras 2.3.1 on TensorFlow."""
    target, output = to_tensor(target), to_tensor(output)
    if not from_logits:
        eps = config.epsilon()
        output = torch.clamp(output, eps, 1.0 - eps)
        output = torch.log(output / (1 - output))
    return F.binary_cross_entropy_with_logits(output, target.to(output.dtype),
                                              reduction="none")


def _check_axis(fn, output, axis):
    if not -output.dim() <= axis < output.dim():
        raise ValueError(f"{fn}: axis {axis} is out of range for an output of shape "
                         f"{tuple(output.shape)}")


# ---------------------------------------------------------------------------- others


def dropout(x, level, noise_shape=None, seed=None):
    """``x`` with a fraction ``level`` of its entries set to 0 and the rest scaled by
    ``1 / (1 - level)``; ``noise_shape`` shares the mask along axes of size 1."""
    x = to_tensor(x)
    if not 0.0 <= level < 1.0:
        raise ValueError(f"dropout: level must be in [0, 1), got {level!r}")
    shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if s is None else int(s) for i, s in enumerate(noise_shape))
    generator = None
    if seed is not None:
        generator = torch.Generator(device=x.device).manual_seed(int(seed))
    keep = torch.rand(shape, generator=generator, device=x.device) >= level
    return x * keep.to(x.dtype) / (1.0 - level)


def l2_normalize(x, axis=None):
    """``x / sqrt(max(sum(x ** 2), 1e-12))`` over ``axis`` (all axes when ``None``)."""
    x = to_tensor(x)
    dims = tuple(range(x.dim())) if axis is None else (
        tuple(axis) if isinstance(axis, (list, tuple)) else (axis,))
    square_sum = torch.sum(x * x, dim=dims, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def in_top_k(predictions, targets, k):
    """Whether each target class is among the ``k`` highest predictions of its row (ties at
    the k-th value count as in), as a bool ``(batch,)`` tensor."""
    predictions, targets = to_tensor(predictions), to_tensor(targets).long()
    if predictions.dim() != 2 or targets.dim() != 1:
        raise ValueError(f"in_top_k: expected predictions (batch, classes) and targets "
                         f"(batch,), got {tuple(predictions.shape)} and {tuple(targets.shape)}")
    k = int(k)
    if k <= 0:
        return torch.zeros(targets.shape, dtype=torch.bool, device=predictions.device)
    target_values = predictions.gather(1, targets.unsqueeze(1))
    higher = (predictions > target_values).sum(dim=1)
    return (higher < k) & torch.isfinite(target_values.squeeze(1))


def bias_add(x, bias, data_format=None):
    """``x + bias`` with ``bias`` (a vector, or ``ndim(x) - 1`` dimensions) on the channel
    axis of ``data_format``."""
    x, bias = to_tensor(x), to_tensor(bias)
    data_format = config.normalize_data_format(data_format)
    if bias.dim() != 1 and bias.dim() != x.dim() - 1:
        raise ValueError(f"Unexpected bias dimensions {bias.dim()}, expect to be 1 or "
                         f"{x.dim() - 1} dimensions")
    channels = 1 if data_format == "channels_first" and x.dim() > 2 else x.dim() - 1
    if bias.dim() == 1:
        if bias.shape[0] != x.shape[channels]:
            raise ValueError(f"bias_add: a bias of {bias.shape[0]} values for an input with "
                             f"{x.shape[channels]} channels (shape {tuple(x.shape)}, "
                             f"{data_format})")
        shape = [1] * x.dim()
        shape[channels] = bias.shape[0]
        return x + bias.reshape(shape)
    if channels == 1 and x.dim() > 2:
        bias = bias.movedim(-1, 0)  # Keras's bias is channels_last: (..., channels)
    return x + bias.unsqueeze(0)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``; the statistics either broadcast
    against ``x`` or are vectors on ``axis``. A 4-D channels_last ``x`` (``axis`` -1 or 3) goes
    through TensorFlow's fused kernel in Keras 2.3.1, whose epsilon is at least ``1.001e-5``:
    so here too."""
    x = to_tensor(x)
    if x.dim() == 4 and axis in (-1, 3):
        epsilon = max(epsilon, 1.001e-5)
    shape = [1] * x.dim()
    shape[axis] = x.shape[axis]

    def fit(t):
        if t is None:
            return None
        t = to_tensor(t).to(x.dtype)
        return t.reshape(shape) if t.dim() == 1 and x.dim() > 1 else t

    mean, var, beta, gamma = fit(mean), fit(var), fit(beta), fit(gamma)
    out = (x - mean) * torch.rsqrt(var + epsilon)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """The batch statistics of ``x`` over ``reduction_axes`` and ``x`` normalised with them:
    ``(normalized, mean, variance)``, the statistics squeezed to the kept axes.

    As Keras 2.3.1 on TensorFlow's CPU kernels: a 4-D channels_last batch (axes ``[0, 1, 2]``)
    goes through TensorFlow's fused batch norm, which returns the sample variance (divided by
    ``n - 1``) and normalises with an epsilon of at least ``1.001e-5``; every other case returns
    the population variance.
    """
    x = to_tensor(x)
    dims = tuple(int(a) % x.dim() for a in reduction_axes)
    fused = x.dim() == 4 and list(reduction_axes) == [0, 1, 2]
    if fused:
        epsilon = max(epsilon, 1.001e-5)
    mean = x.mean(dim=dims, keepdim=True)
    variance = x.var(dim=dims, keepdim=True, correction=0)
    kept = [d for d in range(x.dim()) if d not in dims]

    def fit(t):
        if t is None:
            return None
        t = to_tensor(t).to(x.dtype)
        if t.dim() == len(kept):
            shape = [1] * x.dim()
            for d, size in zip(kept, t.shape):
                shape[d] = size
            t = t.reshape(shape)
        return t

    normed = (x - mean) * torch.rsqrt(variance + epsilon)
    gamma, beta = fit(gamma), fit(beta)
    if gamma is not None:
        normed = normed * gamma
    if beta is not None:
        normed = normed + beta
    variance = variance.squeeze(dims)
    if fused:
        count = x.numel() // max(variance.numel(), 1)
        variance = variance * (count / max(count - 1, 1))
    return normed, mean.squeeze(dims), variance
