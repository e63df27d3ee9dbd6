"""Tiny deterministic components for lamella-callbacks' tests (no layers package needed).

``ToyDense``/``ToySGD``/``mse`` make a trainable model with only lamella-core installed;
``NpzSaver`` is a file format for ``.npz`` paths (weights as NumPy arrays) registered
in-process, with an optional pause in the middle of a write for the crash test; ``FakeModel``
and ``drive`` replay Keras's epoch loop on synthetic logs, as the Keras 2.3.1 fixture
generator (tools/keras231/make_callback_fixtures.py) does.
"""

import contextlib
import io
import os
import time

import numpy as np
import torch

import lamella
from lamella.plugins import Component, hookimpl, register_plugin, unregister_plugin
from lamella.testing import PlainSGD, SeededDense, mean_squared_error


# lamella.testing's stand-ins, under the names these tests use.
ToyDense = SeededDense
ToySGD = PlainSGD
mse = mean_squared_error


def toy_data(n=32, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    return x, y


def make_model(lr=0.05, seed=0):
    torch.manual_seed(seed)
    model = lamella.Sequential([ToyDense(3, seed=seed, input_shape=(4,)),
                                ToyDense(1, seed=seed + 1)])
    model.compile(ToySGD(lr), loss=mse)
    return model


# --- a file format for .npz paths ---------------------------------------------------------------

class NpzSaver:
    """Weights (and for ``save_model`` the same) as an ``.npz`` archive.

    ``pause_on_call``: on that (1-based) save call, write the first half of the bytes, create
    ``pause_marker`` and sleep ``pause_seconds`` before writing the rest (the crash test kills
    the process while it sleeps). The saver writes straight to the path it is given, with no
    safety of its own: ``lamella.saving`` hands it a temporary file and commits it.
    """

    extensions = (".npz",)

    def __init__(self, pause_on_call=None, pause_marker=None, pause_seconds=60.0):
        self.calls = []
        self.pause_on_call = pause_on_call
        self.pause_marker = pause_marker
        self.pause_seconds = pause_seconds

    def _write(self, model, filepath, kind):
        self.calls.append((kind, os.fspath(filepath)))
        buffer = io.BytesIO()
        np.savez(buffer, *model.get_weights())
        data = buffer.getvalue()
        with open(filepath, "wb") as handle:
            if self.pause_on_call == len(self.calls):
                handle.write(data[: len(data) // 2])
                handle.flush()
                os.fsync(handle.fileno())
                with open(self.pause_marker, "w") as marker:
                    marker.write(os.fspath(filepath))
                time.sleep(self.pause_seconds)
                handle.write(data[len(data) // 2:])
            else:
                handle.write(data)

    def save_model(self, model, filepath, overwrite=True, include_optimizer=True):
        self._write(model, filepath, "model")

    def save_weights(self, model, filepath, overwrite=True):
        self._write(model, filepath, "weights")

    def load_weights(self, model, filepath, by_name=False, skip_mismatch=False):
        model.set_weights(read_npz(filepath))

    def load_model(self, filepath, custom_objects=None, compile=True, safe_mode=True):
        raise NotImplementedError("the test saver stores weights only")


def read_npz(filepath):
    with np.load(filepath) as archive:
        return [archive[f"arr_{i}"] for i in range(len(archive.files))]


class _NpzPlugin:
    def __init__(self, saver):
        self.saver = saver

    @hookimpl
    def lamella_savers(self):
        return [Component("npz", self.saver)]


def register_npz_saver(saver):
    name = f"test-npz-saver-{id(saver)}"
    register_plugin(_NpzPlugin(saver), name=name)
    return name


def unregister_npz_saver(name):
    unregister_plugin(name)


# --- Keras's epoch loop on synthetic logs (as the fixture generator drives Keras) -------------

class FakeOptimizer:
    def __init__(self, lr):
        self.learning_rate = lr


class FakeModel:
    """A stand-in model: weights are the epoch number; saves are recorded."""

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.epoch = 0
        self.restored = []
        self.saved = []
        self.optimizer = FakeOptimizer(lr)

    def get_weights(self):
        return [np.array([self.epoch], dtype="float32")]

    def set_weights(self, weights):
        self.restored.append(None if weights is None else int(weights[0][0]))

    def save(self, filepath, overwrite=True):
        self.saved.append(["save", filepath])

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(["save_weights", filepath])


def drive(callback, model, logs_per_epoch, probe=None):
    """Keras's epoch loop; returns (per-epoch probes, epochs run, captured stdout)."""
    callback.set_model(model)
    callback.set_params({"epochs": len(logs_per_epoch), "verbose": 0})
    out = io.StringIO()
    probes, epochs = [], []
    with contextlib.redirect_stdout(out):
        callback.on_train_begin({})
        for epoch, logs in enumerate(logs_per_epoch):
            model.epoch = epoch
            callback.on_epoch_begin(epoch, {})
            logs = dict(logs)
            callback.on_epoch_end(epoch, logs)
            epochs.append(epoch)
            if probe is not None:
                probes.append(probe(callback, model, logs))
            if model.stop_training:
                break
        callback.on_train_end({})
    return probes, epochs, out.getvalue()
