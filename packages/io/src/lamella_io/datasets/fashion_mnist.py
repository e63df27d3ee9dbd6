"""Fashion-MNIST (Keras's ``keras.datasets.fashion_mnist``): 60,000 + 10,000 28x28 images of
clothing in 10 classes, read from the four gzipped IDX files Keras downloads into
``~/.keras/datasets/fashion-mnist/``."""

import gzip
import os

import numpy as np

from lamella_io.datasets._common import fetch

__all__ = ["load_data"]

BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read(path, offset):
    with gzip.open(path, "rb") as fh:
        return np.frombuffer(fh.read(), np.uint8, offset=offset)


def load_data(*, base_url=None, file_hash=None, cache_dir=None):
    """Loads the Fashion-MNIST dataset.

    # Arguments
        base_url, file_hash, cache_dir: lamella additions (keyword only), as for
            :func:`lamella_io.datasets.mnist.load_data`; ``file_hash`` may be a dict
            ``{file name: digest}`` here (Keras checks no hash for these files).

    # Returns
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(N, 28, 28)``, uint8 labels
        ``(N,)``.

    # Example

    >>> from lamella_io.datasets import fashion_mnist
    >>> (x_train, y_train), _ = fashion_mnist.load_data()  # doctest: +SKIP
    """
    dirname = os.path.join("datasets", "fashion-mnist")
    hashes = file_hash if isinstance(file_hash, dict) else {}
    paths = [fetch(fname, BASE + fname, None, base_url, hashes.get(fname), cache_dir,
                   cache_subdir=dirname) for fname in FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
