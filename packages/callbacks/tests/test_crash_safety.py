"""A process killed (SIGKILL) mid-way through a checkpoint write keeps the previous one."""

import pathlib
import signal
import textwrap

import numpy as np
import pytest

from lamella.testing import kill_at_marker, read_npz
from lamella.testing import toy_model as make_model
from lamella_callbacks import ModelCheckpoint

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
def test_sigkill_during_checkpoint_write_keeps_previous_checkpoint(tmp_path, npz_saver):
    written = kill_at_marker(CHILD, [tmp_path], tmp_path / "writing", timeout=120)
    # the half-written file is a temporary beside the checkpoint, never the checkpoint itself
    half_written = pathlib.Path(written)
    assert half_written.parent == tmp_path and half_written.name.startswith(".ckpt.npz.tmp-")
    assert half_written.name.endswith(".npz")  # the saver chose its format by extension
    loaded = read_npz(tmp_path / "ckpt.npz")
    for ours, expected in zip(loaded, read_npz(tmp_path / "reference.npz")):
        np.testing.assert_array_equal(ours, expected)
    assert len(loaded) == 4

    # the next successful save of that checkpoint clears the dead writer's temporary file
    model = make_model()
    model.set_weights(loaded)
    model.save_weights(str(tmp_path / "ckpt.npz"))
    assert not half_written.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz", "reference.npz",
                                                           "writing"]


def test_model_checkpoint_writes_one_temporary_and_creates_its_folder(tmp_path, npz_saver,
                                                                      toy_data):
    x, y = toy_data
    target = tmp_path / "run" / "ckpt.{epoch}.npz"
    make_model().fit(x, y, epochs=2, verbose=0,
                     callbacks=[ModelCheckpoint(str(target), save_weights_only=True)])
    # the saver was handed lamella.saving's temporary itself, not a temporary's temporary
    written = [pathlib.Path(path) for _, path in npz_saver.calls]
    assert [p.name.split(".tmp-")[0] for p in written] == [".ckpt.1.npz", ".ckpt.2.npz"]
    assert all(p.parent == tmp_path / "run" for p in written)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["ckpt.1.npz", "ckpt.2.npz"]
