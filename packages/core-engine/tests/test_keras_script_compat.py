"""Behaviours Keras 2.3 scripts rely on that are neither a layer nor an op, written the way the
official Keras 2.3 examples use them (found by running those examples on lamella).

- A layer whose ``call`` returns a one-element list gives a tensor, as Keras 2.3's
  ``Layer.__call__`` unpacks it (``unpack_singleton``): the stacked what-where autoencoder's
  ``Lambda(getwhere)`` returns ``K.gradients(...)``, a list, and feeds it to ``multiply``.
- A model whose layer calls ``K.gradients`` in its ``call`` (that autoencoder's ``getwhere``),
  directly or through a helper, evaluates and predicts: in Keras a gradient is a graph op;
  here ``predict``/``evaluate`` notice it (``ForwardNeedsAutograd``) and run with autograd on.
  A recorded ``K.gradients`` in a model differentiates with respect to inputs too, as
  TensorFlow does (a gradient penalty), in ``fit`` and ``predict`` alike.
- ``Input(tensor=t)`` starts a model at ``t`` and keeps it connected to what ``t`` came from:
  neural style transfer builds ``VGG19(input_tensor=K.concatenate([...K.placeholder(...)]))``
  and takes ``K.gradients`` with respect to the placeholder.
- ``evaluate`` of a model whose two outputs share a name (both outputs of a nested model, the
  ACGAN's combined generator + frozen discriminator) returns each output's loss, as Keras does
  although its ``metrics_names`` repeat the name.
- ``python -m lamella.run`` restores the NumPy aliases Keras 2.3's NumPy had (``np.float``...):
  the convolutional LSTM example builds its movies with ``dtype=np.float``.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import lamella
from lamella import backend as K
from lamella.testing import PlainSGD, SeededDense, mean_squared_error, subprocess_env


class Doubled(lamella.layers.Layer):
    """Returns its result wrapped in a list, as a Keras 2.3 custom layer or Lambda may."""

    def call(self, inputs):
        return [inputs * 2.0]


def test_a_one_element_list_from_call_is_unpacked_eagerly():
    out = Doubled()(torch.ones(2, 3))
    assert torch.is_tensor(out)
    assert torch.equal(out, torch.full((2, 3), 2.0))


def test_a_one_element_list_flows_on_in_a_functional_model():
    inputs = lamella.Input((3,))
    hidden = Doubled()(inputs)
    outputs = SeededDense(1)(hidden)  # fails on a list: Dense needs a tensor
    model = lamella.Model(inputs, outputs)
    model.compile(optimizer=PlainSGD(0.01), loss=mean_squared_error)
    x = np.ones((4, 3), "float32")
    history = model.fit(x, np.ones((4, 1), "float32"), epochs=1, verbose=0)
    assert list(history.history) == ["loss"]
    assert model.predict(x).shape == (4, 1)


def test_a_gradient_list_from_a_layer_reaches_the_next_layer():
    # the what-where pattern: K.gradients returns a list; the layer's output is its one tensor
    class Where(lamella.layers.Layer):
        def call(self, inputs):
            with torch.enable_grad():
                inputs = inputs.detach().requires_grad_(True)
                return K.gradients(K.sum(K.square(inputs)), inputs)

    out = Where()(torch.tensor([[1.0, -2.0]]))
    assert torch.allclose(out, torch.tensor([[2.0, -4.0]]))


class SquareGradient(lamella.layers.Layer):
    """The what-where pattern in a model: d(sum(h**2))/dh, i.e. 2h, from K.gradients."""

    def call(self, inputs):
        return K.gradients(K.sum(K.square(inputs)), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


def test_a_model_whose_layer_calls_k_gradients_evaluates_and_predicts():
    inputs = lamella.Input((3,))
    hidden = SeededDense(4)(inputs)
    model = lamella.Model(inputs, SeededDense(1, seed=1)(SquareGradient()(hidden)))
    model.compile(optimizer=PlainSGD(0.01), loss=mean_squared_error)
    x = np.random.RandomState(0).rand(8, 3).astype("float32")
    y = np.ones((8, 1), "float32")
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0, validation_data=(x, y))
    assert sorted(history.history) == ["loss", "val_loss"]
    predicted = model.predict(x, batch_size=4)
    features = lamella.Model(inputs, hidden).predict(x)
    dense = model.layers[-1]
    kernel, bias = (w.detach().numpy() for w in (dense.kernel, dense.bias))
    np.testing.assert_allclose(predicted, 2 * features @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert np.isclose(model.evaluate(x, y, verbose=0), np.mean((predicted - y) ** 2), rtol=1e-5)


def _square_gradient(tensor):
    return K.gradients(K.sum(K.square(tensor)), [tensor])


class HelperGradient(lamella.layers.Layer):
    """Takes K.gradients through a helper, and has no compute_output_shape: the output shape
    comes from running the layer, which must switch autograd on for it."""

    def call(self, inputs):
        return _square_gradient(inputs)


def test_a_layer_taking_gradients_through_a_helper_builds_predicts_and_evaluates():
    inputs = lamella.Input((3,))
    hidden = SeededDense(3)(inputs)
    outputs = HelperGradient()(hidden)
    assert tuple(outputs.shape) == (None, 3)
    model = lamella.Model(inputs, outputs)
    x = np.random.RandomState(1).rand(6, 3).astype("float32")
    features = lamella.Model(inputs, hidden).predict(x)
    np.testing.assert_allclose(model.predict(x, batch_size=4), 2 * features, rtol=1e-5)
    model.compile(optimizer=PlainSGD(0.01), loss=mean_squared_error)
    assert np.isclose(model.evaluate(x, np.zeros((6, 3), "float32"), verbose=0),
                      np.mean((2 * features) ** 2), rtol=1e-5)


def test_a_recorded_gradient_with_respect_to_the_model_input_is_predicted():
    inputs = lamella.Input((3,))
    dense = SeededDense(1)
    grad = K.gradients(K.sum(K.square(dense(inputs))), inputs)[0]
    model = lamella.Model(inputs, grad)
    x = np.random.RandomState(2).rand(5, 3).astype("float32")
    kernel, bias = (w.detach().numpy() for w in (dense.kernel, dense.bias))
    expected = 2 * (x @ kernel + bias) * kernel.T  # d(sum((xW+b)^2))/dx
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)


def test_a_gradient_penalty_on_an_input_trains_as_tensorflow_differentiates():
    # the WGAN-GP pattern: a loss term on the gradient of the output w.r.t. an input
    inputs = lamella.Input((2,))
    dense = SeededDense(1)
    outputs = dense(inputs)
    model = lamella.Model(inputs, outputs)
    model.add_loss(K.mean(K.sum(K.square(K.gradients(outputs, inputs)[0]), axis=1)))
    model.compile(optimizer=PlainSGD(0.1), loss=None)
    before = dense.kernel.detach().clone()
    model.fit(np.ones((4, 2), "float32"), None, epochs=1, batch_size=4, verbose=0)
    # penalty = sum(W^2) per sample, so one SGD step scales the kernel by (1 - 0.1 * 2)
    np.testing.assert_allclose(dense.kernel.detach().numpy(), 0.8 * before.numpy(), rtol=1e-5)


def test_k_gradients_with_autograd_off_is_a_clear_error():
    weight = torch.ones(2, requires_grad=True)
    with torch.no_grad(), pytest.raises(RuntimeError, match="autograd off"):
        K.gradients(K.sum(weight * 2), [weight])


def test_input_of_an_existing_tensor_keeps_its_graph():
    base = K.variable(np.ones((1, 4), "float32"))
    combination = K.placeholder((1, 4))
    joined = K.concatenate([base, combination], axis=0)
    start = lamella.Input(tensor=joined, shape=(4,))
    assert start is joined
    dense = SeededDense(2)
    model = lamella.Model(lamella.utils.get_source_inputs(start), dense(start))
    loss = K.sum(K.square(model.output[1]))
    fetch = K.function([combination], [loss, K.gradients(loss, combination)[0]])
    point = np.array([[0.5, -1.0, 2.0, 0.0]], "float32")
    value, grad = fetch([point])
    kernel, bias = (w.detach().numpy() for w in (dense.kernel, dense.bias))
    row = point @ kernel + bias
    np.testing.assert_allclose(value, np.sum(row ** 2), rtol=1e-5)
    np.testing.assert_allclose(grad, 2 * row @ kernel.T, rtol=1e-5, atol=1e-6)


def test_input_of_a_real_tensor_is_refused_with_the_argument_named():
    with pytest.raises(TypeError, match=r"Input\(tensor=\.\.\.\) takes a symbolic tensor"):
        lamella.Input(tensor=torch.ones(2, 3), shape=(3,))
    with pytest.raises(ValueError, match="asks for rank 3"):
        lamella.Input(tensor=K.placeholder((None, 4)), shape=(4, 1))


def test_evaluate_reports_both_outputs_of_a_nested_model():
    inputs = lamella.Input((4,))
    inner = lamella.Model(inputs, [SeededDense(1)(inputs), SeededDense(2, seed=1)(inputs)])
    outer_inputs = lamella.Input((4,))
    outer = lamella.Model(outer_inputs, inner(outer_inputs))
    for model in (inner, outer):
        model.compile(optimizer=PlainSGD(0.01), loss=[mean_squared_error, mean_squared_error])
    x = np.random.RandomState(0).rand(8, 4).astype("float32")
    ys = [np.ones((8, 1), "float32"), np.zeros((8, 2), "float32")]
    assert outer.metrics_names[1] == outer.metrics_names[2]  # as in Keras 2.3.1
    total, first, second = outer.evaluate(x, ys, verbose=0)
    expected = inner.evaluate(x, ys, verbose=0)
    np.testing.assert_allclose([total, first, second], expected, rtol=1e-6)
    assert first != second
    np.testing.assert_allclose(total, first + second, rtol=1e-6)


def _run(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, env=subprocess_env())


def test_numpy_aliases_restore_what_numpy_removed(tmp_path):
    script = tmp_path / "movies.py"
    script.write_text("import numpy as np\n"
                      "movies = np.zeros((2, 3), dtype=np.float)\n"
                      "labels = np.array([1, 0], dtype=np.int)\n"
                      "print(movies.dtype, labels.dtype, np.object is object,\n"
                      "      np.asscalar(labels[:1]))\n")
    proc = subprocess.run([sys.executable, "-m", "lamella.run", str(script)], capture_output=True,
                          text=True, timeout=120, env=subprocess_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["float64", "int64", "True", "1"]


def test_numpy_aliases_leave_present_names_alone():
    proc = _run("""
        import numpy as np
        kept = {name: getattr(np, name) for name in ("bool", "float64", "prod", "nan")}
        from lamella.numpy_aliases import install_numpy_aliases
        installed = install_numpy_aliases()
        assert all(getattr(np, name) is value for name, value in kept.items())
        assert "bool" not in installed and "prod" not in installed
        assert install_numpy_aliases() == ()  # a second call has nothing left to set
        print("ok", ("float" in installed) == (np.lib.NumpyVersion(np.__version__) >= "1.24.0"))
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["ok", "True"]
