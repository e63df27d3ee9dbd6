"""Keras 2.3.1 signatures the API-coverage tool checks, exercised as scripts call them."""

import pytest
import torch

from lamella import layers


def test_conv3d_transpose_accepts_and_ignores_dilation_rate_as_keras_does():
    with pytest.warns(UserWarning, match="dilation_rate=2 is ignored"):
        layer = layers.Conv3DTranspose(2, 3, dilation_rate=2)
    # Keras 2.3.1 gives (None, 6, 6, 6, 2) for a (4, 4, 4, 1) input: no dilation
    assert tuple(layer(torch.zeros(1, 4, 4, 4, 1)).shape) == (1, 6, 6, 6, 2)
    assert "dilation_rate" not in layer.get_config()


def test_positional_arguments_follow_keras_order():
    conv = layers.Conv2D(4, 3, (1, 1), "same", None, (1, 1), "relu", False)
    assert conv.padding == "same" and conv.use_bias is False
    assert conv.get_config()["activation"] == "relu"
    lstm = layers.LSTM(3, "relu", "hard_sigmoid", False)
    config = lstm.get_config()
    assert (config["activation"], config["recurrent_activation"], config["use_bias"]) == \
        ("relu", "hard_sigmoid", False)
    gru = layers.GRU(2, "tanh", "sigmoid", True, reset_after=True)
    assert gru.get_config()["reset_after"] is True
    rnn = layers.SimpleRNN(2, "relu")
    assert rnn.get_config()["activation"] == "relu"
    local = layers.LocallyConnected1D(2, 3, 1, "valid", None, "tanh")
    assert local.get_config()["activation"] == "tanh"
    # the layers still round-trip through their configs
    for layer in (conv, lstm, gru, rnn, local):
        twin = type(layer).from_config(layer.get_config())
        assert twin.get_config() == layer.get_config()
