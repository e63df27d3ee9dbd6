"""Element-wise math, comparisons, reductions and linear algebra (``dot``, ``batch_dot``).

Reductions take Keras's ``axis`` (an int, a list of ints or ``None`` for all) and
``keepdims``; ``std``/``var`` are the population statistics, as in Keras.

Example::

    from lamella import backend as K

    K.logsumexp(x, axis=-1, keepdims=True)
    K.batch_dot(x, y, axes=(2, 1))
"""

import builtins

import torch

from lamella.backend._tensors import axes as _axes
from lamella.backend._tensors import floatx_dtype, like, to_tensor

# ---------------------------------------------------------------------------- reductions


def _reduce(fn, x, axis, keepdims):
    x = to_tensor(x)
    dims = _axes(axis, x.dim())
    if dims is None:
        out = fn(x)
        if keepdims:
            out = out.reshape((1,) * x.dim())
        return out
    return fn(x, dim=dims, keepdim=keepdims)


def _float(x):
    x = to_tensor(x)
    return x if x.is_floating_point() or x.is_complex() else x.float()


def max(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """The maximum over ``axis`` (all axes when ``None``)."""
    return _reduce(torch.amax, x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """The minimum over ``axis``."""
    return _reduce(torch.amin, x, axis, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """The sum over ``axis``."""
    return _reduce(torch.sum, x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    """The product over ``axis``."""
    x = to_tensor(x)
    dims = _axes(axis, x.dim())
    if isinstance(dims, tuple):  # torch.prod takes one dim: reduce them one by one
        for d in sorted((d % x.dim() for d in dims), reverse=True):
            x = torch.prod(x, dim=d, keepdim=keepdims)
        return x
    return _reduce(torch.prod, x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """The mean over ``axis``. Bool tensors are averaged as ``floatx()``; integer tensors stay
    integers (the sum divided by the count, truncated), as in Keras 2.3.1."""
    x = to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(floatx_dtype())
    if x.is_floating_point() or x.is_complex():
        return _reduce(torch.mean, x, axis, keepdims)
    total = _reduce(torch.sum, x, axis, keepdims)
    count = x.numel() // total.numel() if total.numel() else 1
    return torch.div(total, count, rounding_mode="trunc").to(x.dtype)


def var(x, axis=None, keepdims=False):
    """The (population) variance over ``axis``."""
    return _reduce(lambda t, **kw: torch.var(t, correction=0, **kw), _float(x), axis, keepdims)


def std(x, axis=None, keepdims=False):
    """The (population) standard deviation over ``axis``."""
    return torch.sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    x = _float(x)
    dims = _axes(axis, x.dim())
    if dims is None:
        dims = tuple(range(x.dim()))
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether any element is true (non-zero) over ``axis``: a bool tensor."""
    x = to_tensor(x).bool()
    return _reduce(torch.any, x, axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether all elements are true (non-zero) over ``axis``: a bool tensor."""
    x = to_tensor(x).bool()
    return _reduce(torch.all, x, axis, keepdims)


def argmax(x, axis=-1):
    """The index of the maximum along ``axis``."""
    return torch.argmax(to_tensor(x), dim=axis)


def argmin(x, axis=-1):
    """The index of the minimum along ``axis``."""
    return torch.argmin(to_tensor(x), dim=axis)


def cumsum(x, axis=0):
    """The cumulative sum along ``axis``."""
    return torch.cumsum(to_tensor(x), dim=axis)


def cumprod(x, axis=0):
    """The cumulative product along ``axis``."""
    return torch.cumprod(to_tensor(x), dim=axis)


# ---------------------------------------------------------------------------- element-wise


def square(x):
    """``x ** 2``, element-wise."""
    return torch.square(to_tensor(x))


def abs(x):  # noqa: A001
    """``|x|``, element-wise."""
    return torch.abs(to_tensor(x))


def sqrt(x):
    """The square root, element-wise (negative inputs give 0, as in Keras 2.3.1's clip)."""
    x = to_tensor(x)
    return torch.sqrt(torch.clamp(x, min=0.0))


def exp(x):
    """``e ** x``, element-wise."""
    return torch.exp(to_tensor(x))


def log(x):
    """The natural logarithm, element-wise."""
    return torch.log(to_tensor(x))


def round(x):  # noqa: A001
    """Rounding to the nearest integer, halves to even ("bankers' rounding", as Keras)."""
    return torch.round(to_tensor(x))


def sign(x):
    """The sign (-1, 0 or 1), element-wise."""
    return torch.sign(to_tensor(x))


def pow(x, a):  # noqa: A001
    """``x ** a``, element-wise."""
    return torch.pow(to_tensor(x), a)


def sin(x):
    """The sine, element-wise."""
    return torch.sin(to_tensor(x))


def cos(x):
    """The cosine, element-wise."""
    return torch.cos(to_tensor(x))


def clip(x, min_value, max_value):
    """``x`` clipped to ``[min_value, max_value]`` (a ``max_value`` below ``min_value`` is
    raised to it, as Keras does; ``None`` means no bound)."""
    x = to_tensor(x)
    if min_value is None and max_value is None:
        return x
    if (min_value is not None and max_value is not None and not torch.is_tensor(min_value)
            and not torch.is_tensor(max_value) and max_value < min_value):
        max_value = min_value
    if torch.is_tensor(min_value) or torch.is_tensor(max_value):
        lo = like(min_value, x) if min_value is not None else None
        hi = like(max_value, x) if max_value is not None else None
        return torch.clamp(x, min=lo, max=hi)
    return torch.clamp(x, min=min_value, max=max_value)


def _binary(fn, x, y):
    x = to_tensor(x)
    y = like(y, x) if not torch.is_tensor(y) else y
    return fn(x, y)


def maximum(x, y):
    """The element-wise maximum."""
    return _binary(torch.maximum, x, y)


def minimum(x, y):
    """The element-wise minimum."""
    return _binary(torch.minimum, x, y)


def equal(x, y):
    """``x == y``, element-wise (a bool tensor)."""
    return _binary(torch.eq, x, y)


def not_equal(x, y):
    """``x != y``, element-wise."""
    return _binary(torch.ne, x, y)


def greater(x, y):
    """``x > y``, element-wise."""
    return _binary(torch.gt, x, y)


def greater_equal(x, y):
    """``x >= y``, element-wise."""
    return _binary(torch.ge, x, y)


def less(x, y):
    """``x < y``, element-wise."""
    return _binary(torch.lt, x, y)


def less_equal(x, y):
    """``x <= y``, element-wise."""
    return _binary(torch.le, x, y)


def stop_gradient(variables):
    """``variables`` (a tensor or a list of them) cut out of gradient computation."""
    if isinstance(variables, (list, tuple)):
        return [to_tensor(v).detach() for v in variables]
    return to_tensor(variables).detach()


# ---------------------------------------------------------------------------- linear algebra


def dot(x, y):
    """The product of ``x`` and ``y``; with an N-D operand it sums over the last axis of ``x``
    and the second-to-last of ``y`` (Theano's ``dot``, as Keras): ``(2, 3) . (4, 3, 5)`` is
    ``(2, 4, 5)``."""
    x, y = to_tensor(x), to_tensor(y)
    if x.dim() > 2 or y.dim() > 2:
        if y.dim() < 2:
            raise ValueError(f"dot: y needs at least 2 dimensions here, got shape "
                             f"{tuple(y.shape)}")
        if x.shape[-1] != y.shape[-2]:
            raise ValueError(f"dot: the last axis of x ({tuple(x.shape)}) and the "
                             f"second-to-last of y ({tuple(y.shape)}) differ")
        y_perm = list(range(y.dim()))
        y_perm = [y_perm.pop(-2)] + y_perm
        xt = x.reshape(-1, x.shape[-1])
        yt = y.permute(*y_perm).reshape(y.shape[-2], -1)
        return torch.matmul(xt, yt).reshape(tuple(x.shape[:-1]) + tuple(y.shape[:-2])
                                            + (y.shape[-1],))
    return torch.matmul(x, y)


def batch_dot(x, y, axes=None):
    """The dot product of ``x`` and ``y`` sample by sample, summing over ``axes`` (an int or a
    pair; by default the last axis of ``x`` and the second-to-last of ``y``, or the last when
    ``y`` is 2-D). A 1-D result becomes ``(batch, 1)``, as in Keras."""
    x, y = to_tensor(x), to_tensor(y)
    if x.dim() < 2 or y.dim() < 2:
        raise ValueError(f"batch_dot: both inputs need at least 2 dimensions, got shapes "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x.dim() - 1, y.dim() - 2 if y.dim() > 2 else y.dim() - 1)
    a0, a1 = (a % n for a, n in zip(axes, (x.dim(), y.dim())))
    if 0 in (a0, a1):
        raise ValueError(f"batch_dot: cannot sum over the batch axis (axes={tuple(axes)})")
    if x.shape[a0] != y.shape[a1]:
        raise ValueError(f"batch_dot: axis {a0} of x {tuple(x.shape)} and axis {a1} of y "
                         f"{tuple(y.shape)} have different sizes")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"batch_dot: the batch sizes differ: {tuple(x.shape)} and "
                         f"{tuple(y.shape)}")
    letters = "bcdefghijklmnopqrstuvwxyz"
    x_idx = ["a"] + list(letters[: x.dim() - 1])
    y_idx = ["a"] + list(letters[x.dim() - 1: x.dim() - 1 + y.dim() - 1])
    y_idx[a1] = x_idx[a0]
    out = [i for k, i in enumerate(x_idx) if k != a0] + [
        i for k, i in enumerate(y_idx) if k not in (0, a1)]
    result = torch.einsum(f"{''.join(x_idx)},{''.join(y_idx)}->{''.join(out)}", x, y)
    if result.dim() == 1:
        result = result.unsqueeze(1)
    return result


def transpose(x):
    """``x`` with its axes reversed."""
    x = to_tensor(x)
    return x.permute(*reversed(builtins.range(x.dim())))
