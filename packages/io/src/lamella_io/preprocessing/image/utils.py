"""Reading, writing and converting images with Pillow (keras-preprocessing's ``image.utils``)."""

import io
import os
import warnings

import numpy as np

from lamella.utils.atomic_files import atomic_path


def resolve_format(data_format, dtype=None):
    """Keras's defaults: ``data_format=None`` is ``K.image_data_format()`` and ``dtype=None``
    is ``K.floatx()`` (read when called, so ``K.set_image_data_format`` is honoured)."""
    from lamella import backend

    return (backend.image_data_format() if data_format is None else data_format,
            backend.floatx() if dtype is None else dtype)

__all__ = ["array_to_img", "img_to_array", "list_pictures", "load_img", "save_img"]


def _pil():
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - Pillow is a dependency of lamella-io
        raise ImportError("Could not import PIL.Image. Loading images requires Pillow "
                          "(pip install Pillow).") from e
    return Image


def _interpolation_methods():
    image = _pil()
    resampling = getattr(image, "Resampling", image)
    methods = {"nearest": resampling.NEAREST, "bilinear": resampling.BILINEAR,
               "bicubic": resampling.BICUBIC}
    for name in ("hamming", "box", "lanczos"):
        if hasattr(resampling, name.upper()):
            methods[name] = getattr(resampling, name.upper())
    return methods


def validate_filename(filename, white_list_formats):
    """Whether ``filename`` has an allowed extension and is a file."""
    return filename.lower().endswith(white_list_formats) and os.path.isfile(filename)


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save an image array to ``path`` (``file_format`` as Pillow names it; by default the
    extension picks it). ``path`` may also be a writable binary file object.

    A path is written atomically (:func:`lamella.utils.atomic_files.atomic_path`): a failed or
    killed save leaves the previous image, never half of one.

    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> save_img(path, np.zeros((4, 6, 3)))
    >>> os.listdir(os.path.dirname(path))
    ['x.png']
    """
    data_format, _ = resolve_format(data_format)
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    if not isinstance(path, (str, os.PathLike)):
        img.save(path, format=file_format, **kwargs)
        return
    # Without file_format Pillow picks the format from the temporary's extension, the path's.
    with atomic_path(path) as temp:
        img.save(temp, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest"):
    """Load an image file as a Pillow image.

    # Arguments
        path: path of the image file.
        grayscale: deprecated, use ``color_mode="grayscale"``.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``None`` or ``(height, width)`` to resize to.
        interpolation: ``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"lanczos"``, ``"box"``,
            ``"hamming"``.

    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> save_img(path, np.zeros((4, 6, 3)))
    >>> load_img(path, target_size=(2, 3)).size  # Pillow sizes are (width, height)
    (3, 2)
    """
    if grayscale is True:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"', stacklevel=2)
        color_mode = "grayscale"
    image = _pil()
    with open(path, "rb") as f:
        img = image.open(io.BytesIO(f.read()))
        if color_mode == "grayscale":
            if img.mode not in ("L", "I;16", "I"):
                img = img.convert("L")
        elif color_mode == "rgba":
            if img.mode != "RGBA":
                img = img.convert("RGBA")
        elif color_mode == "rgb":
            if img.mode != "RGB":
                img = img.convert("RGB")
        else:
            raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
        if target_size is not None:
            width_height_tuple = (target_size[1], target_size[0])
            if img.size != width_height_tuple:
                methods = _interpolation_methods()
                if interpolation not in methods:
                    raise ValueError("Invalid interpolation method {} specified. Supported "
                                     "methods are {}".format(interpolation,
                                                             ", ".join(methods.keys())))
                img = img.resize(width_height_tuple, methods[interpolation])
        return img


def list_pictures(directory, ext=("jpg", "jpeg", "bmp", "png", "ppm", "tif", "tiff")):
    """Paths of the pictures in ``directory`` and its subfolders."""
    ext = tuple(".%s" % e for e in ((ext,) if isinstance(ext, str) else ext))
    return [os.path.join(root, f) for root, _, files in os.walk(directory) for f in files
            if f.lower().endswith(ext)]


def _iter_valid_files(directory, white_list_formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. '
                              'Please verify your output.', stacklevel=2)
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def _list_valid_filenames_in_directory(directory, white_list_formats, split, class_indices,
                                       follow_links):
    """``(classes, relative file names)`` of one class folder, optionally a split of it."""
    dirname = os.path.basename(directory)
    if split:
        all_files = list(_iter_valid_files(directory, white_list_formats, follow_links))
        num_files = len(all_files)
        start, stop = int(split[0] * num_files), int(split[1] * num_files)
        valid_files = all_files[start:stop]
    else:
        valid_files = _iter_valid_files(directory, white_list_formats, follow_links)
    classes, filenames = [], []
    for root, fname in valid_files:
        classes.append(class_indices[dirname])
        absolute_path = os.path.join(root, fname)
        filenames.append(os.path.join(dirname, os.path.relpath(absolute_path, directory)))
    return classes, filenames


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array as a Pillow image (scaled to 0..255 when ``scale``).

    >>> import numpy as np
    >>> array_to_img(np.ones((2, 3, 1))).size, array_to_img(np.ones((2, 3, 3))).mode
    ((3, 2), 'RGB')
    """
    image = _pil()
    data_format, dtype = resolve_format(data_format, dtype)
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array with "
                         "shape: %s" % (x.shape,))
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Invalid data_format: %s" % data_format)
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError("Unsupported channel number: %s" % (x.shape[2],))


def img_to_array(img, data_format=None, dtype=None):
    """A Pillow image as a 3-D array (``(h, w, c)`` or ``(c, h, w)``).

    >>> import numpy as np
    >>> img_to_array(array_to_img(np.zeros((2, 3, 1)))).shape
    (2, 3, 1)
    """
    data_format, dtype = resolve_format(data_format, dtype)
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Unknown data_format: %s" % data_format)
    x = np.asarray(img, dtype=dtype)
    if len(x.shape) == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif len(x.shape) == 2:
        if data_format == "channels_first":
            x = x.reshape((1, x.shape[0], x.shape[1]))
        else:
            x = x.reshape((x.shape[0], x.shape[1], 1))
    else:
        raise ValueError("Unsupported image shape: %s" % (x.shape,))
    return x
