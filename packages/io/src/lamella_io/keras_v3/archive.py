"""Keras 3's ``.keras`` zip archive, read defensively and written in Keras 3's layout.

A ``.keras`` file (``keras/src/saving/saving_lib.py``, Keras 3) is a zip holding
``metadata.json`` (``keras_version``, ``date_saved``), ``config.json`` (the model's
``serialize_keras_object`` config, compile config included) and ``model.weights.h5`` (or
``model.weights.npz``) with the variables; ``assets/`` holds files of layers such as
``TextVectorization``, which lamella does not have.

A ``.keras`` file may come from anywhere, so :class:`Archive` checks the whole member list
before reading anything: no absolute names, drive letters, backslashes or ``..`` components
(zip-slip; lamella never extracts to disk, but such a name says the file was crafted), no
duplicate names, at most :data:`MAX_MEMBERS` members, and every member's declared size under
its bound (:data:`MAX_JSON_BYTES` for the JSON members, :data:`MAX_MEMBER_BYTES` otherwise) and,
when compressed, at most :data:`MAX_RATIO` times what the archive stores for it (a zip bomb).
Reads are bounded as well, whatever the header claims. Members are read in memory (a stored,
uncompressed member straight from the zip through a seekable file object), never extracted.

Example::

    with Archive("model.keras") as archive:
        config = archive.json("config.json")
        with archive.member_file("model.weights.h5") as fileobj:
            ...
"""

import contextlib
import io
import json
import os
import posixpath
import zipfile

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS_H5 = "model.weights.h5"
WEIGHTS_NPZ = "model.weights.npz"

#: Bounds on what a ``.keras`` file may declare; module attributes so a caller with unusually
#: large (trusted) models can raise them.
MAX_MEMBERS = 10_000
MAX_JSON_BYTES = 64 * 2**20
MAX_MEMBER_BYTES = 32 * 2**30
#: A compressed member may expand at most this much (Keras writes members uncompressed).
MAX_RATIO = 200
#: Below this size the ratio is not checked (tiny JSON compresses well and is harmless).
RATIO_FLOOR_BYTES = 2**20


class KerasArchiveError(ValueError):
    """A ``.keras`` file that lamella refuses or cannot read; the message names the file and
    the member.

    Example::

        try:
            lamella.models.load_model("hostile.keras")
        except KerasArchiveError as exc:
            print(exc)   # 'hostile.keras': member '../evil' ... outside the archive
    """


def describe(target):
    """A printable name for a path or a file object."""
    if isinstance(target, (str, bytes, os.PathLike)):
        return os.fsdecode(target)
    return getattr(target, "name", None) or repr(target)


def _bad_name(name):
    """Why a member name is unsafe, or ``None``."""
    if not name or "\x00" in name:
        return "it is empty or holds a NUL character"
    if "\\" in name:
        return "it holds a backslash (a Windows path separator)"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "it is an absolute path"
    if any(part == ".." for part in name.split("/")):
        return "it has a '..' component, which points outside the archive"
    if posixpath.normpath(name).startswith(".."):
        return "it points outside the archive"
    return None


def check_members(zf, where, limits=None):
    """Refuse an archive whose member list is unsafe (see the module docstring).

    ``limits`` maps a member name to its own size bound (the JSON members); every other member
    gets :data:`MAX_MEMBER_BYTES`.
    """
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise KerasArchiveError(f"{where!r}: the archive has {len(infos)} members; at most "
                                f"{MAX_MEMBERS} are accepted (lamella_io.keras_v3.archive."
                                f"MAX_MEMBERS).")
    seen = set()
    for info in infos:
        name = info.filename
        reason = _bad_name(name)
        if reason is not None:
            raise KerasArchiveError(f"{where!r}: refusing the archive: member {name!r} is "
                                    f"unsafe ({reason}).")
        if name in seen:
            raise KerasArchiveError(f"{where!r}: refusing the archive: member {name!r} appears "
                                    f"twice, so which one is meant is ambiguous.")
        seen.add(name)
        bound = (limits or {}).get(name, MAX_MEMBER_BYTES)
        if info.file_size > bound:
            raise KerasArchiveError(
                f"{where!r}: member {name!r} declares {info.file_size} bytes, over the "
                f"{bound}-byte limit for it; refusing a possible zip bomb.")
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > RATIO_FLOOR_BYTES \
                and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise KerasArchiveError(
                f"{where!r}: member {name!r} declares {info.file_size} bytes stored in "
                f"{info.compress_size} (over {MAX_RATIO}x compression); refusing a possible "
                f"zip bomb.")
    return infos


class Archive:
    """A ``.keras`` file opened for reading, its member list checked (see the module docstring).

    Example::

        with Archive("m.keras") as archive:
            archive.names()          # ['metadata.json', 'config.json', 'model.weights.h5']
    """

    def __init__(self, filepath):
        self.where = describe(filepath)
        if isinstance(filepath, (str, bytes, os.PathLike)):
            path = os.fsdecode(filepath)
            if not os.path.exists(path):
                raise FileNotFoundError(f"No such file: {path!r}")
        try:
            self._zip = zipfile.ZipFile(filepath, "r")
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise KerasArchiveError(f"{self.where!r} is not a readable .keras file (a zip "
                                    f"archive; it may be truncated or in another format): "
                                    f"{exc}") from exc
        try:
            check_members(self._zip, self.where,
                          {CONFIG: MAX_JSON_BYTES, METADATA: MAX_JSON_BYTES})
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self._zip.close()

    def names(self):
        return self._zip.namelist()

    def read(self, name):
        """A member's bytes, at most its declared size (already checked against the bounds)."""
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            raise KerasArchiveError(f"{self.where!r}: the archive has no member {name!r} (it "
                                    f"has {self.names()}); is it a Keras 3 .keras file?") from None
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise KerasArchiveError(f"{self.where!r}: cannot read member {name!r} (damaged "
                                    f"archive): {exc}") from exc
        if len(data) > info.file_size:  # zipfile stops at the declared size; kept as a guard
            raise KerasArchiveError(f"{self.where!r}: member {name!r} is longer than it "
                                    f"declares; refusing it.")
        return data

    def json(self, name):
        """A JSON member as Python data; malformed JSON names the file, the member and the
        position."""
        data = self.read(name)
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise KerasArchiveError(f"{self.where!r}: member {name!r} is not valid JSON: "
                                    f"{exc}") from exc

    @contextlib.contextmanager
    def member_file(self, name):
        """A seekable binary file object for a member (h5py and NumPy read through it).

        A stored member is read straight from the zip (seeking is cheap, and its size is
        bounded by the file's own); a compressed one is decompressed, within its bound, in
        memory.
        """
        info = self._zip.getinfo(name) if name in self.names() else None
        if info is not None and info.compress_type == zipfile.ZIP_STORED:
            with self._zip.open(info) as member:
                yield member
        else:
            yield io.BytesIO(self.read(name))


def write_archive(filepath, members):
    """Write ``members`` (name -> bytes, in order) as an uncompressed zip, as Keras 3 does.

    ``filepath`` is a path (``lamella.saving`` hands savers a temporary beside the destination
    and renames it into place, so a failed save leaves the previous file) or a writable binary
    file object.
    """
    with zipfile.ZipFile(filepath, "w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as zf:
        for name, data in members.items():
            with zf.open(name, "w", force_zip64=len(data) > 2**31) as member:
                member.write(data)
