"""Files written by real Keras 2.3.1 load into lamella with equal predictions (1e-5).

The fixtures come from tools/keras231/make_io_fixtures.py (packages/io/tests/fixtures/keras231/).
A model whose layer classes no installed plugin registers yet is skipped, naming them, so the
matrix grows as layers land. The other direction (lamella's files read by Keras 2.3.1) needs
TensorFlow, which CI lacks: tools/keras231/check_lamella_files.py checks it by hand.
"""

import json
import pathlib

import h5py
import numpy as np
import pytest

import lamella
from lamella import backend as K
from lamella.plugins import lookup

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "packages/io/tests/fixtures/keras231"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())["models"]
EXPECTED = np.load(FIXTURES / "expected.npz")
NOT_LAYERS = {"VarianceScaling", "Zeros", "Ones", "RandomUniform", "Orthogonal", "Constant"}


def require_layers(name):
    missing = [c for c in MANIFEST[name]["layer_classes"]
               if c not in NOT_LAYERS and lookup.find("layers", c) is None]
    assert not missing, f"{name}: no installed plugin registers {missing}"


def inputs_and_outputs(name):
    info = MANIFEST[name]
    xs = [EXPECTED[f"{name}/x{i}"] for i in range(info["inputs"])]
    ys = [EXPECTED[f"{name}/y{i}"] for i in range(info["outputs"])]
    return xs, ys


def max_diff(model, name):
    xs, ys = inputs_and_outputs(name)
    got = model.predict(xs if len(xs) > 1 else xs[0])
    got = got if isinstance(got, list) else [got]
    assert len(got) == len(ys)
    return max(float(np.abs(a - b).max()) for a, b in zip(got, ys))


@pytest.mark.parametrize("compile", [False, True])
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_load_model(name, compile):
    require_layers(name)
    model = lamella.models.load_model(str(FIXTURES / f"{name}.h5"), compile=compile)
    assert max_diff(model, name) <= 1e-5
    if compile:
        with h5py.File(FIXTURES / f"{name}.h5", "r") as f:
            training = json.loads(f.attrs["training_config"])
            iterations = int(f["optimizer_weights"][
                f["optimizer_weights"].attrs["weight_names"][0].decode()][()])
        assert type(model.optimizer).__name__ == training["optimizer_config"]["class_name"]
        # Keras 2.3's optimizer slots are in lamella's order, so the state is restored.
        assert model.optimizer.iterations == iterations > 0
        assert len(model.optimizer.get_weights()) == MANIFEST[name]["optimizer_weights"]
    else:
        assert model.optimizer is None


@pytest.mark.parametrize("by_name", [False, True])
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_model_from_json_then_load_weights(name, by_name):
    require_layers(name)
    model = lamella.models.model_from_json((FIXTURES / f"{name}.json").read_text())
    model.load_weights(str(FIXTURES / f"{name}.weights.h5"), by_name=by_name)
    assert max_diff(model, name) <= 1e-5


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_model_from_yaml_matches_the_json(name):
    require_layers(name)
    text = (FIXTURES / f"{name}.yaml").read_text()
    assert "!!python/tuple" in text or name != "seq_conv"
    from_yaml = lamella.models.model_from_yaml(text)
    from_json = lamella.models.model_from_json((FIXTURES / f"{name}.json").read_text())
    assert from_yaml.get_config() == from_json.get_config()
    from_yaml.load_weights(str(FIXTURES / f"{name}.weights.h5"))
    assert max_diff(from_yaml, name) <= 1e-5


def test_a_loaded_keras_model_keeps_training():
    require_layers("seq_conv")
    model = lamella.models.load_model(str(FIXTURES / "seq_conv.h5"))
    xs, _ = inputs_and_outputs("seq_conv")
    y = np.eye(3, dtype="float32")[np.arange(len(xs[0])) % 3]
    # iterations is a variable, as in Keras: read its value (a reference would move along).
    before = int(K.get_value(model.optimizer.iterations))
    assert before == 3  # Keras 2.3.1 trained it three steps
    history = model.fit(xs[0], y, epochs=2, batch_size=5, verbose=0)
    assert K.eval(model.optimizer.iterations) == before + 4
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_resaved_file_uses_keras_weight_names(name, tmp_path):
    """lamella writes the same layer groups and ``weight_names`` as Keras 2.3.1 wrote."""
    import h5py

    require_layers(name)
    model = lamella.models.load_model(str(FIXTURES / f"{name}.h5"), compile=False)
    model.save_weights(str(tmp_path / "again.h5"))
    with h5py.File(FIXTURES / f"{name}.weights.h5", "r") as keras_file, \
            h5py.File(tmp_path / "again.h5", "r") as ours:
        assert list(ours.attrs["layer_names"]) == list(keras_file.attrs["layer_names"])
        for layer in keras_file.attrs["layer_names"]:
            layer = layer.decode()
            assert list(ours[layer].attrs["weight_names"]) == list(
                keras_file[layer].attrs["weight_names"]), layer
