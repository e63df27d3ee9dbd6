"""Activations, regularizers, constraints and initializers against real Keras 2.3.1.

Fixtures: ``tools/keras231/make_activation_fixtures.py`` → ``fixtures/keras231/functions.{json,
npz}``. Deterministic values (activations, penalties, constrained weights, Zeros / Ones /
Constant / Identity / seeded Orthogonal) must agree within 1e-6; random initializers are
compared by the statistics of a 100 000-value draw (mean, std, min, max, quantiles) and by the
shape (hence the fans) Keras hands each layer's ``*_initializer``.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import lamella
import lamella.activations
import lamella.constraints
import lamella.initializers
import lamella.regularizers
from lamella_layers import constraints as C
from lamella_layers import initializers as I
from lamella_layers import regularizers as R

FIXTURES = Path(__file__).parent / "fixtures" / "keras231"
INDEX = json.loads((FIXTURES / "functions.json").read_text())
with np.load(FIXTURES / "functions.npz") as _data:
    ARRAYS = {k: _data[k] for k in _data.files}
TOL = 1e-6


def _ids(records):
    return [r["id"] for r in records]


def _worst(got, want):
    got = got.detach().double().numpy() if torch.is_tensor(got) else np.asarray(got, np.float64)
    assert got.shape == want.shape
    return float(np.max(np.abs(got - want.astype(np.float64)))) if want.size else 0.0


# --- activations ---------------------------------------------------------------------------

ACT = INDEX["activations"]


@pytest.mark.parametrize("case", ACT["cases"], ids=_ids(ACT["cases"]))
def test_activation_matches_keras(case):
    x = torch.from_numpy(ARRAYS["act/" + case["input"]])
    fn = lamella.activations.get(case["name"])
    got = fn(x, **case["kwargs"])
    assert got.dtype == torch.float32
    assert _worst(got, ARRAYS["act/" + case["id"]]) <= TOL


@pytest.mark.parametrize("name", sorted(ACT["serialized"]))
def test_activation_serialization_and_layer_match_keras(name):
    fn = lamella.activations.get(name)
    assert lamella.activations.serialize(fn) == ACT["serialized"][name]
    layer = lamella.layers.deserialize({"class_name": "Activation",
                                        "config": ACT["layer_configs"][name]})
    assert layer.get_config()["activation"] == name
    x = torch.from_numpy(ARRAYS["act/x3"])
    assert _worst(layer(x), ARRAYS[f"act/{name}/x3"]) <= TOL


# --- regularizers --------------------------------------------------------------------------

REG = INDEX["regularizers"]


@pytest.mark.parametrize("case", REG["cases"], ids=_ids(REG["cases"]))
def test_regularizer_penalty_matches_keras(case):
    w = torch.from_numpy(ARRAYS["reg/" + case["weights"]])
    made = getattr(lamella.regularizers, case["make"])(**case["kwargs"])
    from_config = lamella.regularizers.deserialize(case["serialized"])
    assert lamella.regularizers.serialize(made) == case["serialized"]
    for reg in (made, from_config):
        penalty = reg(w)
        assert penalty.dim() == 0
        assert abs(float(penalty) - case["penalty"]) <= TOL * max(1.0, abs(case["penalty"]))


@pytest.mark.parametrize("name", sorted(REG["strings"]))
def test_regularizer_strings_match_keras(name):
    assert lamella.regularizers.serialize(lamella.regularizers.get(name)) == REG["strings"][name]


def test_dense_regularizer_losses_match_keras():
    case = REG["dense_losses"]
    layer = lamella.layers.deserialize({"class_name": "Dense", "config": case["config"]})
    x = torch.from_numpy(ARRAYS["reg/dense_x"])
    layer(lamella.Input(shape=x.shape[1:]))  # builds; a symbolic call adds no activity loss
    layer.set_weights([ARRAYS[f"reg/dense_w{i}"] for i in range(case["n_weights"])])
    layer(x)  # Keras's order: kernel, bias, then this call's activity penalty
    got = [float(v.detach()) for v in layer.losses]
    assert len(got) == len(case["losses"])
    for g, w in zip(got, case["losses"]):
        assert abs(g - w) <= TOL * max(1.0, abs(w))


# --- constraints ---------------------------------------------------------------------------

CON = INDEX["constraints"]


@pytest.mark.parametrize("case", CON["cases"], ids=_ids(CON["cases"]))
def test_constraint_matches_keras(case):
    w = torch.from_numpy(ARRAYS["con/" + case["weights"]])
    made = getattr(C, case["make"])(**case["kwargs"])
    from_config = lamella.constraints.deserialize(case["serialized"])
    assert lamella.constraints.serialize(made) == case["serialized"]
    for con in (made, from_config):
        assert _worst(con(w), ARRAYS["con/" + case["id"]]) <= TOL


@pytest.mark.parametrize("name", sorted(CON["strings"]))
def test_constraint_strings_match_keras(name):
    assert lamella.constraints.serialize(lamella.constraints.get(name)) == CON["strings"][name]


# --- initializers --------------------------------------------------------------------------

INIT = INDEX["initializers"]


def _up_to_vector_signs(got, want):
    """Max abs difference once each singular vector of ``got`` takes ``want``'s sign.

    Keras's Orthogonal is ``np.linalg.svd`` of ``RandomState(seed).normal(...)``; lamella runs
    the same NumPy draw and SVD, but the sign of each singular vector is chosen by the LAPACK
    build NumPy links (Keras 2.3.1's NumPy 1.18.5 and a current NumPy pick different signs for
    some matrices), so that sign is the one thing not compared."""
    got = got.detach().double().numpy().reshape(-1, want.shape[-1])
    flat = want.astype(np.float64).reshape(got.shape)
    axis = 0 if got.shape[0] >= got.shape[1] else 1  # columns of u, or rows of v
    signs = np.sign(np.sum(got * flat, axis=axis, keepdims=True))
    return float(np.max(np.abs(got - flat * signs)))


@pytest.mark.parametrize("case", INIT["deterministic"], ids=_ids(INIT["deterministic"]))
def test_deterministic_initializer_matches_keras(case):
    made = getattr(lamella.initializers, case["make"])(**case["kwargs"])
    from_config = lamella.initializers.deserialize(case["serialized"])
    assert lamella.initializers.serialize(made) == case["serialized"]
    compare = _up_to_vector_signs if case["make"] == "Orthogonal" else _worst
    for init in (made, from_config):
        assert compare(init(tuple(case["shape"]), dtype="float32"),
                       ARRAYS["init/" + case["id"]]) <= TOL
        if case["second"]:  # the seed was incremented: the next call is Keras's next matrix
            assert compare(init(tuple(case["shape"]), dtype="float32"),
                           ARRAYS["init/" + case["id"] + "/second"]) <= TOL


@pytest.mark.parametrize("name", sorted(INIT["strings"]))
def test_initializer_strings_match_keras(name):
    init = lamella.initializers.get(name)
    assert lamella.initializers.serialize(init) == INIT["strings"][name]


@pytest.mark.parametrize("case", INIT["statistical"], ids=_ids(INIT["statistical"]))
def test_random_initializer_statistics_match_keras(case):
    want = case["stats"]
    made = getattr(lamella.initializers, case["make"])(**case["kwargs"])
    assert lamella.initializers.serialize(made) == case["serialized"]
    assert list(I.compute_fans(case["shape"])) == case["fans"]
    torch.manual_seed(20240601)
    values = lamella.initializers.deserialize(case["serialized"])(
        tuple(case["shape"]), dtype="float32").double().numpy().ravel()
    assert values.size == want["size"]
    spread = want["std"]
    # two independent draws of 1e5 values: sampling noise of the mean / std is ~0.5% of std
    assert abs(values.mean() - want["mean"]) <= 0.02 * spread
    assert values.std() == pytest.approx(want["std"], rel=0.02)
    quantiles = np.quantile(values, [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999])
    # sampling noise of a quantile grows in the tails (~0.04 std at 0.1% for a normal)
    np.testing.assert_allclose(quantiles[1:-1], want["quantiles"][1:-1], atol=0.05 * spread)
    np.testing.assert_allclose(quantiles[[0, -1]], np.array(want["quantiles"])[[0, -1]],
                               atol=0.2 * spread)
    bounded = case["make"] in ("RandomUniform", "TruncatedNormal") or \
        case["serialized"]["class_name"] == "VarianceScaling"
    if bounded:  # uniform and truncated normals: the support's ends are reached, not passed
        assert abs(values.min() - want["min"]) <= 0.01 * spread
        assert abs(values.max() - want["max"]) <= 0.01 * spread
    else:  # an untruncated normal's extremes are random: just of the same size
        assert values.min() == pytest.approx(want["min"], rel=0.25)
        assert values.max() == pytest.approx(want["max"], rel=0.25)


class _Recording(lamella.initializers.Initializer):
    def __init__(self, log):
        self.log = log
        self.inner = I.VarianceScaling(scale=3.0, mode="fan_in", distribution="uniform")

    def __call__(self, shape, dtype=None):
        self.log.append([int(d) for d in shape])
        return self.inner(shape, dtype=dtype)


@pytest.mark.parametrize("case", INIT["fans"], ids=[
    f"{r['class_name']}/{'x'.join(map(str, r['input_shapes'][0]))}" for r in INIT["fans"]])
def test_layers_give_initializers_keras_shapes_and_fans(case):
    logs = {arg: [] for arg in case["init_shapes"]}
    kwargs = dict(case["kwargs"], **{arg: _Recording(logs[arg]) for arg in logs})
    layer = getattr(lamella.layers, case["class_name"])(**kwargs)
    dtype = "int32" if case["class_name"] == "Embedding" else "float32"
    layer(lamella.Input(shape=tuple(case["input_shapes"][0]), dtype=dtype))
    assert [list(w.shape) for w in layer.get_weights()] == case["weight_shapes"]
    for arg, shapes in case["init_shapes"].items():
        assert logs[arg] == shapes, arg
        assert [list(I.compute_fans(s)) for s in logs[arg]] == case["fans"][arg], arg
    # and the values drawn land in Keras's bound sqrt(3 * scale / fan_in) for that weight
    weights = dict(zip([tuple(s) for s in case["weight_shapes"]], layer.get_weights()))
    for arg, shapes in case["init_shapes"].items():
        for shape, (fan_in, _) in zip(shapes, case["fans"][arg]):
            if tuple(shape) not in weights:  # a weight Keras builds in another layout
                continue
            limit = math.sqrt(9.0 / fan_in)
            w = np.abs(weights[tuple(shape)])
            assert w.max() <= limit * (1 + 1e-6)
            if w.size >= 60:
                assert w.max() >= 0.9 * limit


def test_compute_fans_matches_keras_for_every_recorded_shape():
    for case in INIT["fans"]:
        for arg, shapes in case["init_shapes"].items():
            for shape, fans in zip(shapes, case["fans"][arg]):
                assert list(I.compute_fans(shape)) == fans


def test_regularizer_and_constraint_classes_are_the_facades():
    assert lamella.regularizers.L1L2 is R.L1L2
    assert lamella.constraints.MaxNorm is C.MaxNorm
