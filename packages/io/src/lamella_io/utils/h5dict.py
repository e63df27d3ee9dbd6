"""``H5Dict``: Keras 2.3.1's dict-like wrapper around an HDF5 group, a file or a plain dict.

Differences from Keras, on the side of safety: a file opened for writing (``'w'``, ``'a'``) is
written to a temporary beside it and replaces the file only on ``close()`` (through
:func:`lamella.utils.atomic_files.atomic_path`), so an error midway leaves the old file; and
NumPy values kept in a plain dict are stored as copies, not pickled (Keras pickles them), so
reading never unpickles.
"""

import os
import shutil

import h5py
import numpy as np

from lamella.utils.atomic_files import atomic_path

__all__ = ["H5Dict", "h5dict"]

#: HDF5 attributes larger than this are split into chunks (``name0``, ``name1``, ...).
HDF5_OBJECT_HEADER_LIMIT = 64512


class H5Dict:
    """A dict-like view of an HDF5 group, a file (by path) or a dict: items set to NumPy
    arrays become datasets, anything else attributes; reading an absent key creates a
    sub-group (as Keras does); the same code thus writes to a file or to memory.

    # Arguments
        path: a path (``str`` or ``os.PathLike``), an ``h5py.Group``, or a ``dict``.
        mode: ``'a'``, ``'r'`` or ``'w'`` (for paths: how the file is opened).

    Example::

        with H5Dict("config.h5", mode="w") as f:
            f["name"] = "model"
            f["weights"]["kernel"] = np.ones((2, 2))
        with H5Dict("config.h5", mode="r") as f:
            f["name"], f["weights"]["kernel"]
    """

    def __init__(self, path, mode="a"):
        if mode not in ("a", "r", "w"):
            raise ValueError(f"H5Dict: mode must be 'a', 'r' or 'w', got {mode!r}.")
        self._commit = None
        if isinstance(path, h5py.Group):
            self.data = path
            self._is_file = False
        elif isinstance(path, (str, os.PathLike)):
            path = os.fspath(path)
            if mode == "r":
                self.data = h5py.File(path, mode="r")
            else:
                self._commit = atomic_path(path)
                tmp = self._commit.__enter__()
                if mode == "a" and os.path.exists(path):
                    shutil.copyfile(path, tmp)
                self.data = h5py.File(tmp, mode="a")
            self._is_file = True
        elif isinstance(path, dict):
            self.data = path
            self._is_file = False
            if mode == "w":
                self.data.clear()
            self.data["_is_group"] = True  # tells a sub-group from a user's dict value
        else:
            raise TypeError(f"H5Dict: required an h5py Group, a str or path-like, or a dict; "
                            f"received {type(path).__name__}.")
        self.read_only = mode == "r"

    @staticmethod
    def is_supported_type(path):
        """Whether ``path`` can back an ``H5Dict``."""
        return isinstance(path, (h5py.Group, dict, str, os.PathLike))

    def __setitem__(self, attr, val):
        if self.read_only:
            raise ValueError("Cannot set item in read-only mode.")
        is_np = type(val).__module__ == np.__name__
        if isinstance(self.data, dict):
            if isinstance(attr, bytes):
                attr = attr.decode("utf-8")
            self.data[attr] = np.copy(val) if is_np else val
            return
        if attr in self.data:
            raise KeyError(f'Cannot set attribute. Group with name "{attr}" exists.')
        if is_np:
            dataset = self.data.create_dataset(attr, val.shape, dtype=val.dtype)
            dataset[()] = val
        elif isinstance(val, (list, tuple)):
            too_big = [str(x)[:40] for x in val
                       if isinstance(x, (str, bytes)) and len(x) > HDF5_OBJECT_HEADER_LIMIT]
            if too_big:
                raise RuntimeError(f"The following attributes cannot be saved to HDF5 file "
                                   f"because they are larger than {HDF5_OBJECT_HEADER_LIMIT} "
                                   f"bytes: {', '.join(too_big)}")
            if val and isinstance(val[0], str):
                val = [x.encode("utf-8") for x in val]
            data_npy = np.asarray(val)
            num_chunks = 1
            chunks = np.array_split(data_npy, num_chunks)
            while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in chunks):
                num_chunks += 1
                chunks = np.array_split(data_npy, num_chunks)
            if num_chunks > 1:
                for chunk_id, chunk in enumerate(chunks):
                    self.data.attrs[f"{attr}{chunk_id}"] = chunk
            else:
                self.data.attrs[attr] = val
        else:
            self.data.attrs[attr] = val

    def __getitem__(self, attr):
        if isinstance(self.data, dict):
            if isinstance(attr, bytes):
                attr = attr.decode("utf-8")
            if attr in self.data:
                val = self.data[attr]
                if isinstance(val, dict) and val.get("_is_group"):
                    val = H5Dict(val)
                return val
            if self.read_only:
                raise ValueError("Cannot create group in read-only mode.")
            val = {"_is_group": True}
            self.data[attr] = val
            return H5Dict(val)
        if attr in self.data.attrs:
            val = self.data.attrs[attr]
            # string lists come back as lists (h5py 3 may give object arrays of bytes)
            if isinstance(val, np.ndarray) and val.dtype.kind in "SO":
                val = val.tolist()
        elif attr in self.data:
            val = self.data[attr]
            val = np.asarray(val) if isinstance(val, h5py.Dataset) else H5Dict(val)
        elif f"{attr}0" in self.data.attrs:  # chunked
            val, chunk_id = [], 0
            while f"{attr}{chunk_id}" in self.data.attrs:
                val.extend(x.decode("utf8") for x in self.data.attrs[f"{attr}{chunk_id}"])
                chunk_id += 1
        else:
            if self.read_only:
                raise ValueError("Cannot create group in read-only mode.")
            val = H5Dict(self.data.create_group(attr))
        return val

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return iter(self.data)

    def iter(self):
        return iter(self.data)

    def __getattr__(self, attr):
        # Anything else (keys(), attrs, ...) is the wrapped object's; a group it returns is
        # wrapped again.
        if attr == "data":
            raise AttributeError(attr)
        target = getattr(self.data, attr)
        if not callable(target):
            return target

        def h5wrapper(*args, **kwargs):
            out = target(*args, **kwargs)
            return H5Dict(out) if isinstance(self.data, type(out)) else out

        return h5wrapper

    def close(self):
        """Flush and close a file (committing it when opened for writing)."""
        if isinstance(self.data, h5py.Group):
            self.data.file.flush()
            if self._is_file:
                self.data.close()
        if self._commit is not None:
            commit, self._commit = self._commit, None
            commit.__exit__(None, None, None)

    def _abandon(self, exc_type, exc_val, exc_tb):
        if isinstance(self.data, h5py.Group) and self._is_file:
            self.data.close()
        commit, self._commit = self._commit, None
        commit.__exit__(exc_type, exc_val, exc_tb)

    def update(self, *args, **kwargs):
        """Set every item of a mapping (and keyword arguments), as ``dict.update``."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __contains__(self, key):
        if isinstance(self.data, dict):
            return key in self.data
        return key in self.data or key in self.data.attrs

    def get(self, key, default=None):
        if key in self:
            return self[key]
        return default

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if exc_type is not None and self._commit is not None:
            self._abandon(exc_type, exc_val, exc_tb)  # the old file stays
        else:
            self.close()


h5dict = H5Dict
