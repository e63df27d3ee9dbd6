"""lamella.utils.atomic_files: the one crash-safe write helper, and lamella.saving's use of it."""

import os
import pathlib
import stat
import subprocess
import sys
import threading
import time

import pytest

from lamella import saving
from lamella.plugins import Component
from lamella.utils import atomic_files
from lamella.utils.atomic_files import atomic_open, atomic_path

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions, pids, symlinks")


def names(folder):
    return sorted(p.name for p in pathlib.Path(folder).iterdir())


def temp_name(destination, pid, tag=None, token="0123abcd"):
    """The name :mod:`atomic_files` gives a temporary of ``destination`` made by ``pid``."""
    prefix, ext = atomic_files._temp_prefix_and_ext(pathlib.Path(destination).name)
    return f"{prefix}{tag or atomic_files._TAG}-{pid}-{token}{ext}"


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid names no process now
    return proc.pid


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the test's own umask, set before any write starts
    try:
        yield 0o022
    finally:
        os.umask(old)


# --- writing and failing -------------------------------------------------------------------

def test_writes_through_a_temporary_beside_the_destination_with_its_extension(tmp_path):
    seen = []
    with atomic_path(tmp_path / "model.tar.gz") as tmp:
        seen.append(tmp)
        assert names(tmp_path) == [os.path.basename(tmp)]  # created empty, hidden
        pathlib.Path(tmp).write_bytes(b"new")
    temp = pathlib.Path(seen[0])
    assert temp.parent == tmp_path
    assert temp.name.startswith(".model.tar.gz.tmp-") and temp.name.endswith(".tar.gz")
    assert f"-{os.getpid()}-" in temp.name
    assert names(tmp_path) == ["model.tar.gz"]
    assert (tmp_path / "model.tar.gz").read_bytes() == b"new"


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(3)])
def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, error):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(type(error)):
        with atomic_path(target) as tmp:
            pathlib.Path(tmp).write_bytes(b"ne")
            raise error
    with pytest.raises(type(error)):
        with atomic_open(target, "wb") as handle:
            handle.write(b"ne")
            raise error
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == ["file.bin"]


def test_atomic_open_writes_text_and_bytes(tmp_path):
    with atomic_open(tmp_path / "log.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write("epoch,loss\r\n0,é\r\n")
    assert (tmp_path / "log.csv").read_bytes() == "epoch,loss\r\n0,é\r\n".encode()
    with atomic_open(tmp_path / "blob.bin", "wb") as handle:
        for chunk in (b"a" * 70000, b"b"):  # chunk by chunk, as a download
            handle.write(chunk)
    assert (tmp_path / "blob.bin").read_bytes() == b"a" * 70000 + b"b"
    assert names(tmp_path) == ["blob.bin", "log.csv"]
    with pytest.raises(ValueError, match="mode"):
        with atomic_open(tmp_path / "x", "a"):
            pass


def test_the_writer_may_replace_the_temporary_itself(tmp_path):
    with atomic_path(tmp_path / "f.txt") as tmp:
        os.remove(tmp)  # a writer that writes elsewhere and renames, as some libraries do
        pathlib.Path(tmp + ".other").write_text("x")
        os.replace(tmp + ".other", tmp)
    assert (tmp_path / "f.txt").read_text() == "x" and names(tmp_path) == ["f.txt"]


def test_a_missing_folder_fails_as_open_would_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        with atomic_path(tmp_path / "missing" / "f.h5"):
            pass
    assert caught.value.filename == str(tmp_path / "missing" / "f.h5")  # not the temporary
    assert names(tmp_path) == []


def test_a_very_long_name_still_gets_a_temporary(tmp_path):
    target = tmp_path / ("w" * 240 + ".weights.h5")
    with atomic_path(target) as tmp:
        assert tmp.endswith(".h5") and len(os.path.basename(tmp)) <= 255
        pathlib.Path(tmp).write_text("x")
    assert names(tmp_path) == [target.name]


def test_nested_writes_share_one_temporary(tmp_path):
    with atomic_path(tmp_path / "m.h5") as outer:
        with atomic_path(outer) as inner:  # what a saver's own atomic write does
            assert inner == outer
            pathlib.Path(inner).write_text("x")
        assert os.path.exists(outer)  # not committed by the inner block
    assert names(tmp_path) == ["m.h5"] and (tmp_path / "m.h5").read_text() == "x"


# --- symbolic links -----------------------------------------------------------------------

@posix_only
def test_writing_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path):
    real_dir = tmp_path / "store"
    real_dir.mkdir()
    (real_dir / "model.h5").write_text("old")
    (tmp_path / "latest.h5").symlink_to(os.path.join("store", "model.h5"))  # relative link
    (tmp_path / "chain.h5").symlink_to("latest.h5")
    with atomic_path(tmp_path / "chain.h5") as tmp:
        assert os.path.dirname(tmp) == str(real_dir.resolve())  # beside the target
        pathlib.Path(tmp).write_text("new")
    assert (tmp_path / "chain.h5").is_symlink() and (tmp_path / "latest.h5").is_symlink()
    assert (real_dir / "model.h5").read_text() == "new"
    assert names(real_dir) == ["model.h5"]
    with atomic_open(tmp_path / "latest.h5", "w") as handle:
        handle.write("newer")
    assert (tmp_path / "latest.h5").is_symlink() and (real_dir / "model.h5").read_text() == "newer"


@posix_only
def test_a_dangling_symlink_gets_its_target_created(tmp_path):
    (tmp_path / "link.txt").symlink_to("target.txt")
    with atomic_open(tmp_path / "link.txt") as handle:
        handle.write("x")
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "target.txt").read_text() == "x"


# --- permissions --------------------------------------------------------------------------

@posix_only
def test_a_new_file_gets_the_umask_permissions_of_a_plain_open(tmp_path, umask_022,
                                                                monkeypatch):
    with open(tmp_path / "plain.txt", "w"):
        pass
    # the helper never reads or sets the umask (process-wide: a race with other threads)
    monkeypatch.setattr(os, "umask", lambda *a: pytest.fail("os.umask called"))
    with atomic_path(tmp_path / "a.h5") as tmp:
        pathlib.Path(tmp).write_text("x")
    with atomic_open(tmp_path / "b.txt") as handle:
        handle.write("x")
    plain = stat.S_IMODE(os.stat(tmp_path / "plain.txt").st_mode)
    assert plain == 0o644
    for name in ("a.h5", "b.txt"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == plain


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444])
def test_replacing_a_file_keeps_its_permissions(tmp_path, umask_022, mode):
    target = tmp_path / "secret.h5"
    target.write_text("old")
    os.chmod(target, mode)
    with atomic_path(target) as tmp:
        during = stat.S_IMODE(os.stat(tmp).st_mode)
        assert during & ~(mode | 0o600) == 0  # never more open than the final file
        pathlib.Path(tmp).write_text("new")
    assert stat.S_IMODE(os.stat(target).st_mode) == mode
    assert target.read_text() == "new"


# --- stale temporaries of killed writers --------------------------------------------------

@posix_only
def test_the_next_success_removes_only_this_destinations_abandoned_temporaries(tmp_path):
    target = tmp_path / "m.h5"
    target.write_text("old")
    dead = dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while not _is_zombie(zombie.pid):  # exited, not reaped: its pid still answers
            assert time.monotonic() < deadline
            time.sleep(0.02)
        litter = {
            "dead": temp_name(target, dead),
            "zombie": temp_name(target, zombie.pid, token="11111111"),
            "old-elsewhere": temp_name(target, dead, tag="abcdef", token="22222222"),
        }
        kept = {
            "alive": temp_name(target, sleeper.pid),
            "ours": temp_name(target, os.getpid(), token="33333333"),  # another thread's
            "fresh-elsewhere": temp_name(target, dead, tag="abcdef", token="44444444"),
            "other-destination": temp_name(tmp_path / "m2.h5", dead),
            "other-extension": temp_name(tmp_path / "m.hdf5", dead),
            "not-a-temporary": f".m.h5.tmp-{atomic_files._TAG}-{dead}-notrandom.h5",
            "users-file": "m.h5.tmp",
        }
        for name in [*litter.values(), *kept.values()]:
            (tmp_path / name).write_text("half")
        two_days_ago = time.time() - 2 * 24 * 3600
        os.utime(tmp_path / litter["old-elsewhere"], (two_days_ago, two_days_ago))

        with pytest.raises(RuntimeError):  # a failed write cleans up nothing but its own
            with atomic_path(target):
                raise RuntimeError
        assert names(tmp_path) == sorted(["m.h5", *litter.values(), *kept.values()])

        with atomic_path(target) as tmp:
            pathlib.Path(tmp).write_text("new")
        assert names(tmp_path) == sorted(["m.h5", *kept.values()])
        assert target.read_text() == "new"
    finally:
        sleeper.kill()
        sleeper.wait()
        zombie.wait()


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
    except OSError:
        pytest.skip("needs /proc")


# --- threads ------------------------------------------------------------------------------

def test_threads_writing_different_files_and_the_same_file_concurrently(tmp_path):
    errors = []

    def writer(index):
        try:
            for round_ in range(15):
                with atomic_path(tmp_path / f"own{index}.bin") as tmp:
                    pathlib.Path(tmp).write_bytes(bytes([index, round_]) * 1000)
                with atomic_open(tmp_path / "shared.txt", "w") as handle:
                    handle.write(f"{index}:{round_}\n" * 100)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert names(tmp_path) == sorted([f"own{i}.bin" for i in range(8)] + ["shared.txt"])
    for i in range(8):
        assert (tmp_path / f"own{i}.bin").read_bytes() == bytes([i, 14]) * 1000
    lines = (tmp_path / "shared.txt").read_text().splitlines()
    assert len(lines) == 100 and len(set(lines)) == 1  # one whole write, never a mix


# --- lamella.saving hands every saver a temporary -----------------------------------------

class RecordingSaver:
    """Writes straight to the path it is given (no safety of its own), and remembers it."""

    extensions = (".zqtxt",)

    def __init__(self):
        self.paths = []
        self.fail = False

    def save_weights(self, model, filepath, overwrite=True):
        self.paths.append(filepath)
        with open(filepath, "w") as handle:
            handle.write("weights")
            if self.fail:
                raise OSError("disk full")

    def save_model(self, model, filepath, overwrite=True, include_optimizer=True):
        self.save_weights(model, filepath, overwrite)


def test_saving_writes_every_savers_file_atomically(plugin_sandbox, tmp_path):
    saver = RecordingSaver()
    plugin_sandbox.register({"savers": [Component("zqtxt", saver)]})
    target = tmp_path / "w.zqtxt"
    saving.save_weights(object(), str(target))
    saving.save_model(object(), target)
    assert target.read_text() == "weights" and names(tmp_path) == ["w.zqtxt"]
    assert all(os.path.basename(p).startswith(".w.zqtxt.tmp-") and p.endswith(".zqtxt")
               for p in saver.paths)
    target.write_text("previous")
    saver.fail = True
    with pytest.raises(OSError, match="disk full"):
        saving.save_model(object(), str(target))
    assert target.read_text() == "previous" and names(tmp_path) == ["w.zqtxt"]
    with pytest.raises(FileExistsError, match="overwrite=False"):
        saving.save_weights(object(), str(target), overwrite=False)
    assert len(saver.paths) == 3  # the refused call never reached the saver
