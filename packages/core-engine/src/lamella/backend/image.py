"""Image resizing: ``resize_images`` (nearest or bilinear, as TensorFlow 1.15's
``resize_nearest_neighbor``/``resize_bilinear`` without half-pixel centres) and
``resize_volumes``.

Example::

    from lamella import backend as K

    K.resize_images(x, 2, 2, "channels_last", interpolation="bilinear")
"""

import torch

from lamella.backend._tensors import to_tensor


def _factor(fn, name, value):
    if int(value) != value or int(value) < 1:
        raise ValueError(f"{fn}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _linear(x, axis, factor):
    """Linear upsampling of ``x`` along ``axis``: output ``i`` samples input ``i / factor``
    (TensorFlow's ``align_corners=False`` without half-pixel centres)."""
    size = x.shape[axis]
    source = torch.arange(size * factor, device=x.device, dtype=torch.float64) / factor
    low = source.floor().long()
    high = torch.clamp(low + 1, max=size - 1)
    weight = (source - low).to(x.dtype)
    shape = [1] * x.dim()
    shape[axis] = -1
    weight = weight.reshape(shape)
    return (x.index_select(axis, low) * (1 - weight)
            + x.index_select(axis, high) * weight)


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """The images of a 4-D tensor scaled up by integer factors."""
    x = to_tensor(x)
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format!r}")
    if x.dim() != 4:
        raise ValueError(f"resize_images: expected a 4-D tensor, got shape {tuple(x.shape)}")
    height_factor = _factor("resize_images", "height_factor", height_factor)
    width_factor = _factor("resize_images", "width_factor", width_factor)
    rows, cols = (2, 3) if data_format == "channels_first" else (1, 2)
    if interpolation == "nearest":
        return torch.repeat_interleave(
            torch.repeat_interleave(x, height_factor, dim=rows), width_factor, dim=cols)
    if interpolation == "bilinear":
        source = x if x.is_floating_point() else x.float()
        return _linear(_linear(source, rows, height_factor), cols, width_factor)
    raise ValueError(f'interpolation should be one of "nearest" or "bilinear", got '
                     f"{interpolation!r}")


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """The volumes of a 5-D tensor scaled up by repeating elements."""
    x = to_tensor(x)
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format!r}")
    if x.dim() != 5:
        raise ValueError(f"resize_volumes: expected a 5-D tensor, got shape {tuple(x.shape)}")
    first = 2 if data_format == "channels_first" else 1
    for offset, (name, factor) in enumerate((("depth_factor", depth_factor),
                                             ("height_factor", height_factor),
                                             ("width_factor", width_factor))):
        x = torch.repeat_interleave(x, _factor("resize_volumes", name, factor),
                                    dim=first + offset)
    return x


