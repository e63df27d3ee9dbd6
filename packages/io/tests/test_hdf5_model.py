"""model.save / lamella.models.load_model: architecture, weights, training config, optimizer."""

import json
import os
import stat
import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch

import lamella
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import MomentumSGD as TinySGD
from lamella.testing import SeededDense as TinyDense
from lamella.testing import mean_squared_error as tiny_mse
from lamella.testing import randomize_weights as randomize
from lamella.testing import toy_functional as functional
from lamella.testing import toy_inputs as data
from lamella.testing import toy_sequential as sequential
from lamella.utils import atomic_files
from lamella_io.hdf5 import model_file


def compiled(model):
    model.compile(optimizer=TinySGD(learning_rate=0.05, momentum=0.9), loss=tiny_mse)
    return model


def targets(n=16, dim=3, seed=5):
    return np.random.RandomState(seed).rand(n, dim).astype("float32")


def test_file_layout(tmp_path):
    model = compiled(sequential())
    model.fit(data(), targets(), epochs=1, batch_size=8, verbose=0)
    model.save(str(tmp_path / "m.h5"))
    with h5py.File(tmp_path / "m.h5", "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        assert attrs["backend"] == "pytorch"
        assert attrs["keras_version"] == lamella.__version__
        config = json.loads(attrs["model_config"])
        assert config["class_name"] == "Sequential"
        layers = config["config"]["layers"]
        assert layers[0]["class_name"] == "InputLayer"  # as tf.keras 2.x writes it
        assert layers[0]["config"]["batch_input_shape"] == [None, 4]
        assert [l["class_name"] for l in layers[1:]] == ["SeededDense", "SeededDense"]
        training = json.loads(attrs["training_config"])
        assert training["optimizer_config"] == {"class_name": "MomentumSGD",
                                                "config": model.optimizer.get_config()}
        assert training["loss"] == "mean_squared_error"
        assert set(training) == {"optimizer_config", "loss", "metrics", "weighted_metrics",
                                 "sample_weight_mode", "loss_weights"}
        assert "layer_names" in f["model_weights"].attrs
        weight_names = [n.decode() for n in f["optimizer_weights"].attrs["weight_names"]]
        assert weight_names[0] == "MomentumSGD/iterations:0"
        assert len(weight_names) == 1 + 4
        assert int(f["optimizer_weights"][weight_names[0]][()]) == 2


def test_load_model_gives_equal_predictions_config_and_optimizer_state(tmp_path):
    model = compiled(randomize(sequential(norm=True)))
    model.fit(data(), targets(), epochs=2, batch_size=8, verbose=0)
    model.save(str(tmp_path / "m.h5"))
    again = lamella.models.load_model(str(tmp_path / "m.h5"), custom_objects=CUSTOM)
    np.testing.assert_array_equal(again.predict(data()), model.predict(data()))
    assert again.get_config() == model.get_config()
    assert isinstance(again.optimizer, TinySGD)
    assert again.optimizer.iterations == model.optimizer.iterations == 4
    for a, b in zip(again.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_training_resumes_exactly(tmp_path):
    x, y = data(n=32), targets(n=32)
    torch.manual_seed(0)
    straight = compiled(sequential(name="straight"))
    initial = [w.copy() for w in straight.get_weights()]  # get_weights may alias the tensors
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)

    resumed = compiled(sequential(name="resumed"))
    resumed.set_weights(initial)
    resumed.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    resumed.save(str(tmp_path / "m.h5"))
    loaded = lamella.models.load_model(str(tmp_path / "m.h5"), custom_objects=CUSTOM)
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_functional_model_round_trip(tmp_path):
    model = randomize(functional())
    model.compile(optimizer=TinySGD(), loss={"out_a": tiny_mse, "out_b": tiny_mse},
                  loss_weights=[1.0, 0.5])
    model.save(str(tmp_path / "f.h5"))
    again = lamella.models.load_model(str(tmp_path / "f.h5"), custom_objects=CUSTOM)
    x = [data(seed=1), data(seed=2)]
    for a, b in zip(again.predict(x), model.predict(x)):
        np.testing.assert_array_equal(a, b)
    assert again.get_config() == model.get_config()
    assert again._objectives.loss_weights_spec == [1.0, 0.5]


def test_compile_false_and_include_optimizer_false(tmp_path):
    model = compiled(sequential())
    model.save(str(tmp_path / "m.h5"))
    assert lamella.models.load_model(str(tmp_path / "m.h5"), custom_objects=CUSTOM,
                                     compile=False).optimizer is None
    model.save(str(tmp_path / "bare.h5"), include_optimizer=False)
    with h5py.File(tmp_path / "bare.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    with pytest.warns(UserWarning, match="No training configuration found"):
        again = lamella.models.load_model(str(tmp_path / "bare.h5"), custom_objects=CUSTOM)
    assert again.optimizer is None


def test_mismatched_optimizer_state_warns_and_starts_fresh(tmp_path):
    model = compiled(sequential())
    model.fit(data(), targets(), epochs=1, batch_size=8, verbose=0)
    model.save(str(tmp_path / "m.h5"))
    with h5py.File(tmp_path / "m.h5", "a") as f:
        names = list(f["optimizer_weights"].attrs["weight_names"])
        f["optimizer_weights"].attrs["weight_names"] = np.asarray(names[:-1])
    with pytest.warns(UserWarning, match="Error in loading the saved optimizer state"):
        again = lamella.models.load_model(str(tmp_path / "m.h5"), custom_objects=CUSTOM)
    assert again.optimizer.iterations == 0


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    first = randomize(sequential(), seed=1)
    first.save(str(path))
    original = path.read_bytes()

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(model_file, "save_weights_to_group", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        randomize(sequential(), seed=2).save(str(path))
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["m.h5"]  # no temporary file left behind
    again = lamella.models.load_model(str(path), custom_objects=CUSTOM, compile=False)
    np.testing.assert_array_equal(again.predict(data()), first.predict(data()))


def test_failed_save_weights_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    from lamella_io.hdf5 import weights

    path = tmp_path / "w.h5"
    sequential().save_weights(str(path))
    original = path.read_bytes()
    real = weights.save_attributes

    def explode_on_weight_names(group, name, data):
        if name == "weight_names":
            raise KeyboardInterrupt  # even an interrupt mid-write
        return real(group, name, data)

    monkeypatch.setattr(weights, "save_attributes", explode_on_weight_names)
    with pytest.raises(KeyboardInterrupt):
        sequential().save_weights(str(path))
    assert path.read_bytes() == original and os.listdir(tmp_path) == ["w.h5"]


def test_written_files_get_ordinary_permissions(tmp_path):
    sequential().save(str(tmp_path / "m.h5"))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "m.h5").st_mode) == 0o666 & ~umask


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_saving_through_a_symlink_updates_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    sequential().save(str(tmp_path / "runs" / "m.h5"))
    os.chmod(tmp_path / "runs" / "m.h5", 0o600)
    (tmp_path / "latest.h5").symlink_to(os.path.join("runs", "m.h5"))
    model = compiled(randomize(sequential(), seed=3))
    model.save(str(tmp_path / "latest.h5"))
    assert (tmp_path / "latest.h5").is_symlink()
    assert sorted(os.listdir(tmp_path / "runs")) == ["m.h5"]  # the temporary was beside it
    assert stat.S_IMODE(os.stat(tmp_path / "runs" / "m.h5").st_mode) == 0o600
    again = lamella.models.load_model(str(tmp_path / "runs" / "m.h5"), custom_objects=CUSTOM)
    x = data()
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6)


def test_a_killed_saves_temporary_is_removed_by_the_next_save(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    prefix, ext = atomic_files._temp_prefix_and_ext("m.h5")
    litter = tmp_path / f"{prefix}{atomic_files._TAG}-{dead.pid}-0123abcd{ext}"
    litter.write_bytes(b"\x89HDF half a file")
    sequential().save(str(tmp_path / "m.h5"))
    assert os.listdir(tmp_path) == ["m.h5"]


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    sequential().save(str(tmp_path / "m.h5"))
    with pytest.raises(FileExistsError, match="m.h5"):
        sequential().save(str(tmp_path / "m.h5"), overwrite=False)


def test_h5py_file_object_for_save_and_load_model(tmp_path):
    model = randomize(sequential())
    with h5py.File(tmp_path / "m.h5", "w") as f:
        model.save(f)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        again = lamella.models.load_model(f, custom_objects=CUSTOM, compile=False)
    np.testing.assert_array_equal(again.predict(data()), model.predict(data()))


def test_subclassed_model_cannot_be_saved_whole_and_no_file_is_created(tmp_path):
    class Sub(lamella.Model):
        def __init__(self):
            super().__init__()
            self.dense = TinyDense(2)

        def call(self, inputs, training=None):
            return self.dense(inputs)

    model = Sub()
    model.predict(data())
    with pytest.raises(NotImplementedError, match="save_weights"):
        model.save(str(tmp_path / "m.h5"))
    assert not (tmp_path / "m.h5").exists() and os.listdir(tmp_path) == []
    model.save_weights(str(tmp_path / "w.h5"))  # weights work for subclassed models
    other = Sub()
    other.predict(data())
    other.load_weights(str(tmp_path / "w.h5"))
    np.testing.assert_array_equal(other.predict(data()), model.predict(data()))


def test_huge_model_config_is_written_in_a_format_that_holds_it(tmp_path):
    stack = [TinyDense(1, input_shape=(2,), name="d0_" + "y" * 2000)]
    stack += [TinyDense(1, name=f"d{i}_" + "y" * 2000) for i in range(1, 40)]
    model = randomize(lamella.Sequential(stack))
    model.save(str(tmp_path / "big.h5"))
    again = lamella.models.load_model(str(tmp_path / "big.h5"), custom_objects=CUSTOM,
                                       compile=False)
    np.testing.assert_array_equal(again.predict(data(dim=2)), model.predict(data(dim=2)))
