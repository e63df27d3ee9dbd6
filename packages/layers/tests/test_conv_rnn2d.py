"""``ConvRNN2D`` (keras.layers.convolutional_recurrent.ConvRNN2D): the recurrent layer around a
convolutional cell, as Keras 2.3 scripts build it (``ConvRNN2D(ConvLSTM2DCell(...))``), checked
against real Keras 2.3.1 (fixtures by tools/keras231/make_conv_rnn2d_fixtures.py), with a
cell of the script's own and with Keras's argument errors."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamella
from lamella.engine.base_layer import Layer
from lamella.testing import PlainSGD, mean_squared_error
from lamella_layers.convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D

FIXTURES = Path(__file__).parent / "fixtures" / "keras231"
CASES = json.loads((FIXTURES / "conv_rnn2d.json").read_text())["cases"]
ARRAYS = np.load(FIXTURES / "conv_rnn2d.npz")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_outputs_and_weights_equal_keras_231(case):
    # Keras's own config (the cell nested in it) deserializes to a ConvRNN2D.
    layer = lamella.layers.deserialize({"class_name": "ConvRNN2D", "config": case["config"]})
    assert type(layer) is ConvRNN2D and type(layer.cell) is ConvLSTM2DCell
    out = layer(lamella.Input(shape=tuple(case["input_shapes"][0])))
    outs = out if isinstance(out, list) else [out]
    assert [list(o.shape[1:]) for o in outs] == [s[1:] for s in case["output_shapes"]]
    if "weight_names" in case:
        assert layer.keras_weight_names() == case["weight_names"]
    cid = case["id"]
    layer.set_weights([ARRAYS[f"{cid}/w{i}"] for i in range(case["n_weights"])])
    with torch.no_grad():
        got = layer(torch.as_tensor(ARRAYS[f"{cid}/x0"]))
    got = got if isinstance(got, list) else [got]
    for i, value in enumerate(got):
        np.testing.assert_allclose(value.numpy(), ARRAYS[f"{cid}/y{i}"], rtol=1e-5, atol=1e-5)


def test_keras_script_pattern_trains_saves_config_and_matches_conv_lstm2d():
    torch.manual_seed(0)
    model = lamella.Sequential([
        ConvRNN2D(ConvLSTM2DCell(filters=2, kernel_size=3, padding="same"),
                  return_sequences=False, input_shape=(3, 5, 5, 1)),
        lamella.layers.Flatten(),
    ])
    model.compile(PlainSGD(0.1), mean_squared_error)
    x = np.random.RandomState(0).randn(4, 3, 5, 5, 1).astype("float32")
    y = np.zeros((4, 50), "float32")
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    rnn = model.layers[0]
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "ConvLSTM2DCell" and config["unroll"] is False
    again = ConvRNN2D.from_config(config)
    again(lamella.Input(shape=(3, 5, 5, 1)))
    again.set_weights(rnn.get_weights())
    # ConvLSTM2D is a ConvRNN2D around the same cell: the same weights give the same output.
    twin = ConvLSTM2D(2, 3, padding="same")
    twin(lamella.Input(shape=(3, 5, 5, 1)))
    twin.set_weights(rnn.get_weights())
    assert isinstance(twin, ConvRNN2D)
    device = model.device   # CUDA where one is visible: fit placed the model there
    xt = torch.as_tensor(x, device=device)
    with torch.no_grad():
        expected = rnn(xt)
        torch.testing.assert_close(again.to(device)(xt), expected)
        torch.testing.assert_close(twin.to(device)(xt), expected)


class MinimalConvCell(Layer):
    """A script's own convolutional cell: Keras's attributes and ``call(x, states)``."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, (1, 1), (1, 1)
        self.padding, self.dilation_rate, self.data_format = "valid", (1, 1), "channels_last"
        self.state_size = filters

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.filters),
                                      initializer=lambda s, dtype=None: torch.ones(s))

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0]
        return h, [h]


def test_a_cell_of_ones_own_is_stepped_with_masking():
    layer = ConvRNN2D(MinimalConvCell(2), return_sequences=True, return_state=True)
    x = torch.ones(2, 3, 4, 4, 1)
    mask = torch.tensor([[True, True, True], [True, False, True]])
    sequence, state = layer(x, mask=mask)
    assert sequence.shape == (2, 3, 4, 4, 2) and state.shape == (2, 4, 4, 2)
    # a running sum of the input; a masked step keeps the previous output and state
    assert sequence[0, :, 0, 0, 0].tolist() == [1.0, 2.0, 3.0]
    assert sequence[1, :, 0, 0, 0].tolist() == [1.0, 1.0, 2.0]
    assert state[1, 0, 0, 0].item() == 2.0
    out = ConvRNN2D(MinimalConvCell(3))(lamella.Input(shape=(5, 4, 4, 1)))
    assert out.shape == (None, 4, 4, 3)


def test_keras_argument_errors():
    with pytest.raises(TypeError, match="unrolling isn't possible"):
        ConvRNN2D(ConvLSTM2DCell(2, 3), unroll=True)
    with pytest.raises(TypeError, match="stack convolutional cells"):
        ConvRNN2D([ConvLSTM2DCell(2, 3), ConvLSTM2DCell(2, 3)])
    with pytest.raises(ValueError, match=r"\(ConvRNN2D\) is incompatible: expected ndim=5"):
        ConvRNN2D(ConvLSTM2DCell(2, 3))(lamella.Input(shape=(5, 5, 1)))
    with pytest.raises(ValueError, match="ConvRNN2D .*rank 5"):
        ConvRNN2D(ConvLSTM2DCell(2, 3)).build((None, 5, 5, 1))
