import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamella
from lamella_layers.activations import relu, softmax
from lamella_layers.core import Activation, Dense, Dropout, Flatten
from lamella_layers.initializers import VarianceScaling

ACTIVATIONS = ["linear", "relu", "tanh", "sigmoid", "softmax", "elu", "selu", "softplus",
               "softsign", "hard_sigmoid", "exponential"]
INITIALIZERS = ["glorot_uniform", "he_normal", "zeros", "ones", "random_normal", "orthogonal",
                "lecun_uniform", "truncated_normal"]


# --- Dense ------------------------------------------------------------------------------

def test_dense_called_directly_on_tensors():
    assert Dense(3)(torch.ones(2, 4)).shape == (2, 3)


def test_dense_matches_numpy_and_stores_keras_layout():
    layer = Dense(3, activation="relu", bias_initializer="random_normal")
    x = torch.randn(5, 4)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 3) and bias.shape == (3,)
    expected = np.maximum(x.numpy() @ kernel + bias, 0)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert [w.shape for w in layer.weights] == [(4, 3), (3,)]


def test_dense_on_rank_3_applies_to_last_axis():
    layer = Dense(2, use_bias=False)
    x = torch.randn(2, 5, 4)
    y = layer(x)
    (kernel,) = layer.get_weights()
    np.testing.assert_allclose(y.detach().numpy(), np.einsum("bti,io->bto", x.numpy(), kernel),
                               rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 5, 4)) == (None, 5, 2)
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 2)


def test_dense_set_weights_and_input_dim():
    layer = Dense(2, input_dim=3)
    assert layer.get_config()["batch_input_shape"] == [None, 3]
    layer(torch.zeros(1, 3))
    layer.set_weights([np.arange(6, dtype=np.float32).reshape(3, 2), np.array([1.0, -1.0])])
    y = layer(torch.tensor([[1.0, 1.0, 1.0]]))
    assert y.tolist() == [[7.0, 8.0]]


def test_dense_default_initializers_are_keras():
    config = Dense(4).get_config()
    assert config["kernel_initializer"] == {
        "class_name": "VarianceScaling",
        "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}
    assert config["bias_initializer"] == {"class_name": "Zeros", "config": {}}
    assert config["activation"] == "linear"
    assert list(config)[:3] == ["name", "trainable", "dtype"]
    assert list(config)[3:] == ["units", "activation", "use_bias", "kernel_initializer",
                                "bias_initializer", "kernel_regularizer", "bias_regularizer",
                                "activity_regularizer", "kernel_constraint", "bias_constraint"]


def test_dense_accepts_objects():
    init = VarianceScaling(scale=2.0)
    layer = Dense(2, activation=relu, kernel_initializer=init)
    assert layer.activation is relu and layer.kernel_initializer is init


@pytest.mark.parametrize("units", [0, -3, 2.5, "4", None, True])
def test_dense_bad_units(units):
    with pytest.raises(ValueError, match="Dense.*units"):
        Dense(units=units)


def test_dense_unknown_kwarg_is_type_error():
    with pytest.raises(TypeError):
        Dense(2, bogus=1)


@settings(max_examples=40, deadline=None)
@given(units=st.integers(1, 64), activation=st.sampled_from(ACTIVATIONS),
       use_bias=st.booleans(), kinit=st.sampled_from(INITIALIZERS),
       binit=st.sampled_from([i for i in INITIALIZERS if i != "orthogonal"]),  # 1-D bias
       kreg=st.sampled_from([None, "l1", "l2", "l1_l2"]),
       areg=st.sampled_from([None, "l2"]),
       kcon=st.sampled_from([None, "max_norm", "non_neg", "unit_norm", "min_max_norm"]),
       trainable=st.booleans())
def test_dense_config_round_trip(units, activation, use_bias, kinit, binit, kreg, areg, kcon,
                                 trainable):
    layer = Dense(units, activation=activation, use_bias=use_bias, kernel_initializer=kinit,
                  bias_initializer=binit, kernel_regularizer=kreg, activity_regularizer=areg,
                  kernel_constraint=kcon, trainable=trainable, input_shape=(3,))
    config = layer.get_config()
    clone = Dense.from_config(config)
    assert clone.get_config() == config
    assert config["activation"] == activation and config["units"] == units
    clone(torch.ones(2, 3))  # the rebuilt layer works


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 6))
def test_dense_output_shape_matches(dims, units):
    layer = Dense(units)
    y = layer(torch.ones(2, *dims))
    assert layer.compute_output_shape((None, *dims)) == (None, *y.shape[1:])


# --- Activation -------------------------------------------------------------------------

def test_activation_layer():
    layer = Activation("softmax")
    x = torch.randn(2, 5)
    assert torch.equal(layer(x), softmax(x))
    assert layer.get_config()["activation"] == "softmax"
    assert Activation.from_config(layer.get_config()).activation is softmax
    assert layer.compute_output_shape((None, 5)) == (None, 5)
    assert Activation(None).get_config()["activation"] == "linear"


def test_activation_layer_relu_values():
    assert Activation("relu")(torch.tensor([[-1.0, 2.0]])).tolist() == [[0.0, 2.0]]


# --- Dropout ----------------------------------------------------------------------------

def test_dropout_is_identity_in_inference():
    layer = Dropout(0.5).eval()
    x = torch.randn(4, 10)
    assert layer(x) is x


def test_dropout_in_training_scales_kept_values():
    layer = Dropout(0.3).train()
    y = layer(torch.ones(200, 200))
    kept = y[y != 0]
    assert torch.allclose(kept, torch.full_like(kept, 1 / 0.7))
    assert (y == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)


def test_dropout_training_argument_overrides_mode():
    layer = Dropout(0.5).eval()
    assert (layer(torch.ones(100, 100), training=True) == 0).any()
    layer.train()
    x = torch.ones(3, 3)
    assert layer(x, training=False) is x


def test_dropout_noise_shape_shares_mask():
    layer = Dropout(0.5, noise_shape=(None, 1, 6)).train()
    y = layer(torch.ones(4, 5, 6))
    assert (y == y[:, :1, :]).all()  # one mask for every timestep
    assert (y == 0).any() and (y == 2.0).any()


def test_dropout_seed_reproducible():
    a = Dropout(0.5, seed=3).train()(torch.ones(10, 10))
    torch.manual_seed(99)
    b = Dropout(0.5, seed=3).train()(torch.ones(10, 10))
    assert torch.equal(a, b)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_dropout_rate_0_or_1_is_identity_like_keras(rate):
    x = torch.ones(3, 3)
    assert Dropout(rate).train()(x) is x


@pytest.mark.parametrize("rate", [1.5, -0.1, "0.5", None])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match="Dropout.*rate"):
        Dropout(rate=rate)


def test_dropout_bad_noise_shape():
    with pytest.raises(ValueError, match="Dropout.*noise_shape"):
        Dropout(0.5, noise_shape=(None, 0))


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 1), st.sampled_from([None, (None, 1, 4), [2, 3, 1]]),
       st.none() | st.integers(0, 1000))
def test_dropout_config_round_trip(rate, noise_shape, seed):
    layer = Dropout(rate, noise_shape=noise_shape, seed=seed)
    config = layer.get_config()
    assert {"rate", "noise_shape", "seed"} <= set(config)
    assert Dropout.from_config(config).get_config() == config


# --- Flatten ----------------------------------------------------------------------------

def test_flatten_channels_last_and_first():
    x = torch.arange(24.0).reshape(2, 3, 2, 2)
    assert torch.equal(Flatten()(x), x.reshape(2, 12))
    y = Flatten(data_format="channels_first")(x)
    assert torch.equal(y, x.permute(0, 2, 3, 1).reshape(2, 12))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4),
       st.sampled_from([None, "channels_last", "channels_first"]))
def test_flatten_output_shape(dims, data_format):
    layer = Flatten(data_format=data_format)
    y = layer(torch.ones(2, *dims))
    assert layer.compute_output_shape((None, *dims)) == (None, *y.shape[1:])
    assert layer.get_config()["data_format"] == (data_format or "channels_last")
    assert Flatten.from_config(layer.get_config()).get_config() == layer.get_config()


def test_flatten_undefined_shape_and_bad_format():
    with pytest.raises(ValueError, match="Flatten"):
        Flatten().compute_output_shape((None, None, 3))
    with pytest.raises(ValueError, match="Flatten.*data_format"):
        Flatten(data_format="channels_middle")


# --- in a functional graph --------------------------------------------------------------

def test_core_layers_in_a_functional_graph():
    inputs = lamella.layers.Input(shape=(4, 5))
    x = Flatten()(inputs)
    x = Dropout(0.2)(x)
    x = Dense(7, activation="tanh")(x)
    outputs = Activation("softmax")(x)
    assert tuple(outputs.shape) == (None, 7)
