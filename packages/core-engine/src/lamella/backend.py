"""``lamella.backend``: the part of ``keras.backend`` that user code calls in custom losses,
metrics and ``Lambda`` layers, on torch tensors.

Example::

    from lamella import backend as K

    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))
"""

import numpy as np
import torch

from lamella.engine import naming
from lamella.engine.dtypes import as_torch_dtype

_EPSILON = 1e-7
_FLOATX = "float32"
_IMAGE_DATA_FORMAT = "channels_last"
_LEARNING_PHASE = [0]


def epsilon():
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def floatx():
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "float32", "float64", "bfloat16"):
        raise ValueError(f"Unknown floatx type: {value!r}")
    _FLOATX = value


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format: {data_format!r}")
    _IMAGE_DATA_FORMAT = data_format


def backend():
    return "pytorch"


def clear_session():
    """Reset the automatic layer-name counters (``dense_1`` again)."""
    naming.reset_uids()


def learning_phase():
    return _LEARNING_PHASE[0]


def set_learning_phase(value):
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _LEARNING_PHASE[0] = value


def _dim(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _reduce(fn, x, axis, keepdims):
    if axis is None:
        return fn(x)
    return fn(x, dim=_dim(axis), keepdim=keepdims)


def mean(x, axis=None, keepdims=False):
    return _reduce(torch.mean, x.float() if not x.is_floating_point() else x, axis, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    return _reduce(torch.sum, x, axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return torch.amax(x) if axis is None else torch.amax(x, dim=_dim(axis), keepdim=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return torch.amin(x) if axis is None else torch.amin(x, dim=_dim(axis), keepdim=keepdims)


def prod(x, axis=None, keepdims=False):
    return torch.prod(x) if axis is None else torch.prod(x, dim=axis, keepdim=keepdims)


def std(x, axis=None, keepdims=False):
    return _reduce(lambda t, **kw: torch.std(t, unbiased=False, **kw), x, axis, keepdims)


def var(x, axis=None, keepdims=False):
    return _reduce(lambda t, **kw: torch.var(t, unbiased=False, **kw), x, axis, keepdims)


def square(x):
    return torch.square(x)


def sqrt(x):
    return torch.sqrt(torch.clamp(x, min=0.0))


def abs(x):  # noqa: A001
    return torch.abs(x)


def exp(x):
    return torch.exp(x)


def log(x):
    return torch.log(x)


def pow(x, a):  # noqa: A001
    return torch.pow(x, a)


def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return torch.clamp(x, min=min_value, max=max_value)


def maximum(x, y):
    return torch.maximum(x, torch.as_tensor(y, dtype=x.dtype, device=x.device))


def minimum(x, y):
    return torch.minimum(x, torch.as_tensor(y, dtype=x.dtype, device=x.device))


def equal(x, y):
    return torch.eq(x, y)


def not_equal(x, y):
    return torch.ne(x, y)


def greater(x, y):
    return torch.gt(x, y)


def less(x, y):
    return torch.lt(x, y)


def argmax(x, axis=-1):
    return torch.argmax(x, dim=axis)


def argmin(x, axis=-1):
    return torch.argmin(x, dim=axis)


def dot(x, y):
    return torch.matmul(x, y)


def batch_dot(x, y, axes=None):
    if axes is None:
        axes = (x.dim() - 1, y.dim() - 2 if y.dim() > 2 else 1)
    if isinstance(axes, int):
        axes = (axes, axes)
    return torch.einsum(_batch_dot_equation(x.dim(), y.dim(), axes), x, y)


def _batch_dot_equation(x_dim, y_dim, axes):
    letters = "bcdefghijklmnopq"
    x_idx = ["a"] + list(letters[: x_dim - 1])
    y_idx = ["a"] + list(letters[x_dim - 1: x_dim - 1 + y_dim - 1])
    y_idx[axes[1]] = x_idx[axes[0]]
    out = [i for i in x_idx if i != x_idx[axes[0]]] + [
        i for k, i in enumerate(y_idx) if k not in (0, axes[1])]
    return f"{''.join(x_idx)},{''.join(y_idx)}->{''.join(out)}"


def concatenate(tensors, axis=-1):
    return torch.cat(list(tensors), dim=axis)


def stack(tensors, axis=0):
    return torch.stack(list(tensors), dim=axis)


def reshape(x, shape):
    return torch.reshape(x, tuple(shape))


def expand_dims(x, axis=-1):
    return torch.unsqueeze(x, axis)


def squeeze(x, axis):
    return torch.squeeze(x, axis)


def transpose(x):
    return x.permute(*reversed(range(x.dim())))


def permute_dimensions(x, pattern):
    return x.permute(*pattern)


def cast(x, dtype):
    return x.to(as_torch_dtype(dtype))


def int_shape(x):
    return tuple(x.shape)


def shape(x):
    return torch.tensor(tuple(x.shape))


def ndim(x):
    return x.dim()


def zeros_like(x):
    return torch.zeros_like(x)


def ones_like(x):
    return torch.ones_like(x)


def softmax(x, axis=-1):
    return torch.softmax(x, dim=axis)


def sigmoid(x):
    return torch.sigmoid(x)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    out = torch.where(x >= threshold, x, alpha * (x - threshold) if alpha else torch.zeros_like(x))
    return torch.clamp(out, max=max_value) if max_value is not None else out


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if from_logits:
        return -(target * torch.log_softmax(output, dim=axis)).sum(dim=axis)
    output = output / output.sum(dim=axis, keepdim=True)
    output = torch.clamp(output, _EPSILON, 1.0 - _EPSILON)
    return -(target * torch.log(output)).sum(dim=axis)


def binary_crossentropy(target, output, from_logits=False):
    if from_logits:
        return torch.nn.functional.binary_cross_entropy_with_logits(output, target,
                                                                    reduction="none")
    output = torch.clamp(output, _EPSILON, 1.0 - _EPSILON)
    return -(target * torch.log(output) + (1 - target) * torch.log(1 - output))


def variable(value, dtype=None, name=None):
    dtype = as_torch_dtype(dtype or _FLOATX)
    return torch.nn.Parameter(torch.as_tensor(np.asarray(value), dtype=dtype))


def constant(value, dtype=None, shape=None, name=None):
    tensor = torch.as_tensor(value, dtype=as_torch_dtype(dtype or _FLOATX))
    return tensor.expand(shape) if shape is not None else tensor


def get_value(x):
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


def batch_get_value(tensors):
    return [get_value(t) for t in tensors]


def set_value(x, value):
    with torch.no_grad():
        x.copy_(torch.as_tensor(np.asarray(value), dtype=x.dtype))


def batch_set_value(pairs):
    for x, value in pairs:
        set_value(x, value)


def is_tensor(x):
    return torch.is_tensor(x)


# --- symbolic tensors: graph mode on autograd, and every function above accepting
# functional-API tensors (recorded as graph nodes; see lamella.engine.symbolic_ops). Keep this
# block last: it wraps the functions defined above.
from lamella.engine import graph_function as _graph_function  # noqa: E402
from lamella.engine import symbolic_ops as _symbolic_ops  # noqa: E402
from lamella.engine.graph_function import (  # noqa: E402, F401 - Keras's K.* names
    function,
    gradients,
    is_keras_tensor,
    is_placeholder,
    placeholder,
)

_symbolic_ops.wrap_namespace(globals(), prefix="backend")
_graph_function.bind_backend(floatx=floatx, learning_phase=learning_phase)
