"""Reading the CIFAR-10/100 "python version" batch files (pickled dicts) without running code."""

import numpy as np

from lamella_io.datasets._safe_pickle import safe_pickle_load

__all__ = ["load_batch"]


def load_batch(fpath, label_key="labels"):
    """``(data, labels)`` of one CIFAR batch file; data has shape ``(N, 3, 32, 32)``.

    The file is unpickled with :class:`~lamella_io.datasets._safe_pickle.SafeUnpickler`, which
    rebuilds only arrays and plain data.
    """
    with open(fpath, "rb") as fh:
        d = safe_pickle_load(fh, encoding="bytes")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    data = np.asarray(d["data"])
    labels = d[label_key]
    data = data.reshape(data.shape[0], 3, 32, 32)
    return data, labels
