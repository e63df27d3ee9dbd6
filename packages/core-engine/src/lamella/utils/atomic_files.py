"""Crash-safe file writes: the one helper through which lamella replaces files.

A write goes to a temporary file in the destination's folder, which is flushed to disk
(``fsync``), renamed over the destination with :func:`os.replace` and followed by an ``fsync`` of
the folder, so the destination is at every moment either the complete old file or the complete
new one, whatever happens to the process (an exception, Ctrl-C, ``SIGKILL``, a power loss).

- :func:`atomic_path` yields the temporary file's *path*, for writers that open files by name
  (h5py, Pillow, ``np.savez``). :func:`atomic_open` yields an open *file object*, for writers
  that write a stream (text rewritten by ``CSVLogger``, a download written chunk by chunk).
- The temporary is named after the destination and keeps its extension, so a writer that
  picks a format by extension picks the same one: writing ``ckpt/model.h5`` goes through
  ``ckpt/.model.h5.tmp-<host>-<pid>-<random>.h5``.
- Any failure in the block (``BaseException`` included: ``KeyboardInterrupt``,
  ``SystemExit``) removes the temporary and leaves the destination untouched.
- A process killed mid-write cannot clean up; the next successful write of the *same*
  destination removes the temporaries of it whose writing process is gone (never another
  destination's, never one a live process is still writing).
- Writing through a symbolic link updates the file the link points to; the link stays a link.
- Writes compose: a destination that is itself the temporary of a write in progress in this
  process is written directly (the outer write commits it). ``lamella.saving`` hands every
  saver a temporary, and lamella-io's HDF5 writer, also safe when called on its own, then adds
  no second one.
- The new file gets the permissions ``open(path, "w")`` would give it (the process umask,
  applied by the kernel when the temporary is created), or, when it replaces a file, that
  file's permission bits. The umask is never read or changed (``os.umask`` is process-wide
  and changing it races with every other thread).

``Model.save``/``save_weights`` (and so ``ModelCheckpoint``) get their safety from
:mod:`lamella.saving`, which writes every file-format plugin's output through this module.
"""

import contextlib
import hashlib
import os
import re
import secrets
import socket
import stat
import threading
import time

__all__ = ["atomic_open", "atomic_path"]

#: A temporary written on another machine (a shared network folder) or on a system where
#: liveness of a process cannot be checked is removed only once it is this old (seconds).
STALE_AFTER_S = 24 * 3600

_MAX_NAME = 255  # bytes in one file name on every common file system

# Temporaries of the writes in progress in this process (real paths), for nested writes.
_IN_PROGRESS = set()
_IN_PROGRESS_LOCK = threading.Lock()


def _writer_tag():
    """Six hex digits naming this machine and pid namespace.

    A pid means something only on the machine (and in the container) that issued it: two
    training processes on two nodes writing into one network folder can have the same pid, and
    a pid that is not alive here may be a live writer there. The tag lets cleanup check the
    pid only for temporaries written where the check means something.
    """
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return hashlib.sha1(f"{socket.gethostname()}|{namespace}".encode()).hexdigest()[:6]


_TAG = _writer_tag()


def _split(name):
    """``("m.tar.gz") -> ("m", ".tar.gz")``: the extension is every suffix (a leading dot of a
    hidden file is part of the stem), so a writer that checks ``.tar.gz`` still sees it."""
    head = name.lstrip(".")
    dot = head.find(".")
    if dot < 0:
        return name, ""
    cut = len(name) - len(head) + dot
    return name[:cut], name[cut:]


def _temp_prefix_and_ext(name):
    """The parts of a temporary's name around ``<tag>-<pid>-<random>`` for destination ``name``.

    Too long a destination name (a temporary's name must fit in 255 bytes) is replaced by a
    hash of it, which is as specific to the destination.
    """
    ext = _split(name)[1]
    prefix = f".{name}.tmp-"
    if len(os.fsencode(prefix + ext)) + 32 > _MAX_NAME:
        ext = ext if len(os.fsencode(ext)) <= 32 else ""
        prefix = f".{hashlib.sha1(os.fsencode(name)).hexdigest()[:16]}.tmp-"
    return prefix, ext


def _temp_pattern(name):
    prefix, ext = _temp_prefix_and_ext(name)
    return re.compile(re.escape(prefix) + r"([0-9a-f]{6})-([0-9]+)-[0-9a-f]{8}" + re.escape(ext))


def _resolve(destination):
    """The real file to replace: symbolic links (chains, relative ones) followed, so that the
    link keeps pointing at the new contents instead of being replaced by a plain file."""
    return os.path.realpath(os.fspath(destination))


def _fsync_fd(fd):
    with contextlib.suppress(OSError):  # some file systems (and Windows folders) refuse fsync
        os.fsync(fd)


def _fsync_path(path):
    flags = os.O_RDONLY
    if os.path.isdir(path):
        flags |= getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        _fsync_fd(fd)
    finally:
        os.close(fd)


def _create_temp(folder, name):
    """Create a new empty temporary for destination ``name``; return its path and fd.

    ``os.open(..., 0o666)`` lets the kernel apply the umask (and a folder's default ACL) exactly
    as for ``open(path, "w")``, without this process reading or changing its umask.
    """
    prefix, ext = _temp_prefix_and_ext(name)
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    while True:
        temp = os.path.join(folder, f"{prefix}{_TAG}-{os.getpid()}-{secrets.token_hex(4)}{ext}")
        try:
            return temp, os.open(temp, flags, 0o666)
        except FileExistsError:  # a clash of 32 random bits: draw again
            continue


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by another user
        return True
    try:  # a killed process not yet reaped by its parent is a zombie: it writes nothing more
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _writer_gone(tag, pid, path):
    """Whether the process that created temporary ``path`` can no longer be writing it.

    Where the pid means something (same machine and pid namespace, a POSIX system) the process
    is checked (a reused pid only delays the cleanup); elsewhere (another machine's temporary in
    a shared folder, Windows, where ``os.kill(pid, 0)`` would terminate the process) only a
    temporary older than :data:`STALE_AFTER_S` counts as abandoned.
    """
    if tag == _TAG and os.name == "posix":
        return not _pid_alive(pid)
    try:
        return time.time() - os.stat(path, follow_symlinks=False).st_mtime > STALE_AFTER_S
    except OSError:
        return False


def _remove_stale(folder, name, keep):
    """Remove abandoned temporaries of destination ``folder/name`` (see :func:`_writer_gone`)."""
    pattern = _temp_pattern(name)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or entry.path == keep:
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and _writer_gone(
                    match.group(1), int(match.group(2)), entry.path):
                os.remove(entry.path)


@contextlib.contextmanager
def _atomic(destination, keep_fd):
    """Yield ``(temporary path, open fd or None)``; commit on success, clean up on any failure.

    With ``keep_fd=False`` the descriptor is closed before the block runs: closing it later
    could close an unrelated file that reused its number in the meantime.
    """
    target = _resolve(destination)
    folder, name = os.path.split(target)
    try:
        # Replacing a file keeps its permission bits (setuid/setgid/sticky dropped, as a
        # rewrite by another user would); a new file keeps the bits the kernel just gave it.
        mode = stat.S_IMODE(os.stat(target).st_mode) & 0o777
    except OSError:
        mode = None
    temp = fd = None
    try:
        try:
            temp, fd = _create_temp(folder, name)
        except OSError as exc:  # a missing or read-only folder: name the user's file, as open()
            raise type(exc)(exc.errno, exc.strerror, os.fspath(destination)) from exc
        created = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode is None:
            mode = created
        elif created != (mode | stat.S_IRUSR | stat.S_IWUSR) and hasattr(os, "fchmod"):
            # Never more open than the final file while it is written (a 0600 file holding
            # secrets), but writable by its owner until it is complete (a 0444 file).
            os.fchmod(fd, mode | stat.S_IRUSR | stat.S_IWUSR)
        if not keep_fd:
            fd, opened = None, fd
            os.close(opened)
        with _IN_PROGRESS_LOCK:
            _IN_PROGRESS.add(temp)
        try:
            yield temp, fd
        finally:
            with _IN_PROGRESS_LOCK:
                _IN_PROGRESS.discard(temp)
        # The writer may have replaced the file at ``temp`` (its own rename): chmod by path.
        if stat.S_IMODE(os.stat(temp).st_mode) != mode:
            os.chmod(temp, mode)
        if fd is None:
            _fsync_path(temp)
        else:  # closed before the rename: Windows cannot rename an open file
            fd, opened = None, fd
            try:
                _fsync_fd(opened)
            finally:
                os.close(opened)
        os.replace(temp, target)
    except BaseException:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if temp is not None:
            with contextlib.suppress(OSError):
                os.remove(temp)
        raise
    _fsync_path(folder)  # makes the rename itself durable
    _remove_stale(folder, name, keep=temp)


@contextlib.contextmanager
def atomic_path(destination):
    """Yield the path of a new, empty temporary file that becomes ``destination`` on success.

    The writer in the block opens the path itself (truncating it is fine; it may even replace
    it); when the block ends normally the file is ``fsync``-ed and renamed over
    ``destination``. On any exception, ``KeyboardInterrupt`` included, the temporary is
    removed and ``destination`` is left as it was. The destination's folder must exist, as for
    ``open(path, "w")``.

    Example::

        with atomic_path("model.h5") as tmp:      # tmp: ".../.model.h5.tmp-<...>.h5"
            with h5py.File(tmp, "w") as handle:
                handle.attrs["keras_version"] = "2.3.1"
    """
    nested = _resolve(destination)
    with _IN_PROGRESS_LOCK:
        nested = nested if nested in _IN_PROGRESS else None
    if nested is not None:  # the outer write fsyncs, renames and cleans up
        yield nested
        return
    with _atomic(destination, keep_fd=False) as (temp, _):
        yield temp


@contextlib.contextmanager
def atomic_open(destination, mode="w", encoding=None, errors=None, newline=None):
    """Like ``open(destination, mode)``, but the file replaces ``destination`` only when the
    block completes; on any exception the previous file stays and no temporary is left.

    ``mode`` is a writing mode: ``"w"``/``"wb"`` (``"x"``, ``"a"`` and ``"+"`` make no sense
    for a file that is new until it is complete). Text arguments are those of :func:`open`.
    The file object is flushed and ``fsync``-ed before the rename.

    Example::

        with atomic_open("training.log", "w", encoding="utf-8", newline="") as handle:
            handle.write("epoch,loss\\r\\n0,0.25\\r\\n")
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open writes a new file: mode must be 'w', 'wt' or 'wb', "
                         f"got {mode!r}.")
    with _atomic(destination, keep_fd=True) as (_, fd):
        handle = os.fdopen(fd, mode, encoding=encoding, errors=errors, newline=newline,
                           closefd=False)
        try:
            yield handle
            handle.flush()
        finally:
            with contextlib.suppress(OSError, ValueError):
                handle.close()  # fd stays open (closefd=False) for _atomic's fsync and close
