"""Crash-safe file writes: write beside the target, flush to disk, then ``os.replace``.

A process killed in the middle of a write leaves the previous file intact (and at worst a
hidden ``.*.tmp-*`` file beside it, which the next successful write in that folder removes).
"""

import contextlib
import glob
import os
import uuid


def _fsync_path(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _tmp_prefix(path):
    folder, name = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(name)
    return folder, f".{stem}.tmp-", ext


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path in ``path``'s folder (same extension); rename it into place after.

    The temporary name keeps the extension so that a writer choosing a format by extension
    (``model.save``) picks the same one. If the body raises, the temporary file is removed and
    ``path`` is untouched.

    Example::

        with atomic_path("weights.h5") as tmp:
            model.save_weights(tmp)
    """
    path = os.fspath(path)
    folder, prefix, ext = _tmp_prefix(path)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}{ext}")
    try:
        yield tmp
        if os.path.isfile(tmp):
            _fsync_path(tmp)
        os.replace(tmp, path)
        _fsync_path(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _remove_stale(path, keep=tmp)


def _remove_stale(path, keep):
    """Remove temporary files of earlier writes of ``path`` whose writer process is gone."""
    folder, prefix, ext = _tmp_prefix(path)
    pattern = os.path.join(glob.escape(folder), glob.escape(prefix) + "*" + glob.escape(ext))
    for stale in glob.glob(pattern):
        pid = os.path.basename(stale)[len(prefix):].split("-", 1)[0]
        if stale == keep or not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            os.remove(stale)


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def write_text_atomic(path, text):
    """Replace ``path``'s contents with ``text`` atomically (UTF-8, no newline translation)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
