"""Every public ``lamella.backend`` function that takes a tensor gives, on a functional-API
tensor inside a model, what it gives eagerly on the real tensor (a hypothesis property over
the data and the batch size), and so do Python's operators. Functions that cannot be compared
so are listed in ``SKIPPED`` with the reason; a test fails when a backend function is in
neither list, so a new one is checked too."""

import inspect

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lamella
from lamella import backend as K
from lamella.models import Model

R = np.random.RandomState(7)


@pytest.fixture(autouse=True)
def full_float32(monkeypatch):
    """On CUDA, cuDNN convolutions default to TF32 (a 10-bit mantissa); the model's outputs are
    compared with the CPU's float32 ones in full float32 (matmuls are by default)."""
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


def _const(*shape):
    return R.uniform(-1, 1, shape).astype("float32")


W_DENSE, BIAS = _const(6, 2), _const(6)
K_CONV1D, K_CONV2D, K_CONV3D = _const(3, 6, 2), _const(3, 3, 3, 2), _const(2, 2, 2, 2, 3)
K_DEPTH2D, K_POINT2D = _const(3, 3, 3, 1), _const(1, 1, 3, 4)
K_DEPTH1D, K_POINT1D = _const(3, 6, 1), _const(1, 6, 4)
K_LOCAL1D, K_LOCAL2D = _const(3, 2 * 6, 2), _const(9, 2 * 2 * 3, 2)
K_CONV2D_T, K_CONV3D_T = _const(3, 3, 2, 3), _const(2, 2, 2, 3, 2)
GAMMA, BETA = _const(6) + 2, _const(6)
W_LEFT = _const(3, 4)

# The input shapes (batch first, left out) the specs use.
SEQ, IMG, VOL = (4, 6), (5, 5, 3), (4, 4, 4, 2)

#: name -> (input shape, function of the input tensor, positive inputs only).
SPECS = {
    "abs": (SEQ, K.abs, False),
    "all": (SEQ, lambda x: K.all(x > 0, axis=1), False),
    "any": (SEQ, lambda x: K.any(x > 0.5, axis=-1, keepdims=True), False),
    "argmax": (SEQ, K.argmax, False),
    "argmin": (SEQ, lambda x: K.argmin(x, axis=1), False),
    "batch_dot": (SEQ, lambda x: K.batch_dot(x, x, axes=(2, 2)), False),
    "batch_flatten": (SEQ, K.batch_flatten, False),
    "batch_normalization": (SEQ, lambda x: K.batch_normalization(
        x, np.zeros(6, "float32"), np.ones(6, "float32"), BETA, GAMMA), False),
    "bias_add": (SEQ, lambda x: K.bias_add(x, BIAS), False),
    "binary_crossentropy": (SEQ, lambda x: K.binary_crossentropy(
        K.cast(x > 0.5, "float32"), K.sigmoid(x)), False),
    "cast": (SEQ, lambda x: K.cast(x * 3, "int32"), False),
    "categorical_crossentropy": (SEQ, lambda x: K.categorical_crossentropy(
        K.softmax(x), K.softmax(2 * x)), False),
    "clip": (SEQ, lambda x: K.clip(x, -0.5, 0.5), False),
    "concatenate": (SEQ, lambda x: K.concatenate([x, 2 * x], axis=1), False),
    "conv1d": (SEQ, lambda x: K.conv1d(x, K_CONV1D, padding="same"), False),
    "conv2d": (IMG, lambda x: K.conv2d(x, K_CONV2D, strides=(2, 2)), False),
    "conv2d_transpose": (IMG, lambda x: K.conv2d_transpose(
        x, K_CONV2D_T, (K.shape(x)[0], 5, 5, 2), padding="same"), False),
    "conv3d": (VOL, lambda x: K.conv3d(x, K_CONV3D, padding="same"), False),
    "conv3d_transpose": (VOL, lambda x: K.conv3d_transpose(
        x, K_CONV3D_T, (K.shape(x)[0], 8, 8, 8, 3), strides=(2, 2, 2)), False),
    "cos": (SEQ, K.cos, False),
    "cumprod": (SEQ, lambda x: K.cumprod(x, axis=1), False),
    "cumsum": (SEQ, lambda x: K.cumsum(x, axis=-1), False),
    "ctc_batch_cost": (SEQ, lambda x: K.ctc_batch_cost(
        K.cast(K.argmax(x[:, :2, :5]), "int32"), K.softmax(x),
        K.ones_like(x[:, :1, 0]) * 4, K.ones_like(x[:, :1, 0]) * 2), False),
    "depthwise_conv2d": (IMG, lambda x: K.depthwise_conv2d(x, K_DEPTH2D, padding="same"),
                         False),
    "dot": (SEQ, lambda x: K.dot(x, W_DENSE), False),
    "dropout": (SEQ, lambda x: K.dropout(x, 0.0), False),
    "elu": (SEQ, lambda x: K.elu(x, 0.5), False),
    "equal": (SEQ, lambda x: K.equal(x, K.round(x)), False),
    "exp": (SEQ, K.exp, False),
    "expand_dims": (SEQ, lambda x: K.expand_dims(x, 1), False),
    "flatten": (SEQ, K.flatten, False),
    "gather": (SEQ, lambda x: K.gather(K.transpose(x), [0, 2]), False),
    "greater": (SEQ, lambda x: K.greater(x, 0.5), False),
    "greater_equal": (SEQ, lambda x: K.greater_equal(x, x[:, :1]), False),
    "hard_sigmoid": (SEQ, K.hard_sigmoid, False),
    "identity": (SEQ, K.identity, False),
    "in_test_phase": (SEQ, lambda x: K.in_test_phase(x, 2 * x, training=0), False),
    "in_top_k": (SEQ, lambda x: K.in_top_k(x[:, 0], K.argmin(x[:, 1]), 2), False),
    "in_train_phase": (SEQ, lambda x: K.in_train_phase(x, 2 * x, training=1), False),
    "l2_normalize": (SEQ, lambda x: K.l2_normalize(x, axis=-1), False),
    "less": (SEQ, lambda x: K.less(x, 0.5), False),
    "less_equal": (SEQ, lambda x: K.less_equal(x[:, :1], x), False),
    "local_conv1d": (SEQ, lambda x: K.local_conv1d(x, K_LOCAL1D, (2,), (1,)), False),
    "local_conv2d": (IMG, lambda x: K.local_conv2d(x[:, :4, :4], K_LOCAL2D, (2, 2), (1, 1),
                                                   (3, 3)), False),
    "log": (SEQ, K.log, True),
    "logsumexp": (SEQ, lambda x: K.logsumexp(x, axis=1), False),
    "max": (SEQ, lambda x: K.max(x, axis=-1, keepdims=True), False),
    "maximum": (SEQ, lambda x: K.maximum(x, 0.3), False),
    "mean": (SEQ, lambda x: K.mean(x, axis=(1, 2)), False),
    "min": (SEQ, lambda x: K.min(x, axis=1), False),
    "minimum": (SEQ, lambda x: K.minimum(x, K.reverse(x, 1)), False),
    "normalize_batch_in_training": (SEQ, lambda x: K.normalize_batch_in_training(
        x, GAMMA, BETA, [0, 1]), False),
    "not_equal": (SEQ, lambda x: K.not_equal(x, K.round(x)), False),
    "one_hot": (SEQ, lambda x: K.one_hot(K.argmax(x), 6), False),
    "ones_like": (SEQ, lambda x: K.ones_like(x, dtype="int32"), False),
    "permute_dimensions": (SEQ, lambda x: K.permute_dimensions(x, (0, 2, 1)), False),
    "pool2d": (IMG, lambda x: K.pool2d(x, (2, 2), strides=(2, 2), pool_mode="avg"), False),
    "pool3d": (VOL, lambda x: K.pool3d(x, (2, 2, 2), padding="same"), False),
    "pow": (SEQ, lambda x: K.pow(x, 3), False),
    "print_tensor": (SEQ, lambda x: K.print_tensor(x, message="x = "), False),
    "prod": (SEQ, lambda x: K.prod(x, axis=-1), False),
    "relu": (SEQ, lambda x: K.relu(x, alpha=0.1, max_value=0.8, threshold=0.1), False),
    "repeat": (SEQ, lambda x: K.repeat(x[:, 0], 3), False),
    "repeat_elements": (SEQ, lambda x: K.repeat_elements(x, 2, axis=1), False),
    "reshape": (SEQ, lambda x: K.reshape(x, (-1, 3, 8)), False),
    "resize_images": (IMG, lambda x: K.resize_images(x, 2, 3, "channels_last"), False),
    "resize_volumes": (VOL, lambda x: K.resize_volumes(x, 2, 1, 2, "channels_last"), False),
    "reverse": (SEQ, lambda x: K.reverse(x, (1, 2)), False),
    "round": (SEQ, lambda x: K.round(x * 4), False),
    "separable_conv1d": (SEQ, lambda x: K.separable_conv1d(x, K_DEPTH1D, K_POINT1D), False),
    "separable_conv2d": (IMG, lambda x: K.separable_conv2d(x, K_DEPTH2D, K_POINT2D), False),
    "shape": (SEQ, K.shape, False),
    "sigmoid": (SEQ, K.sigmoid, False),
    "sign": (SEQ, lambda x: K.sign(x - 0.5), False),
    "sin": (SEQ, K.sin, False),
    "size": (SEQ, K.size, False),
    "slice": (SEQ, lambda x: K.slice(x, (0, 1, 2), (-1, 2, 3)), False),
    "softmax": (SEQ, lambda x: K.softmax(x, axis=1), False),
    "softplus": (SEQ, K.softplus, False),
    "softsign": (SEQ, K.softsign, False),
    "sparse_categorical_crossentropy": (SEQ, lambda x: K.sparse_categorical_crossentropy(
        K.argmax(x), K.softmax(x)), False),
    "spatial_2d_padding": (IMG, lambda x: K.spatial_2d_padding(x, ((1, 0), (2, 1))), False),
    "spatial_3d_padding": (VOL, K.spatial_3d_padding, False),
    "sqrt": (SEQ, K.sqrt, True),
    "square": (SEQ, K.square, False),
    "squeeze": (SEQ, lambda x: K.squeeze(K.expand_dims(x, 1), 1), False),
    "stack": (SEQ, lambda x: K.stack([x, 2 * x], axis=1), False),
    "std": (SEQ, lambda x: K.std(x, axis=1), False),
    "stop_gradient": (SEQ, K.stop_gradient, False),
    "sum": (SEQ, lambda x: K.sum(x, axis=1, keepdims=True), False),
    "switch": (SEQ, lambda x: K.switch(x > 0.5, x, 2 * x), False),
    "tanh": (SEQ, K.tanh, False),
    "temporal_padding": (SEQ, lambda x: K.temporal_padding(x, (1, 2)), False),
    "tile": (SEQ, lambda x: K.tile(x, (1, 2, 1)), False),
    "to_dense": (SEQ, K.to_dense, False),
    "transpose": (SEQ, K.transpose, False),
    "var": (SEQ, lambda x: K.var(x, axis=-1, keepdims=True), False),
    "zeros_like": (SEQ, K.zeros_like, False),
}

_NO_TENSOR = "takes no tensor: it makes one from a shape or value, or reads the configuration"
_VARIABLE = "reads or changes a variable's value, which a symbolic tensor does not have"
SKIPPED = {
    **{name: _NO_TENSOR for name in (
        "arange", "backend", "clear_session", "constant", "control_dependencies", "epsilon",
        "eye", "floatx", "get_session", "get_uid", "image_data_format", "learning_phase",
        "manual_variable_initialization", "normalize_data_format", "ones",
        "placeholder", "random_binomial", "random_normal", "random_normal_variable",
        "random_uniform", "random_uniform_variable", "reset_uids", "set_epsilon", "set_floatx",
        "set_image_data_format", "set_learning_phase", "set_session", "truncated_normal",
        "variable", "zeros")},
    **{name: _VARIABLE for name in (
        "batch_get_value", "batch_set_value", "count_params", "eval", "get_value",
        "moving_average_update", "set_value", "update", "update_add", "update_sub")},
    **{name: "a static answer on symbolic tensors (None for the batch size), tested in "
             "test_symbolic_tensors" for name in (
        "dtype", "int_shape", "is_keras_tensor", "is_placeholder", "is_sparse", "is_tensor",
        "is_variable", "ndim")},
    **{name: "its first argument is a Python function" for name in (
        "eager", "foldl", "foldr", "map_fn", "rnn", "symbolic")},
    "function": "builds a graph function itself (test_symbolic_tensors)",
    "gradients": "builds a graph function itself (test_symbolic_tensors)",
    "ctc_decode": "its outputs' lengths depend on the values (decoded on the CPU, no graph node)",
    "ctc_label_dense_to_sparse": "returns a sparse tensor, which a graph output cannot be",
    "cast_to_floatx": "returns a NumPy array (Keras's np.asarray), which a symbolic tensor "
                      "cannot give; refused clearly (tested below)",
}


def _public_backend_functions():
    return {name for name in dir(K) if not name.startswith("_")
            and inspect.isfunction(getattr(K, name))}


def test_every_backend_function_is_compared_or_skipped_with_a_reason():
    assert set(SPECS) & set(SKIPPED) == set()
    assert _public_backend_functions() - set(SPECS) - set(SKIPPED) == set()
    assert set(SPECS) | set(SKIPPED) <= _public_backend_functions()


def test_cast_to_floatx_of_a_symbolic_tensor_is_refused_as_it_has_no_values():
    with pytest.raises(TypeError, match="cast_to_floatx returns ndarray, not a tensor"):
        K.cast_to_floatx(lamella.Input(shape=(3,)))


_GRAPHS = {}


def _graph(name):
    """(input, outputs as a list, K.function, Model or None) for the spec ``name``, built
    once; the model only where every output holds one row per sample."""
    if name not in _GRAPHS:
        shape, fn, _ = SPECS[name]
        x = lamella.Input(shape=shape)
        out = fn(x)
        outputs = list(out) if isinstance(out, (list, tuple)) else [out]
        per_sample = all(t.shape and t.shape[0] is None for t in outputs)
        _GRAPHS[name] = (x, outputs, K.function([x], outputs),
                         Model(x, outputs) if per_sample else None)
    return _GRAPHS[name]


def _eager(name, data):
    out = SPECS[name][1](torch.from_numpy(data))
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    return [o.detach().cpu().numpy() if torch.is_tensor(o) else np.asarray(o) for o in outs]


@pytest.mark.parametrize("name", sorted(SPECS))
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.integers(1, 3), data=st.data())
def test_a_backend_function_on_a_symbolic_tensor_computes_what_it_computes_eagerly(
        name, batch, data):
    shape, _, positive = SPECS[name]
    values = data.draw(hnp.arrays("float32", (batch,) + shape, elements=st.floats(
        0.125 if positive else -2.0, 2.0, width=32)))
    x, outputs, graph_function, model = _graph(name)
    want = _eager(name, values)
    got = graph_function([values])
    assert len(got) == len(want), name
    for g, w, symbolic in zip(got, want, outputs):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=name)
        assert g.dtype == w.dtype and symbolic.dtype == str(w.dtype), name
        assert len(symbolic.shape) == w.ndim and all(
            s is None or s == n for s, n in zip(symbolic.shape, w.shape)), name
    if model is not None:  # Model.predict gives the same
        predicted = model.predict(values, batch_size=batch)
        for g, w in zip(predicted if isinstance(predicted, list) else [predicted], want):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=name)
            assert g.dtype == (np.float32 if w.dtype.kind == "f" else w.dtype), name


def _left(array, other):
    """A NumPy operand for a symbolic tensor (as a left operand NumPy defers to its reflected
    operator), a torch one for the eager reference (NumPy and torch do not mix)."""
    return torch.from_numpy(array) if torch.is_tensor(other) else array


OPERATORS = {
    "add": lambda a, b: a + b, "radd": lambda a, b: 1.5 + a, "sub": lambda a, b: a - b,
    "rsub": lambda a, b: 2 - a, "mul": lambda a, b: a * b, "rmul": lambda a, b: 3 * a,
    "truediv": lambda a, b: a / (b + 3), "rtruediv": lambda a, b: 1 / (a + 3),
    "floordiv": lambda a, b: a // 0.7, "rfloordiv": lambda a, b: 5 // (a + 3),
    "mod": lambda a, b: a % 0.7, "rmod": lambda a, b: 5 % (a + 3),
    "pow": lambda a, b: (a + 3) ** 1.5, "rpow": lambda a, b: 2 ** a,
    "matmul": lambda a, b: a @ _left(W_DENSE, a), "rmatmul": lambda a, b: _left(W_LEFT, a) @ a,
    "neg": lambda a, b: -a, "pos": lambda a, b: +a, "abs": lambda a, b: abs(a),
    "invert": lambda a, b: ~(a > 0), "and": lambda a, b: (a > 0) & (b > 0),
    "or": lambda a, b: (a > 0) | (b > 0), "xor": lambda a, b: (a > 0) ^ (b > 0),
    "rand": lambda a, b: _left(np.ones(6, bool), a) & (a > 0), "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= 0.5, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= 0.5,
    "getitem": lambda a, b: a[:, 1:3, ::2], "getitem_ellipsis": lambda a, b: a[..., -1],
    "tensor_constant": lambda a, b: torch.full((6,), 2.0) * a - torch.ones(6),
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_operators_on_symbolic_tensors_compute_what_they_compute_eagerly(name, data):
    fn = OPERATORS[name]
    a_values, b_values = (data.draw(hnp.arrays("float32", (2,) + SEQ, elements=st.floats(
        -2.0, 2.0, width=32))) for _ in range(2))
    a, b = lamella.Input(shape=SEQ), lamella.Input(shape=SEQ)
    model = Model([a, b], fn(a, b))
    want = fn(torch.from_numpy(a_values), torch.from_numpy(b_values)).numpy()
    got = model.predict([a_values, b_values])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=name)
    assert got.dtype == want.dtype, name
