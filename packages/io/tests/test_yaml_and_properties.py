"""YAML configs, the saver's registration, and round trips as hypothesis properties."""

import os
import pathlib
import tempfile

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamella
from lamella.saving import saver_for
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import SeededDense as TinyDense
from lamella.testing import randomize_weights as randomize
from lamella.testing import toy_inputs as data
from lamella.testing.stand_ins import ACTIVATIONS

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "keras231"


def test_the_h5_saver_is_registered_for_h5_and_hdf5():
    from lamella_io.hdf5 import SAVER

    assert saver_for("model.h5") is SAVER and saver_for("model.HDF5") is SAVER
    assert SAVER.extensions == (".h5", ".hdf5")


def test_to_yaml_round_trip():
    model = lamella.Sequential([TinyDense(3, "tanh", input_shape=(4,)), TinyDense(2)])
    text = model.to_yaml()
    assert yaml.safe_load(text)["class_name"] == "Sequential"
    again = lamella.models.model_from_yaml(text, custom_objects=CUSTOM)
    assert again.get_config() == model.get_config()


def test_keras231_yaml_with_python_tuples_parses_safely():
    text = (FIXTURES / "seq_conv.yaml").read_text()
    assert "!!python/tuple" in text
    import lamella.models as models
    from lamella.models import model_from_yaml

    captured = {}

    def capture(config, custom_objects=None):
        captured["config"] = config
        return config

    original = models.model_from_config
    models.model_from_config = capture
    try:
        model_from_yaml(text)
    finally:
        models.model_from_config = original
    layers = captured["config"]["config"]["layers"]
    assert layers[0]["config"]["batch_input_shape"] == [None, 8, 8, 2]
    assert layers[0]["config"]["kernel_size"] == [3, 3]


dense_stacks = st.lists(
    st.tuples(st.integers(min_value=1, max_value=6), st.sampled_from(sorted(ACTIVATIONS))),
    min_size=1, max_size=4)


def build(stack, input_dim):
    layers = [TinyDense(units, activation, **({"input_shape": (input_dim,)} if i == 0 else {}))
              for i, (units, activation) in enumerate(stack)]
    return lamella.Sequential(layers)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack=dense_stacks, input_dim=st.integers(min_value=1, max_value=5),
       seed=st.integers(min_value=0, max_value=2**16))
def test_save_then_load_model_gives_identical_predictions_and_config(stack, input_dim, seed):
    model = randomize(build(stack, input_dim), seed=seed)
    x = data(n=5, dim=input_dim, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.h5")
        model.save(path)
        again = lamella.models.load_model(path, custom_objects=CUSTOM, compile=False)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert again.get_config() == model.get_config()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack=dense_stacks, input_dim=st.integers(min_value=1, max_value=5),
       seed=st.integers(min_value=0, max_value=2**16), by_name=st.booleans())
def test_save_weights_then_load_weights_into_a_fresh_model(stack, input_dim, seed, by_name):
    model = randomize(build(stack, input_dim), seed=seed)
    fresh = build(stack, input_dim)
    if by_name:
        for source, target in zip(model.layers, fresh.layers):
            target.name = source.name
    x = data(n=5, dim=input_dim, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "w.h5")
        model.save_weights(path)
        fresh.load_weights(path, by_name=by_name)
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))
