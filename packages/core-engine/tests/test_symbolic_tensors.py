"""Functional-API tensors behave like tensors, as Keras 2.3 scripts use them: operators,
indexing, backend and loss functions record graph nodes that train, save and reload."""

import numpy as np
import pytest
import torch

import lamella
from lamella import backend as K
from lamella.engine.symbolic_ops import TensorOp, symbolic_aware
from lamella.models import Model, model_from_json
from lamella.testing import PlainSGD, SeededDense, mean_squared_error

X = np.random.RandomState(0).rand(16, 4).astype("float32")
CUSTOM = {"SeededDense": SeededDense}


def test_operators_and_indexing_compute_what_numpy_computes():
    x = lamella.Input(shape=(4,))
    m = np.arange(8, dtype="float32").reshape(4, 2)
    outputs = [2 * x[:, :2] + 1, -x, abs(x - 0.5), x ** 2, 1 / (x + 1), x // 0.3, x % 0.3,
               x @ m, x[..., 1:3], x[:, 0], (x > 0.5), 3 - x]
    model = Model(x, outputs)
    got = model.predict(X)
    want = [2 * X[:, :2] + 1, -X, abs(X - 0.5), X ** 2, 1 / (X + 1), X // 0.3, X % 0.3, X @ m,
            X[..., 1:3], X[:, 0], X > 0.5, 3 - X]
    for g, w, symbolic in zip(got, want, outputs):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
        assert symbolic.shape == (None,) + w.shape[1:]
    assert outputs[10].dtype == "bool" and outputs[0].dtype == "float32"


def test_symbolic_tensor_shape_answers_as_tensorflow_and_refuses_iteration():
    x = lamella.Input(shape=(5, 3))
    assert x.shape.as_list() == [None, 5, 3] and x.get_shape() == (None, 5, 3)
    assert K.int_shape(x) == (None, 5, 3) and K.ndim(x) == 3 and x.dtype == "float32"
    with pytest.raises(TypeError, match="not iterable"):
        list(x)
    with pytest.raises(TypeError, match="NumPy array"):
        np.asarray(x)
    assert {x: 1}[x] == 1 and x == x and not (x == lamella.Input(shape=(5, 3)))


def test_backend_functions_record_nodes_and_k_shape_of_a_model_output_evaluates():
    x = lamella.Input(shape=(4,))
    hidden = SeededDense(3)(x)
    model = Model(x, hidden)
    shape = K.shape(model.output)
    assert shape.shape == (2,) and shape.dtype == "int32"  # TensorFlow's tf.shape
    np.testing.assert_array_equal(K.function([x], [shape])([X])[0], [16, 3])
    summed = K.sum(K.square(hidden), axis=-1, keepdims=True)
    assert isinstance(summed._keras_history[0], TensorOp) and summed.shape == (None, 1)
    out = Model(x, summed).predict(X)
    np.testing.assert_allclose(out, (model.predict(X) ** 2).sum(-1, keepdims=True), rtol=1e-5)
    with pytest.raises(TypeError, match="no value on symbolic tensors"):
        K.get_value(x)


def test_a_loss_function_made_symbolic_aware_takes_model_tensors():
    mse = symbolic_aware(mean_squared_error, "testing.mean_squared_error")
    x = lamella.Input(shape=(4,))
    out = SeededDense(4)(x)
    per_sample = mse(x, out)
    assert per_sample.shape == (None,)
    model = Model(x, out)
    np.testing.assert_allclose(Model(x, per_sample).predict(X),
                               ((model.predict(X) - X) ** 2).mean(-1), rtol=1e-5)
    # Real tensors still take the plain function.
    assert torch.is_tensor(mse(torch.ones(2, 3), torch.zeros(2, 3)))


def test_a_model_with_tensor_ops_saves_and_reloads_as_json():
    x = lamella.Input(shape=(4,))
    h = SeededDense(3)(x)
    out = K.concatenate([h[:, :2] * 0.5, K.mean(h, axis=-1, keepdims=True)], axis=-1)
    model = Model(x, K.clip(out, -1.0, 1.0))
    text = model.to_json()
    assert '"class_name": "TensorOp"' in text and '"function": "backend.concatenate"' in text
    loaded = model_from_json(text, custom_objects=CUSTOM)
    loaded.set_weights(model.get_weights())
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-6)
    assert loaded.output.shape == (None, 3)


def test_a_constant_that_a_config_cannot_hold_is_refused_naming_the_op():
    x = lamella.Input(shape=(4,))
    variable = K.variable(np.ones((4,)))
    model = Model(x, x * variable)
    np.testing.assert_allclose(model.predict(X), X)
    with pytest.raises(ValueError, match=r"TensorOp 'operator_mul_\d+' \(operator.mul\) cannot "
                                         r"be saved: .*variable or weight"):
        model.to_json()


def _trainable_model():
    x = lamella.Input(shape=(4,))
    out = SeededDense(1, seed=3)(x)
    return x, out, Model(x, out)


def test_add_loss_of_symbolic_tensors_trains_without_a_compiled_loss_and_reloads():
    x, out, model = _trainable_model()
    target = K.sum(x, axis=-1, keepdims=True)
    model.add_loss(K.mean(K.square(out - target)))
    model.add_metric(K.mean(out), name="mean_out")
    model.compile(PlainSGD(lr=0.05))
    history = model.fit(X, epochs=5, batch_size=4, verbose=0, validation_data=(X, None))
    assert list(history.history) == ["loss", "mean_out", "val_loss", "val_mean_out"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.metrics_names == ["loss", "mean_out"]
    loss = float(np.mean((model.predict(X) - X.sum(-1, keepdims=True)) ** 2))
    assert model.evaluate(X, verbose=0)[0] == pytest.approx(loss, rel=1e-5)

    loaded = model_from_json(model.to_json(), custom_objects=CUSTOM)
    loaded.set_weights(model.get_weights())
    loaded.compile(PlainSGD(lr=0.05))
    assert loaded.metrics_names == ["loss", "mean_out"]
    assert loaded.evaluate(X, verbose=0)[0] == pytest.approx(loss, rel=1e-5)


def test_compile_without_any_loss_is_still_refused():
    _, _, model = _trainable_model()
    with pytest.raises(ValueError, match="compile\\(loss=...\\) is required"):
        model.compile(PlainSGD())


def test_add_loss_and_add_metric_on_a_sequential_model():
    model = lamella.Sequential([SeededDense(3, input_shape=(4,)), SeededDense(1, seed=1)])
    model.add_loss(K.mean(K.abs(model.layers[0].output)) * 0.1)
    model.compile(PlainSGD(lr=0.01), loss=mean_squared_error)
    y = X[:, :1]
    mse = float(np.mean((model.predict(X) - y) ** 2))
    penalty = 0.1 * float(np.mean(np.abs(Model(model.input, model.layers[0].output).predict(X))))
    assert model.evaluate(X, y, verbose=0) == pytest.approx(mse + penalty, rel=1e-5)
    with pytest.warns(UserWarning, match="Sequential model .* not saved"):
        model.to_json()


class _CountingLayer(lamella.layers.Layer):
    """Adds a metric and an update from inside ``call``, as Keras 2.3 layers may."""

    def build(self, input_shape):
        self.seen = self.add_weight("seen", (), trainable=False,
                                    initializer=lambda shape, dtype=None: torch.zeros(shape))
        super().build(input_shape)

    def call(self, inputs):
        self.add_metric(inputs.abs().mean(), name="activity", aggregation="mean")
        self.add_update((self.seen, self.seen + inputs.shape[0]))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


def test_add_metric_and_add_update_inside_call():
    x = lamella.Input(shape=(4,))
    counting = _CountingLayer()
    model = Model(x, SeededDense(1)(counting(x)))
    model.compile(PlainSGD(), loss=mean_squared_error)
    history = model.fit(X, X[:, :1], epochs=2, batch_size=8, verbose=0)
    assert history.history["activity"][0] == pytest.approx(float(np.abs(X).mean()), rel=1e-5)
    assert float(counting.seen) == 32  # training only: two epochs of 16
    model.predict(X)
    assert float(counting.seen) == 32
    assert [m.name for m in counting.metrics] == ["activity"] and counting.updates
    with pytest.raises(ValueError, match="only `mean`"):
        counting.add_metric(torch.ones(()), name="s", aggregation="sum")


def test_symbolic_update_pairs_are_applied_at_each_training_step():
    x, out, model = _trainable_model()
    peak = K.variable(0.0)
    model.add_update((peak, K.maximum(peak, K.max(out))))
    model.compile(PlainSGD(lr=0.0), loss=mean_squared_error)
    model.fit(X, X[:, :1], epochs=1, batch_size=16, verbose=0)
    assert float(K.get_value(peak)) == pytest.approx(float(model.predict(X).max()), rel=1e-5)
    with pytest.warns(UserWarning, match="not saved"):
        model.to_json()


def test_k_function_with_learning_phase_updates_and_feed_dict():
    x = K.placeholder(shape=(None, 3))
    scale = K.placeholder(shape=())
    total = K.variable(0.0)
    f = K.function([x, K.learning_phase()], [K.sum(x * scale, axis=1)],
                   updates=[(total, total + K.sum(x))], feed_dict={scale: np.float32(2.0)})
    np.testing.assert_allclose(f([np.ones((2, 3)), 0])[0], [6.0, 6.0])
    assert float(K.get_value(total)) == 6.0
    single = K.function([x], K.mean(x))
    value = single([np.full((2, 3), 4.0)])
    assert isinstance(value, np.float32) and value == pytest.approx(4.0)
    with pytest.raises(ValueError, match="input 'placeholder_\\d+'.*not among"):
        K.function([x], [x * scale])
    with pytest.raises(TypeError, match="list or tuple"):
        K.function(x, [x])
    with pytest.raises(ValueError, match="Invalid argument 'options'"):
        K.function([x], [x], options=1)


def test_k_placeholder_and_keras_tensor_predicates_answer_as_keras():
    p = K.placeholder(ndim=2, dtype="int64")
    x = lamella.Input(shape=(3,))
    assert p.shape == (None, None) and p.dtype == "int64"
    assert K.is_placeholder(p) and K.is_placeholder(x) and not K.is_placeholder(x * 2)
    assert K.is_keras_tensor(x) and not K.is_keras_tensor(p)
    assert not K.is_keras_tensor(K.sum(x)) and not K.is_keras_tensor(torch.ones(1))
    with pytest.raises(ValueError, match="Expected a symbolic tensor"):
        K.is_keras_tensor(np.ones(1))
    with pytest.raises(ValueError, match="shape"):
        K.placeholder()


def test_gradient_ascent_on_the_input_raises_the_activation():
    """Keras 2.3's filter-visualisation pattern, on a stand-in layer."""
    img = lamella.Input(shape=(4,))
    act = SeededDense(3, seed=7, activation="tanh")(img)
    loss = K.mean(act[:, 1])
    grads = K.gradients(loss, img)[0]
    grads = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    iterate = K.function([img], [loss, grads])
    data = np.zeros((1, 4), "float32")
    first, _ = iterate([data])
    for _ in range(10):
        value, grad = iterate([data])
        data += 0.1 * grad
    assert value > first + 0.1


def test_gradients_with_respect_to_weights_intermediates_and_real_tensors():
    x = lamella.Input(shape=(4,))
    dense = SeededDense(2, seed=1)
    hidden = dense(x)
    loss = K.sum(K.square(hidden))
    g_hidden, g_kernel = K.gradients(loss, [hidden, dense.kernel])
    assert g_hidden.shape == (None, 2) and g_kernel.shape == (4, 2)
    dense.trainable = False  # a frozen weight still has a gradient, as in TensorFlow
    gh, gk = K.function([x], [g_hidden, g_kernel])([X])
    h = Model(x, hidden).predict(X)
    np.testing.assert_allclose(gh, 2 * h, rtol=1e-5)
    np.testing.assert_allclose(gk, X.T @ (2 * h), rtol=1e-4)
    assert dense.kernel.requires_grad is False
    w = torch.ones(3, requires_grad=True)
    assert torch.equal(K.gradients((w * 2).sum(), [w])[0], torch.full((3,), 2.0))
    with pytest.raises(ValueError, match="cannot be saved"):
        Model(x, g_kernel).to_json()


def test_a_sequential_layers_output_is_its_one_node_for_feature_extraction():
    model = lamella.Sequential([SeededDense(5, input_shape=(4,)), SeededDense(3, seed=1),
                                SeededDense(2, seed=2)])
    model.add(SeededDense(1, seed=3))
    assert all(len(layer._inbound_nodes) == 1 for layer in model.layers)
    features = Model(inputs=model.input, outputs=model.layers[1].output)
    expected = Model(model.input, model.layers[1].get_output_at(0)).predict(X)
    np.testing.assert_allclose(features.predict(X), expected)
    assert features.output_shape == (None, 3) and model.output_shape == (None, 1)
    model.pop()
    assert model.output is model.layers[-1].output and model.predict(X).shape == (16, 2)


def test_layer_members_raise_keras_errors():
    dense, x = SeededDense(2), lamella.Input(shape=(3,))
    with pytest.raises(AttributeError, match="has no inbound nodes"):
        dense.output
    with pytest.raises(AttributeError, match="is not connected, no input to return"):
        dense.input
    with pytest.raises(AttributeError, match="never been called.*input shape"):
        dense.input_shape
    dense(x), dense(x)
    for member, method in (("input", "get_input_at"), ("output", "get_output_at"),
                           ("input_mask", "get_input_mask_at"),
                           ("output_mask", "get_output_mask_at")):
        readable = "layer " + member.replace("_", " ")
        with pytest.raises(AttributeError, match=f'multiple inbound nodes, hence the notion of '
                                                 f'"{readable}" is ill-defined. Use `{method}'):
            getattr(dense, member)
    with pytest.raises(ValueError, match="at node 5, but the layer has only 2 inbound nodes"):
        dense.get_output_at(5)
    assert dense.get_input_shape_at(1) == (None, 3) and dense.get_output_shape_at(0) == (None, 2)
    assert dense.output_shape == (None, 2) and dense.get_input_mask_at(0) is None


class _ZeroMask(lamella.layers.Layer):
    """A stand-in for ``Masking``: steps whose features are all zero are masked."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return K.sum(K.abs(inputs), axis=-1) > 0  # symbolic too: the graph knows the mask

    def compute_output_shape(self, input_shape):
        return input_shape


def test_output_mask_is_a_symbolic_tensor_that_evaluates_to_the_mask():
    x = lamella.Input(shape=(3, 2))
    masking = _ZeroMask()
    y = masking(x)
    mask = masking.output_mask
    assert mask is masking.get_output_mask_at(0) and mask.shape == (None, 3)
    assert masking.input_mask is None
    data = np.ones((2, 3, 2), "float32")
    data[0, 1] = 0
    got = K.function([x], [mask])([data])[0]
    np.testing.assert_array_equal(got, [[True, False, True], [True, True, True]])
    assert y is masking.output


def test_a_models_own_graph_is_node_zero_and_calling_it_makes_output_ambiguous():
    x = lamella.Input(shape=(3,))
    model = Model(x, SeededDense(2)(x))
    assert model.get_output_at(0) is model.output and model.input_mask is None
    called = model(lamella.Input(shape=(3,)))
    assert model.get_output_at(1) is called and model.get_input_shape_at(1) == (None, 3)
    with pytest.raises(AttributeError, match='multiple inbound nodes, hence the notion of '
                                             '"layer output" is ill-defined'):
        model.output
    with pytest.raises(ValueError, match="at node 2, but the layer has only 2 inbound nodes"):
        model.get_output_at(2)
