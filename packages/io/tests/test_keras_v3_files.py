"""Keras 3's ``.keras`` files and ``.weights.h5`` weights files, lamella -> lamella.

(Both directions with real Keras 3: integration_tests/test_io_keras3_archive.py.)
"""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamella
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import MomentumSGD, toy_functional, toy_inputs, toy_sequential
from lamella.testing import mean_squared_error as tiny_mse
from lamella.testing import randomize_weights as randomize
from lamella_io.hdf5.saver import SAVER as HDF5
from lamella_io.keras_v3 import weights_store

load = lamella.models.load_model


def compiled(model, lr=0.05):
    model.compile(optimizer=MomentumSGD(learning_rate=lr, momentum=0.9), loss=tiny_mse)
    return model


def trained(model):
    x = toy_inputs()
    if len(model.inputs) > 1:
        x = [x, x]
    ys = [np.random.RandomState(3).rand(len(toy_inputs()), int(s[-1])).astype("float32")
          for s in (model.output_shape if isinstance(model.output_shape, list)
                    else [model.output_shape])]
    model.fit(x, ys if len(ys) > 1 else ys[0], epochs=1, batch_size=8, verbose=0)
    return model, x


def predictions(model, x):
    out = model.predict(x)
    return out if isinstance(out, list) else [out]


# --- the layout Keras 3 reads -------------------------------------------------------------------

def test_archive_layout(tmp_path):
    model, _ = trained(compiled(randomize(toy_sequential(norm=True))))
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        metadata = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
        store = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
    assert metadata["keras_version"].startswith("3.") and "date_saved" in metadata
    assert config["class_name"] == "Sequential" and config["module"] == "keras"
    layers = config["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer"
    assert layers[0]["config"]["batch_shape"] == [None, 4]
    # stand-in classes are not lamella's own: Keras 3 finds them by registered name
    assert layers[1]["registered_name"] == "SeededDense"
    assert all("batch_input_shape" not in layer["config"] for layer in layers[1:])
    assert config["compile_config"]["optimizer"]["class_name"] == "MomentumSGD"
    assert config["compile_config"]["loss"] == "mean_squared_error"
    assert config["build_config"] == {"input_shape": [None, 4]}
    # Keras 3's weights store: per-class counters, vars/<i>, a name attribute on each group
    assert store["layers/seeded_dense/vars"].attrs["name"] == model.layers[0].name
    assert store["layers/seeded_dense_1/vars/0"].shape == (5, 3)
    assert store["layers/scale_shift/vars/0"].shape == (3,)
    assert store["vars"].attrs["name"] == model.name
    # MomentumSGD is not a Keras 3 optimizer: its state is kept in lamella's own order
    assert store["optimizer/vars"].attrs["lamella_layout"] == "get_weights"
    assert int(store["optimizer/vars/0"][()]) == model.optimizer.iterations
    store.close()


def test_snake_case_matches_keras3():
    cases = {"BatchNormalization": "batch_normalization", "Conv2D": "conv2d",
             "MaxPooling2D": "max_pooling2d", "RMSprop": "rm_sprop", "LSTMCell": "lstm_cell",
             "Dense": "dense", "TimeDistributed": "time_distributed", "GRU": "gru"}
    assert {k: weights_store.snake_case(k) for k in cases} == cases


# --- round trips -------------------------------------------------------------------------------

@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=st.lists(st.integers(1, 6), min_size=1, max_size=3),
       norm=st.booleans(), input_dim=st.integers(1, 5),
       act=st.sampled_from(["tanh", "relu", "linear"]))
def test_sequential_round_trip(tmp_path_factory, units, norm, input_dim, act):
    path = str(tmp_path_factory.mktemp("k3") / "m.keras")
    model = randomize(toy_sequential(units=tuple(units), activations=[act] * len(units),
                                     input_dim=input_dim, norm=norm))
    compiled(model)
    x = np.random.RandomState(0).rand(8, input_dim).astype("float32")
    model.fit(x, np.zeros((8, model.output_shape[-1]), "float32"), epochs=1, batch_size=4,
              verbose=0)
    model.save(path)
    again = load(path, custom_objects=CUSTOM)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert again.optimizer.iterations == model.optimizer.iterations
    for a, b in zip(again.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_functional_round_trip_with_a_shared_layer(tmp_path):
    model, x = trained(compiled(randomize(toy_functional())))
    model.save(str(tmp_path / "f.keras"))
    with zipfile.ZipFile(tmp_path / "f.keras") as zf:
        config = json.loads(zf.read("config.json"))
    assert config["class_name"] == "Functional"
    shared = [l for l in config["config"]["layers"] if l["name"] == "shared"][0]
    # Keras 3's node form: {"args": [...], "kwargs": {}} with __keras_tensor__ histories
    assert shared["inbound_nodes"][1]["args"][0]["config"]["keras_history"] == ["in_b", 0, 0]
    again = load(str(tmp_path / "f.keras"), custom_objects=CUSTOM)
    for a, b in zip(predictions(again, x), predictions(model, x)):
        np.testing.assert_array_equal(a, b)
    fresh = load(str(tmp_path / "f.keras"), custom_objects=CUSTOM, compile=False)
    assert fresh.optimizer is None


def test_include_optimizer_false_and_uncompiled(tmp_path):
    model, x = trained(compiled(toy_sequential()))
    model.save(str(tmp_path / "m.keras"), include_optimizer=False)
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        config = json.loads(zf.read("config.json"))
        store = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
        assert "optimizer" not in store and "compile_config" not in config
        store.close()
    with pytest.warns(UserWarning, match="not.* compiled"):
        again = load(str(tmp_path / "m.keras"), custom_objects=CUSTOM)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_weights_only_files(tmp_path):
    model, x = trained(compiled(randomize(toy_sequential(norm=True))))
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert "layer_names" not in f.attrs and "layers/seeded_dense/vars/0" in f
    twin = toy_sequential(norm=True)
    twin.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_array_equal(twin.predict(x), model.predict(x))
    # a Keras 2.3-layout file that happens to end in .weights.h5 still loads
    HDF5.save_weights(model, str(tmp_path / "old.weights.h5"))
    other = toy_sequential(norm=True)
    other.load_weights(str(tmp_path / "old.weights.h5"))
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    # a Keras 3 weights file renamed to plain .h5 is recognised by its layout
    os.replace(tmp_path / "w.weights.h5", tmp_path / "renamed.h5")
    fourth = toy_sequential(norm=True)
    fourth.load_weights(str(tmp_path / "renamed.h5"))
    np.testing.assert_array_equal(fourth.predict(x), model.predict(x))
    # and load_weights reads a .keras file's weights, as Keras 3 does
    model.save(str(tmp_path / "m.keras"))
    third = toy_sequential(norm=True)
    third.load_weights(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(third.predict(x), model.predict(x))


def test_extension_rules(tmp_path):
    model = toy_sequential()
    model.save(str(tmp_path / "m.weights.h5"))  # .h5: Keras 2.3's HDF5 model file
    with h5py.File(tmp_path / "m.weights.h5", "r") as f:
        assert "model_config" in f.attrs
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(str(tmp_path / "w.keras"))
    assert not (tmp_path / "w.keras").exists()
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="by_name"):
        model.load_weights(str(tmp_path / "w.weights.h5"), by_name=True)


def test_mismatched_weights_name_the_layer(tmp_path):
    toy_sequential(units=(5, 3)).save_weights(str(tmp_path / "w.weights.h5"))
    other = toy_sequential(units=(5, 2))
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"w\.weights\.h5.*layer .*shape \(5, 2\)"):
        other.load_weights(str(tmp_path / "w.weights.h5"))
    for a, b in zip(other.get_weights(), before):  # nothing was written
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="skipping layer"):
        other.load_weights(str(tmp_path / "w.weights.h5"), skip_mismatch=True)


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    toy_sequential().save(str(path))
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(weights_store, "write_store", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        toy_sequential(units=(2,)).save(str(path))
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]  # no temporary left behind
    with pytest.raises(FileExistsError):
        toy_sequential().save(str(path), overwrite=False)


def test_npz_weights_variant(tmp_path):
    """Keras 3's ``weights_format="npz"``: ``np.savez`` of ``{path: {index: array}}``."""
    model, x = trained(compiled(randomize(toy_sequential())))
    model.save(str(tmp_path / "m.keras"))
    contents = {}
    for path, (_, records) in weights_store.variable_groups(model).items():
        contents[path or "__root__"] = {str(i): r.tensor.detach().numpy()
                                        for i, r in enumerate(records)}
    buffer = io.BytesIO()
    np.savez(buffer, **contents)
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        members = {n: zf.read(n) for n in ("metadata.json", "config.json")}
    with zipfile.ZipFile(tmp_path / "n.keras", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("model.weights.npz", buffer.getvalue())
    again = load(str(tmp_path / "n.keras"), custom_objects=CUSTOM, compile=False)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_layers_in_another_order_load_by_their_names(tmp_path):
    """Keras 3 addresses layers by place; when the places do not fit (another layer order)
    but every layer's ``name`` attribute finds its group, lamella loads by name."""
    model = randomize(toy_sequential(units=(5, 3)))
    x = toy_inputs()
    path = tmp_path / "w.weights.h5"
    model.save_weights(str(path))
    with h5py.File(path, "r+") as f:  # swap the two groups' places, names kept
        f.move("layers/seeded_dense", "layers/tmp")
        f.move("layers/seeded_dense_1", "layers/seeded_dense")
        f.move("layers/tmp", "layers/seeded_dense_1")
    twin = toy_sequential(units=(5, 3))
    twin.layers[0].name, twin.layers[1].name = model.layers[0].name, model.layers[1].name
    twin.load_weights(str(path))
    np.testing.assert_array_equal(twin.predict(x), model.predict(x))
