"""Variables, constants and their values: creating them (``variable``, ``constant``,
``zeros``, ``ones``, ``eye``, the random variables), reading and writing them (``get_value``,
``set_value``, ``eval``), updating them in place (``update``, ``update_add``, ``update_sub``,
``moving_average_update``), dtypes (``cast``, ``dtype``) and shapes (``int_shape``,
``shape``, ``ndim``, ``size``, ``count_params``).

A variable is a ``torch.nn.Parameter`` holding its own copy of the value (a later
``set_value`` never changes the caller's array); its Keras name is kept as ``.name``.

Example::

    from lamella import backend as K

    v = K.variable(np.ones((2, 2)), name="v")
    K.update_add(v, np.full((2, 2), 0.5))   # in place
    K.get_value(v)                           # [[1.5, 1.5], [1.5, 1.5]]
"""

import numpy as np
import torch

from lamella.backend._tensors import floatx_dtype, to_tensor
from lamella.engine import naming
from lamella.engine.dtypes import as_torch_dtype


class Variable(torch.nn.Parameter):
    """What ``K.variable`` returns: a ``torch.nn.Parameter`` that also carries Keras's
    ``name`` and ``constraint``.

    Example::

        v = K.variable(np.zeros(3), name="bias")
        v.name, isinstance(v, torch.nn.Parameter)      # ('bias', True)
    """

    @property
    def name(self):
        return self.__dict__.get("_keras_name", "variable")

    @property
    def constraint(self):
        return self.__dict__.get("_keras_constraint")

    def __deepcopy__(self, memo):
        # torch.nn.Parameter's copy keeps the class but not the Keras name and constraint.
        copied = super().__deepcopy__(memo)
        copied._keras_name = self.name
        copied._keras_constraint = self.constraint
        return copied

    def __repr__(self):
        return f"Variable {self.name!r} containing:\n{self.detach()!r}"


def _value_tensor(value, dtype):
    if torch.is_tensor(value):
        return value.detach().clone().to(dtype)
    array = np.array(value)  # np.array copies: the variable never shares the caller's memory
    return torch.as_tensor(array, dtype=dtype)


def variable(value, dtype=None, name=None, constraint=None):
    """A variable (``torch.nn.Parameter``) holding a copy of ``value``, of ``dtype``
    (``floatx()`` by default). ``constraint`` (a callable) is kept as ``.constraint``, Keras's
    attribute; ``fit`` applies the constraints of layer weights (``add_weight(constraint=...)``)
    after each step, while a free variable's constraint is for the code that updates it."""
    if constraint is not None and not callable(constraint):
        raise ValueError(f"variable: constraint must be callable, got {constraint!r}")
    torch_dtype = floatx_dtype(dtype)
    tensor = _value_tensor(value, torch_dtype)
    param = Variable(tensor, requires_grad=tensor.is_floating_point() or tensor.is_complex())
    param._keras_name = name if name is not None else f"variable_{naming.get_uid('variable')}"
    param._keras_constraint = constraint
    return param


def is_variable(x):
    """Whether ``x`` is a variable (a ``torch.nn.Parameter``)."""
    return isinstance(x, torch.nn.Parameter)


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor of ``value``; with ``shape``, a scalar ``value`` fills that shape."""
    tensor = to_tensor(np.array(value) if not torch.is_tensor(value) else value,
                       floatx_dtype(dtype))
    if shape is not None:
        shape = tuple(shape)
        if tensor.numel() == 1:
            tensor = tensor.reshape(()).expand(shape).clone()
        else:
            tensor = tensor.reshape(shape)
    return tensor


def is_tensor(x):
    """Whether ``x`` is a tensor."""
    return torch.is_tensor(x)


def is_sparse(tensor):
    """Whether ``tensor`` is a sparse tensor (torch's sparse COO layout)."""
    return torch.is_tensor(tensor) and tensor.is_sparse


def to_dense(tensor):
    """A sparse tensor as a dense one; a dense tensor unchanged."""
    return tensor.to_dense() if is_sparse(tensor) else tensor


def get_value(x):
    """The value of a variable or tensor as a NumPy array."""
    if torch.is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def eval(x):  # noqa: A001 - Keras's name
    """The value of a tensor as a NumPy array (tensors are already evaluated in torch)."""
    return get_value(to_dense(x) if torch.is_tensor(x) else x)


def batch_get_value(ops):
    """The values of several tensors, as a list of NumPy arrays."""
    return [get_value(x) for x in ops]


def set_value(x, value):
    """Write ``value`` into the variable ``x`` in place (same shape)."""
    if not torch.is_tensor(x):
        raise TypeError(
            f"set_value: expected a variable (K.variable) to write into, got "
            f"{type(x).__name__} {x!r}; a Python number cannot be changed in place (for an "
            "optimizer's learning rate, assign optimizer.learning_rate = value)")
    new = to_tensor(value).to(dtype=x.dtype, device=x.device)
    if tuple(new.shape) != tuple(x.shape):
        raise ValueError(f"set_value: the variable {getattr(x, 'name', '')!s} has shape "
                         f"{tuple(x.shape)}, the value {tuple(new.shape)}")
    with torch.no_grad():
        x.copy_(new)


def batch_set_value(tuples):
    """``set_value`` on each ``(variable, value)`` pair."""
    for x, value in tuples:
        set_value(x, value)


def _check_variable(fn, x):
    if not torch.is_tensor(x):
        raise TypeError(f"{fn}: expected a variable (K.variable), got {type(x).__name__}")


def update(x, new_x):
    """Set the variable ``x`` to ``new_x`` in place; returns ``x``."""
    _check_variable("update", x)
    with torch.no_grad():
        x.copy_(to_tensor(new_x).to(dtype=x.dtype, device=x.device).expand_as(x))
    return x


def update_add(x, increment):
    """Add ``increment`` to the variable ``x`` in place; returns ``x``."""
    _check_variable("update_add", x)
    with torch.no_grad():
        x.add_(to_tensor(increment).to(dtype=x.dtype, device=x.device))
    return x


def update_sub(x, decrement):
    """Subtract ``decrement`` from the variable ``x`` in place; returns ``x``."""
    _check_variable("update_sub", x)
    with torch.no_grad():
        x.sub_(to_tensor(decrement).to(dtype=x.dtype, device=x.device))
    return x


def moving_average_update(x, value, momentum):
    """``x = x * momentum + value * (1 - momentum)``, in place (Keras's
    ``x -= (x - value) * (1 - momentum)``); returns ``x``."""
    _check_variable("moving_average_update", x)
    with torch.no_grad():
        value = to_tensor(value).to(dtype=x.dtype, device=x.device)
        x.sub_((x - value) * (1.0 - momentum))
    return x


def zeros(shape, dtype=None, name=None):
    """A variable of zeros of ``shape``."""
    return variable(np.zeros(_shape_arg("zeros", shape)), dtype=dtype, name=name)


def ones(shape, dtype=None, name=None):
    """A variable of ones of ``shape``."""
    return variable(np.ones(_shape_arg("ones", shape)), dtype=dtype, name=name)


def eye(size, dtype=None, name=None):
    """A variable identity matrix: ``size`` is ``n`` or ``(rows, columns)``."""
    if isinstance(size, (list, tuple)):
        if len(size) != 2:
            raise ValueError(f"eye: size must be an int or a pair (rows, columns), got {size!r}")
        return variable(np.eye(*size), dtype=dtype, name=name)
    return variable(np.eye(int(size)), dtype=dtype, name=name)


def zeros_like(x, dtype=None, name=None):
    """Zeros of ``x``'s shape (and dtype, unless ``dtype`` is given)."""
    x = to_tensor(x)
    return torch.zeros_like(x, dtype=as_torch_dtype(dtype) if dtype else None)


def ones_like(x, dtype=None, name=None):
    """Ones of ``x``'s shape (and dtype, unless ``dtype`` is given)."""
    x = to_tensor(x)
    return torch.ones_like(x, dtype=as_torch_dtype(dtype) if dtype else None)


def identity(x, name=None):
    """A new tensor with ``x``'s content (gradients flow through)."""
    return torch.clone(to_tensor(x))


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable of values drawn uniformly from ``[low, high)``."""
    generator = _generator(seed)
    shape = _shape_arg("random_uniform_variable", shape)
    values = torch.rand(shape, generator=generator, dtype=torch.float64) * (high - low) + low
    return variable(values, dtype=dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable of values drawn from a normal distribution (``mean``, ``scale``)."""
    generator = _generator(seed)
    shape = _shape_arg("random_normal_variable", shape)
    values = torch.randn(shape, generator=generator, dtype=torch.float64) * scale + mean
    return variable(values, dtype=dtype, name=name)


def _generator(seed):
    if seed is None:
        return None
    return torch.Generator().manual_seed(int(seed))


def _shape_arg(fn, shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise ValueError(f"{fn}: shape must be a tuple of ints, got {shape!r}") from None


def cast(x, dtype):
    """``x`` as ``dtype``: a name (``'float32'``), a NumPy dtype or a torch dtype (so
    ``K.cast(x, other.dtype)`` works)."""
    return to_tensor(x).to(as_torch_dtype(dtype))


def dtype(x):
    """The dtype name of ``x``: ``'float32'``, ``'int64'``, ..."""
    return str(to_tensor(x).dtype).replace("torch.", "")


def int_shape(x):
    """The shape of ``x`` as a tuple of ints."""
    if isinstance(x, np.ndarray):
        return tuple(x.shape)
    return tuple(to_tensor(x).shape)


def shape(x):
    """The shape of ``x`` as a 1-D int32 tensor (Keras's symbolic shape)."""
    return torch.tensor(tuple(to_tensor(x).shape), dtype=torch.int32)


def ndim(x):
    """The number of dimensions of ``x``."""
    return to_tensor(x).dim()


def size(x, name=None):
    """The number of elements of ``x`` as a 0-d int32 tensor."""
    return torch.tensor(to_tensor(x).numel(), dtype=torch.int32)


def count_params(x):
    """The number of elements of the variable ``x``."""
    return int(np.prod(int_shape(x), dtype=np.int64))
