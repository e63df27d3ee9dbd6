"""The Swish layer passes lamella's layer conformance check, as every first-party layer does."""

from lamella import layers
from lamella.testing import run_layer_test


def test_swish_layer_conformance():
    run_layer_test(layers.Swish, {"beta": 2.0}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
                   check_float64=True)
