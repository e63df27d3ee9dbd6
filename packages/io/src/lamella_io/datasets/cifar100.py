"""CIFAR-100 (Keras's ``keras.datasets.cifar100``): 50,000 + 10,000 32x32 colour images,
100 fine or 20 coarse classes, extracted into ``~/.keras/datasets/cifar-100-python/``."""

import os

import numpy as np

from lamella_io.datasets._common import fetch, image_data_format
from lamella_io.datasets.cifar import load_batch

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
DIRNAME = "cifar-100-python"


def load_data(label_mode="fine", *, base_url=None, file_hash=None, cache_dir=None):
    """Loads CIFAR-100.

    # Arguments
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 super-classes).
        base_url, file_hash, cache_dir: lamella additions (keyword only), as for
            :func:`lamella_io.datasets.mnist.load_data`.

    # Returns
        ``(x_train, y_train), (x_test, y_test)`` as for CIFAR-10 (labels have shape ``(N, 1)``;
        Keras returns them as int64 here).

    # Raises
        ValueError: in case of an invalid ``label_mode``.

    # Example

    >>> from lamella_io.datasets import cifar100
    >>> (x_train, y_train), _ = cifar100.load_data(label_mode="coarse")  # doctest: +SKIP
    """
    if label_mode not in ["fine", "coarse"]:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`.')
    path = fetch(DIRNAME, ORIGIN, None, base_url, file_hash, cache_dir, untar=True)
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_mode + "_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_mode + "_labels")
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
