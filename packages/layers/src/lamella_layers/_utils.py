"""Argument checks, shape arithmetic and data-format views shared by the layers (Keras's
``conv_utils``).

Every check raises ``ValueError`` naming the layer class and the argument, e.g.
``Conv2D: padding must be one of 'valid', 'same'; got 'foo'``.

Example::

    from lamella_layers import _utils

    _utils.normalize_tuple("Conv2D", "strides", 2, 2)   # (2, 2)
    _utils.number("ReLU", "max_value", -1, low=0)       # ValueError: ReLU: `max_value` must be
                                                        # a number >= 0; got -1.
"""

import numbers

import numpy as np
import torch


def _fail(owner, argument, expected, value):
    raise ValueError(f"{owner}: `{argument}` must be {expected}; got {value!r}.")


#: The largest size torch takes (its sizes are int64): ``units=10**30`` read from a hostile
#: config fails here, naming the argument, rather than deep inside torch.
MAX_SIZE = 2**63 - 1


def positive_int(owner, argument, value):
    """``value`` as an ``int`` with ``0 < value <= MAX_SIZE`` (numpy integers and integral
    floats are accepted).

    Example::

        positive_int("Dense", "units", 10**30)   # ValueError: Dense: `units` must be a
                                                 # positive integer no larger than 2**63 - 1 ...
    """
    expected = "a positive integer no larger than 2**63 - 1 (the largest size torch takes)"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(owner, argument, expected, value)
    if isinstance(value, numbers.Integral):
        result = int(value)
    else:
        try:
            integral = float(value).is_integer()
        except OverflowError:
            integral = False
        if not integral:  # also NaN and the infinities
            _fail(owner, argument, expected, value)
        result = int(value)
    if not 0 < result <= MAX_SIZE:
        _fail(owner, argument, expected, value)
    return result


def normalize_tuple(owner, argument, value, n):
    """An int or an n-sequence of positive ints, as an n-tuple (Keras's ``normalize_tuple``)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (positive_int(owner, argument, value),) * n
    try:
        items = tuple(value)
    except TypeError:
        _fail(owner, argument, f"an integer or a tuple of {n} integers", value)
    if len(items) != n:
        _fail(owner, argument, f"an integer or a tuple of {n} integers", value)
    return tuple(positive_int(owner, argument, v) for v in items)


def normalize_padding(owner, value, allowed=("valid", "same")):
    """``'valid'``/``'same'`` (any capitalisation), lower-cased."""
    if not isinstance(value, str) or value.lower() not in allowed:
        _fail(owner, "padding", "one of " + ", ".join(repr(a) for a in allowed), value)
    return value.lower()


def default_data_format():
    """The global image data format: ``lamella.backend.image_data_format()`` when the core has
    one, else ``'channels_last'`` (Keras's default)."""
    try:
        from lamella import backend  # noqa: PLC0415  (optional in the core)

        return backend.image_data_format()
    except (ImportError, AttributeError):
        return "channels_last"


def normalize_data_format(owner, value):
    """``None`` → the global default; otherwise ``'channels_last'`` or ``'channels_first'``."""
    if value is None:
        return default_data_format()
    if not isinstance(value, str) or value.lower() not in ("channels_last", "channels_first"):
        _fail(owner, "data_format", "'channels_last' or 'channels_first'", value)
    return value.lower()


def number(owner, argument, value, low=None, high=None):
    """``value`` as a ``float`` within the optional bounds ``low <= value <= high``.

    Anything ``float()`` takes is accepted (NumPy scalars, 0-d tensors) except ``bool`` and
    strings, which are almost always a mistake for a layer's numeric argument.
    """
    if low is not None and high is not None:
        expected = f"a number between {low} and {high}"
    elif low is not None:
        expected = f"a number >= {low}"
    elif high is not None:
        expected = f"a number <= {high}"
    else:
        expected = "a number"
    try:
        result = None if isinstance(value, (bool, str)) else float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond a float
        result = None
    # ``not >=`` rather than ``<`` so that NaN fails the bounds too
    if result is None or (low is not None and not result >= low) or (
            high is not None and not result <= high):
        _fail(owner, argument, expected, value)
    return result


def rate(owner, argument, value):
    """A probability in ``[0, 1]`` (dropout rates)."""
    return number(owner, argument, value, 0, 1)


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Keras's ``conv_utils.conv_output_length`` (``None`` stays ``None``)."""
    if length is None:
        return None
    dilated = (kernel - 1) * dilation + 1
    if padding == "same":
        out = length
    elif padding == "valid":
        out = length - dilated + 1
    elif padding == "causal":
        out = length
    elif padding == "full":
        out = length + dilated - 1
    else:
        raise ValueError(f"Unknown padding {padding!r}")
    return (out + stride - 1) // stride


def same_padding(length, kernel, stride, dilation=1):
    """TF's ``'SAME'`` rule: ``(before, after)`` with the odd extra cell after (bottom/right)."""
    out = -(-length // stride)
    dilated = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + dilated - length, 0)
    return total // 2, total - total // 2


# --- channels_last / channels_first ----------------------------------------------------

def to_channels_first(x, data_format):
    """A channels-first view of ``x`` (no copy)."""
    if data_format == "channels_last":
        return x.permute(0, x.dim() - 1, *range(1, x.dim() - 1))
    return x


def from_channels_first(y, data_format):
    """Back to ``data_format`` from channels-first (a view again)."""
    if data_format == "channels_last":
        return y.permute(0, *range(2, y.dim()), 1)
    return y


def pad_pairs(pads):
    """``[(before, after), ...]`` per spatial axis in order -> ``F.pad``'s reversed flat list."""
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    return flat


def spatial_of(shape, data_format):
    """The spatial dimensions of a full shape."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def with_spatial(shape, data_format, spatial, channels):
    """A full shape from the batch of ``shape``, new spatial dimensions and channels."""
    if data_format == "channels_last":
        return (shape[0],) + tuple(spatial) + (channels,)
    return (shape[0], channels) + tuple(spatial)


def torch_dtype(dtype):
    """A torch dtype from a Keras dtype name, a torch dtype, a NumPy dtype or ``None``."""
    if dtype is None:
        return torch.get_default_dtype()
    if isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, np.dtype(dtype).name)


def set_kernel_bias_options(layer, activation, use_bias, kernel_initializer, bias_initializer,
                            kernel_regularizer, bias_regularizer, activity_regularizer,
                            kernel_constraint, bias_constraint):
    """Resolve the options Dense, the convolutions and LocallyConnected share onto ``layer``."""
    from lamella import constraints, initializers, regularizers

    layer.activation = get_activation(activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.activity_regularizer = regularizers.get(activity_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def kernel_bias_config(layer):
    """Those options serialized, in the key order Keras 2.3's configs use."""
    from lamella import activations, constraints, initializers, regularizers

    return {
        "activation": activations.serialize(layer.activation),
        "use_bias": layer.use_bias,
        "kernel_initializer": initializers.serialize(layer.kernel_initializer),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
        "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
        "activity_regularizer": regularizers.serialize(layer.activity_regularizer),
        "kernel_constraint": constraints.serialize(layer.kernel_constraint),
        "bias_constraint": constraints.serialize(layer.bias_constraint),
    }


def get_activation(identifier):
    """``lamella.activations.get``, with ``None`` meaning ``'linear'`` (as in Keras)."""
    from lamella import activations

    return activations.get("linear" if identifier is None else identifier)
