"""Opening HDF5 files for reading (with errors that name the file) and writing atomically.

Every write goes through lamella's :func:`lamella.utils.atomic_files.atomic_path`: a temporary
file in the destination's folder, renamed over the destination only once it is complete and on
disk, so an exception or a crash in the middle of a save leaves the previous file as it was
(and the next save removes what a killed one left).
"""

import contextlib
import os

import h5py

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
