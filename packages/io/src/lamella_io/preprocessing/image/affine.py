"""Affine image transforms in NumPy (keras-preprocessing's ``affine_transformations``).

keras-preprocessing calls ``scipy.ndimage.affine_transform``; lamella does the same
resampling in NumPy (spline order 0 or 1, the ``nearest``, ``constant``, ``reflect`` and
``wrap`` boundary modes with SciPy's coordinate rules), so SciPy is not needed. Results match
keras-preprocessing with SciPy 1.7 to float32 rounding (see the preprocessing parity tests).
"""

import numpy as np

from lamella_io.preprocessing.image.utils import array_to_img, img_to_array

__all__ = ["apply_affine_transform", "apply_brightness_shift", "apply_channel_shift",
           "flip_axis", "random_brightness", "random_channel_shift", "random_rotation",
           "random_shear", "random_shift", "random_zoom", "transform_matrix_offset_center"]


def flip_axis(x, axis):
    """``x`` reversed along ``axis``."""
    x = np.asarray(x).swapaxes(axis, 0)
    x = x[::-1, ...]
    return x.swapaxes(0, axis)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate by a random angle in ``[-rg, rg]`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, channel_axis=channel_axis, fill_mode=fill_mode,
                                  cval=cval, order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """Shift by random fractions of the height (``hrg``) and width (``wrg``)."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """Shear by a random angle in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.0, interpolation_order=1):
    """Zoom by random factors drawn from ``zoom_range`` (two floats)."""
    if len(zoom_range) != 2:
        raise ValueError("`zoom_range` should be a tuple or list of two floats. Received: %s"
                         % (zoom_range,))
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's range."""
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    x = np.stack([np.clip(c + intensity, min_x, max_x) for c in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Channel shift by a random amount in ``[-intensity_range, intensity_range]``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness):
    """Brightness change through Pillow's ``ImageEnhance.Brightness`` (as Keras)."""
    from PIL import ImageEnhance

    img = array_to_img(x)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    return img_to_array(img)


def random_brightness(x, brightness_range):
    """Brightness change by a random factor in ``brightness_range``."""
    if len(brightness_range) != 2:
        raise ValueError("`brightness_range should be tuple or list of two floats. Received: %s"
                         % (brightness_range,))
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u)


def transform_matrix_offset_center(matrix, x, y):
    """``matrix`` conjugated so that it acts about the centre of an ``x`` by ``y`` image."""
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def _map_coordinates(c, n, mode):
    """SciPy's ``map_coordinate``: bring out-of-range coordinates back (or mark them -1)."""
    c = c.copy()
    lo, hi = c < 0, c > n - 1
    if mode == "nearest":
        c[lo], c[hi] = 0, n - 1
    elif mode == "constant":
        c[lo | hi] = -1
    elif n <= 1:
        c[lo | hi] = 0
    elif mode == "reflect":
        sz2 = 2 * n
        v = c[lo]
        v = np.where(v < -sz2, sz2 * np.trunc(-v / sz2) + v, v)
        c[lo] = np.where(v < -n, v + sz2, np.where(v > -1e-15, 1e-15, -v) - 1)
        v = c[hi]
        v = v - sz2 * np.trunc(v / sz2)
        c[hi] = np.where(v >= n, sz2 - v - 1, v)
    elif mode == "wrap":
        sz = n - 1
        v = c[lo]
        c[lo] = v + sz * (np.trunc(-v / sz) + 1)
        v = c[hi]
        c[hi] = v - sz * np.trunc(v / sz)
    else:
        raise ValueError(f"fill_mode must be 'constant', 'nearest', 'reflect' or 'wrap', "
                         f"got {mode!r}.")
    return c


def _affine_transform_2d(image, matrix, offset, order, mode, cval):
    """``scipy.ndimage.affine_transform(image, matrix, offset, order, mode=mode, cval=cval)``
    for a 2-D ``image`` and spline order 0 or 1."""
    if order not in (0, 1):
        raise NotImplementedError(f"interpolation_order={order}: lamella supports 0 and 1.")
    h, w = image.shape
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
    r = matrix[0, 0] * rows + matrix[0, 1] * cols + offset[0]
    c = matrix[1, 0] * rows + matrix[1, 1] * cols + offset[1]
    r = _map_coordinates(r, h, mode)
    c = _map_coordinates(c, w, mode)
    valid = (r > -1.0) & (c > -1.0)
    src = image.astype(np.float64)
    if order == 0:
        ri = np.clip(np.floor(r + 0.5).astype(np.int64), 0, h - 1)
        ci = np.clip(np.floor(c + 0.5).astype(np.int64), 0, w - 1)
        out = src[ri, ci]
    else:
        r0, c0 = np.floor(r), np.floor(c)
        fr, fc = r - r0, c - c0
        r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
        ra, rb = np.clip(r0, 0, h - 1), np.clip(r0 + 1, 0, h - 1)
        ca, cb = np.clip(c0, 0, w - 1), np.clip(c0 + 1, 0, w - 1)
        out = ((1 - fr) * (1 - fc) * src[ra, ca] + (1 - fr) * fc * src[ra, cb]
               + fr * (1 - fc) * src[rb, ca] + fr * fc * src[rb, cb])
    out = np.where(valid, out, cval)
    if np.issubdtype(image.dtype, np.integer):
        out = np.rint(out)
    return out.astype(image.dtype)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1,
                           channel_axis=2, fill_mode="nearest", cval=0.0, order=1):
    """Rotate (``theta`` degrees), shift (``tx`` rows, ``ty`` columns), shear (degrees) and zoom
    (``zx``, ``zy``) one image about its centre, as keras-preprocessing does.

    Points that fall outside the input are filled by ``fill_mode`` (``'constant'`` uses
    ``cval``). ``order`` is the spline order (0: nearest pixel, 1: bilinear).

    >>> import numpy as np
    >>> x = np.arange(9, dtype="float32").reshape(3, 3, 1)
    >>> apply_affine_transform(x, ty=1)[:, :, 0].tolist()   # shift columns by one
    [[1.0, 2.0, 2.0], [4.0, 5.0, 5.0], [7.0, 8.0, 8.0]]
    """
    transform_matrix = None
    if theta != 0:
        theta = np.deg2rad(theta)
        transform_matrix = np.array([[np.cos(theta), -np.sin(theta), 0],
                                     [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        shift_matrix = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        transform_matrix = (shift_matrix if transform_matrix is None
                            else np.dot(transform_matrix, shift_matrix))
    if shear != 0:
        shear = np.deg2rad(shear)
        shear_matrix = np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
        transform_matrix = (shear_matrix if transform_matrix is None
                            else np.dot(transform_matrix, shear_matrix))
    if zx != 1 or zy != 1:
        zoom_matrix = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        transform_matrix = (zoom_matrix if transform_matrix is None
                            else np.dot(transform_matrix, zoom_matrix))
    if transform_matrix is not None:
        h, w = x.shape[row_axis], x.shape[col_axis]
        transform_matrix = transform_matrix_offset_center(transform_matrix, h, w)
        x = np.rollaxis(x, channel_axis, 0)
        final_affine_matrix = transform_matrix[:2, :2]
        final_offset = transform_matrix[:2, 2]
        channel_images = [_affine_transform_2d(x_channel, final_affine_matrix, final_offset,
                                               order, fill_mode, cval) for x_channel in x]
        x = np.stack(channel_images, axis=0)
        x = np.rollaxis(x, 0, channel_axis + 1)
    return x
