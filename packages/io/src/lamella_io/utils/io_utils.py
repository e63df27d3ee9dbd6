"""``HDF5Matrix``: an HDF5 dataset used in place of a NumPy array (Keras's ``HDF5Matrix``)."""

import os
import threading

import numpy as np

__all__ = ["HDF5Matrix"]


class HDF5Matrix:
    """A read-only view of rows ``[start, end)`` of an HDF5 dataset that behaves like an array.

    It supports ``len``, ``shape``, ``dtype``, ``ndim``, ``size``, integer, slice, list and
    index-array indexing (rows are read from the file on demand), and ``np.asarray(matrix)``
    (which reads the whole range at once). Keras advises ``shuffle='batch'`` when training on
    one; with lamella, ``fit`` converts it to an in-memory array with ``np.asarray``, so any
    ``shuffle`` works and the data must fit in memory.

    Files are opened read-only and kept open, one ``h5py.File`` per path, shared between the
    matrices that use it (as Keras does); :meth:`close_all` closes them.

    # Arguments
        datapath: path to the HDF5 file.
        dataset: name of the dataset in the file.
        start: first row to use.
        end: one past the last row (default: the dataset's length).
        normalizer: a function applied to every block of rows read.

    # Example

    >>> import h5py, numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("x", data=np.arange(20, dtype="float32").reshape(10, 2))
    >>> x = HDF5Matrix(path, "x", start=2, end=8, normalizer=lambda a: a / 10)
    >>> len(x), x.shape, x.dtype
    (6, (6, 2), dtype('float32'))
    >>> x[0].tolist(), x[-1].tolist()
    ([0.4000000059604645, 0.5], [1.399999976158142, 1.5])
    >>> np.asarray(x).shape
    (6, 2)
    """

    refs = {}
    _lock = threading.Lock()

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        import h5py

        key = os.path.abspath(os.fspath(datapath))
        with self._lock:
            handle = self.refs.get(key)
            if handle is None or not handle.id.valid:
                handle = h5py.File(key, "r")
                self.refs[key] = handle
        if dataset not in handle:
            raise KeyError(f"HDF5Matrix: {datapath} has no dataset {dataset!r} "
                           f"(it has {sorted(handle.keys())}).")
        self.datapath = datapath
        self.data = handle[dataset]
        n = self.data.shape[0]
        self.start = int(start)
        self.end = n if end is None else min(int(end), n)
        if not 0 <= self.start <= self.end:
            raise ValueError(f"HDF5Matrix: need 0 <= start <= end <= {n}, got start={start}, "
                             f"end={end}.")
        self.normalizer = normalizer
        first = self.data[self.start:self.start + 1] if self.end > self.start else self.data[0:0]
        if normalizer is not None:
            first = np.asarray(normalizer(first))
        self._base_shape = tuple(first.shape[1:])
        self._base_dtype = first.dtype

    @classmethod
    def close_all(cls):
        """Close every file opened by an ``HDF5Matrix``."""
        with cls._lock:
            for handle in cls.refs.values():
                if handle.id.valid:
                    handle.close()
            cls.refs.clear()

    def __len__(self):
        return self.end - self.start

    @property
    def shape(self):
        return (self.end - self.start,) + self._base_shape

    @property
    def dtype(self):
        return self._base_dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    def _normalize(self, block):
        return self.normalizer(block) if self.normalizer is not None else block

    def _row(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} is out of bounds for an HDF5Matrix of length {n}")
        return i + self.start

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rows = self[key[0]]
            if isinstance(key[0], (int, np.integer)):
                return rows[key[1:]]
            return rows[(slice(None),) + key[1:]]
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1:
                block = self.data[self.start + start:self.start + max(stop, start)]
            else:
                return self[np.arange(start, stop, step)]
            return self._normalize(block)
        if isinstance(key, (int, np.integer)):
            row = self._row(int(key))
            return self._normalize(self.data[row:row + 1])[0]
        index = np.asarray(key)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        index = index.astype(np.int64).ravel()
        if index.size == 0:
            return self._normalize(self.data[self.start:self.start])
        rows = np.array([self._row(int(i)) for i in index])
        # h5py reads fancy indices in increasing order without repeats.
        unique, inverse = np.unique(rows, return_inverse=True)
        block = self.data[unique.tolist()]
        return self._normalize(block[inverse])

    def __array__(self, dtype=None, copy=None):
        array = np.asarray(self[:])
        return array.astype(dtype) if dtype is not None else array

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        return (f"HDF5Matrix({self.datapath!r}, {self.data.name!r}, start={self.start}, "
                f"end={self.end}, shape={self.shape}, dtype={self.dtype})")
