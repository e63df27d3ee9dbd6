"""UCI optical-recognition handwritten digits (8x8), bundled with the package.

1,797 grayscale images of the digits 0-9, each an 8x8 grid of integers 0..16
(how many pixels are "on" in a 4x4 block of the original 32x32 bitmap).
The file ships inside the package (``data/digits.npz``, about 45 KB), so
loading it needs no network.

Source: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits",
UCI Machine Learning Repository, DOI 10.24432/C50P49, licence CC BY 4.0.
See ``data/DIGITS_LICENSE.md`` next to this module.
"""

import math
import numbers
from importlib.resources import files

import numpy as np

__all__ = ["load_data", "NUM_CLASSES", "IMAGE_SHAPE", "NUM_SAMPLES"]

#: Number of classes (the digits 0..9).
NUM_CLASSES = 10
#: Shape of one image.
IMAGE_SHAPE = (8, 8)
#: Number of images in the data set.
NUM_SAMPLES = 1797
#: Largest pixel value (pixels run 0..16).
MAX_PIXEL_VALUE = 16

_PACKAGE = __package__ or "lamella_io.datasets"


def _read_bundled():
    """Return ``(images, labels)`` from the packaged npz file, as fresh arrays."""
    # Traversable "/" (not multi-argument joinpath) keeps Python 3.9/3.10 working.
    resource = files(_PACKAGE) / "data" / "digits.npz"
    # Open through importlib.resources so this also works when the package is
    # imported from a zip or wheel rather than from a folder on disk.
    with resource.open("rb") as fh:
        with np.load(fh, allow_pickle=False) as npz:
            images = np.asarray(npz["images"], dtype=np.uint8)
            labels = np.asarray(npz["labels"], dtype=np.uint8)
    return images, labels


def _check_test_split(test_split):
    # bool is a numbers.Real subclass; refuse it, it is never meant here.
    if isinstance(test_split, bool) or not isinstance(test_split, numbers.Real):
        raise ValueError(
            "`test_split` must be a number in [0, 1), got %r (type %s)."
            % (test_split, type(test_split).__name__)
        )
    value = float(test_split)
    if math.isnan(value) or not 0.0 <= value < 1.0:
        raise ValueError(
            "`test_split` must be in [0, 1), got %r." % (test_split,)
        )
    return value


def load_data(test_split=0.2, seed=113):
    """Loads the UCI handwritten digits data set (8x8 images, 10 classes).

    The 1,797 samples are shuffled with ``np.random.RandomState(seed)``
    (images and labels with the same permutation), then split into a
    training part followed by a test part, as Keras' ``boston_housing`` and
    ``reuters`` loaders do.

    Rounding: the training set takes the first
    ``int(1797 * (1 - test_split))`` shuffled samples (``int`` truncates)
    and the test set takes the rest, so
    ``len(x_test) == 1797 - int(1797 * (1 - test_split))``. That is
    ``ceil(1797 * test_split)`` up to floating-point error; e.g. the default
    ``test_split=0.2`` gives 1437 training and 360 test samples.
    ``test_split=0`` gives an empty test set (arrays with 0 rows).

    # Arguments
        test_split: float in ``[0, 1)``, fraction of the data to keep as the
            test set.
        seed: random seed for shuffling the data before the split; any value
            ``np.random.RandomState`` accepts.

    # Returns
        Tuple of NumPy arrays: ``(x_train, y_train), (x_test, y_test)``.

        **x_train, x_test**: uint8 arrays of shape ``(num_samples, 8, 8)``
        with pixel values 0..16 (not 0..255: divide by 16.0 to scale to
        ``[0, 1]``).

        **y_train, y_test**: uint8 arrays of digit labels (integers 0..9)
        with shape ``(num_samples,)``.

    # Raises
        ValueError: if ``test_split`` is not a number in ``[0, 1)``.

    # Example

    >>> from lamella_io.datasets import digits
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> x_train.shape, x_train.dtype, y_train.shape
    ((1437, 8, 8), dtype('uint8'), (1437,))
    >>> x_test.shape, y_test.shape
    ((360, 8, 8), (360,))
    >>> int(x_train.max()), sorted(set(y_train.tolist())) == list(range(10))
    (16, True)
    >>> x = x_train.reshape(-1, 64).astype("float32") / 16.0  # for a Dense net
    """
    test_split = _check_test_split(test_split)

    images, labels = _read_bundled()
    num_samples = len(labels)

    indices = np.random.RandomState(seed).permutation(num_samples)
    images = images[indices]
    labels = labels[indices]

    num_train = int(num_samples * (1 - test_split))
    x_train, y_train = images[:num_train], labels[:num_train]
    x_test, y_test = images[num_train:], labels[num_train:]
    return (x_train, y_train), (x_test, y_test)
