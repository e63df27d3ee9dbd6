import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lamella
from lamella.testing.reference import np_conv2d, tf_same_pads
from lamella_layers.convolutional import Conv2D


def run(layer, x):
    with torch.no_grad():
        return layer(torch.as_tensor(x)).numpy()


def test_kernel_layout_is_keras():
    layer = Conv2D(4, (3, 2))
    layer(torch.zeros(1, 5, 5, 3))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 3, 4) and bias.shape == (4,)


def test_same_stride_2_pads_bottom_right_like_tf():
    """4x4 input, 3x3 ones kernel, stride 2: TF pads 0 top/left and 1 bottom/right."""
    assert tf_same_pads(4, 3, 2) == (0, 1)
    layer = Conv2D(1, 3, strides=2, padding="same", kernel_initializer="ones", use_bias=False)
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    y = run(layer, x)[0, :, :, 0]
    # windows: rows 0-2 / 2-3 by cols 0-2 / 2-3 (the padding row/column adds 0)
    assert y.tolist() == [[45.0, 39.0], [66.0, 50.0]]
    # torch's own symmetric padding=1 would give a different answer
    sym = torch.nn.functional.conv2d(torch.as_tensor(x).permute(0, 3, 1, 2),
                                     torch.ones(1, 1, 3, 3), stride=2, padding=1)
    assert sym[0, 0].tolist() != y.tolist()


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), cin=st.integers(1, 3), filters=st.integers(1, 3),
       kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
       dilation=st.sampled_from([(1, 1), (2, 1), (1, 2), (2, 2)]),
       padding=st.sampled_from(["valid", "same"]), use_bias=st.booleans())
def test_conv2d_matches_numpy_reference(h, w, cin, filters, kh, kw, sh, sw, dilation, padding,
                                        use_bias):
    if padding == "valid":
        assume(h >= (kh - 1) * dilation[0] + 1 and w >= (kw - 1) * dilation[1] + 1)
    layer = Conv2D(filters, (kh, kw), strides=(sh, sw), padding=padding, dilation_rate=dilation,
                   use_bias=use_bias, bias_initializer="random_normal", dtype="float64")
    x = np.random.RandomState(h * 100 + w).randn(2, h, w, cin)
    y = run(layer, x)
    weights = layer.get_weights()
    expected = np_conv2d(x, weights[0], weights[1] if use_bias else None, (sh, sw), padding,
                         dilation)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-10)
    assert layer.compute_output_shape((None, h, w, cin)) == (None,) + y.shape[1:]


@pytest.mark.parametrize("padding, strides", [("valid", 1), ("same", 1), ("same", 2)])
def test_channels_first_equals_channels_last(padding, strides):
    last = Conv2D(3, 3, strides=strides, padding=padding, dtype="float64")
    first = Conv2D(3, 3, strides=strides, padding=padding, data_format="channels_first",
                   dtype="float64")
    x = np.random.RandomState(0).randn(2, 6, 7, 2)
    y_last = run(last, x)
    first(torch.zeros(1, 2, 6, 7, dtype=torch.float64))
    first.set_weights(last.get_weights())
    y_first = run(first, x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(y_first.transpose(0, 2, 3, 1), y_last, rtol=1e-12)
    assert first.compute_output_shape((None, 2, 6, 7)) == (None,) + y_first.shape[1:]


def test_channels_last_output_needs_no_copy():
    """The conv runs on a channels_last view and its output permutes back to contiguous NHWC."""
    y = Conv2D(4, 3, padding="same")(torch.randn(2, 8, 8, 3))
    assert y.is_contiguous()


def test_activation_and_bias():
    layer = Conv2D(2, 1, activation="relu", kernel_initializer="ones",
                   bias_initializer=lamella.initializers.Constant(-1.0))
    y = layer(torch.tensor([[[[0.25, 0.25]], [[1.0, 2.0]]]]))  # (1, 2, 1, 2)
    assert y.tolist() == [[[[0.0, 0.0]], [[2.0, 2.0]]]]


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 12), w=st.integers(1, 12), k=st.integers(1, 5), s=st.integers(1, 4),
       d=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]),
       data_format=st.sampled_from(["channels_last", "channels_first"]))
def test_compute_output_shape_matches_real_output(h, w, k, s, d, padding, data_format):
    if padding == "valid":
        assume(min(h, w) >= (k - 1) * d + 1)
    layer = Conv2D(3, k, strides=s, padding=padding, dilation_rate=d, data_format=data_format)
    shape = (None, h, w, 2) if data_format == "channels_last" else (None, 2, h, w)
    y = layer(torch.zeros(2, *shape[1:]))
    assert layer.compute_output_shape(shape) == (None,) + tuple(y.shape[1:])


def test_symbolic_shapes_with_unknown_spatial_dims():
    inputs = lamella.layers.Input(shape=(None, None, 3))
    y = Conv2D(5, 3, strides=2, padding="same")(inputs)
    assert tuple(y.shape) == (None, None, None, 5)
    inputs = lamella.layers.Input(shape=(9, 9, 3))
    y = Conv2D(5, 3, strides=2, padding="valid")(inputs)
    assert tuple(y.shape) == (None, 4, 4, 5)


@settings(max_examples=40, deadline=None)
@given(filters=st.integers(1, 16), kernel_size=st.integers(1, 5) | st.tuples(
    st.integers(1, 5), st.integers(1, 5)), strides=st.integers(1, 3) | st.tuples(
    st.integers(1, 3), st.integers(1, 3)), padding=st.sampled_from(["valid", "same", "SAME"]),
    data_format=st.sampled_from([None, "channels_last", "channels_first"]),
    dilation=st.integers(1, 3), activation=st.sampled_from(["linear", "relu", "softmax"]),
    use_bias=st.booleans(), kinit=st.sampled_from(["glorot_uniform", "he_normal", "zeros"]),
    reg=st.sampled_from([None, "l2"]), con=st.sampled_from([None, "max_norm"]))
def test_conv2d_config_round_trip(filters, kernel_size, strides, padding, data_format, dilation,
                                  activation, use_bias, kinit, reg, con):
    layer = Conv2D(filters, kernel_size, strides=strides, padding=padding,
                   data_format=data_format, dilation_rate=dilation, activation=activation,
                   use_bias=use_bias, kernel_initializer=kinit, kernel_regularizer=reg,
                   bias_constraint=con)
    config = layer.get_config()
    assert Conv2D.from_config(config).get_config() == config
    assert config["padding"] == padding.lower()
    assert config["data_format"] == (data_format or "channels_last")
    assert isinstance(config["kernel_size"], tuple) and len(config["kernel_size"]) == 2
    assert "rank" not in config
    assert list(config)[3:] == [
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "bias_constraint"]


@pytest.mark.parametrize("kwargs, argument", [
    ({"padding": "foo"}, "padding"), ({"padding": "causal"}, "padding"),
    ({"filters": 0}, "filters"), ({"kernel_size": (1, 2, 3)}, "kernel_size"),
    ({"kernel_size": 0}, "kernel_size"), ({"strides": (1, 0)}, "strides"),
    ({"dilation_rate": "2"}, "dilation_rate"), ({"data_format": "NHWC"}, "data_format"),
])
def test_bad_arguments(kwargs, argument):
    args = {"filters": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=f"Conv2D.*{argument}"):
        Conv2D(**args)


def test_bad_input_rank_and_undefined_channels():
    with pytest.raises(ValueError, match="Conv2D"):
        Conv2D(2, 3)(torch.zeros(2, 5, 5))
    with pytest.raises(ValueError, match="Conv2D.*channel"):
        Conv2D(2, 3).build((None, 5, 5, None))
