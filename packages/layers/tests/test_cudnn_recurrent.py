"""``CuDNNLSTM``/``CuDNNGRU`` against real Keras 2.3.1 (fixtures from
tools/keras231/make_cudnn_fixtures.py): config, weight names and layouts, outputs (Keras's own
equivalent LSTM/GRU after Keras's weight conversion, since Keras needs a GPU to run them) and
Keras's conversion between the CuDNN and the plain layers' weights."""

import json
import pathlib

import numpy as np
import pytest
import torch

import lamella
from lamella import layers
from lamella_layers.recurrent import weights_layout

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "keras231"
CASES = {c["id"]: c for c in json.loads((FIXTURES / "cudnn.json").read_text())["cases"]}
ARRAYS = np.load(FIXTURES / "cudnn.npz")


def arrays(case_id, prefix):
    out, i = [], 0
    while f"{case_id}/{prefix}{i}" in ARRAYS:
        out.append(ARRAYS[f"{case_id}/{prefix}{i}"])
        i += 1
    return out


def from_keras_config(case):
    lamella.backend.clear_session()
    return getattr(layers, case["class_name"]).from_config(case["config"])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_matches_keras_outputs_config_and_weight_names(case_id):
    case = CASES[case_id]
    layer = from_keras_config(case)
    x = torch.as_tensor(ARRAYS[f"{case_id}/x"])
    layer(x)
    assert layer.get_config() == case["config"]
    assert layer.keras_weight_names() == case["weight_names"]
    weights = arrays(case_id, "w")
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    outputs = layer(x)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    expected = arrays(case_id, "y")
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got.detach().numpy(), want, atol=1e-5)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_keras_conversion_to_and_from_the_plain_layer(case_id):
    case = CASES[case_id]
    cudnn, plain = arrays(case_id, "w"), arrays(case_id, "p")
    lstm = case["class_name"] == "CuDNNLSTM"
    target = "LSTM" if lstm else "GRU(reset_after=True)"
    converted = weights_layout.convert_keras_rnn_weights("x", target, cudnn)
    for got, want in zip(converted, plain):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # The plain layer, loading the CuDNN layer's arrays through the hook Keras's loader runs,
    # computes what Keras computed.
    config = {k: case["config"][k] for k in ("units", "return_sequences", "return_state",
                                             "go_backwards")}
    if lstm:
        layer = layers.LSTM(recurrent_activation="sigmoid", **config)
    else:
        layer = layers.GRU(reset_after=True, recurrent_activation="sigmoid", **config)
    x = torch.as_tensor(ARRAYS[f"{case_id}/x"])
    layer(x)
    layer.set_weights(layer._preprocess_loaded_weights(cudnn))
    outputs = layer(x)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    for got, want in zip(outputs, arrays(case_id, "y")):
        np.testing.assert_allclose(got.detach().numpy(), want, atol=1e-5)
    # And back: plain weights into the CuDNN layer (an LSTM's bias is split in halves).
    back = from_keras_config(case)
    back(x)
    back.set_weights(back._preprocess_loaded_weights(layer.get_weights()))
    outputs = back(x)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    for got, want in zip(outputs, arrays(case_id, "y")):
        np.testing.assert_allclose(got.detach().numpy(), want, atol=1e-5)


def test_conversion_refuses_what_keras_refuses():
    units = 2
    classic_gru = [np.zeros((3, 6)), np.zeros((2, 6)), np.zeros((6,))]
    with pytest.raises(ValueError, match=r"GRU\(reset_after=False\).*not compatible"):
        layers.CuDNNGRU(units)._preprocess_loaded_weights(classic_gru)
    with pytest.raises(ValueError, match="invalid bias shape"):
        layers.LSTM(units)._preprocess_loaded_weights(
            [np.zeros((3, 8)), np.zeros((2, 8)), np.zeros((5,))])
    same = [np.ones((3, 8)), np.ones((2, 8)), np.ones((8,))]
    assert layers.LSTM(units)._preprocess_loaded_weights(same) is same


def test_cudnn_layout_blocks_are_cudnn_matrices():
    lamella.backend.clear_session()
    layer = layers.CuDNNLSTM(2)
    layer(torch.zeros(1, 3, 5))
    kernel = np.arange(5 * 8, dtype="float32").reshape(5, 8)
    recurrent = np.arange(2 * 8, dtype="float32").reshape(2, 8)
    bias = np.arange(16, dtype="float32")
    layer.set_weights([kernel, recurrent, bias])
    cell = layer.cell
    # gate block g of Keras's kernel, read row-major, is cuDNN's (units, input_dim) matrix
    np.testing.assert_array_equal(cell.weight_ih[2:4].detach().numpy(),
                                  kernel[:, 2:4].reshape(2, 5))
    np.testing.assert_array_equal(cell.weight_hh[2:4].detach().numpy(), recurrent[:, 2:4])
    np.testing.assert_array_equal(cell.bias_ih_hh.detach().numpy(), bias.reshape(2, 8))


def test_forget_bias_on_the_recurrent_half():
    lamella.backend.clear_session()
    layer = layers.CuDNNLSTM(3)
    layer(torch.zeros(1, 2, 4))
    bias = layer.get_weights()[2]
    expected = np.zeros(24, dtype="float32")
    expected[15:18] = 1.0  # Keras 2.3.1: ones((units,)) after 5*units zeros
    np.testing.assert_array_equal(bias, expected)


def test_masks_and_cell_arguments_are_refused():
    lamella.backend.clear_session()
    layer = layers.CuDNNGRU(2)
    x = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match="masking is not supported"):
        layer(x, mask=torch.ones(2, 3, dtype=torch.bool))
    for key in ("dropout", "recurrent_dropout", "unroll"):
        with pytest.raises(TypeError, match=key):
            layers.CuDNNLSTM(2, **{key: 0.1 if "dropout" in key else True})


def test_stateful_and_initial_state():
    lamella.backend.clear_session()
    layer = layers.CuDNNLSTM(2, stateful=True, batch_input_shape=(2, 3, 4))
    x = torch.randn(2, 3, 4)
    first = layer(x)
    second = layer(x)
    assert not torch.allclose(first, second)
    layer.reset_states()
    torch.testing.assert_close(layer(x), first)
    states = [torch.randn(2, 2), torch.randn(2, 2)]
    plain = layers.CuDNNLSTM(2)
    out = plain(x, initial_state=states)
    assert out.shape == (2, 2) and not torch.allclose(out, plain(x))
