"""Boston housing prices (Keras's ``keras.datasets.boston_housing``): 506 samples, 13 features,
target in thousands of dollars.

Note: this data set has known ethical problems (one feature encodes race); it is provided for
compatibility with Keras code and examples.
"""

import numpy as np

from lamella_io.datasets._common import fetch, load_npz

__all__ = ["load_data"]

ORIGIN = "https://s3.amazonaws.com/keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, *, base_url=None,
              file_hash=None, cache_dir=None):
    """Loads the Boston housing dataset.

    # Arguments
        path: where to cache the file (relative to ``~/.keras/datasets``).
        test_split: fraction of the data to reserve as test set, in ``[0, 1)``.
        seed: random seed for shuffling the data before the split.
        base_url, file_hash, cache_dir: lamella additions (keyword only), as for
            :func:`lamella_io.datasets.mnist.load_data`.

    # Returns
        ``(x_train, y_train), (x_test, y_test)``: float64 ``(N, 13)`` and ``(N,)``.

    # Example

    >>> from lamella_io.datasets import boston_housing
    >>> (x_train, y_train), (x_test, y_test) = boston_housing.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((404, 13), (102, 13))
    """
    assert 0 <= test_split < 1
    path = fetch(path, ORIGIN, FILE_HASH, base_url, file_hash, cache_dir)
    arrays = load_npz(path)
    x, y = arrays["x"], arrays["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x = x[indices]
    y = y[indices]
    split = int(len(x) * (1 - test_split))
    x_train, y_train = np.array(x[:split]), np.array(y[:split])
    x_test, y_test = np.array(x[split:]), np.array(y[split:])
    return (x_train, y_train), (x_test, y_test)
