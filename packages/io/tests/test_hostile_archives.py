"""Hostile archives served over HTTP and fetched with ``get_file(extract=True)``: every one is
refused naming the archive and the member, and nothing lands outside the cache folder."""

import io
import os
import stat
import tarfile
import zipfile

import pytest

from lamella.testing import LocalServer
from lamella_io.datasets import cifar10
from lamella_io.utils import get_file


def tar_bytes(members):
    """A tar from ``(name, kind, payload)``: kind ``file`` (payload = bytes), ``sym``/``hard``
    (payload = link target), ``chr`` (a character device), ``dir``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE, "dir": tarfile.DIRTYPE,
                         "chr": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
            if kind in ("sym", "hard"):
                info.linkname = payload
            if kind == "chr":
                info.devmajor, info.devminor = 1, 3  # /dev/null's numbers
            tar.addfile(info)
    return buf.getvalue()


def zip_bytes(members, symlink=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink[0])
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, symlink[1])
    return buf.getvalue()


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder)
                  for d, dirs, fs in os.walk(folder) for f in fs + dirs)


@pytest.fixture
def fetch(tmp_path):
    """``fetch(file_name, body)``: serve ``body`` and ``get_file(..., extract=True)`` it into
    ``tmp_path/outer/cache``; returns the error's message. Files outside the cache are checked
    to be exactly what was there before."""
    outer = tmp_path / "outer"
    cache = outer / "cache"
    cache.mkdir(parents=True)
    (outer / "victim.txt").write_text("precious")

    def run(file_name, body, **kwargs):
        before = files_under(tmp_path)
        with LocalServer({"/" + file_name: body}) as server, \
                pytest.raises(ValueError) as info:
            get_file(file_name, server.url("/" + file_name), cache_dir=str(cache),
                     extract=True, verbose=0, **kwargs)
        outside = [p for p in files_under(tmp_path) if not p.startswith("outer/cache")]
        assert outside == [p for p in before if not p.startswith("outer/cache")]
        assert (outer / "victim.txt").read_text() == "precious"
        message = str(info.value)
        assert file_name in message
        return message

    run.cache = cache
    return run


def test_symlink_chain_escaping_through_a_link_the_archive_creates(fetch, tmp_path):
    # ``d -> .`` is harmless alone; ``d/d/../../ESC`` looks inside before ``d`` exists, but the
    # system resolves it through the new link to two folders above the extraction folder.
    body = tar_bytes([("d", "sym", "."), ("d/d/../../ESC", "file", b"escaped")])
    message = fetch("chain.tar.gz", body)
    assert "d/d/../../ESC" in message and "outside" in message
    assert not (tmp_path / "outer" / "ESC").exists()
    assert not (tmp_path / "outer" / "cache" / "ESC").exists()


def test_link_made_to_point_outside_by_a_later_link(fetch):
    # Each link is inside when it is made; together ``s/p`` ends up two folders above ``s``,
    # and a dataset loader reading through it would read files outside the cache.
    body = tar_bytes([("s", "dir", None), ("s/p", "sym", "q/../.."), ("s/q", "sym", ".")])
    message = fetch("later.tar.gz", body)
    assert "'s/p'" in message and "later links" in message


def test_symlink_to_a_folder_outside_then_a_file_through_it(fetch, tmp_path):
    body = tar_bytes([("up", "sym", "../.."), ("up/victim.txt", "file", b"overwritten")])
    message = fetch("uplink.tar.gz", body)
    assert "'up'" in message


@pytest.mark.parametrize("name", ["../ESC", "pkg/../../ESC", "/tmp/lamella-abs-ESC"])
def test_names_outside_the_folder(fetch, name):
    body = tar_bytes([("pkg/ok.txt", "file", b"ok"), (name, "file", b"escaped")])
    message = fetch("names.tar.gz", body)
    assert repr(name) in message
    assert not os.path.exists("/tmp/lamella-abs-ESC")
    assert not (fetch.cache / "datasets" / "pkg" / "ok.txt").exists()  # nothing extracted


def test_hard_link_to_etc_passwd(fetch):
    for target in ("/etc/passwd", "../../../../../../../../etc/passwd"):
        message = fetch("hard.tar.gz", tar_bytes([("passwd", "hard", target)]))
        assert "'passwd'" in message and "hard link" in message
        assert not (fetch.cache / "datasets" / "passwd").exists()
        os.remove(fetch.cache / "datasets" / "hard.tar.gz")


@pytest.mark.parametrize("kind", ["chr", "fifo"])
def test_device_files(fetch, kind):
    message = fetch("dev.tar.gz", tar_bytes([("null", kind, None)]))
    assert "'null'" in message and "special file" in message
    assert not os.path.lexists(fetch.cache / "datasets" / "null")


@pytest.mark.parametrize("name", ["../ESC", "a/../../ESC", "/tmp/lamella-abs-ESC"])
def test_zip_names_outside_the_folder(fetch, name):
    message = fetch("bad.zip", zip_bytes([("ok.txt", b"ok"), (name, b"escaped")]))
    assert repr(name) in message
    assert not (fetch.cache / "datasets" / "ok.txt").exists()


def test_zip_symlink_member(fetch):
    message = fetch("link.zip", zip_bytes([("ok.txt", b"ok")], symlink=("evil", "/etc/passwd")))
    assert "'evil'" in message and "symbolic link" in message


def test_zip_written_through_a_link_already_in_the_cache(fetch, tmp_path):
    # A link left in the cache folder (by hand, or by an old lamella) must not carry a zip's
    # members out of it.
    datasets = fetch.cache / "datasets"
    datasets.mkdir()
    os.symlink(tmp_path / "outer", datasets / "out")
    message = fetch("through.zip", zip_bytes([("out/victim.txt", b"overwritten")]))
    assert "'out/victim.txt'" in message


def test_a_good_archive_with_internal_links_still_extracts(tmp_path):
    body = tar_bytes([("pkg", "dir", None), ("pkg/data.txt", "file", b"data"),
                      ("pkg/alias.txt", "sym", "data.txt"),
                      ("pkg/hard.txt", "hard", "pkg/data.txt"),
                      ("pkg/self", "sym", "."), ("pkg/self/inner.txt", "file", b"inner")])
    with LocalServer({"/good.tar.gz": body}) as server:
        for _ in range(2):  # extract=True extracts again on every call
            get_file("good.tar.gz", server.url("/good.tar.gz"), cache_dir=str(tmp_path),
                     extract=True, verbose=0)
    pkg = tmp_path / "datasets" / "pkg"
    assert (pkg / "alias.txt").read_bytes() == b"data"
    assert (pkg / "hard.txt").read_bytes() == b"data"
    assert (pkg / "inner.txt").read_bytes() == b"inner"


def test_cifar_from_a_hostile_mirror(tmp_path, monkeypatch):
    body = tar_bytes([("cifar-10-batches-py", "sym", "."),
                      ("cifar-10-batches-py/cifar-10-batches-py/../../ESC", "file", b"x")])
    with LocalServer({"/cifar-10-python.tar.gz": body}) as server:
        monkeypatch.setenv("LAMELLA_DATASETS_BASE_URL", server.url(""))
        with pytest.raises(ValueError, match=r"cifar-10-batches-py\.tar\.gz: member "
                           r"'cifar-10-batches-py/cifar-10-batches-py/\.\./\.\./ESC'"):
            cifar10.load_data(cache_dir=str(tmp_path / "cache"))
    assert not (tmp_path / "ESC").exists() and not (tmp_path / "cache" / "ESC").exists()


def test_an_archive_of_dot_extracts(tmp_path):
    # ``tar -C folder -czf x.tar.gz .`` names the folder itself ``./`` and its files ``./a``.
    body = tar_bytes([(".", "dir", None), ("./a.txt", "file", b"A"), ("./sub", "dir", None),
                      ("./sub/b.txt", "file", b"B")])
    with LocalServer({"/dot.tar.gz": body}) as server:
        get_file("dot.tar.gz", server.url("/dot.tar.gz"), cache_dir=str(tmp_path), extract=True,
                 verbose=0)
    assert (tmp_path / "datasets" / "sub" / "b.txt").read_bytes() == b"B"
