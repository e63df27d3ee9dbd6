"""RNN weights are stored as torch's fused kernels / cuDNN want them and seen in Keras's layouts.

The fused kernels must receive the cell's parameters themselves (no transposed views, no copy
per call: cuDNN crashed on the views, issue 12), the stepped cell path must agree with them,
and everything Keras sees (get/set_weights, constraints, optimizer slots) stays in Keras's
layout. The GPU-only checks at the end skip without CUDA.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamella
from lamella import layers
from lamella.testing import MomentumSGD, mean_squared_error
from lamella_layers.recurrent import weights_layout

# (layer factory, fused function name in torch)
FUSED = {
    "lstm": (lambda **kw: layers.LSTM(4, **kw), "lstm"),
    "gru": (lambda **kw: layers.GRU(4, reset_after=True, **kw), "gru"),
    "simple_tanh": (lambda **kw: layers.SimpleRNN(4, **kw), "rnn_tanh"),
    "simple_relu": (lambda **kw: layers.SimpleRNN(4, activation="relu", **kw), "rnn_relu"),
    "cudnn_lstm": (lambda **kw: layers.CuDNNLSTM(4, **kw), "lstm"),
    "cudnn_gru": (lambda **kw: layers.CuDNNGRU(4, **kw), "gru"),
}


def _randomize(layer, seed=0):
    rng = np.random.RandomState(seed)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5
                       for w in layer.get_weights()])


@pytest.mark.parametrize("kind", sorted(FUSED))
def test_fused_kernel_receives_the_parameters_themselves(kind, monkeypatch):
    make, fn_name = FUSED[kind]
    layer = make(return_sequences=True)
    x = torch.randn(2, 5, 3)
    layer(x)
    cell = layer.cell
    real = getattr(torch, fn_name)
    seen = []

    def spy(inputs, hx, params, *args):
        seen.append([(p, p.data_ptr()) for p in params])
        return real(inputs, hx, params, *args)

    monkeypatch.setattr(torch, fn_name, spy)
    layer(x)
    layer(x)
    assert len(seen) == 2
    first, second = seen
    assert first[0][0] is cell.weight_ih and first[1][0] is cell.weight_hh
    assert all(p.is_contiguous() for p, _ in first)
    assert [ptr for _, ptr in first] == [ptr for _, ptr in second]  # no per-call copies
    assert cell.weight_ih.shape == (cell._gates * 4, 3)
    assert cell.weight_hh.shape == (cell._gates * 4, 4)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("kind", sorted(FUSED))
def test_fused_path_matches_the_cell_path(kind, go_backwards):
    make, _ = FUSED[kind]
    layer = make(return_sequences=True, return_state=True, go_backwards=go_backwards)
    x = torch.randn(3, 6, 3)
    layer(x)
    _randomize(layer)
    fused = layer(x)
    # An all-true mask takes the stepped loop over cell.call, with the same weights.
    stepped = layer(x, mask=torch.ones(3, 6, dtype=torch.bool)) if not kind.startswith(
        "cudnn") else layer._loop(x, layer.get_initial_state(x), None, False)
    if kind.startswith("cudnn"):
        sequence, last, states = stepped
        stepped = [sequence, *states]
    for got, want in zip(fused, stepped):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_gradients_of_the_fused_and_cell_paths_agree():
    layer = layers.GRU(3, reset_after=True)
    x = torch.randn(2, 4, 5)
    layer(x)
    _randomize(layer, 3)
    grads = []
    for mask in (None, torch.ones(2, 4, dtype=torch.bool)):
        layer.zero_grad()
        layer(x, mask=mask).sum().backward()
        grads.append([p.grad.clone() for p in layer.trainable_weights])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_stored_layout_versus_keras_layout():
    lstm = layers.LSTM(2)
    lstm(torch.zeros(1, 3, 5))
    kernel, recurrent, bias = [np.arange(np.prod(w.shape), dtype="float32").reshape(w.shape)
                               for w in lstm.get_weights()]
    lstm.set_weights([kernel, recurrent, bias])
    np.testing.assert_array_equal(lstm.cell.weight_ih.detach().numpy(), kernel.T)
    np.testing.assert_array_equal(lstm.cell.weight_hh.detach().numpy(), recurrent.T)
    # Keras-layout views, not copies
    assert lstm.cell.kernel.data_ptr() == lstm.cell.weight_ih.data_ptr()
    for got, want in zip(lstm.get_weights(), [kernel, recurrent, bias]):
        np.testing.assert_array_equal(got, want)

    gru = layers.GRU(2, reset_after=True)
    gru(torch.zeros(1, 3, 5))
    kernel, recurrent, bias = [np.arange(np.prod(w.shape), dtype="float32").reshape(w.shape)
                               for w in gru.get_weights()]
    gru.set_weights([kernel, recurrent, bias])
    z, r, h = np.split(kernel, 3, axis=1)
    np.testing.assert_array_equal(gru.cell.weight_ih.detach().numpy(),
                                  np.concatenate([r, z, h], axis=1).T)
    bz, br, bh = np.split(bias, 3, axis=1)
    np.testing.assert_array_equal(gru.cell.bias_ih_hh.detach().numpy(),
                                  np.concatenate([br, bz, bh], axis=1))
    for got, want in zip(gru.get_weights(), [kernel, recurrent, bias]):
        np.testing.assert_array_equal(got, want)
    assert [tuple(w.shape) for w in gru.weights] == [(6, 5), (6, 2), (2, 6)]  # what trains


def test_initializers_draw_in_keras_layout():
    # Orthogonal on Keras's (units, 4*units): the rows are orthonormal there.
    lstm = layers.LSTM(3, recurrent_initializer="orthogonal")
    lstm(torch.zeros(1, 2, 3))
    recurrent = lstm.get_weights()[1]
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)
    bias = lstm.get_weights()[2]
    np.testing.assert_array_equal(bias[3:6], np.ones(3))  # unit_forget_bias on Keras's f block


def test_constraints_apply_in_keras_layout():
    lamella.backend.clear_session()
    inp = lamella.Input((4, 3))
    rnn = layers.GRU(2, reset_after=True, kernel_constraint="unit_norm")
    model = lamella.Model(inp, rnn(inp))
    model.compile(MomentumSGD(0.1), mean_squared_error)
    model.fit(np.random.rand(8, 4, 3).astype("float32"), np.random.rand(8, 2).astype("float32"),
              epochs=1, verbose=0)
    kernel = rnn.get_weights()[0]
    np.testing.assert_allclose(np.linalg.norm(kernel, axis=0), np.ones(6), atol=1e-5)


def test_optimizer_slots_are_saved_in_keras_layout():
    lamella.backend.clear_session()
    inp = lamella.Input((4, 3))
    rnn = layers.LSTM(2)
    model = lamella.Model(inp, rnn(inp))
    model.compile(MomentumSGD(0.1), mean_squared_error)
    model.fit(np.random.rand(8, 4, 3).astype("float32"), np.random.rand(8, 2).astype("float32"),
              epochs=1, verbose=0)
    slots = model.optimizer.get_weights()
    assert [s.shape for s in slots[1:]] == [(3, 8), (2, 8), (8,)]
    np.testing.assert_array_equal(slots[1], model.optimizer.moments[0].numpy().T)
    model.optimizer.set_weights([slots[0]] + [s * 2 for s in slots[1:]])
    np.testing.assert_allclose(model.optimizer.moments[0].numpy().T, slots[1] * 2)
    with pytest.raises(ValueError, match=r"slot of shape \(3, 8\)"):
        model.optimizer.set_weights([slots[0], slots[1].T, slots[2], slots[3]])


def test_state_dict_holds_the_stored_weights_only():
    lstm = layers.LSTM(2)
    lstm(torch.zeros(1, 3, 5))
    assert sorted(lstm.state_dict()) == ["cell.bias_ih", "cell.weight_hh", "cell.weight_ih"]
    assert lstm.count_params() == (5 + 2 + 1) * 8


def test_meta_device_keeps_the_layout():
    lstm = layers.LSTM(4, return_sequences=True)
    lstm(torch.zeros(1, 3, 5))
    lstm.to("meta")
    cell = lstm.cell
    assert cell.weight_ih.device.type == "meta" and cell.weight_ih.is_contiguous()
    assert cell.weight_ih.shape == (16, 5) and tuple(cell.kernel.shape) == (5, 16)
    assert isinstance(cell.weight_ih, torch.nn.Parameter)
    out = lstm(torch.zeros(2, 3, 5, device="meta"))
    assert out.shape == (2, 3, 4) and out.device.type == "meta"


def test_flattening_adopts_cudnn_views():
    # What flatten_weights does on CUDA, with a CPU buffer standing in for cuDNN's.
    for layer in (layers.LSTM(2), layers.GRU(2, reset_after=True), layers.CuDNNGRU(2)):
        layer(torch.zeros(1, 3, 5))
        _randomize(layer)
        before = layer.get_weights()
        cell = layer.cell
        weights = cell._fused_weights()
        flat = torch.cat([w.detach().reshape(-1) for w in weights])
        views, offset = [], 0
        for w in weights:
            views.append(flat[offset:offset + w.numel()].view(w.shape))
            offset += w.numel()
        params = [cell.weight_ih, cell.weight_hh]
        cell._adopt_flat_weights(views)
        assert params[0] is cell.weight_ih  # same Parameter objects (optimizers keep them)
        assert all(w.untyped_storage().data_ptr() == flat.untyped_storage().data_ptr()
                   for w in cell._fused_weights())
        for got, want in zip(layer.get_weights(), before):
            np.testing.assert_array_equal(got, want)


def test_flatten_is_a_no_op_off_cuda():
    lstm = layers.LSTM(2)
    lstm(torch.zeros(1, 3, 5))
    pointers = [w.data_ptr() for w in lstm.cell._fused_weights()]
    weights_layout.flatten_weights(lstm.cell)
    assert [w.data_ptr() for w in lstm.cell._fused_weights()] == pointers


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@needs_cuda
@pytest.mark.parametrize("kind", sorted(FUSED))
def test_cuda_weights_are_one_flat_buffer_and_match_cpu(kind, recwarn):
    make, _ = FUSED[kind]
    layer = make(return_sequences=True)
    x = torch.randn(2, 5, 3)
    want = layer(x).detach()
    layer.to("cuda")
    weights = layer.cell._fused_weights()
    storages = {w.untyped_storage().data_ptr() for w in weights}
    assert len(storages) == 1, "the fused weights should share cuDNN's flat buffer"
    got = layer(x.cuda())
    got.sum().backward()
    torch.testing.assert_close(got.detach().cpu(), want, atol=1e-4, rtol=1e-4)
    assert not [w for w in recwarn if "contiguous chunk" in str(w.message)]
    layer.to("cpu").to("cuda")  # moved again: flattened again
    weights = layer.cell._fused_weights()
    assert len({w.untyped_storage().data_ptr() for w in weights}) == 1


@needs_cuda
def test_cuda_model_with_lstm_trains():
    lamella.backend.clear_session()
    inp = lamella.Input((50, 32))
    model = lamella.Model(inp, layers.Dense(1)(layers.LSTM(64)(inp)))
    model.compile(MomentumSGD(0.01), mean_squared_error, device="cuda")
    history = model.fit(np.random.rand(64, 50, 32).astype("float32"),
                        np.random.rand(64, 1).astype("float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@settings(max_examples=40, deadline=None)
@given(units=st.integers(1, 5), features=st.integers(1, 6), kind=st.sampled_from(
    ["kernel", "gru_kernel", "gru_bias", "gru_bias2", "cudnn_kernel", "cudnn_gru_kernel",
     "cudnn_bias", "cudnn_gru_bias"]))
def test_layouts_round_trip(units, features, kind):
    gates = 4 if kind in ("kernel", "cudnn_kernel", "cudnn_bias") else 3
    order = None if gates == 4 else weights_layout.GRU_ORDER
    n = gates * units
    layout, shape = {
        "kernel": (weights_layout.Kernel(), (features, n)),
        "gru_kernel": (weights_layout.Kernel(order), (features, n)),
        "gru_bias": (weights_layout.Bias(order), (n,)),
        "gru_bias2": (weights_layout.Bias(order), (2, n)),
        "cudnn_kernel": (weights_layout.CuDNNKernel(gates), (features, n)),
        "cudnn_gru_kernel": (weights_layout.CuDNNKernel(gates, order), (features, n)),
        "cudnn_bias": (weights_layout.CuDNNBias(gates), (2 * n,)),
        "cudnn_gru_bias": (weights_layout.CuDNNBias(gates, order), (2 * n,)),
    }[kind]
    value = torch.arange(float(np.prod(shape))).reshape(shape)
    stored = layout.from_keras(value).contiguous()
    expected = (n, features) if kind.endswith("kernel") else \
        (2, n) if kind.startswith("cudnn") else shape
    assert tuple(stored.shape) == expected  # torch's layout
    torch.testing.assert_close(layout.to_keras(stored), value)
