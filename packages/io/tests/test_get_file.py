"""get_file against a local HTTP server: caching, hashes, atomic downloads, extraction."""

import hashlib
import io
import os
import stat
import subprocess
import sys
import tarfile
import zipfile

import pytest

from lamella.testing import LocalServer
from lamella.utils import atomic_files
from lamella_io.utils import DownloadError, get_file, validate_file
from lamella_io.utils.data_utils import _extract_archive, _hash_file

DATA = b"lamella " * 1000
SHA = hashlib.sha256(DATA).hexdigest()
MD5 = hashlib.md5(DATA).hexdigest()


@pytest.fixture
def server():
    with LocalServer({"/data.bin": DATA}) as srv:
        yield srv


def leftovers(folder):
    """Files in ``folder`` other than cached ones (a download's temporary starts with a dot)."""
    return sorted(n for n in os.listdir(folder) if n.startswith("."))


def test_downloads_and_caches(server, tmp_path):
    path = get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), verbose=0)
    assert path == os.path.join(str(tmp_path), "datasets", "data.bin")
    assert open(path, "rb").read() == DATA
    again = get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), file_hash=SHA,
                     verbose=0)
    assert again == path
    assert server.requests == ["/data.bin"]  # the second call used the cache


@pytest.mark.parametrize("kwargs", [{"file_hash": SHA}, {"file_hash": MD5}, {"md5_hash": MD5},
                                    {"file_hash": SHA, "hash_algorithm": "sha256"},
                                    {"file_hash": MD5.upper(), "hash_algorithm": "md5"}])
def test_hash_variants_accept_the_right_file(server, tmp_path, kwargs):
    path = get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), verbose=0,
                    **kwargs)
    assert open(path, "rb").read() == DATA


@pytest.mark.parametrize("bad", ["0" * 64, "0" * 32])
def test_hash_mismatch_raises_and_caches_nothing(server, tmp_path, bad):
    with pytest.raises(ValueError, match="hash"):
        get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), file_hash=bad,
                 verbose=0)
    folder = tmp_path / "datasets"
    assert not (folder / "data.bin").exists()
    assert leftovers(folder) == []


def test_interrupted_download_raises_and_caches_nothing(server, tmp_path):
    server.truncate.add("/data.bin")
    with pytest.raises(DownloadError, match="incomplete|fetch failure"):
        get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), verbose=0)
    folder = tmp_path / "datasets"
    assert not (folder / "data.bin").exists()
    assert leftovers(folder) == []


def test_interrupted_download_keeps_previous_cached_file(server, tmp_path):
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / "data.bin").write_bytes(b"old contents")
    server.truncate.add("/data.bin")
    with pytest.raises(DownloadError):
        get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), file_hash=SHA,
                 verbose=0)
    assert (folder / "data.bin").read_bytes() == b"old contents"
    assert leftovers(folder) == []


def test_a_killed_downloads_temporary_is_removed_by_the_next_download(server, tmp_path):
    folder = tmp_path / "datasets"
    folder.mkdir()
    dead = _dead_pid()
    litter = folder / f".data.bin.tmp-{atomic_files._TAG}-{dead}-0123abcd.bin"
    litter.write_bytes(b"half a downl")
    other = folder / f".other.bin.tmp-{atomic_files._TAG}-{dead}-0123abcd.bin"
    other.write_bytes(b"another file's")
    get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), verbose=0)
    assert leftovers(folder) == [other.name]  # only data.bin's own litter goes


def test_cached_file_gets_ordinary_permissions(server, tmp_path):
    path = get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), verbose=0)
    umask = _umask()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _umask():
    umask = os.umask(0)  # only in the test: nothing else runs in this process meanwhile
    os.umask(umask)
    return umask


def test_http_error_and_unreachable_host(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        get_file("missing.bin", server.url("/missing.bin"), cache_dir=str(tmp_path), verbose=0)
    assert not (tmp_path / "datasets" / "missing.bin").exists()
    with pytest.raises(DownloadError):
        get_file("x.bin", "http://127.0.0.1:9/x.bin", cache_dir=str(tmp_path), verbose=0)
    assert leftovers(tmp_path / "datasets") == []


def test_corrupted_cache_is_downloaded_again(server, tmp_path, capsys):
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / "data.bin").write_bytes(b"truncated")
    path = get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), file_hash=SHA)
    assert open(path, "rb").read() == DATA
    out = capsys.readouterr().out
    assert "re-download" in out and "Downloading data from" in out
    assert server.requests == ["/data.bin"]


def test_progress_bar_when_verbose(server, tmp_path, capsys):
    get_file("data.bin", server.url("/data.bin"), cache_dir=str(tmp_path), verbose=1)
    out = capsys.readouterr().out
    assert f"{len(DATA)}/{len(DATA)} [" in out


def test_lamella_home_env_and_cache_subdir(server, tmp_path, monkeypatch):
    monkeypatch.setenv("LAMELLA_HOME", str(tmp_path / "home"))
    path = get_file("data.bin", server.url("/data.bin"), cache_subdir="models", verbose=0)
    assert path == str(tmp_path / "home" / "models" / "data.bin")


def test_file_uri_origin(tmp_path):
    src = tmp_path / "src.txt"
    src.write_bytes(b"abc")
    path = get_file("copy.txt", src.as_uri(), cache_dir=str(tmp_path / "c"), verbose=0)
    assert open(path, "rb").read() == b"abc"


def test_validate_file_and_hash(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(DATA)
    assert validate_file(str(p), SHA) and validate_file(str(p), MD5)
    assert not validate_file(str(p), "1" * 64)
    assert _hash_file(str(p)) == SHA and _hash_file(str(p), "md5") == MD5
    with pytest.raises(ValueError):
        validate_file(str(p), SHA, algorithm="sha1")


def make_tar(members, mode="w:gz"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["tar.gz", "tar.bz2", "zip"])
def test_extract(server, tmp_path, kind):
    members = [("pkg/a.txt", b"A"), ("pkg/sub/b.txt", b"B")]
    body = make_zip(members) if kind == "zip" else make_tar(members, "w:" + kind.split(".")[1])
    server.files["/pkg." + kind] = body
    path = get_file("pkg." + kind, server.url("/pkg." + kind), cache_dir=str(tmp_path),
                    extract=True, verbose=0)
    folder = os.path.dirname(path)
    assert open(os.path.join(folder, "pkg", "sub", "b.txt"), "rb").read() == b"B"


def test_untar_returns_folder(server, tmp_path):
    server.files["/bundle.tar.gz"] = make_tar([("bundle/x.txt", b"X")])
    path = get_file("bundle", server.url("/bundle.tar.gz"), untar=True, cache_dir=str(tmp_path),
                    verbose=0)
    assert path == str(tmp_path / "datasets" / "bundle")
    assert (tmp_path / "datasets" / "bundle.tar.gz").exists()
    assert (tmp_path / "datasets" / "bundle" / "x.txt").read_bytes() == b"X"


@pytest.mark.parametrize("name", ["../evil.txt", "ok/../../evil.txt", "/tmp/evil-abs.txt"])
@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_path_traversal_is_refused(tmp_path, name, kind):
    archive = tmp_path / ("a." + kind)
    members = [("fine.txt", b"ok"), (name, b"evil")]
    archive.write_bytes(make_zip(members) if kind == "zip" else make_tar(members, "w"))
    target = tmp_path / "out"
    with pytest.raises(ValueError, match="outside"):
        _extract_archive(str(archive), str(target), kind)
    assert not (tmp_path / "evil.txt").exists()
    assert not (target / "fine.txt").exists()  # checked before anything is written


def test_tar_symlink_escaping_is_refused(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "../../etc/passwd"
        tar.addfile(info)
    archive = tmp_path / "l.tar"
    archive.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="outside"):
        _extract_archive(str(archive), str(tmp_path / "out"), "tar")


def test_extract_not_an_archive_returns_false(tmp_path):
    p = tmp_path / "plain.txt"
    p.write_bytes(b"plain")
    assert _extract_archive(str(p), str(tmp_path / "out")) is False
    assert _extract_archive(str(p), str(tmp_path / "out"), None) is False


def test_doctests():
    import doctest

    import lamella_io.utils.data_utils as mod

    assert doctest.testmod(mod).failed == 0


def test_reachable_through_lamella_utils():
    import lamella.utils
    from lamella_io.utils import HDF5Matrix

    assert lamella.utils.get_file is get_file
    assert lamella.utils.HDF5Matrix is HDF5Matrix
    assert lamella.utils.validate_file is validate_file
