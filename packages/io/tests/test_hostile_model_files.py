"""Model files with hostile or damaged configs: ``load_model`` fails with a ``ValueError`` that
names the file and the field (``model_config``/``training_config`` and the path inside), the
original exception as ``__cause__``."""

import json

import h5py
import numpy as np
import pytest

import lamella
from lamella.engine.serialization import ConfigError
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import MomentumSGD as TinySGD
from lamella.testing import mean_squared_error as tiny_mse
from lamella.testing import toy_functional, toy_inputs, toy_sequential


@pytest.fixture(params=["sequential", "functional"])
def saved(request, tmp_path):
    model = toy_sequential() if request.param == "sequential" else toy_functional()
    model.compile(optimizer=TinySGD(learning_rate=0.05), loss=tiny_mse)
    path = tmp_path / "m.h5"
    model.save(str(path))
    return path


def edit_attribute(path, name, change):
    with h5py.File(path, "a") as f:
        text = f.attrs[name]
        text = text.decode() if isinstance(text, bytes) else text
        new = change(json.loads(text))
        f.attrs[name] = np.bytes_((new if isinstance(new, str) else json.dumps(new)).encode())


def load_fails(path, match, cause=None):
    with pytest.raises(ValueError, match=match) as info:
        lamella.models.load_model(str(path), custom_objects=CUSTOM)
    assert isinstance(info.value, ConfigError)
    assert str(path) in str(info.value)
    if cause is not None:
        assert isinstance(info.value.__cause__, cause)
    return info.value


def test_training_config_that_is_not_json(saved):
    edit_attribute(saved, "training_config", lambda c: "{not json")
    load_fails(saved, r"field 'training_config': JSONDecodeError", json.JSONDecodeError)


def test_training_config_missing_the_optimizer(saved):
    edit_attribute(saved, "training_config",
                   lambda c: {k: v for k, v in c.items() if k != "optimizer_config"})
    load_fails(saved, r"field 'training_config': missing key 'optimizer_config'", KeyError)


def test_model_config_nested_30k_deep(saved):
    # 60 KB: what fits in an HDF5 attribute, and 30 times the depth json can decode.
    edit_attribute(saved, "model_config", lambda c: "[" * 30_000 + "]" * 30_000)
    load_fails(saved, r"field 'model_config': it is nested too deeply", RecursionError)


def test_model_config_nested_past_the_limit(saved):
    def deepen(config):
        config["config"]["layers"][0]["config"]["name"] = json.loads("[" * 500 + "]" * 500)
        return config

    edit_attribute(saved, "model_config", deepen)
    load_fails(saved, r"field 'model_config.config.layers\[0\].config.name\[0\].*levels deep")


def test_model_config_missing_layers(saved):
    edit_attribute(saved, "model_config",
                   lambda c: {**c, "config": {k: v for k, v in c["config"].items()
                                              if k != "layers"}})
    load_fails(saved, r"field 'model_config.config': missing key 'layers'", KeyError)


def test_model_config_with_a_size_torch_cannot_take(saved):
    def huge(config):
        layer = [l for l in config["config"]["layers"] if "units" in l["config"]][-1]
        layer["config"]["units"] = 10**30
        return config

    edit_attribute(saved, "model_config", huge)
    error = load_fails(saved, r"field 'model_config.config.layers\[\d\]")
    assert "\n" not in str(error)


def test_model_config_with_a_negative_input_dimension(saved):
    def negative(config):
        first = config["config"]["layers"][0]["config"]
        first["batch_input_shape"] = [None, -4]
        return config

    edit_attribute(saved, "model_config", negative)
    load_fails(saved, r"field 'model_config.config.layers\[0\].*Input.*None, -4")


def test_keras3_lambda_with_safe_mode_off(saved):
    # In safe mode the safety check refuses it (test_safety.py); with safe_mode=False lamella
    # still cannot load Keras 3's bytecode format, and says so instead of "unhashable dict".
    def add_lambda(config):
        config["config"]["layers"].append({"class_name": "Lambda", "config": {
            "name": "fn", "function": {"class_name": "__lambda__", "config": {"code": "4wE"}}},
            "name": "fn", "inbound_nodes": []})
        return config

    edit_attribute(saved, "model_config", add_lambda)
    with pytest.raises(ConfigError, match=r"m\.h5.*'model_config.config.layers\[\d\]"
                                          r".config.function'.*Keras 3"):
        lamella.models.load_model(str(saved), custom_objects=CUSTOM, safe_mode=False)


def test_a_good_file_still_loads(saved):
    model = lamella.models.load_model(str(saved), custom_objects=CUSTOM)
    assert model.predict(toy_inputs() if len(model.inputs) == 1 else
                         [toy_inputs(), toy_inputs()]) is not None
