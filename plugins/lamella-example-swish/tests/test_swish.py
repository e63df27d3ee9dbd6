"""Tests of the example plugin, through lamella's public API only (as a user would see it)."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamella
from lamella import activations, layers
from lamella_example_swish.activations import swish
from lamella_example_swish.layers import Swish


def test_entry_point_plugin_is_loaded():
    infos = {info.name: info for info in lamella.plugins.plugin_infos()}
    info = infos["lamella-example-swish"]
    assert info.status == "loaded", info.error
    assert info.registered == {"layers": ["Swish"], "activations": ["swish"]}
    assert set(info.hooks) == {"lamella_layers", "lamella_activations"}


def test_names_resolve_to_the_registered_objects():
    assert activations.get("swish") is swish
    assert activations.get("silu") is swish
    assert layers.Swish is Swish
    assert layers.get("swish") is Swish
    assert issubclass(layers.Swish, layers.Layer)


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-50, max_value=50, allow_nan=False))
def test_swish_is_x_times_sigmoid(x):
    expected = x / (1.0 + math.exp(-x))
    got = activations.get("swish")(torch.tensor(x, dtype=torch.float64)).item()
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_swish_layer_computes_and_keeps_shape():
    x = torch.linspace(-3, 3, 12).reshape(3, 4)
    layer = layers.Swish(beta=2.0)
    torch.testing.assert_close(layer(x), x * torch.sigmoid(2.0 * x))
    assert layer.compute_output_shape((None, 4)) == (None, 4)
    torch.testing.assert_close(layers.Swish()(x), swish(x))


def test_swish_layer_config_round_trips_through_the_facade():
    layer = layers.Swish(beta=0.5, name="my_swish")
    config = layers.serialize(layer)
    assert config["class_name"] == "Swish"
    assert config["config"]["beta"] == 0.5
    clone = layers.deserialize(config)
    assert type(clone) is Swish
    assert clone.beta == 0.5 and clone.name == "my_swish"
    assert clone.get_config() == layer.get_config()


def test_activation_serializes_to_its_name():
    assert activations.serialize(swish) == "swish"
    assert activations.deserialize("swish") is swish
