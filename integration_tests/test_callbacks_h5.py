"""Callbacks with real HDF5 files (lamella-io): checkpoints that load, resume, SIGKILL mid-write."""

import pathlib
import signal
import textwrap

import numpy as np
import pytest
import torch

import lamella
from lamella import layers
from lamella.callbacks import CSVLogger, ModelCheckpoint
from lamella.testing import kill_at_marker


def build(seed=0):
    torch.manual_seed(seed)
    model = lamella.Sequential([layers.Dense(8, activation="tanh", input_shape=(4,)),
                                layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def data(n=48, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x @ rng.normal(size=(4, 1))).astype("float32")


def test_best_only_h5_checkpoints_load(tmp_path):
    x, y = data()
    model = build()
    pattern = str(tmp_path / "model.{epoch:02d}-{val_loss:.4f}.h5")
    history = model.fit(x, y, batch_size=8, epochs=4, verbose=0, validation_split=0.25,
                        callbacks=[ModelCheckpoint(pattern, save_best_only=True)])
    files = sorted(p.name for p in tmp_path.iterdir())
    val = history.history["val_loss"]
    best, expected = np.inf, []
    for epoch, value in enumerate(val):
        if value < best:
            best = value
            expected.append(f"model.{epoch + 1:02d}-{value:.4f}.h5")
    assert files == expected
    last = lamella.models.load_model(str(tmp_path / files[-1]))
    assert last.optimizer is not None
    # weights only: another model of the same architecture loads them
    weights = build(seed=1)
    weights.fit(x[:8], y[:8], epochs=1, verbose=0)
    checkpoint = ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)
    checkpoint.set_model(model)
    checkpoint.on_epoch_end(0, {})
    weights.load_weights(str(tmp_path / "w.h5"))
    for a, b in zip(weights.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_resume_from_checkpoint_equals_uninterrupted_run(tmp_path):
    x, y = data()
    straight = build()
    straight.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)

    first = build()
    log = str(tmp_path / "log.csv")
    first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "ckpt.h5")), CSVLogger(log, append=True)])
    resumed = lamella.models.load_model(str(tmp_path / "ckpt.h5"))
    resumed.fit(x, y, batch_size=8, epochs=4, initial_epoch=2, shuffle=False, verbose=0,
                callbacks=[CSVLogger(log, append=True)])
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    rows = pathlib.Path(log).read_text().splitlines()
    assert rows[0] == "epoch,loss" and [r.split(",")[0] for r in rows[1:]] == ["0", "1", "2", "3"]


CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np, torch
    import lamella
    from lamella import layers, saving
    from lamella.callbacks import LambdaCallback, ModelCheckpoint

    folder = sys.argv[1]
    saver = saving.saver_for("x.h5")
    original = saver.save_model
    calls = []

    def slow_save(model, filepath, **kwargs):
        calls.append(filepath)
        original(model, filepath, **kwargs)
        if len(calls) == 2:  # the second checkpoint: leave it half written, then hang
            size = os.path.getsize(filepath)
            with open(filepath, "r+b") as handle:
                handle.truncate(size // 2)
            with open(folder + "/writing", "w") as marker:
                marker.write(filepath)
            time.sleep(120)

    saver.save_model = slow_save
    torch.manual_seed(0)
    model = lamella.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.RandomState(0).normal(size=(32, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def reference(epoch, logs):
        if epoch == 0:
            np.savez(folder + "/reference.npz", *model.get_weights())

    model.fit(x, y, epochs=5, verbose=0, callbacks=[
        ModelCheckpoint(folder + "/ckpt.h5"), LambdaCallback(on_epoch_end=reference)])
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_h5_checkpoint_write_keeps_previous_checkpoint(tmp_path):
    written = kill_at_marker(CHILD, [tmp_path], tmp_path / "writing", timeout=180)
    half = pathlib.Path(written)
    assert half.parent == tmp_path and half.name != "ckpt.h5"
    model = lamella.models.load_model(str(tmp_path / "ckpt.h5"))
    with np.load(tmp_path / "reference.npz") as reference:
        expected = [reference[f"arr_{i}"] for i in range(len(reference.files))]
    for a, b in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(a, b)
