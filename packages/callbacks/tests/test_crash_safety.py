"""A process killed (SIGKILL) mid-way through a checkpoint write keeps the previous one."""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from lamella.testing import read_npz
from lamella_callbacks._atomic import atomic_path

CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from lamella.plugins import register_plugin
    from lamella.testing import NpzSaver, npz_saver_plugin, toy_data, toy_model
    from lamella_callbacks import LambdaCallback, ModelCheckpoint

    folder = sys.argv[1]
    saver = NpzSaver(pause_on_call=2, pause_marker=folder + "/writing", pause_seconds=120)
    register_plugin(npz_saver_plugin(saver), name="test-npz-saver")
    model = toy_model()
    x, y = toy_data()

    def reference(epoch, logs):
        if epoch == 0:  # what the first checkpoint holds
            np.savez(folder + "/reference.npz", *model.get_weights())

    model.fit(x, y, epochs=5, verbose=0, callbacks=[
        ModelCheckpoint(folder + "/ckpt.npz", save_weights_only=True),
        LambdaCallback(on_epoch_end=reference)])
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_checkpoint_write_keeps_previous_checkpoint(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "writing").exists():
            assert child.poll() is None, child.stdout.read().decode()
            assert time.monotonic() < deadline, "the child never reached the second save"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    # the half-written file is a temporary beside the checkpoint, never the checkpoint itself
    half_written = pathlib.Path((tmp_path / "writing").read_text())
    assert half_written.parent == tmp_path and half_written.name.startswith(".ckpt.tmp-")
    loaded = read_npz(tmp_path / "ckpt.npz")
    for ours, expected in zip(loaded, read_npz(tmp_path / "reference.npz")):
        np.testing.assert_array_equal(ours, expected)
    assert len(loaded) == 4

    # the next successful write in that folder clears the dead writer's temporary file
    with atomic_path(tmp_path / "ckpt.npz") as tmp:
        pathlib.Path(tmp).write_bytes((tmp_path / "ckpt.npz").read_bytes())
    assert not half_written.exists()


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            pathlib.Path(tmp).write_bytes(b"ne")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]
    with atomic_path(target) as tmp:
        assert tmp.endswith(".bin") and os.path.dirname(tmp) == str(tmp_path)
        pathlib.Path(tmp).write_bytes(b"new")
    assert target.read_bytes() == b"new"


def test_atomic_path_creates_missing_folders(tmp_path):
    target = tmp_path / "a" / "b" / "c.txt"
    with atomic_path(target) as tmp:
        pathlib.Path(tmp).write_text("x")
    assert target.read_text() == "x"
