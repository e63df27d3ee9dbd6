"""Behaviour beyond the Keras fixtures: training-mode maths, the fused RNN path against the
stepped loop, stateful RNNs, Lambda's safe loading, round-trips, shapes, gradients, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamella
from lamella_layers import (
    advanced_activations,
    attention,
    convolutional,
    core,
    embeddings,
    merge,
    noise,
    normalization,
    pooling,
    recurrent,
    torch_module,
    wrappers,
)


def square(x):
    return x * x


# --- Lambda --------------------------------------------------------------------------------

def test_lambda_named_function_round_trips_by_name():
    layer = core.Lambda(square, output_shape=(3,))
    config = layer.get_config()
    assert config["function"] == "square" and config["function_type"] == "function"
    with pytest.raises(ValueError, match="custom_objects"):
        core.Lambda.from_config(config)
    clone = core.Lambda.from_config(config, custom_objects={"square": square})
    assert clone(torch.tensor([[2.0, 3.0, 4.0]])).tolist() == [[4.0, 9.0, 16.0]]
    assert clone.compute_output_shape((None, 3)) == (None, 3)


def test_lambda_bytecode_is_refused_unless_opted_in():
    layer = core.Lambda(lambda x, k=2.0: x * k, arguments={"k": 3.0})
    config = layer.get_config()
    assert config["function_type"] == "lambda"
    with pytest.raises(ValueError, match="safe_mode=False"):
        lamella.layers.deserialize({"class_name": "Lambda", "config": config})
    with lamella.saving.safe_mode_scope(False):
        clone = lamella.layers.deserialize({"class_name": "Lambda", "config": config})
    assert clone(torch.ones(1, 2)).tolist() == [[3.0, 3.0]]
    clone = core.Lambda.from_config(config, safe_mode=False)
    assert clone(torch.ones(1, 2)).tolist() == [[3.0, 3.0]]


def test_lambda_infers_shape_and_mask():
    inp = lamella.Input(shape=(4, 3))
    out = core.Lambda(lambda x: x[:, :2])(inp)
    assert out.shape == (None, 2, 3)
    layer = core.Lambda(lambda x: x, mask=lambda x, m: x[..., 0] > 0)
    assert layer.compute_mask(torch.tensor([[[1.0], [-1.0]]])).tolist() == [[True, False]]


# --- BatchNormalization -----------------------------------------------------------------------

def test_batch_normalization_training_updates_moving_stats_like_keras():
    bn = normalization.BatchNormalization(momentum=0.9, epsilon=1e-3)
    x = torch.randn(6, 4, 3)
    bn.train()
    y = bn(x)
    flat = x.reshape(-1, 3).double()
    mean, var = flat.mean(0), flat.var(0, unbiased=False)
    expected = (flat - mean) / torch.sqrt(var + 1e-3)
    np.testing.assert_allclose(y.reshape(-1, 3).detach().numpy(), expected.numpy(), atol=1e-5)
    n = flat.shape[0]
    gamma, beta, moving_mean, moving_var = bn.get_weights()
    np.testing.assert_allclose(moving_mean, (0.1 * mean).numpy(), atol=1e-6)
    np.testing.assert_allclose(moving_var, (0.9 + 0.1 * var * n / (n - 1.001)).numpy(),
                               atol=1e-6)
    assert [w.shape for w in bn.trainable_weights] == [(3,), (3,)]
    assert len(bn.non_trainable_weights) == 2
    bn.eval()
    y_inf = bn(x)
    manual = (x - torch.tensor(moving_mean)) / torch.sqrt(torch.tensor(moving_var) + 1e-3)
    np.testing.assert_allclose(y_inf.detach().numpy(), manual.numpy(), atol=1e-5)


def test_batch_normalization_channels_first_axis():
    bn = normalization.BatchNormalization(axis=1)
    bn.train()
    y = bn(torch.randn(4, 3, 5, 5) * 3 + 1)
    assert torch.allclose(y.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)


def test_layer_normalization_matches_torch():
    layer = normalization.LayerNormalization(epsilon=1e-5)
    x = torch.randn(2, 5, 6)
    expected = torch.nn.functional.layer_norm(x, (6,), eps=1e-5)
    assert torch.allclose(layer(x), expected, atol=1e-6)
    multi = normalization.LayerNormalization(axis=[1, 2], epsilon=1e-5)
    assert torch.allclose(multi(x), torch.nn.functional.layer_norm(x, (5, 6), eps=1e-5),
                          atol=1e-5)


# --- recurrent ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: recurrent.LSTM(5, return_sequences=True, return_state=True),
    lambda: recurrent.GRU(5, reset_after=True, return_sequences=True, go_backwards=True),
    lambda: recurrent.SimpleRNN(5, return_sequences=True, activation="relu"),
    lambda: recurrent.LSTM(5, use_bias=False, go_backwards=True),
])
def test_fused_path_equals_stepped_loop(make):
    layer = make()
    layer.eval()
    x = torch.randn(3, 7, 4)
    fast = layer(x)
    slow = layer(x, mask=torch.ones(3, 7, dtype=torch.bool))  # a mask forces the loop
    for a, b in zip(fast if isinstance(fast, list) else [fast],
                    slow if isinstance(slow, list) else [slow]):
        assert torch.allclose(a, b, atol=1e-5)


def test_stateful_rnn_carries_states_until_reset():
    layer = recurrent.LSTM(4, stateful=True, return_sequences=True, batch_input_shape=(2, 6, 3))
    reference = recurrent.LSTM(4, return_sequences=True)
    x = torch.randn(2, 6, 3)
    full_ref = reference(x)
    layer(x[:, :1])
    layer.set_weights(reference.get_weights())
    layer.reset_states()
    first, second = layer(x[:, :3]), layer(x[:, 3:])
    assert torch.allclose(torch.cat([first, second], 1), full_ref, atol=1e-5)
    layer.reset_states()
    assert torch.allclose(layer(x[:, :3]), full_ref[:, :3], atol=1e-5)
    layer.reset_states([np.ones((2, 4)), np.zeros((2, 4))])
    assert torch.equal(layer.states[0], torch.ones(2, 4))
    with pytest.raises(AttributeError, match="stateful"):
        reference.reset_states()


def test_masked_steps_keep_previous_output_and_state():
    layer = recurrent.GRU(3, return_sequences=True)
    x = torch.randn(2, 4, 2)
    mask = torch.tensor([[True, True, False, False], [False, True, True, True]])
    y = layer(x, mask=mask)
    assert torch.equal(y[0, 2], y[0, 1]) and torch.equal(y[0, 3], y[0, 1])
    assert torch.equal(y[1, 0], torch.zeros(3))


def test_rnn_dropout_training_and_gradients():
    for layer in (recurrent.LSTM(4, dropout=0.3, recurrent_dropout=0.3),
                  recurrent.GRU(4, dropout=0.3, implementation=1),
                  recurrent.LSTM(4, dropout=0.3)):
        layer.train()
        out = layer(torch.randn(3, 5, 2))
        out.sum().backward()
        assert all(w.grad is not None for w in layer.trainable_weights)


def test_sequential_embedding_masking_into_lstm():
    model = lamella.Sequential([embeddings.Embedding(10, 4, mask_zero=True, input_length=5),
                                recurrent.LSTM(3)])
    out = model.predict(np.array([[4, 5, 0, 0, 0], [0, 0, 0, 4, 5], [4, 5, 1, 0, 0]]))
    assert np.allclose(out[0], out[1], atol=1e-6)
    assert not np.allclose(out[0], out[2], atol=1e-6)


def test_bidirectional_names_weights_and_config():
    layer = wrappers.Bidirectional(recurrent.LSTM(3, name="enc"), merge_mode=None)
    outs = layer(torch.randn(2, 4, 5))
    assert isinstance(outs, list) and len(outs) == 2
    assert layer.forward_layer.name == "forward_enc"
    assert layer.backward_layer.name == "backward_enc"
    assert len(layer.get_weights()) == 6
    config = layer.get_config()
    assert config["layer"]["config"]["name"] == "enc"
    clone = wrappers.Bidirectional.from_config(config)
    clone(torch.randn(2, 4, 5))
    clone.set_weights(layer.get_weights())
    x = torch.randn(2, 4, 5)
    for a, b in zip(layer(x), clone(x)):
        assert torch.allclose(a, b)


def test_rnn_initial_state_in_functional_model():
    x = lamella.Input(shape=(5, 3))
    h = lamella.Input(shape=(4,))
    out = recurrent.GRU(4)(x, initial_state=[h])
    model = lamella.models.Model([x, h], out)
    xs, hs = np.random.randn(2, 5, 3).astype("float32"), np.random.randn(2, 4).astype("float32")
    assert not np.allclose(model.predict([xs, hs]), model.predict([xs, hs * 0]))


# --- merge, misc ---------------------------------------------------------------------------------

def test_merge_functions_and_errors():
    a, b = torch.ones(2, 3), torch.full((2, 3), 2.0)
    assert merge.add([a, b]).eq(3).all() and merge.subtract([a, b]).eq(-1).all()
    assert merge.multiply([a, b]).eq(2).all() and merge.average([a, b]).eq(1.5).all()
    assert merge.maximum([a, b]).eq(2).all() and merge.minimum([a, b]).eq(1).all()
    assert merge.concatenate([a, b], axis=0).shape == (4, 3)
    assert merge.dot([a, b], axes=1).tolist() == [[6.0], [6.0]]
    with pytest.raises(ValueError, match="Subtract"):
        merge.Subtract()([lamella.Input(shape=(3,))] * 3)
    with pytest.raises(ValueError, match="Concatenate"):
        merge.Concatenate()([lamella.Input(shape=(2, 3)), lamella.Input(shape=(4, 3))])
    with pytest.raises(ValueError, match="list"):
        merge.Add()(lamella.Input(shape=(3,)))


def test_merge_masks_are_combined():
    layer = merge.Add()
    m1 = torch.tensor([[True, False]])
    m2 = torch.tensor([[True, True]])
    assert layer.compute_mask([None, None], [m1, m2]).tolist() == [[True, False]]
    cat = merge.Concatenate()
    x = torch.zeros(1, 2, 3)
    assert cat.compute_mask([x, x], [m1, None]).tolist() == [[True, False]]


def test_torch_module_weights_and_training():
    linear = torch.nn.Linear(3, 2)
    layer = torch_module.TorchModule(linear)
    y = layer(torch.randn(4, 3))
    assert y.shape == (4, 2)
    assert [w.shape for w in layer.get_weights()] == [(2, 3), (2,)]
    layer.set_weights([np.zeros((2, 3)), np.ones(2)])
    assert torch.equal(layer(torch.randn(1, 3)), torch.ones(1, 2))
    inp = lamella.Input(shape=(3,))
    model = lamella.models.Model(inp, torch_module.TorchModule(torch.nn.Linear(3, 5))(inp))
    assert model.output_shape == (None, 5) and model.count_params() == 20
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        torch_module.TorchModule.from_config(layer.get_config())


def test_multi_head_attention_shapes_and_gradients():
    mha = attention.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.1)
    q, v = torch.randn(2, 4, 6), torch.randn(2, 5, 6)
    out, scores = mha(q, v, return_attention_scores=True)
    assert out.shape == (2, 4, 6) and scores.shape == (2, 2, 4, 5)
    out.sum().backward()
    assert all(w.grad is not None for w in mha.trainable_weights)
    inp_q, inp_v = lamella.Input(shape=(4, 6)), lamella.Input(shape=(5, 6))
    assert mha([inp_q, inp_v]).shape == (None, 4, 6)


def test_noise_layers_act_only_in_training():
    x = torch.ones(200, 50)
    for layer in (noise.GaussianNoise(0.5), noise.GaussianDropout(0.3), noise.AlphaDropout(0.3),
                  core.SpatialDropout1D(0.5)):
        layer.eval()
        assert torch.equal(layer(x if not isinstance(layer, core.SpatialDropout1D)
                                 else x.reshape(20, 10, 50)), x if not isinstance(
            layer, core.SpatialDropout1D) else x.reshape(20, 10, 50))
    y = noise.GaussianNoise(0.5)(x, training=True)
    assert abs(float((y - x).std()) - 0.5) < 0.05
    y = noise.GaussianDropout(0.3)(x, training=True)
    assert abs(float(y.mean()) - 1.0) < 0.05
    z = torch.randn(400, 100)
    y = noise.AlphaDropout(0.2)(z, training=True)
    assert abs(float(y.mean())) < 0.05 and abs(float(y.std()) - 1.0) < 0.05
    y = core.SpatialDropout2D(0.5)(torch.ones(4, 3, 3, 8), training=True)
    assert ((y == 0).all(dim=(1, 2)) | (y != 0).all(dim=(1, 2))).all()


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: convolutional.Conv1D(0, 3), "Conv1D.*filters"),
    (lambda: convolutional.Conv3D(2, 3, padding="causal"), "Conv3D.*padding"),
    (lambda: convolutional.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output padding"),
    (lambda: pooling.AveragePooling1D(pool_size=0), "AveragePooling1D.*pool_size"),
    (lambda: recurrent.LSTM(0), "LSTMCell.*units"),
    (lambda: wrappers.Bidirectional(recurrent.LSTM(2), merge_mode="max"), "merge_mode"),
    (lambda: core.Reshape((2, -1, -1)), "Reshape"),
    (lambda: core.Permute((1, 3)), "Permute"),
    (lambda: embeddings.Embedding(0, 3), "Embedding.*input_dim"),
    (lambda: advanced_activations.ReLU(max_value=-1), "ReLU.*max_value"),
    (lambda: convolutional.UpSampling2D(interpolation="cubic"), "interpolation"),
    (lambda: convolutional.ZeroPadding2D(((1, 2, 3), (1, 1))), "ZeroPadding2D.*padding"),
])
def test_invalid_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_input_rank_names_layer():
    with pytest.raises(ValueError, match="conv3d_rank.*ndim=5"):
        convolutional.Conv3D(2, 2, name="conv3d_rank")(lamella.Input(shape=(4, 4, 3)))
    with pytest.raises(ValueError, match="rank >= 3"):
        recurrent.LSTM(2)(torch.zeros(2, 3))


# --- properties --------------------------------------------------------------------------------

ROUND_TRIP = [
    (lambda: convolutional.SeparableConv2D(3, 2, padding="same", depth_multiplier=2), (2, 5, 5, 3)),
    (lambda: convolutional.Conv2DTranspose(2, 3, strides=2, padding="same"), (2, 4, 4, 3)),
    (lambda: convolutional.DepthwiseConv2D(2, data_format="channels_first"), (2, 3, 5, 5)),
    (lambda: recurrent.GRU(3, reset_after=False, return_sequences=True), (2, 4, 3)),
    (lambda: recurrent.RNN([recurrent.LSTMCell(3), recurrent.SimpleRNNCell(2)]), (2, 4, 3)),
    (lambda: wrappers.TimeDistributed(core.Dense(2)), (2, 4, 3)),
    (lambda: wrappers.Bidirectional(recurrent.LSTM(2), merge_mode="ave"), (2, 4, 3)),
    (lambda: normalization.BatchNormalization(axis=1, center=False), (2, 3, 4)),
    (lambda: normalization.LayerNormalization(axis=[1, 2]), (2, 3, 4)),
    (lambda: advanced_activations.PReLU(shared_axes=[1]), (2, 3, 4)),
    (lambda: attention.MultiHeadAttention(2, 2), (2, 3, 4)),
    (lambda: embeddings.Embedding(6, 3), (2, 4)),
    (lambda: core.Permute((2, 1)), (2, 3, 4)),
]


@pytest.mark.parametrize("index", range(len(ROUND_TRIP)))
def test_from_config_of_get_config_gives_the_same_outputs(index):
    make, shape = ROUND_TRIP[index]
    layer = make()
    x = torch.randint(0, 6, shape) if isinstance(layer, embeddings.Embedding) else \
        torch.randn(shape)
    layer.eval()
    y = layer(x)
    clone = lamella.layers.deserialize({"class_name": type(layer).__name__,
                                        "config": layer.get_config()})
    clone.eval()
    clone(x)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config() or type(layer) is attention.MultiHeadAttention
    assert torch.allclose(clone(x), y, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(rank=st.integers(1, 3), kernel=st.integers(1, 3), stride=st.integers(1, 3),
       dilation=st.integers(1, 2), size=st.integers(4, 7),
       padding=st.sampled_from(["valid", "same"]),
       kind=st.sampled_from(["conv", "separable", "transpose", "maxpool", "avgpool"]),
       channels_first=st.booleans())
def test_conv_and_pool_symbolic_shape_equals_real_shape(rank, kernel, stride, dilation, size,
                                                        padding, kind, channels_first):
    fmt = "channels_first" if channels_first else "channels_last"
    if stride > 1:
        dilation = 1
    names = {"conv": ("Conv1D", "Conv2D", "Conv3D"),
             "separable": ("SeparableConv1D", "SeparableConv2D", None),
             "transpose": (None, "Conv2DTranspose", "Conv3DTranspose"),
             "maxpool": ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D"),
             "avgpool": ("AveragePooling1D", "AveragePooling2D", "AveragePooling3D")}
    name = names[kind][rank - 1]
    if name is None:
        return
    cls = getattr(lamella.layers, name)
    if kind.endswith("pool"):
        layer = cls(kernel, strides=stride, padding=padding, data_format=fmt)
    elif kind == "transpose":
        kwargs = {"dilation_rate": dilation} if rank == 2 and stride == 1 else {}
        layer = cls(2, kernel, strides=stride, padding=padding, data_format=fmt, **kwargs)
    else:
        layer = cls(2, kernel, strides=stride, padding=padding, data_format=fmt,
                    dilation_rate=dilation)
    spatial = (size,) * rank
    shape = (2, 3) + spatial if channels_first else (2,) + spatial + (3,)
    # inputs smaller than the (dilated) window have no valid output, in Keras as in torch
    if kind.endswith("pool") or kind in ("conv", "separable") and padding == "valid":
        if size < (kernel - 1) * dilation + 1:
            return
    expected = layer.compute_output_shape((None,) + shape[1:])
    real = layer(torch.randn(shape))
    assert expected == (None,) + tuple(real.shape[1:])


@settings(max_examples=20, deadline=None)
@given(units=st.integers(1, 5), steps=st.integers(1, 5),
       cls=st.sampled_from(["SimpleRNN", "GRU", "LSTM"]), seq=st.booleans(),
       state=st.booleans(), backwards=st.booleans(), reset_after=st.booleans(),
       bidirectional=st.sampled_from([None, "concat", "sum", "none"]))
def test_recurrent_symbolic_shapes_equal_real_shapes(units, steps, cls, seq, state, backwards,
                                                     reset_after, bidirectional):
    kwargs = {"reset_after": reset_after} if cls == "GRU" else {}
    layer = getattr(recurrent, cls)(units, return_sequences=seq, return_state=state,
                                    go_backwards=backwards, **kwargs)
    if bidirectional:
        layer = wrappers.Bidirectional(layer, merge_mode=None if bidirectional == "none"
                                       else bidirectional)
    expected = layer.compute_output_shape((None, steps, 3))
    real = layer(torch.randn(2, steps, 3))
    real = real if isinstance(real, list) else [real]
    expected = expected if isinstance(expected, list) else [expected]
    assert [(None,) + tuple(r.shape[1:]) for r in real] == [tuple(e) for e in expected]


@pytest.mark.parametrize("make, shape", [
    (lambda: convolutional.Conv1D(2, 2, padding="causal"), (2, 5, 3)),
    (lambda: convolutional.Conv3DTranspose(2, 2), (2, 3, 3, 3, 2)),
    (lambda: convolutional.SeparableConv1D(2, 2), (2, 5, 3)),
    (lambda: recurrent.GRU(3), (2, 4, 3)),
    (lambda: recurrent.LSTM(3, implementation=1), (2, 4, 3)),
    (lambda: recurrent.SimpleRNN(3), (2, 4, 3)),
    (lambda: wrappers.Bidirectional(recurrent.GRU(2, reset_after=True)), (2, 4, 3)),
    (lambda: normalization.BatchNormalization(), (4, 3)),
    (lambda: advanced_activations.PReLU(alpha_initializer="ones"), (2, 3)),
    (lambda: normalization.LayerNormalization(), (2, 3)),
])
def test_every_trainable_weight_receives_a_gradient(make, shape):
    layer = make()
    layer.train()
    out = layer(torch.randn(shape))
    (out * torch.randn_like(out)).sum().backward()
    assert layer.trainable_weights
    assert all(w.grad is not None and torch.isfinite(w.grad).all()
               for w in layer.trainable_weights)
