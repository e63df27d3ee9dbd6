"""Convolutions and pooling with Keras's kernel layouts and TensorFlow's padding rules.

Kernels are in Keras's layout: ``(*kernel_size, in_channels, out_channels)`` for
convolutions, ``(*kernel_size, out_channels, in_channels)`` for transposed ones,
``(kh, kw, in_channels, depth_multiplier)`` for depthwise ones. ``padding='same'`` pads as
TensorFlow does (the extra row or column at the end), ``'causal'`` (``conv1d``) on the left.
Inputs follow ``data_format`` (``image_data_format()`` when ``None``); channels_last data is
computed on a permuted view, not a copy.

Example::

    from lamella import backend as K

    y = K.conv2d(images, kernel, strides=(2, 2), padding="same")   # (batch, h, w, c)
    p = K.pool2d(y, (2, 2), strides=(2, 2), pool_mode="avg")
"""

import math

import torch
import torch.nn.functional as F

from lamella.backend import config
from lamella.backend._tensors import to_tensor
from lamella.backend.math_ops import batch_dot

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX_POOL = {2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {2: F.avg_pool2d, 3: F.avg_pool3d}


def _tuple(fn, name, value, rank):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"{fn}: {name} needs {rank} values, got {value!r}")
    return value


def _channels_first(fn, x, data_format, rank):
    """``x`` as channels_first (a view) and the data format to return to."""
    x = to_tensor(x)
    data_format = config.normalize_data_format(data_format)
    if x.dim() != rank + 2:
        raise ValueError(f"{fn}: expected a {rank + 2}-D input (batch, {rank} spatial axes, "
                         f"channels), got shape {tuple(x.shape)}")
    if data_format == "channels_last":
        x = x.movedim(-1, 1)
    return x, data_format


def _restore(x, data_format):
    return x.movedim(1, -1) if data_format == "channels_last" else x


def _same_pads(sizes, kernel, strides, dilation):
    """TensorFlow's 'same' padding: the total split with the extra one at the end."""
    pads = []
    for size, k, s, d in zip(sizes, kernel, strides, dilation):
        effective = (k - 1) * d + 1
        total = max((math.ceil(size / s) - 1) * s + effective - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _pad(x, pads, value=0.0):
    flat = []
    for before, after in reversed(pads):  # torch pads the last axis first
        flat += [before, after]
    if not any(flat):
        return x
    return F.pad(x, flat, value=value)


def _check_padding(fn, padding, allowed=("valid", "same")):
    if padding not in allowed:
        raise ValueError(f"{fn}: padding must be one of {allowed}, got {padding!r}")


def _conv(fn, x, weight, *, strides, padding, data_format, dilation, rank, groups=1):
    x, data_format = _channels_first(fn, x, data_format, rank)
    strides = _tuple(fn, "strides", strides, rank)
    dilation = _tuple(fn, "dilation_rate", dilation, rank)
    _check_padding(fn, padding, ("valid", "same", "causal") if rank == 1 else ("valid", "same"))
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"{fn}: the input has {x.shape[1]} channels, the kernel expects "
                         f"{weight.shape[1] * groups}")
    kernel = tuple(weight.shape[2:])
    if padding == "same":
        x = _pad(x, _same_pads(x.shape[2:], kernel, strides, dilation))
    elif padding == "causal":
        x = _pad(x, [((kernel[0] - 1) * dilation[0], 0)])
    out = _CONV[rank](x, weight.to(x.dtype), stride=strides, dilation=dilation, groups=groups)
    return _restore(out, data_format)


def _torch_kernel(fn, kernel, rank):
    kernel = to_tensor(kernel)
    if kernel.dim() != rank + 2:
        raise ValueError(f"{fn}: expected a {rank + 2}-D kernel (*kernel_size, in, out), got "
                         f"shape {tuple(kernel.shape)}")
    return kernel.permute(rank + 1, rank, *range(rank))


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution; ``padding`` may also be ``'causal'``."""
    weight = _torch_kernel("conv1d", kernel, 1)
    return _conv("conv1d", x, weight, strides=strides, padding=padding, data_format=data_format,
                 dilation=dilation_rate, rank=1)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1)):
    """2-D convolution."""
    weight = _torch_kernel("conv2d", kernel, 2)
    return _conv("conv2d", x, weight, strides=strides, padding=padding, data_format=data_format,
                 dilation=dilation_rate, rank=2)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3-D convolution."""
    weight = _torch_kernel("conv3d", kernel, 3)
    return _conv("conv3d", x, weight, strides=strides, padding=padding, data_format=data_format,
                 dilation=dilation_rate, rank=3)


def _conv_transpose(fn, x, kernel, output_shape, *, strides, padding, data_format, dilation,
                    rank):
    x, data_format = _channels_first(fn, x, data_format, rank)
    kernel = to_tensor(kernel)
    if kernel.dim() != rank + 2:
        raise ValueError(f"{fn}: expected a {rank + 2}-D kernel (*kernel_size, out, in), got "
                         f"shape {tuple(kernel.shape)}")
    _check_padding(fn, padding)
    strides = _tuple(fn, "strides", strides, rank)
    dilation = _tuple(fn, "dilation_rate", dilation, rank)
    output_shape = tuple(int(s) for s in output_shape)
    if len(output_shape) != rank + 2:
        raise ValueError(f"{fn}: output_shape needs {rank + 2} values, got {output_shape!r}")
    out_spatial = (output_shape[2:] if data_format == "channels_first"
                   else output_shape[1:-1])
    out_channels = output_shape[1] if data_format == "channels_first" else output_shape[-1]
    weight = kernel.permute(rank + 1, rank, *range(rank)).to(x.dtype)  # (in, out, *k)
    if weight.shape[0] != x.shape[1] or weight.shape[1] != out_channels:
        raise ValueError(f"{fn}: the kernel {tuple(kernel.shape)} maps {weight.shape[0]} to "
                         f"{weight.shape[1]} channels; the input has {x.shape[1]} and "
                         f"output_shape asks for {out_channels}")
    full = _CONV_T[rank](x, weight, stride=strides, dilation=dilation)
    # The transposed convolution is the gradient of a convolution of an output_shape input:
    # crop (or zero-extend) the full result where that convolution's padding puts it.
    kernel_size = tuple(weight.shape[2:])
    if padding == "same":
        before = [p[0] for p in _same_pads(out_spatial, kernel_size, strides, dilation)]
    else:
        before = [0] * rank
    index = [slice(None), slice(None)]
    extend = []
    for b, size, have in zip(before, out_spatial, full.shape[2:]):
        index.append(slice(b, b + size))
        extend.append((0, max(b + size - have, 0)))
    full = _pad(full, extend)
    return _restore(full[tuple(index)], data_format)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """2-D transposed convolution to ``output_shape`` (in ``data_format``'s order)."""
    return _conv_transpose("conv2d_transpose", x, kernel, output_shape, strides=strides,
                           padding=padding, data_format=data_format, dilation=dilation_rate,
                           rank=2)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                     data_format=None):
    """3-D transposed convolution to ``output_shape`` (in ``data_format``'s order)."""
    return _conv_transpose("conv3d_transpose", x, kernel, output_shape, strides=strides,
                           padding=padding, data_format=data_format, dilation=1, rank=3)


def _depthwise_weight(fn, depthwise_kernel, rank):
    kernel = to_tensor(depthwise_kernel)
    if kernel.dim() != rank + 2:
        raise ValueError(f"{fn}: expected a {rank + 2}-D depthwise kernel (*kernel_size, in, "
                         f"depth_multiplier), got shape {tuple(kernel.shape)}")
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    weight = kernel.permute(rank, rank + 1, *range(rank))  # (in, mult, *k)
    return weight.reshape(channels * multiplier, 1, *kernel.shape[:rank]), channels


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """Depthwise 2-D convolution: each input channel with its own ``depth_multiplier``
    filters."""
    weight, channels = _depthwise_weight("depthwise_conv2d", depthwise_kernel, 2)
    return _conv("depthwise_conv2d", x, weight, strides=strides, padding=padding,
                 data_format=data_format, dilation=dilation_rate, rank=2, groups=channels)


def _separable(fn, x, depthwise_kernel, pointwise_kernel, *, strides, padding, data_format,
               dilation_rate, rank):
    weight, channels = _depthwise_weight(fn, depthwise_kernel, rank)
    data_format = config.normalize_data_format(data_format)
    x = _conv(fn, x, weight, strides=strides, padding=padding, data_format=data_format,
              dilation=dilation_rate, rank=rank, groups=channels)
    pointwise = _torch_kernel(fn, pointwise_kernel, rank)
    return _conv(fn, x, pointwise, strides=1, padding="valid", data_format=data_format,
                 dilation=1, rank=rank)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                     data_format=None, dilation_rate=1):
    """1-D separable convolution: depthwise, then a pointwise ``(1, in * mult, out)``."""
    return _separable("separable_conv1d", x, depthwise_kernel, pointwise_kernel,
                      strides=strides, padding=padding, data_format=data_format,
                      dilation_rate=dilation_rate, rank=1)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """2-D separable convolution: depthwise, then a pointwise ``(1, 1, in * mult, out)``."""
    return _separable("separable_conv2d", x, depthwise_kernel, pointwise_kernel,
                      strides=strides, padding=padding, data_format=data_format,
                      dilation_rate=dilation_rate, rank=2)


def _pool(fn, x, pool_size, *, strides, padding, data_format, pool_mode, rank):
    x, data_format = _channels_first(fn, x, data_format, rank)
    pool_size = _tuple(fn, "pool_size", pool_size, rank)
    strides = _tuple(fn, "strides", strides, rank)
    _check_padding(fn, padding)
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"{fn}: Invalid pool_mode: {pool_mode!r}; expected 'max' or 'avg'")
    pads = (_same_pads(x.shape[2:], pool_size, strides, (1,) * rank) if padding == "same"
            else [(0, 0)] * rank)
    if pool_mode == "max":
        # TensorFlow never picks a padded position: pad with -inf.
        out = _MAX_POOL[rank](_pad(x, pads, value=-math.inf), pool_size, strides)
    else:
        # TensorFlow averages over the real positions only.
        summed = _AVG_POOL[rank](_pad(x, pads), pool_size, strides)
        if any(p != (0, 0) for p in pads):
            ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            summed = summed / _AVG_POOL[rank](_pad(ones, pads), pool_size, strides)
        out = summed
    return _restore(out, data_format)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2-D max or average pooling."""
    return _pool("pool2d", x, pool_size, strides=strides, padding=padding,
                 data_format=data_format, pool_mode=pool_mode, rank=2)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3-D max or average pooling."""
    return _pool("pool3d", x, pool_size, strides=strides, padding=padding,
                 data_format=data_format, pool_mode=pool_mode, rank=3)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """1-D convolution with unshared weights: ``kernel`` is ``(output_length,
    kernel_size * channels, filters)``; returns ``(batch, output_length, filters)``."""
    config.normalize_data_format(data_format)
    inputs, kernel = to_tensor(inputs), to_tensor(kernel)
    stride = int(strides[0])
    output_length, feature_dim, _ = kernel.shape
    pieces = [inputs[:, i * stride:i * stride + kernel_size[0], :].reshape(1, -1, feature_dim)
              for i in range(output_length)]
    output = batch_dot(torch.cat(pieces, dim=0), kernel)
    return output.permute(1, 0, 2)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """2-D convolution with unshared weights: ``kernel`` is ``(rows * cols, kh * kw *
    channels, filters)`` for an ``output_shape`` of ``(rows, cols)``."""
    data_format = config.normalize_data_format(data_format)
    inputs, kernel = to_tensor(inputs), to_tensor(kernel)
    stride_row, stride_col = (int(s) for s in strides)
    output_row, output_col = (int(s) for s in output_shape)
    _, feature_dim, filters = kernel.shape
    pieces = []
    for i in range(output_row):
        rows = slice(i * stride_row, i * stride_row + kernel_size[0])
        for j in range(output_col):
            cols = slice(j * stride_col, j * stride_col + kernel_size[1])
            window = (inputs[:, :, rows, cols] if data_format == "channels_first"
                      else inputs[:, rows, cols, :])
            pieces.append(window.reshape(1, -1, feature_dim))
    output = batch_dot(torch.cat(pieces, dim=0), kernel)
    output = output.reshape(output_row, output_col, -1, filters)
    if data_format == "channels_first":
        return output.permute(2, 3, 0, 1)
    return output.permute(2, 0, 1, 3)
