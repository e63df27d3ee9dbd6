"""Opening HDF5 files for reading (with errors that name the file) and writing atomically.

Every write goes through lamella's :func:`lamella.utils.atomic_files.atomic_path`: a temporary
file in the destination's folder, renamed over the destination only once it is complete and on
disk, so an exception or a crash in the middle of a save leaves the previous file as it was
(and the next save removes what a killed one left).
"""

import contextlib
import os

import h5py
import numpy as np

from lamella.utils.atomic_files import atomic_path


class HDF5FormatError(ValueError):
    """A file that is not, or not quite, what lamella-io expected (names the file and why).

    Example::

        try:
            model.load_weights("not-a-model.h5")
        except HDF5FormatError as exc:
            print(exc)    # "'not-a-model.h5' is not an HDF5 file (...)"
    """


def is_group(obj):
    """True for an open ``h5py.File`` or ``h5py.Group`` (which savers accept as ``filepath``)."""
    return isinstance(obj, h5py.Group)


def describe(target):
    """A printable name for a path or an open h5py object."""
    if is_group(target):
        try:
            return f"{target.file.filename}:{target.name}"
        except Exception:  # a closed file
            return repr(target)
    return os.fspath(target) if isinstance(target, os.PathLike) else str(target)


@contextlib.contextmanager
def open_for_reading(filepath):
    """Yield the root group of ``filepath`` (a path or an open h5py group).

    A missing, empty, truncated or non-HDF5 file raises :class:`HDF5FormatError` (or
    ``FileNotFoundError``) naming the file.
    """
    if is_group(filepath):
        yield filepath
        return
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path!r}")
    if os.path.getsize(path) == 0:
        raise HDF5FormatError(f"{path!r} is empty (0 bytes), not an HDF5 file.")
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise HDF5FormatError(
            f"{path!r} is not a readable HDF5 file (it may be truncated or in another "
            f"format): {exc}"
        ) from exc
    try:
        yield handle
    finally:
        handle.close()


@contextlib.contextmanager
def open_for_writing(filepath, overwrite=True, large_attributes=False):
    """Yield a writable root group; for a path, commit it atomically when the block succeeds.

    ``overwrite=False`` with an existing file raises ``FileExistsError`` (Keras 2.3 would ask
    on the terminal; a library call must not block on input). ``large_attributes=True`` creates
    the file in the HDF5 1.8 format, whose dense attribute storage takes attributes over the
    64 KB object-header limit (a very large ``model_config``); HDF5 1.8 and later read it.

    Example::

        with open_for_writing("w.h5") as root:   # "w.h5" appears only when the block ends
            root.attrs["backend"] = "tensorflow"
    """
    if is_group(filepath):
        yield filepath
        return
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path!r} already exists and overwrite=False.")
    libver = ("v108", "v108") if large_attributes else None
    with atomic_path(path) as temp_path, h5py.File(temp_path, "w", libver=libver) as handle:
        yield handle


# --- what a file may hold before anything is read from it ---------------------------------------

#: NumPy kinds a weight may have: floats, signed and unsigned integers, booleans.
WEIGHT_KINDS = "fiub"


def refuse_links_out(root):
    """Raise :class:`HDF5FormatError` if any link under ``root`` leaves its file.

    An ``h5py.ExternalLink`` (or a soft link through one) makes h5py open whatever file it
    names when the path is merely looked up, so the whole tree is walked link by link, without
    following any, before lamella reads a single name from the file.

    Example::

        with h5py.File("weights.h5", "r") as f:
            refuse_links_out(f)      # HDF5FormatError: ... is an external link to ...
    """
    where = describe(root.file) if hasattr(root, "file") else describe(root)
    seen = set()
    pending = [root]
    while pending:
        group = pending.pop()
        if group.id in seen:  # hard links may form cycles
            continue
        seen.add(group.id)
        for name in group.keys():
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise HDF5FormatError(
                    f"{where!r}: {_join(group.name, name)!r} is an external link to "
                    f"{link.filename!r}:{link.path!r}; lamella does not follow links out of a "
                    f"weights or model file."
                )
            if isinstance(link, h5py.HardLink):
                obj = group.get(name)
                if isinstance(obj, h5py.Group):
                    pending.append(obj)
            # A soft link names a path in this same file, which this walk checks on its own.


def _join(group_name, name):
    return group_name.rstrip("/") + "/" + name


def checked_dataset(group, name, what):
    """``group[name]``, checked to be a numeric dataset stored in this file, without reading
    any of its data (``.shape`` and ``.dtype`` come from the header).

    ``what`` names the dataset in errors, e.g. ``"weight 'dense_1/kernel:0' of layer
    'dense_1'"``. Refused, with an error naming the file and the dataset: a name that is not
    a dataset, string, object and compound datasets, virtual datasets and datasets whose data
    lives in external files (both read other files).

    Example::

        kernel = checked_dataset(layer_group, "dense_1/kernel:0", "weight 'dense_1/kernel:0'")
        kernel.shape            # from the header; nothing read yet
    """
    where = describe(group.file) if hasattr(group, "file") else describe(group)
    try:
        obj = group[name]
    except (KeyError, OSError) as exc:
        raise HDF5FormatError(f"{where!r}: cannot open {what} ({exc}).") from exc
    path = obj.name
    if not isinstance(obj, h5py.Dataset):
        raise HDF5FormatError(f"{where!r}: {what} ({path!r}) is a {type(obj).__name__}, not a "
                              f"dataset.")
    dtype = obj.dtype
    if dtype.kind not in WEIGHT_KINDS or dtype.fields is not None or dtype.itemsize > 8 or \
            h5py.check_dtype(vlen=dtype) is not None:
        raise HDF5FormatError(f"{where!r}: {what} ({path!r}) has dtype {dtype}, which is not a "
                              f"number type a weight can hold.")
    virtual = getattr(obj, "is_virtual", False)
    if virtual or getattr(obj, "external", None):
        raise HDF5FormatError(f"{where!r}: {what} ({path!r}) keeps its data in other files "
                              f"({'virtual dataset' if virtual else 'external storage'}); "
                              f"lamella reads weights only from the file itself.")
    return obj


def read_dataset(dataset, what):
    """The data of a :func:`checked_dataset`, as a NumPy array (a damaged file names itself).

    Example::

        value = read_dataset(kernel, "weight 'dense_1/kernel:0'")   # only once shapes match
    """
    try:
        return np.asarray(dataset[()])
    except OSError as exc:
        raise HDF5FormatError(f"{describe(dataset.file)!r}: cannot read {what} (damaged or "
                              f"truncated file): {exc}") from exc
