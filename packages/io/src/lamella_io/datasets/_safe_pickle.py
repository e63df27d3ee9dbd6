"""Reading the pickled parts of Keras's dataset files without running code.

Keras reads ``imdb.npz``/``reuters.npz`` (object arrays of lists) with NumPy's pickle-enabled
loader and the CIFAR batches with ``pickle.load``. lamella reads the same files through
:class:`SafeUnpickler`, whose ``find_class`` resolves only NumPy's array/scalar/dtype
reconstructors and latin-1 ``_codecs.encode`` (how Python 3 pickles bytes at protocol 2);
any other global (``os.system``, ``builtins.eval``, a class) raises ``UnpicklingError``
before anything runs. This module is the only place in lamella-io that unpickles.
"""

import codecs
import io
import pickle
import zipfile

import numpy as np

_RECONSTRUCT = np.empty(0).__reduce__()[0]
_SCALAR = np.float64(0).__reduce__()[0]
_FROMBUFFER = np.empty(1).__reduce_ex__(5)[0]


def _latin1_encode(text, encoding="latin1", errors="strict"):
    if encoding.lower().replace("-", "") not in ("latin1", "iso88591"):
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}")
    return codecs.encode(text, encoding, errors)


_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    ("builtins", "bytearray"): bytearray,
}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_module, "_reconstruct")] = _RECONSTRUCT
    _ALLOWED[(_module, "scalar")] = _SCALAR
for _module in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_module, "_frombuffer")] = _FROMBUFFER


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds only NumPy arrays, scalars, dtypes and plain containers."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name} from a dataset file: only NumPy arrays and "
                f"plain Python data are allowed"
            ) from None


def safe_pickle_load(fh, encoding="bytes"):
    """``pickle.load`` restricted to data (see :class:`SafeUnpickler`)."""
    return SafeUnpickler(fh, encoding=encoding).load()


def load_npz(path):
    """All arrays of an ``.npz`` file as a dict; object arrays are unpickled safely."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            key = name[:-4] if name.endswith(".npy") else name
            with zf.open(name) as fp:
                raw = io.BytesIO(fp.read())
            version = np.lib.format.read_magic(raw)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(raw)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(raw)
            if dtype.hasobject:
                array = safe_pickle_load(raw, encoding="latin1")
                if not isinstance(array, np.ndarray):
                    raise ValueError(f"{path}: member {name} is not an array")
            else:
                count = int(np.prod(shape))
                array = np.frombuffer(raw.read(count * dtype.itemsize), dtype=dtype, count=count)
                array = array.reshape(shape, order="F" if fortran else "C").copy()
            out[key] = array
    return out


