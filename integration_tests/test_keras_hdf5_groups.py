"""keras.engine.saving's HDF5-group helpers at lamella.engine.saving (implemented by
lamella-io), used the way Keras 2.3 scripts use them: weights of several models in one HDF5
file of the script's own, Keras-written weights read layer by layer, and
preprocess_weights_for_loading equal to real Keras 2.3.1's conversions (fixtures by
tools/keras231/make_preprocess_weights_fixtures.py)."""

import json
import pathlib

import h5py
import numpy as np
import pytest

import lamella
from lamella.engine.saving import (
    load_attributes_from_hdf5_group,
    load_weights_from_hdf5_group,
    load_weights_from_hdf5_group_by_name,
    preprocess_weights_for_loading,
    save_attributes_to_hdf5_group,
    save_weights_to_hdf5_group,
)

HERE = pathlib.Path(__file__).resolve().parent
IO_FIXTURES = HERE.parent / "packages/io/tests/fixtures/keras231"
PRE = json.loads((HERE / "fixtures/keras231/preprocess_weights.json").read_text())["cases"]
PRE_ARRAYS = np.load(HERE / "fixtures/keras231/preprocess_weights.npz")


def small_model(seed, name=None):
    model = lamella.Sequential([lamella.layers.Dense(3, activation="relu", input_shape=(4,)),
                                lamella.layers.Dense(2)], name=name)
    rng = np.random.RandomState(seed)
    model.set_weights([rng.randn(*w.shape).astype("float32") for w in model.get_weights()])
    return model


def test_two_models_in_one_file_of_the_scripts_own(tmp_path):
    encoder, decoder = small_model(0), small_model(1)
    x = np.random.RandomState(2).randn(5, 4).astype("float32")
    with h5py.File(tmp_path / "bundle.h5", "w") as f:
        f.attrs["note"] = "the script's own file"
        save_weights_to_hdf5_group(f.create_group("encoder"), encoder.layers)
        save_weights_to_hdf5_group(f.create_group("decoder"), decoder.layers)
        save_attributes_to_hdf5_group(f, "parts", ["encoder", "decoder"])
    fresh_encoder, fresh_decoder = small_model(10), small_model(11)
    with h5py.File(tmp_path / "bundle.h5", "r") as f:
        assert load_attributes_from_hdf5_group(f, "parts") == ["encoder", "decoder"]
        assert load_attributes_from_hdf5_group(f, "absent") == []   # Keras: an empty list
        group = f["encoder"]
        assert load_attributes_from_hdf5_group(group, "layer_names") == [
            layer.name for layer in encoder.layers]
        assert group.attrs["keras_version"] and group.attrs["backend"]
        load_weights_from_hdf5_group(f["encoder"], fresh_encoder.layers)
        load_weights_from_hdf5_group_by_name(f["decoder"], fresh_decoder.layers)  # no match
    np.testing.assert_allclose(fresh_encoder.predict(x), encoder.predict(x), rtol=1e-6)
    assert not np.allclose(fresh_decoder.predict(x), decoder.predict(x))  # other names


def test_attributes_longer_than_the_hdf5_header_are_chunked(tmp_path):
    names = [f"layer_with_a_rather_long_name_{i:05d}" for i in range(3000)]
    with h5py.File(tmp_path / "attrs.h5", "w") as f:
        save_attributes_to_hdf5_group(f, "layer_names", names)
        assert "layer_names" not in f.attrs and "layer_names0" in f.attrs
    with h5py.File(tmp_path / "attrs.h5", "r") as f:
        assert load_attributes_from_hdf5_group(f, "layer_names") == names


def test_keras_written_weights_load_by_order_and_by_name():
    manifest = json.loads((IO_FIXTURES / "manifest.json").read_text())["models"]
    expected = np.load(IO_FIXTURES / "expected.npz")
    json_config = (IO_FIXTURES / "seq_conv.json").read_text()
    x = expected["seq_conv/x0"]
    assert manifest["seq_conv"]["inputs"] == 1
    for loader in (load_weights_from_hdf5_group, load_weights_from_hdf5_group_by_name):
        model = lamella.models.model_from_json(json_config)
        with h5py.File(IO_FIXTURES / "seq_conv.weights.h5", "r") as f:
            loader(f, model.layers)
        np.testing.assert_allclose(model.predict(x), expected["seq_conv/y0"], atol=1e-5)


def test_mismatches_raise_or_skip_as_keras(tmp_path):
    model = small_model(0)
    other = lamella.Sequential(
        [lamella.layers.Dense(5, input_shape=(4,), name=model.layers[0].name)])
    with h5py.File(tmp_path / "w.h5", "w") as f:
        save_weights_to_hdf5_group(f, model.layers)
        with pytest.raises(ValueError, match="containing 2 layers with weights"):
            load_weights_from_hdf5_group(f, other.layers)
        before = other.get_weights()
        with pytest.raises(ValueError, match="has shape"):
            load_weights_from_hdf5_group_by_name(f, other.layers)
        with pytest.warns(UserWarning, match="Skipping loading of weights"):
            load_weights_from_hdf5_group_by_name(f, other.layers, skip_mismatch=True)
        assert all(np.array_equal(a, b) for a, b in zip(before, other.get_weights()))


@pytest.mark.parametrize("case", PRE, ids=lambda c: c["id"])
def test_preprocess_weights_for_loading_equals_keras_231(case):
    layer = lamella.layers.deserialize({"class_name": case["class_name"],
                                        "config": case["config"]})
    layer(lamella.Input(shape=tuple(case["input_shape"])))
    given = [PRE_ARRAYS[f"{case['id']}/in{i}"] for i in range(case["n_in"])]
    got = preprocess_weights_for_loading(
        layer, [g.copy() for g in given], case["original_keras_version"],
        case["original_backend"], reshape=case["reshape"])
    assert len(got) == case["n_out"]
    for i, value in enumerate(got):
        np.testing.assert_allclose(value, PRE_ARRAYS[f"{case['id']}/out{i}"], rtol=1e-6,
                                   atol=1e-6)
    layer.set_weights(got)   # the layer's own layouts


def test_a_keras1_lstm_group_loads_through_the_conversion(tmp_path):
    case = next(c for c in PRE if c["id"] == "lstm_keras1")
    given = [PRE_ARRAYS[f"lstm_keras1/in{i}"] for i in range(12)]
    with h5py.File(tmp_path / "keras1.h5", "w") as f:   # Keras 1's layout: no keras_version
        save_attributes_to_hdf5_group(f, "layer_names", ["lstm_1"])
        group = f.create_group("lstm_1")
        names = [f"lstm_1_{part}" for part in ("W_i", "U_i", "b_i", "W_c", "U_c", "b_c",
                                               "W_f", "U_f", "b_f", "W_o", "U_o", "b_o")]
        save_attributes_to_hdf5_group(group, "weight_names", names)
        for name, value in zip(names, given):
            group[name] = value
    layer = lamella.layers.deserialize({"class_name": "LSTM", "config": case["config"]})
    layer(lamella.Input(shape=tuple(case["input_shape"])))
    with h5py.File(tmp_path / "keras1.h5", "r") as f:
        load_weights_from_hdf5_group(f, [layer])
    for value, i in zip(layer.get_weights(), range(3)):
        np.testing.assert_allclose(value, PRE_ARRAYS[f"lstm_keras1/out{i}"], rtol=1e-6)
