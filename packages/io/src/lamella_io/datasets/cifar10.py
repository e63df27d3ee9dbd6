"""CIFAR-10 (Keras's ``keras.datasets.cifar10``): 50,000 + 10,000 32x32 colour images, 10 classes.

Downloads ``cifar-10-python.tar.gz`` from Keras's origin, extracts it into
``~/.keras/datasets/cifar-10-batches-py/`` and reads the batches (safely; see
:mod:`lamella_io.datasets.cifar`).
"""

import os

import numpy as np

from lamella_io.datasets._common import fetch, image_data_format
from lamella_io.datasets.cifar import load_batch

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
DIRNAME = "cifar-10-batches-py"


def load_data(*, base_url=None, file_hash=None, cache_dir=None):
    """Loads CIFAR-10.

    # Arguments
        base_url, file_hash, cache_dir: lamella additions (keyword only), as for
            :func:`lamella_io.datasets.mnist.load_data` (Keras checks no hash here).

    # Returns
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(N, 32, 32, 3)`` with
        ``channels_last`` (``(N, 3, 32, 32)`` with ``channels_first``), uint8 labels ``(N, 1)``.

    # Example

    >>> from lamella_io.datasets import cifar10
    >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
    """
    path = fetch(DIRNAME, ORIGIN, None, base_url, file_hash, cache_dir, untar=True)
    xs, ys = [], []
    for i in range(1, 6):
        data, labels = load_batch(os.path.join(path, "data_batch_" + str(i)))
        xs.append(data)
        ys.append(np.asarray(labels))
    x_train = np.concatenate(xs).astype("uint8")
    y_train = np.concatenate(ys).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
