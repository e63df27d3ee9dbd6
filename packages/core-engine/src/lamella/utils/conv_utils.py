"""``keras.utils.conv_utils``: the shape arithmetic of convolutions, as Keras 2.3.1 defines it.

Example::

    >>> conv_output_length(28, 3, "valid", 1)
    26
    >>> normalize_tuple(3, 2, "kernel_size")
    (3, 3)
"""

import numpy as np


def normalize_tuple(value, n, name):
    """``value`` (an int or an iterable of ``n`` ints) as a tuple of ``n`` ints; ``name`` is the
    argument named in the error."""
    if isinstance(value, int):
        return (value,) * n
    try:
        value_tuple = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {value!r}") from None
    if len(value_tuple) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {value!r}")
    for single in value_tuple:
        if not isinstance(single, (int, np.integer)) or isinstance(single, bool):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received: {value!r} including element {single!r} of type "
                             f"{type(single).__name__}")
    return tuple(int(v) for v in value_tuple)


def normalize_padding(value):
    """``'valid'``, ``'same'`` or ``'causal'`` (any case), lower-cased."""
    padding = value.lower() if isinstance(value, str) else value
    allowed = {"valid", "same", "causal"}
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same' (or 'causal' "
                         f"for Conv1D). Received: {value!r}")
    return padding


def convert_kernel(kernel):
    """A convolution kernel flipped along its spatial axes (Theano's convolution ↔ TensorFlow's
    correlation). Accepts a NumPy array of rank 3 to 5, laid out ``(*spatial, in, out)``."""
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(f"convert_kernel: invalid kernel shape {kernel.shape}; expected a "
                         "rank 3, 4 or 5 array")
    slices = [slice(None, None, -1) for _ in range(kernel.ndim)]
    no_flip = (slice(None, None), slice(None, None))
    slices[-2:] = no_flip
    return np.copy(kernel[tuple(slices)])


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """The output length of a convolution along one axis (``None`` stays ``None``)."""
    if input_length is None:
        return None
    if padding not in {"same", "valid", "full", "causal"}:
        raise ValueError(f"conv_output_length: unknown padding {padding!r}")
    dilated_filter_size = (filter_size - 1) * dilation + 1
    if padding in ("same", "causal"):
        output_length = input_length
    elif padding == "valid":
        output_length = input_length - dilated_filter_size + 1
    else:  # full
        output_length = input_length + dilated_filter_size - 1
    return (output_length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    """The input length that gives ``output_length`` (``None`` stays ``None``)."""
    if output_length is None:
        return None
    if padding not in {"same", "valid", "full"}:
        raise ValueError(f"conv_input_length: unknown padding {padding!r}")
    if padding == "same":
        pad = filter_size // 2
    elif padding == "valid":
        pad = 0
    else:  # full
        pad = filter_size - 1
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding, dilation=1):
    """The output length of a transposed convolution along one axis (``None`` stays ``None``)."""
    if padding not in {"same", "valid", "full"}:
        raise ValueError(f"deconv_length: unknown padding {padding!r}")
    if dim_size is None:
        return None
    kernel_size = kernel_size + (kernel_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            dim_size = dim_size * stride_size + max(kernel_size - stride_size, 0)
        elif padding == "full":
            dim_size = dim_size * stride_size - (stride_size + kernel_size - 2)
        else:  # same
            dim_size = dim_size * stride_size
    else:
        if padding == "same":
            pad = kernel_size // 2
        elif padding == "valid":
            pad = 0
        else:  # full
            pad = kernel_size - 1
        dim_size = (dim_size - 1) * stride_size + kernel_size - 2 * pad + output_padding
    return dim_size
