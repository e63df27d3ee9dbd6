import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lamella.activations
from lamella_layers import activations as A

floats = arrays(np.float64, st.integers(1, 12),
                elements=st.floats(-20, 20, allow_nan=False, allow_infinity=False))


def t(values):
    return torch.as_tensor(np.asarray(values, dtype=np.float64))


def np_relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2.3's K.relu written out in NumPy."""
    if alpha != 0 and max_value is None and threshold == 0:
        return np.where(x > 0, x, alpha * x)
    neg = np.maximum(threshold - x, 0) if alpha != 0 else 0
    y = x * (x > threshold) if threshold != 0 else np.maximum(x, 0)
    if max_value is not None:
        y = np.clip(y, 0, max_value)
    return y - alpha * neg


@given(floats)
def test_elementwise_activations_match_numpy(x):
    cases = {
        A.elu: np.where(x > 0, x, np.exp(x) - 1),
        A.selu: A.SELU_SCALE * np.where(x > 0, x, A.SELU_ALPHA * (np.exp(x) - 1)),
        A.softplus: np.log1p(np.exp(x)),
        A.softsign: x / (1 + np.abs(x)),
        A.tanh: np.tanh(x),
        A.sigmoid: 1 / (1 + np.exp(-x)),
        A.hard_sigmoid: np.clip(0.2 * x + 0.5, 0, 1),
        A.exponential: np.exp(x),
        A.linear: x,
    }
    for fn, expected in cases.items():
        np.testing.assert_allclose(fn(t(x)).numpy(), expected, rtol=1e-10, atol=1e-12,
                                   err_msg=fn.__name__)


@settings(max_examples=60)
@given(floats, st.sampled_from([0.0, 0.1, 0.5, 2.0]), st.sampled_from([None, 1.0, 6.0]),
       st.sampled_from([0.0, -1.0, 0.5]))
def test_relu_matches_keras_rule(x, alpha, max_value, threshold):
    y = A.relu(t(x), alpha=alpha, max_value=max_value, threshold=threshold).numpy()
    np.testing.assert_allclose(y, np_relu(x, alpha, max_value, threshold), atol=1e-12)


def test_relu_examples():
    x = t([-2.0, 0.5, 3.0, 9.0])
    assert A.relu(x).tolist() == [0.0, 0.5, 3.0, 9.0]
    assert A.relu(x, max_value=6.0).tolist() == [0.0, 0.5, 3.0, 6.0]
    assert A.relu(x, threshold=1.0).tolist() == [0.0, 0.0, 3.0, 9.0]
    assert A.relu(x, alpha=0.5).tolist() == [-1.0, 0.5, 3.0, 9.0]


def test_hard_sigmoid_is_piecewise_linear():
    assert A.hard_sigmoid(t([-3.0, -2.5, 0.0, 1.0, 2.5, 4.0])).tolist() == pytest.approx(
        [0.0, 0.0, 0.5, 0.7, 1.0, 1.0])


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_softmax(axis):
    x = np.random.RandomState(0).randn(3, 4, 5)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(A.softmax(t(x), axis=axis).numpy(), expected, rtol=1e-12)


def test_softmax_refuses_1d():
    with pytest.raises(ValueError, match="1D"):
        A.softmax(torch.ones(3))


def test_facade_resolution_and_serialization():
    for name in A.__all__:
        fn = lamella.activations.get(name)
        assert fn is getattr(A, name)
        assert lamella.activations.serialize(fn) == name
        assert getattr(lamella.activations, name) is fn
    assert lamella.activations.get(A.relu) is A.relu
