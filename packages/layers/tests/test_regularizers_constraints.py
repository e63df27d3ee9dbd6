import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lamella.constraints
import lamella.regularizers
from lamella_layers import constraints as C
from lamella_layers import regularizers as R
from lamella_layers.core import Dense

weights = arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
                 elements=st.floats(-10, 10, allow_nan=False))


@given(weights, st.sampled_from([0.0, 0.01, 0.5]), st.sampled_from([0.0, 0.01, 2.0]))
def test_l1l2_penalty(w, l1, l2):
    value = R.L1L2(l1=l1, l2=l2)(torch.as_tensor(w))
    expected = np.float32(l1) * np.abs(w).sum() + np.float32(l2) * np.square(w).sum()
    assert value.dim() == 0
    assert float(value) == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


def test_functions_and_configs():
    assert R.l1().get_config() == {"l1": float(np.float32(0.01)), "l2": 0.0}
    assert R.l2(0.5).get_config() == {"l1": 0.0, "l2": 0.5}
    assert R.l1_l2().get_config() == {"l1": 0.009999999776482582, "l2": 0.009999999776482582}
    w = torch.tensor([1.0, -2.0])
    assert float(R.l2(0.1)(w)) == pytest.approx(0.5)
    assert float(R.l1(0.5)(w)) == pytest.approx(1.5)
    assert float(R.L1L2()(w)) == 0.0


def test_regularizer_facade():
    for name in ("l1", "l2", "l1_l2", "L1L2"):
        assert isinstance(lamella.regularizers.get(name), R.L1L2)
    reg = R.L1L2(l1=0.25, l2=0.5)
    ser = lamella.regularizers.serialize(reg)
    assert ser == {"class_name": "L1L2", "config": {"l1": 0.25, "l2": 0.5}}
    assert lamella.regularizers.deserialize(ser).get_config() == reg.get_config()
    assert lamella.regularizers.get(None) is None


def test_weight_regularizer_reaches_layer_losses():
    layer = Dense(2, kernel_regularizer=R.l2(0.5), bias_regularizer="l1",
                  bias_initializer="ones")
    layer(torch.ones(3, 4))
    kernel, bias = layer.get_weights()
    expected = [0.5 * np.square(kernel).sum(), np.float32(0.01) * np.abs(bias).sum()]
    assert [float(x.detach()) for x in layer.losses] == pytest.approx(expected, rel=1e-6)


def test_activity_regularizer_adds_a_loss_per_call():
    layer = Dense(2, kernel_initializer="ones", activity_regularizer=R.l1(0.1))
    y = layer(torch.ones(3, 4))
    assert len(layer.losses) == 1
    expected = 0.1 * float(y.detach().abs().sum())
    assert float(layer.losses[0].detach()) == pytest.approx(expected, rel=1e-6)
    assert layer.get_config()["activity_regularizer"] == {
        "class_name": "L1L2", "config": {"l1": float(np.float32(0.1)), "l2": 0.0}}


def np_norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


@given(weights, st.floats(0.1, 5), st.sampled_from([0, 1, [0, 1]]))
def test_max_norm(w, max_value, axis):
    out = C.MaxNorm(max_value, axis)(torch.as_tensor(w)).numpy()
    axis_ = tuple(axis) if isinstance(axis, list) else axis
    norms = np_norms(w, axis_)
    expected = w * (np.clip(norms, 0, max_value) / (1e-7 + norms))
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    assert (np_norms(out, axis_) <= max_value + 1e-6).all()


def test_max_norm_on_conv_kernel():
    w = torch.randn(3, 3, 4, 5, dtype=torch.float64) * 10
    out = C.MaxNorm(1.0, axis=[0, 1, 2])(w)
    norms = out.pow(2).sum(dim=(0, 1, 2)).sqrt()
    np.testing.assert_allclose(norms.numpy(), 1.0, rtol=1e-6)


def test_non_neg_unit_norm_min_max_norm():
    assert C.NonNeg()(torch.tensor([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 2.0]
    out = C.UnitNorm()(torch.tensor([[3.0, 0.0], [4.0, 2.0]], dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.0], [0.8, 1.0]], rtol=1e-6)
    w = torch.tensor([[0.3, 3.0], [0.4, 4.0]], dtype=torch.float64)
    out = C.MinMaxNorm(1.0, 2.0)(w)
    np.testing.assert_allclose(np_norms(out.numpy(), 0).ravel(), [1.0, 2.0], rtol=1e-6)
    half = C.MinMaxNorm(1.0, 2.0, rate=0.5)(w)
    np.testing.assert_allclose(np_norms(half.numpy(), 0).ravel(), [0.75, 3.5], rtol=1e-6)


@pytest.mark.parametrize("alias, cls", [
    ("max_norm", C.MaxNorm), ("maxnorm", C.MaxNorm), ("MaxNorm", C.MaxNorm),
    ("non_neg", C.NonNeg), ("nonneg", C.NonNeg), ("unit_norm", C.UnitNorm),
    ("unitnorm", C.UnitNorm), ("min_max_norm", C.MinMaxNorm),
])
def test_constraint_aliases(alias, cls):
    assert type(lamella.constraints.get(alias)) is cls


@pytest.mark.parametrize("obj", [C.MaxNorm(3, axis=[0, 1, 2]), C.NonNeg(), C.UnitNorm(axis=1),
                                 C.MinMaxNorm(0.5, 2.0, 0.3, 1)])
def test_constraint_config_round_trip(obj):
    ser = lamella.constraints.serialize(obj)
    assert ser["class_name"] == type(obj).__name__
    assert lamella.constraints.deserialize(ser).get_config() == obj.get_config()


def test_constraint_config_keys():
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert C.UnitNorm().get_config() == {"axis": 0}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0,
                                           "axis": 0}
    assert C.NonNeg().get_config() == {}


def test_layer_applies_constraint():
    layer = Dense(2, kernel_constraint="non_neg", kernel_initializer="random_normal")
    layer(torch.ones(1, 3))
    layer._apply_constraints()
    assert (layer.get_weights()[0] >= 0).all()
