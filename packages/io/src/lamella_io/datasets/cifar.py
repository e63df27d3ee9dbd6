"""Reading the CIFAR-10/100 "python version" batch files (pickled dicts) without running code."""

import numpy as np

from lamella_io.datasets._safe_pickle import safe_pickle_load

__all__ = ["load_batch"]


def load_batch(fpath, label_key="labels"):
    """``(data, labels)`` of one CIFAR batch file (Keras 2.3.1's ``keras.datasets.cifar``):
    ``data`` reshaped to ``(N, 3, 32, 32)``, ``labels`` the file's ``label_key`` entry
    (``'labels'``; CIFAR-100's ``'fine_labels'``/``'coarse_labels'``) as stored, a list.

    The file is unpickled with :class:`~lamella_io.datasets._safe_pickle.SafeUnpickler`, which
    rebuilds only arrays and plain data: a file that would run code is refused.

    Example::

        from lamella.datasets.cifar import load_batch
        x, y = load_batch("cifar-10-batches-py/data_batch_1")     # (10000, 3, 32, 32), list
    """
    with open(fpath, "rb") as fh:
        d = safe_pickle_load(fh, encoding="bytes")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    data = np.asarray(d["data"])
    labels = d[label_key]
    data = data.reshape(data.shape[0], 3, 32, 32)
    return data, labels
