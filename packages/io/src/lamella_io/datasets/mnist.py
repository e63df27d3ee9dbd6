"""MNIST handwritten digits (Keras's ``keras.datasets.mnist``): 60,000 + 10,000 28x28 images.

Downloaded once from Keras's origin into ``~/.keras/datasets/mnist.npz`` (see
:mod:`lamella_io.datasets._common` for mirrors: ``LAMELLA_DATASETS_BASE_URL``).
"""

from lamella_io.datasets._common import fetch, load_npz

__all__ = ["load_data"]

ORIGIN = "https://s3.amazonaws.com/img-datasets/mnist.npz"
FILE_HASH = "8a61469f7ea1b51cbae51d4f78837e45"


def load_data(path="mnist.npz", *, base_url=None, file_hash=None, cache_dir=None):
    """Loads the MNIST dataset.

    # Arguments
        path: where to cache the file (relative to ``~/.keras/datasets``).
        base_url: a mirror folder to download from (default: ``$LAMELLA_DATASETS_BASE_URL``,
            else Keras's origin). lamella addition, keyword only.
        file_hash: expected digest (default: Keras's; ``False``: no check). Keyword only.
        cache_dir: cache root (default ``$LAMELLA_HOME``, else ``$KERAS_HOME`` or
            ``~/.keras``). Keyword only.

    # Returns
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(N, 28, 28)``, uint8 labels
        ``(N,)``.

    # Example

    >>> from lamella_io.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (10000,))
    """
    path = fetch(path, ORIGIN, FILE_HASH, base_url, file_hash, cache_dir)
    arrays = load_npz(path)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
