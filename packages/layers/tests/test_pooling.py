import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lamella
from lamella.testing.reference import np_max_pool2d
from lamella_layers.pooling import MaxPooling2D


def test_valid_pooling_example():
    x = torch.arange(16.0).reshape(1, 4, 4, 1)
    assert MaxPooling2D()(x)[..., 0].tolist() == [[[5.0, 7.0], [13.0, 15.0]]]


def test_same_pooling_ignores_padding_and_pads_bottom_right():
    # all-negative input: zero padding would win every padded window; -inf padding never does
    x = -(torch.arange(16.0) + 1).reshape(1, 4, 4, 1)
    y = MaxPooling2D(3, strides=2, padding="same")(x)[0, :, :, 0]
    # windows rows 0-2 / 2-3 by cols 0-2 / 2-3 (extra padding at bottom/right, as in TF)
    assert y.tolist() == [[-1.0, -3.0], [-9.0, -11.0]]


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), ph=st.integers(1, 4), pw=st.integers(1, 4),
       strides=st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)),
       padding=st.sampled_from(["valid", "same"]),
       data_format=st.sampled_from(["channels_last", "channels_first"]))
def test_matches_numpy_reference_and_output_shape(h, w, ph, pw, strides, padding, data_format):
    if padding == "valid":
        assume(h >= ph and w >= pw)
    layer = MaxPooling2D((ph, pw), strides=strides, padding=padding, data_format=data_format)
    x = np.random.RandomState(h * 10 + w).randn(2, h, w, 3)
    expected = np_max_pool2d(x, (ph, pw), strides or (ph, pw), padding)
    if data_format == "channels_last":
        y = layer(torch.as_tensor(x)).numpy()
        shape = (None, h, w, 3)
    else:
        y = layer(torch.as_tensor(x.transpose(0, 3, 1, 2))).numpy().transpose(0, 2, 3, 1)
        shape = (None, 3, h, w)
        expected_shape = (None, 3) + expected.shape[1:3]
    np.testing.assert_array_equal(y, expected)
    real = (None,) + (expected.shape[1:] if data_format == "channels_last"
                      else expected_shape[1:])
    assert layer.compute_output_shape(shape) == real


def test_strides_default_to_pool_size():
    config = MaxPooling2D(pool_size=3).get_config()
    assert config["strides"] == (3, 3) and config["pool_size"] == (3, 3)
    assert list(config)[3:] == ["pool_size", "padding", "strides", "data_format"]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4) | st.tuples(st.integers(1, 4), st.integers(1, 4)),
       st.none() | st.integers(1, 3), st.sampled_from(["valid", "same", "Valid"]),
       st.sampled_from([None, "channels_last", "channels_first"]))
def test_config_round_trip(pool_size, strides, padding, data_format):
    layer = MaxPooling2D(pool_size, strides, padding, data_format)
    config = layer.get_config()
    assert MaxPooling2D.from_config(config).get_config() == config


@pytest.mark.parametrize("kwargs, argument", [
    ({"padding": "foo"}, "padding"), ({"pool_size": 0}, "pool_size"),
    ({"strides": (2, 2, 2)}, "strides"), ({"data_format": "nchw"}, "data_format"),
])
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"MaxPooling2D.*{argument}"):
        MaxPooling2D(**kwargs)


def test_symbolic_unknown_dims_and_alias():
    inputs = lamella.layers.Input(shape=(None, 7, 2))
    y = lamella.layers.MaxPool2D(2, padding="same")(inputs)
    assert tuple(y.shape) == (None, None, 4, 2)
