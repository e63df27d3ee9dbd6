"""LocallyConnected1D/2D and ConvLSTM2D beyond the generic Keras-parity suite: HDF5 weight
names, the three LocallyConnected implementations against each other, explicit output shapes
against real ones, config round-trips, the cell against the layer, masking, dropout, stateful
use, gradients and argument errors."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lamella
from lamella import backend as K
from lamella_layers.convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell
from lamella_layers.local import LocallyConnected1D, LocallyConnected2D

FIXTURES = Path(__file__).parent / "fixtures" / "keras231"
_CASES = [c for c in json.loads((FIXTURES / "layers.json").read_text())["cases"]
          if c["class_name"] in ("LocallyConnected1D", "LocallyConnected2D", "ConvLSTM2D")]


def _run(layer, x, **kwargs):
    with torch.no_grad():
        return layer(torch.as_tensor(x), **kwargs)


# --- registration and Keras's names ---------------------------------------------------------

def test_registered_under_keras_names():
    assert lamella.layers.LocallyConnected1D is LocallyConnected1D
    assert lamella.layers.LocallyConnected2D is LocallyConnected2D
    assert lamella.layers.ConvLSTM2D is ConvLSTM2D
    assert lamella.layers.ConvLSTM2DCell is ConvLSTM2DCell


@pytest.mark.parametrize("case", [c for c in _CASES if "weight_names" in c],
                         ids=lambda c: c["id"])
def test_weight_names_equal_keras_231(case):
    """``keras_weight_names()`` equals Keras's ``[w.name for w in layer.weights]``."""
    layer = lamella.layers.deserialize({"class_name": case["class_name"],
                                        "config": case["config"]})
    layer(lamella.Input(shape=tuple(case["input_shapes"][0])))
    assert layer.keras_weight_names() == case["weight_names"]


def test_default_names_in_a_fresh_session_match_keras():
    K.clear_session()
    a = LocallyConnected2D(2, 2)
    b = LocallyConnected1D(2, 2)
    c = ConvLSTM2D(2, 2)
    a(torch.zeros(1, 4, 4, 1))
    b(torch.zeros(1, 4, 1))
    c(torch.zeros(1, 2, 4, 4, 1))
    assert a.keras_weight_names() == ["locally_connected2d_1/kernel:0",
                                      "locally_connected2d_1/bias:0"]
    assert b.keras_weight_names() == ["locally_connected1d_1/kernel:0",
                                      "locally_connected1d_1/bias:0"]
    assert c.keras_weight_names() == ["conv_lst_m2d_1/kernel:0",
                                      "conv_lst_m2d_1/recurrent_kernel:0",
                                      "conv_lst_m2d_1/bias:0"]


# --- LocallyConnected: the three implementations ------------------------------------------

def _dense_matrix(layer, in_shape):
    """The layer's linear map as an ``(in_size, out_size)`` matrix (no bias/activation)."""
    n = int(np.prod(in_shape))
    eye = torch.eye(n, dtype=torch.float64).reshape((n,) + tuple(in_shape))
    return _run(layer, eye).reshape(n, -1).numpy()


@pytest.mark.parametrize("cls, shape, kernel, strides", [
    (LocallyConnected1D, (9, 3), 3, 2), (LocallyConnected1D, (6, 2), 2, 1),
    (LocallyConnected2D, (5, 6, 3), (3, 2), (2, 1)), (LocallyConnected2D, (4, 5, 2), 2, 2)])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_implementations_1_2_3_give_the_same_outputs(cls, shape, kernel, strides, fmt):
    s = shape if fmt == "channels_last" else (shape[-1],) + shape[:-1]
    x = torch.randn((3,) + s, dtype=torch.float64)
    kw = dict(strides=strides, data_format=fmt, dtype="float64", activation="tanh")
    ref = cls(2, kernel, use_bias=False, **kw)
    ref(x)
    dense = _dense_matrix(ref, s)  # linear, since tanh is applied after: undo via atanh
    dense = np.arctanh(np.clip(dense, -1 + 1e-12, 1 - 1e-12))
    bias = np.random.RandomState(0).randn(*ref.compute_output_shape((None,) + s)[1:])
    want = None
    for impl in (1, 2, 3):
        layer = cls(2, kernel, implementation=impl, **kw)
        layer(x)
        if impl == 1:
            weights = [ref.get_weights()[0]]
        elif impl == 2:
            weights = [dense.reshape(layer.get_weights()[0].shape)]
        else:
            rows, cols = layer._kernel_idxs.numpy()
            assert len(rows) == np.count_nonzero(dense)  # exactly the connected entries
            weights = [dense.T[rows, cols]]
        out_spatial = layer._out_spatial_shape
        weights.append(bias.reshape(out_spatial + (2,)))
        layer.set_weights(weights)
        got = _run(layer, x).numpy()
        if want is None:
            want = got
        np.testing.assert_allclose(got, want, atol=1e-10)
        assert layer.compute_output_shape((None,) + s) == (None,) + got.shape[1:]


def test_locally_connected_weight_layouts():
    x = torch.zeros(2, 6, 7, 3)
    shapes = {}
    for impl in (1, 2, 3):
        layer = LocallyConnected2D(4, (3, 2), strides=(2, 1), implementation=impl)
        layer(x)
        shapes[impl] = [w.shape for w in layer.get_weights()]
    assert shapes[1] == [(12, 18, 4), (2, 6, 4)]
    assert shapes[2] == [(6, 7, 3, 2, 6, 4), (2, 6, 4)]
    assert shapes[3] == [(12 * 18 * 4,), (2, 6, 4)]
    layer = LocallyConnected2D(4, (3, 2), data_format="channels_first", implementation=2)
    layer(torch.zeros(2, 3, 6, 7))
    assert layer.get_weights()[0].shape == (3, 6, 7, 4, 4, 6)


@settings(max_examples=40, deadline=None)
@given(rank=st.sampled_from([1, 2]), size=st.integers(3, 8), cin=st.integers(1, 3),
       filters=st.integers(1, 3), kernel=st.integers(1, 3), stride=st.integers(1, 3),
       impl=st.sampled_from([1, 2, 3]), fmt=st.sampled_from(["channels_last", "channels_first"]))
def test_locally_connected_symbolic_shape_equals_real_shape(rank, size, cin, filters, kernel,
                                                           stride, impl, fmt):
    cls = LocallyConnected1D if rank == 1 else LocallyConnected2D
    spatial = (size,) * rank if rank == 1 else (size, size + 1)
    shape = spatial + (cin,) if fmt == "channels_last" else (cin,) + spatial
    assume(size >= kernel)
    layer = cls(filters, kernel, strides=stride, data_format=fmt, implementation=impl)
    symbolic = layer(lamella.Input(shape=shape)).shape
    real = layer(torch.zeros((2,) + shape)).shape
    assert symbolic == (None,) + tuple(real[1:])
    assert layer.compute_output_shape((None,) + shape) == symbolic


def test_locally_connected_config_round_trip_and_keras_keys():
    for cls, x in ((LocallyConnected1D, torch.randn(2, 7, 3)),
                   (LocallyConnected2D, torch.randn(2, 5, 6, 3))):
        for impl in (1, 2, 3):
            layer = cls(3, 2, activation="relu", implementation=impl,
                        bias_initializer="random_normal")
            y = _run(layer, x)
            clone = cls.from_config(layer.get_config())
            clone(x)
            clone.set_weights(layer.get_weights())
            assert torch.equal(_run(clone, x), y)
            assert clone.get_config() == layer.get_config()
            assert ("implementation" in layer.get_config()) == (impl != 1)
    # the default configs carry exactly Keras 2.3.1's keys
    for case in _CASES:
        if case["class_name"].startswith("Locally") and "api" not in case:
            layer = lamella.layers.deserialize({"class_name": case["class_name"],
                                                "config": case["config"]})
            assert set(layer.get_config()) == set(case["config"]), case["id"]


def test_locally_connected_gradients_reach_every_weight():
    for impl in (1, 2, 3):
        layer = LocallyConnected2D(2, 2, implementation=impl)
        layer(torch.randn(2, 4, 5, 3)).square().sum().backward()
        assert all(w.grad is not None and w.grad.abs().sum() > 0
                   for w in layer.trainable_weights)


@pytest.mark.parametrize("make, match", [
    (lambda: LocallyConnected2D(2, 2, padding="same"), "padding"),
    (lambda: LocallyConnected1D(2, 2, implementation=4), "implementation"),
    (lambda: LocallyConnected2D(0, 2), "filters"),
    (lambda: ConvLSTM2D(2, 2, unroll=True), "nroll"),
    (lambda: ConvLSTM2D(2, 2, padding="causal"), "padding"),
])
def test_invalid_arguments_raise(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_wrong_rank_and_undefined_spatial_dims_raise():
    with pytest.raises(ValueError, match="rank 4"):
        LocallyConnected2D(2, 2)(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="fully"):
        LocallyConnected2D(2, 2)(lamella.Input(shape=(None, 5, 3)))
    with pytest.raises(ValueError, match="rank 5"):
        ConvLSTM2D(2, 2)(torch.zeros(2, 5, 5, 3))


# --- ConvLSTM2D -----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding, strides", [("valid", 1), ("same", 2)])
def test_cell_stepped_by_hand_equals_the_layer(fmt, padding, strides):
    layer = ConvLSTM2D(3, (3, 2), strides=strides, padding=padding, data_format=fmt,
                       return_sequences=True, return_state=True, bias_initializer="random_normal")
    x = torch.randn(2, 4, 5, 6, 2) if fmt == "channels_last" else torch.randn(2, 4, 2, 5, 6)
    seq, h, c = _run(layer, x)
    cell = ConvLSTM2DCell(3, (3, 2), strides=strides, padding=padding, data_format=fmt)
    cell.build((None,) + tuple(x.shape[2:]))
    cell.set_weights(layer.get_weights())
    states = [torch.zeros_like(h), torch.zeros_like(c)]
    outs = []
    with torch.no_grad():
        for t in range(4):
            out, states = cell.call(x[:, t], states)
            outs.append(out)
    torch.testing.assert_close(torch.stack(outs, 1), seq, atol=1e-6, rtol=0)
    torch.testing.assert_close(states[1], c, atol=1e-6, rtol=0)
    assert cell.compute_output_shape((None,) + tuple(x.shape[2:])) == (None,) + tuple(h.shape[1:])


@settings(max_examples=30, deadline=None)
@given(steps=st.integers(1, 3), size=st.integers(3, 6), kernel=st.integers(1, 3),
       stride=st.integers(1, 2), dilation=st.sampled_from([1, 2]),
       padding=st.sampled_from(["valid", "same"]), seq=st.booleans(), state=st.booleans(),
       fmt=st.sampled_from(["channels_last", "channels_first"]))
def test_convlstm_symbolic_shapes_equal_real_shapes(steps, size, kernel, stride, dilation,
                                                    padding, seq, state, fmt):
    if stride > 1 and dilation > 1:
        dilation = 1
    assume(padding == "same" or size >= (kernel - 1) * dilation + 1)
    shape = (steps, size, size + 1, 2) if fmt == "channels_last" else (steps, 2, size, size + 1)
    layer = ConvLSTM2D(2, kernel, strides=stride, dilation_rate=dilation, padding=padding,
                       data_format=fmt, return_sequences=seq, return_state=state)
    symbolic = layer(lamella.Input(shape=shape))
    real = _run(layer, torch.zeros((2,) + shape))
    symbolic = symbolic if isinstance(symbolic, list) else [symbolic]
    real = real if isinstance(real, list) else [real]
    assert [s.shape for s in symbolic] == [(None,) + tuple(r.shape[1:]) for r in real]
    expected = layer.compute_output_shape((None,) + shape)
    expected = expected if isinstance(expected, list) else [expected]
    assert expected == [s.shape for s in symbolic]


def test_convlstm_config_round_trip_and_keras_keys():
    layer = ConvLSTM2D(2, 3, padding="same", recurrent_activation="sigmoid",
                       return_sequences=True, go_backwards=True, dropout=0.1,
                       bias_initializer="random_normal")
    x = torch.randn(2, 3, 5, 5, 2)
    y = _run(layer.eval(), x)
    config = layer.get_config()
    clone = lamella.layers.deserialize({"class_name": "ConvLSTM2D", "config": config})
    clone.eval()
    clone(x)
    clone.set_weights(layer.get_weights())
    assert torch.equal(_run(clone, x), y)
    assert clone.get_config() == config
    for case in _CASES:
        if case["class_name"] == "ConvLSTM2D" and case["kind"] == "layer":
            layer = lamella.layers.deserialize({"class_name": "ConvLSTM2D",
                                                "config": case["config"]})
            assert set(layer.get_config()) == set(case["config"])
            assert layer.recurrent_activation is lamella.activations.get(
                case["config"]["recurrent_activation"])
    assert ConvLSTM2D(2, 2).get_config()["recurrent_activation"] == "hard_sigmoid"
    cell = ConvLSTM2DCell(2, 2, dropout=0.2)
    assert ConvLSTM2DCell.from_config(cell.get_config()).get_config() == cell.get_config()


def test_unit_forget_bias_initialises_the_forget_block():
    layer = ConvLSTM2D(3, 2)
    layer(torch.zeros(1, 2, 4, 4, 1))
    bias = layer.get_weights()[2]
    assert bias.tolist() == [0.0] * 3 + [1.0] * 3 + [0.0] * 6


def test_masked_steps_keep_previous_output_and_states():
    layer = ConvLSTM2D(2, 3, padding="same", return_sequences=True, return_state=True)
    x = torch.randn(2, 4, 5, 5, 1)
    mask = torch.tensor([[True, True, False, False], [False, True, True, True]])
    seq, h, c = _run(layer, x, mask=mask)
    assert torch.equal(seq[0, 2], seq[0, 1]) and torch.equal(seq[0, 3], seq[0, 1])
    assert torch.equal(seq[1, 0], torch.zeros_like(seq[1, 0]))
    # sample 0's final states are those after step 1: the same as running 2 steps only
    _, h2, c2 = _run(layer, x[:, :2])
    torch.testing.assert_close(h[0], h2[0])
    torch.testing.assert_close(c[0], c2[0])
    # sample 1 skipped step 0: the same as running on steps 1..3
    _, h3, _ = _run(layer, x[:, 1:])
    torch.testing.assert_close(h[1], h3[1])
    assert layer.compute_mask(x, mask) == [mask, None, None]


def test_dropout_only_in_training_and_gradients_reach_every_weight():
    layer = ConvLSTM2D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.5,
                       return_sequences=True)
    x = torch.randn(2, 3, 5, 5, 2)
    layer.eval()
    a, b = _run(layer, x), _run(layer, x)
    assert torch.equal(a, b)
    layer.train()
    torch.manual_seed(1)
    y = layer(x)
    assert not torch.allclose(y, a)
    y.square().sum().backward()
    assert all(w.grad is not None and w.grad.abs().sum() > 0 for w in layer.trainable_weights)


def test_stateful_carries_states_until_reset():
    layer = ConvLSTM2D(2, 3, stateful=True, batch_input_shape=(2, 3, 5, 5, 1))
    x1, x2 = torch.randn(2, 3, 5, 5, 1), torch.randn(2, 3, 5, 5, 1)
    _run(layer, x1)
    carried = _run(layer, x2)
    layer.reset_states()
    assert all(torch.equal(s, torch.zeros(2, 3, 3, 2)) for s in layer.states)
    fresh = _run(layer, x2)
    assert not torch.allclose(carried, fresh)
    layer.reset_states()
    _run(layer, x1)
    h, c = [s.clone() for s in layer.states]
    layer.reset_states([h.numpy(), c.numpy()])
    torch.testing.assert_close(_run(layer, x2), carried)
    with pytest.raises(ValueError, match="expected shape"):
        layer.reset_states([np.zeros((2, 4, 4, 2)), np.zeros((2, 4, 4, 2))])
    with pytest.raises(AttributeError, match="stateful"):
        ConvLSTM2D(2, 2).reset_states()


def test_sequential_and_functional_models():
    model = lamella.Sequential([
        ConvLSTM2D(2, 3, padding="same", return_sequences=True, input_shape=(3, 6, 6, 1)),
        ConvLSTM2D(2, 3),
        LocallyConnected2D(2, 2),
        lamella.layers.Flatten(),
        lamella.layers.Dense(1),
    ])
    assert model.output_shape == (None, 1)
    x = np.random.randn(4, 3, 6, 6, 1).astype("float32")
    assert model.predict(x, batch_size=2).shape == (4, 1)
    model(torch.as_tensor(x)).square().mean().backward()  # optimizers live in another package
    assert all(w.grad is not None for w in model.trainable_weights)
    inp = lamella.Input(shape=(8, 3))
    out = LocallyConnected1D(2, 3, strides=2, implementation=3)(inp)
    assert out.shape == (None, 3, 2)
    model = lamella.Model(inp, out)
    assert model.predict(np.zeros((2, 8, 3), "float32")).shape == (2, 3, 2)
