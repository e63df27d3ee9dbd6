"""Downloading and caching files: Keras's ``get_file`` (standard library ``urllib`` only).

Differences from Keras 2.3.1, all on the side of safety:

- the cache is Keras's, ``~/.keras`` (or ``$KERAS_HOME``), so a Keras user's downloads are
  reused; ``$LAMELLA_HOME``, when set, puts lamella's cache elsewhere;
- a download goes to a temporary file in the cache folder, is checked against ``file_hash``
  and only then renamed onto the cached name (through lamella's
  :func:`~lamella.utils.atomic_files.atomic_path`), so a failed, interrupted or corrupted
  download never becomes the cached file (Keras 2.3.1 writes straight to it), and what a
  killed download left is removed by the next one of that file;
- a download shorter than the server's ``Content-Length`` is an error;
- archive members that would land outside the extraction folder (``../x``, absolute paths,
  links pointing outside, names that climb out through a link an earlier member created,
  device files, zip symlinks) are refused before anything is extracted, and tar archives are
  extracted through the standard library's ``data`` filter where Python has it.
"""

import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile

from lamella.utils.atomic_files import atomic_path

__all__ = ["DownloadError", "get_file", "validate_file", "lamella_home"]

#: Seconds a socket may stay silent during a download before it fails.
DOWNLOAD_TIMEOUT = 60.0
_CHUNK = 1 << 16


class DownloadError(OSError):
    """A download failed (HTTP error, unreachable host, connection closed mid-body)."""


def lamella_home():
    """The cache root: ``$LAMELLA_HOME`` if set, else Keras's: ``$KERAS_HOME`` if set, else
    ``~/.keras`` (so files a Keras user already downloaded are found, not fetched again).

    Example: with ``LAMELLA_HOME=/data/cache`` set, ``get_file("x.npz", url)`` stores
    ``/data/cache/datasets/x.npz``; with nothing set, ``~/.keras/datasets/x.npz``.
    """
    return (os.environ.get("LAMELLA_HOME") or os.environ.get("KERAS_HOME")
            or os.path.join(os.path.expanduser("~"), ".keras"))


def _resolve_algorithm(file_hash, algorithm):
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5', got {algorithm!r}.")
    return algorithm


def _hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file (``'sha256'``, ``'md5'`` or ``'auto'``, which means sha256)."""
    if algorithm == "auto":
        algorithm = "sha256"
    hasher = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(fpath, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether ``fpath`` has the sha256 or md5 digest ``file_hash``.

    ``algorithm='auto'`` picks sha256 for a 64-character hash and md5 otherwise, as Keras does.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "f.txt")
    >>> _ = open(path, "w").write("abc")
    >>> validate_file(path, "900150983cd24fb0d6963f7d28e17f72")   # md5 of "abc"
    True
    """
    algorithm = _resolve_algorithm(file_hash, algorithm)
    return _hash_file(fpath, algorithm, chunk_size) == str(file_hash).lower()


def _writable_base(cache_dir):
    base = os.path.expanduser(cache_dir)
    try:
        os.makedirs(base, exist_ok=True)
        if os.access(base, os.W_OK):
            return base
    except OSError:
        pass
    return os.path.join(tempfile.gettempdir(), ".keras")  # Keras's fallback


def _progbar(total, verbose):
    if not verbose:
        return None
    try:
        from lamella.engine.progbar import Progbar
    except ImportError:  # pragma: no cover - lamella-core is a dependency
        return None
    return Progbar(total)


def _download(origin, path, verbose):
    """Download ``origin`` into ``path`` (a temporary file that the caller commits)."""
    with open(path, "wb") as out:
        try:
            request = urllib.request.Request(origin, headers={"User-Agent": "lamella"})
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _progbar(total, verbose)
                received = 0
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(received)
                if total is not None and received != total:
                    raise DownloadError(
                        f"URL fetch failure on {origin}: the connection closed after "
                        f"{received} of {total} bytes (incomplete download)."
                    )
                if bar is not None and total is None:
                    bar.update(received, finalize=True)
        except urllib.error.HTTPError as e:
            raise DownloadError(f"URL fetch failure on {origin} : {e.code} -- {e.msg}") from e
        except urllib.error.URLError as e:
            raise DownloadError(
                f"URL fetch failure on {origin} : {getattr(e, 'errno', None)} -- {e.reason}"
            ) from e
        except (OSError, ValueError) as e:
            if isinstance(e, DownloadError):
                raise
            raise DownloadError(f"URL fetch failure on {origin} : {e}") from e


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None,
             verbose=1):
    """Downloads a file from a URL if it is not already in the cache (Keras's ``get_file``).

    The file is stored as ``cache_dir/cache_subdir/fname`` (``cache_dir`` defaults to
    ``$LAMELLA_HOME`` if set, else ``$KERAS_HOME`` or ``~/.keras``, Keras's cache). When
    ``file_hash`` is given, a cached file with a
    different digest is downloaded again, and a fresh download whose digest differs raises
    ``ValueError`` and is deleted.

    # Arguments
        fname: name of the file (an absolute path saves it there).
        origin: the URL (``http://``, ``https://``, ``file://``).
        untar: deprecated in favour of ``extract``; the file is saved as ``fname + '.tar.gz'``,
            extracted into the cache folder, and the path ``cache_subdir/fname`` is returned.
        md5_hash: deprecated in favour of ``file_hash``.
        file_hash: expected sha256 or md5 hex digest.
        cache_subdir: folder under ``cache_dir`` (an absolute path is used as is).
        hash_algorithm: ``'md5'``, ``'sha256'`` or ``'auto'`` (by the length of the hash).
        extract: extract the file as an archive (tar, tar.gz, tar.bz2, zip).
        archive_format: ``'auto'`` (tar then zip), ``'tar'``, ``'zip'`` or ``None``.
        cache_dir: the cache root.
        verbose: 1 prints "Downloading data from ..." and a progress bar, 0 is silent
            (a lamella addition; Keras always prints).

    # Returns
        The path to the downloaded (or extracted, with ``untar``) file.

    # Raises
        DownloadError: the download failed (an ``OSError``).
        ValueError: the downloaded file does not match ``file_hash``, or an archive member
            would be extracted outside the cache folder.

    # Example

    >>> import os, tempfile, pathlib
    >>> src = pathlib.Path(tempfile.mkdtemp(), "hello.txt"); _ = src.write_text("hello")
    >>> path = get_file("hello.txt", src.as_uri(), cache_dir=tempfile.mkdtemp(), verbose=0)
    >>> open(path).read()
    'hello'
    """
    if cache_dir is None:
        cache_dir = lamella_home()
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if file_hash is not None:
        hash_algorithm = _resolve_algorithm(file_hash, hash_algorithm)

    datadir = os.path.join(_writable_base(cache_dir), cache_subdir)
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)
    os.makedirs(os.path.dirname(os.path.abspath(fpath)), exist_ok=True)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash,
                                                                     hash_algorithm):
        if verbose:
            print(f"A local file was found, but it seems to be incomplete or outdated because "
                  f"the {hash_algorithm} file hash does not match the original value of "
                  f"{file_hash} so we will re-download the data.")
        download = True

    if download:
        if verbose:
            print("Downloading data from", origin)
        # Checked before the commit: a wrong file raises inside the block, so it is removed
        # and never becomes the cached file.
        with atomic_path(fpath) as tmp_path:
            _download(origin, tmp_path, verbose)
            if file_hash is not None and not validate_file(tmp_path, file_hash, hash_algorithm):
                raise ValueError(
                    f"Incomplete or corrupted file downloaded from {origin}: its "
                    f"{hash_algorithm} hash is {_hash_file(tmp_path, hash_algorithm)}, expected "
                    f"{file_hash}. The file was not cached."
                )

    if untar:
        if download or not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


class _ExtractionPlan:
    """The extraction folder as an archive will leave it, followed member by member.

    Checking each member's name against the folder as it is *before* extraction misses links
    the archive itself creates: with a member ``d -> .``, the later name ``d/d/../../x`` looks
    like ``x`` but the system resolves it through the new link to two folders above. So every
    name (and every link target) is resolved here component by component, through the links
    earlier members create and the links already on disk, exactly as the system will resolve
    it at extraction time; leaving the folder at any step is refused.
    """

    #: How many links one name may pass through (the system's own limit is 40).
    MAX_HOPS = 40

    def __init__(self, root, archive_path):
        self.root = os.path.realpath(root)
        self.archive_path = archive_path
        self.links = {}    # path (tuple of parts) -> link target, for the archive's symlinks
        self.plain = set()  # paths the archive makes plain files or folders
        self.created = []  # the resolved paths of every member, in order
        self.link_names = {}  # symlink path -> the member that made it

    def refuse(self, name, why):
        raise ValueError(f"Refusing to extract {self.archive_path}: member {name!r} {why} "
                         f"(extraction folder {self.root}). Nothing was extracted.")

    def _link_at(self, parts):
        if parts in self.links:
            return self.links[parts]
        if parts in self.plain:
            return None
        full = os.path.join(self.root, *parts)
        return os.readlink(full) if os.path.islink(full) else None

    def resolve(self, name, path, follow_last=True):
        """``path`` (``/``-separated, relative to the folder) as a tuple of parts with every
        link resolved, or ``None`` if it leaves the folder."""
        done, todo, hops = [], path.split("/"), 0
        while todo:
            part = todo.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not done:
                    return None
                done.pop()
                continue
            link = self._link_at(tuple(done + [part])) if (todo or follow_last) else None
            if link is None:
                done.append(part)
                continue
            hops += 1
            if hops > self.MAX_HOPS:
                self.refuse(name, "passes through too many links")
            if os.path.isabs(link) or link.startswith(("/", "\\")):
                return None
            todo = link.split("/") + todo  # relative to the folder holding the link
        return tuple(done)

    def _place(self, name, follow_last, folder=False):
        if os.path.isabs(name) or name.startswith(("/", "\\")):
            self.refuse(name, "has an absolute path (outside the extraction folder)")
        parts = self.resolve(name, name, follow_last)
        if parts is None:
            self.refuse(name, "would be written outside the extraction folder")
        if not parts:
            if folder:  # ``./``, as ``tar -C dir .`` writes it: the folder itself, a no-op
                return parts
            self.refuse(name, "names the extraction folder itself")
        self.created.append(parts)
        return parts

    def add_tar_member(self, member):
        name = member.name
        if member.issym():
            parts = self._place(name, follow_last=False)
            link = member.linkname
            if os.path.isabs(link) or link.startswith(("/", "\\")) or self.resolve(
                    name, "/".join(parts[:-1] + (link,))) is None:
                self.refuse(name, f"is a link to {link!r}, outside the extraction folder")
            self.links[parts] = link
            self.link_names[parts] = name
            self.plain.discard(parts)
        elif member.islnk():
            parts = self._place(name, follow_last=False)
            link = member.linkname  # a hard link's target is relative to the archive's root
            if os.path.isabs(link) or link.startswith(("/", "\\")) or self.resolve(
                    name, link) is None:
                self.refuse(name, f"is a hard link to {link!r}, outside the extraction folder")
            self.links.pop(parts, None)
            self.plain.add(parts)
        elif member.isfile() or member.isdir():
            self.plain.add(self._place(name, follow_last=True, folder=member.isdir()))
        else:
            self.refuse(name, "is a device, FIFO or other special file")

    def finish(self):
        """Check every symlink again against the folder as the archive leaves it: a link
        inside when it was made can point out once a later member makes a link it passes
        through (``s/p -> q/../..``, then ``s/q -> .``)."""
        for parts, link in self.links.items():
            if self.resolve(self.link_names[parts], "/".join(parts[:-1] + (link,))) is None:
                self.refuse(self.link_names[parts], f"is a link to {link!r}, which points "
                                                    f"outside the extraction folder once the "
                                                    f"archive's later links exist")

    def add_zip_member(self, info):
        name = info.filename
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
            self.refuse(name, f"is {kind} (Unix attributes {oct(mode)})")
        # zipfile drops '..' parts silently (``a/../b`` lands in ``a/b``): refuse them instead,
        # since the archive's layout is not what would be written.
        if ".." in name.replace("\\", "/").split("/"):
            self.refuse(name, "would be written outside the extraction folder")
        self.plain.add(self._place(name, follow_last=True, folder=info.is_dir()))


def _safe_tar_members(archive, plan):
    """The members, checked; where the standard library has no ``data`` filter, stripped of
    what it would strip (set-uid bits, group/other write, ownership)."""
    members = archive.getmembers()
    for member in members:
        plan.add_tar_member(member)
    plan.finish()
    if not _HAS_DATA_FILTER:  # pragma: no cover - Python < 3.11.4
        for member in members:
            member.mode &= 0o755
            member.uid, member.gid, member.uname, member.gname = os.getuid(), os.getgid(), "", ""
    return members


#: Python >= 3.8.17 / 3.9.17 / 3.10.12 / 3.11.4 have the extraction filters (PEP 706).
_HAS_DATA_FILTER = hasattr(tarfile, "data_filter")


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (any compression) or zip archive into ``path``; True if one matched.

    Every member is checked before anything is written (:class:`_ExtractionPlan`): a member
    that is absolute, leaves ``path`` by ``..`` or through a link (one the archive creates
    included), links outside, or is a device file raises ``ValueError`` naming the archive and
    the member. Tar archives are then extracted through the standard library's ``data`` filter,
    which checks again against the disk as it is written. On an error mid-extraction, the
    members written so far are removed (never ``path`` itself, which is the shared cache).
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    os.makedirs(path, exist_ok=True)
    for archive_type in archive_format:
        if archive_type == "tar":
            if not tarfile.is_tarfile(file_path):
                continue
            with tarfile.open(file_path) as archive:
                plan = _ExtractionPlan(path, file_path)
                members = _safe_tar_members(archive, plan)
                _extract_all(archive, plan, members, tar=True)
            return True
        if archive_type == "zip":
            if not zipfile.is_zipfile(file_path):
                continue
            with zipfile.ZipFile(file_path) as archive:
                plan = _ExtractionPlan(path, file_path)
                for info in archive.infolist():
                    plan.add_zip_member(info)
                _extract_all(archive, plan, archive.infolist(), tar=False)
            return True
    return False


def _extract_all(archive, plan, members, tar):
    root = plan.root
    existed = {p for p in plan.created if os.path.lexists(os.path.join(root, *p))}
    try:
        if tar and _HAS_DATA_FILTER:
            try:
                archive.extractall(root, members=members, filter="data")
            except tarfile.FilterError as exc:
                raise ValueError(f"Refusing to extract {plan.archive_path}: member "
                                 f"{exc.tarinfo.name!r}: {exc}.") from exc
        else:
            archive.extractall(root, members=members)
    except BaseException:
        # The planned paths, never the raw names: those were resolved inside the folder.
        for parts in sorted(set(plan.created) - existed, key=len, reverse=True):
            full = os.path.join(root, *parts)
            parent = os.path.realpath(os.path.dirname(full))
            if parent != root and not parent.startswith(root + os.sep):
                continue
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full, ignore_errors=True)
            elif os.path.lexists(full):
                os.remove(full)
        raise
