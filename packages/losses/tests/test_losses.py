"""lamella-losses: loss functions against numpy copies of Keras 2.3's maths, loss objects,
reductions and registration. Uses torch tensors only (no lamella layers)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lamella import losses as L
from lamella.base.loss import Reduction
from lamella_losses import losses as LL

EPS = 1e-7
rng = np.random.RandomState(0)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --- numpy references --------------------------------------------------------------------------


def np_bce(y, p, from_logits=False, ls=0.0):
    # Keras 2.3.1 on TF 1.15 (measured, see test_keras231_parity.py): probabilities are
    # clipped and used as -(y·log(p+ε) + (1-y)·log(1-p+ε)), not turned back into logits.
    y = y * (1 - ls) + 0.5 * ls
    if not from_logits:
        p = np.clip(p, EPS, 1 - EPS)
        return np.mean(-(y * np.log(p + EPS) + (1 - y) * np.log(1 - p + EPS)), -1)
    x = p
    return np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))), -1)


def np_cce(y, p, from_logits=False, ls=0.0):
    y = y * (1 - ls) + ls / y.shape[-1]
    if from_logits:
        p = softmax(p)
        return -np.sum(y * np.log(p), -1)
    p = p / p.sum(-1, keepdims=True)
    p = np.clip(p, EPS, 1 - EPS)
    return -np.sum(y * np.log(p), -1)


def np_scce(y, p, from_logits=False):
    logits = p if from_logits else np.log(np.clip(p, EPS, 1 - EPS))
    logp = np.log(softmax(logits))
    y = y.reshape(-1).astype(int)
    return -logp[np.arange(len(y)), y]


def np_l2n(x):
    return x / np.sqrt(np.maximum(np.sum(x * x, -1, keepdims=True), 1e-12))


REFS = {
    "mean_squared_error": lambda y, p: np.mean((p - y) ** 2, -1),
    "mean_absolute_error": lambda y, p: np.mean(np.abs(p - y), -1),
    "mean_absolute_percentage_error":
        lambda y, p: 100 * np.mean(np.abs(y - p) / np.clip(np.abs(y), EPS, None), -1),
    "mean_squared_logarithmic_error":
        lambda y, p: np.mean((np.log(np.clip(p, EPS, None) + 1)
                              - np.log(np.clip(y, EPS, None) + 1)) ** 2, -1),
    "squared_hinge": lambda y, p: np.mean(np.maximum(1 - y * p, 0) ** 2, -1),
    "hinge": lambda y, p: np.mean(np.maximum(1 - y * p, 0), -1),
    "categorical_hinge":
        lambda y, p: np.maximum(0, np.max((1 - y) * p, -1) - np.sum(y * p, -1) + 1),
    "logcosh": lambda y, p: np.mean(np.log(np.cosh(p - y)), -1),
    # element-wise in Keras 2.3.1 (no mean over the last axis; measured)
    "huber_loss": lambda y, p: np.where(np.abs(p - y) <= 1, 0.5 * (p - y) ** 2,
                                        np.abs(p - y) - 0.5),
    "kullback_leibler_divergence":
        lambda y, p: np.sum(np.clip(y, EPS, 1)
                            * np.log(np.clip(y, EPS, 1) / np.clip(p, EPS, 1)), -1),
    "poisson": lambda y, p: np.mean(p - y * np.log(p + EPS), -1),
    "cosine_proximity": lambda y, p: -np.sum(np_l2n(y) * np_l2n(p), -1),
    "binary_crossentropy": np_bce,
    "categorical_crossentropy": np_cce,
}


def sample(name, n=8, c=4):
    if name in ("categorical_crossentropy", "kullback_leibler_divergence", "categorical_hinge"):
        y = np.eye(c)[rng.randint(0, c, n)]
        return y, softmax(rng.randn(n, c))
    if name == "binary_crossentropy":
        return rng.randint(0, 2, (n, c)).astype(float), sigmoid(rng.randn(n, c) * 3)
    if name in ("hinge", "squared_hinge"):
        return rng.choice([-1.0, 1.0], (n, c)), rng.randn(n, c)
    if name in ("poisson", "mean_squared_logarithmic_error"):
        return rng.poisson(2.0, (n, c)).astype(float), rng.rand(n, c) * 4 + 0.1
    return rng.randn(n, c), rng.randn(n, c)


@pytest.mark.parametrize("name", sorted(REFS))
def test_values_match_keras_maths(name):
    y, p = sample(name)
    fn = getattr(LL, name)
    got = fn(torch.tensor(y), torch.tensor(p))
    assert got.shape == ((8, 4) if name == "huber_loss" else (8,))
    np.testing.assert_allclose(got.numpy(), REFS[name](y, p), rtol=1e-6, atol=1e-9)
    # float32 inputs give float32 outputs and close values
    got32 = fn(torch.tensor(y, dtype=torch.float32), torch.tensor(p, dtype=torch.float32))
    assert got32.dtype == torch.float32
    np.testing.assert_allclose(got32.numpy(), REFS[name](y, p), rtol=2e-4, atol=2e-5)


def test_crossentropy_options():
    y, _ = sample("categorical_crossentropy")
    logits = rng.randn(8, 4) * 3
    t = torch.tensor
    np.testing.assert_allclose(LL.categorical_crossentropy(t(y), t(logits), from_logits=True),
                               np_cce(y, logits, True), rtol=1e-6)
    np.testing.assert_allclose(
        LL.categorical_crossentropy(t(y), t(softmax(logits)), label_smoothing=0.2),
        np_cce(y, softmax(logits), ls=0.2), rtol=1e-6)
    yb = rng.randint(0, 2, (8, 3)).astype(float)
    lb = rng.randn(8, 3) * 4
    np.testing.assert_allclose(LL.binary_crossentropy(t(yb), t(lb), from_logits=True),
                               np_bce(yb, lb, True), rtol=1e-6)
    np.testing.assert_allclose(LL.binary_crossentropy(t(yb), t(sigmoid(lb)), label_smoothing=0.1),
                               np_bce(yb, sigmoid(lb), ls=0.1), rtol=1e-6)
    # saturated probabilities are clipped, not infinite
    assert torch.isfinite(LL.binary_crossentropy(t([[1.0, 0.0]]), t([[0.0, 1.0]]))).all()
    assert torch.isfinite(LL.categorical_crossentropy(t([[1.0, 0.0]]), t([[0.0, 1.0]]))).all()
    # categorical_crossentropy normalises un-normalised probabilities first
    p = rng.rand(8, 4)
    np.testing.assert_allclose(LL.categorical_crossentropy(t(y), t(p)),
                               LL.categorical_crossentropy(t(y), t(p / p.sum(-1, keepdims=True))),
                               rtol=1e-12)


@pytest.mark.parametrize("shape", [(8,), (8, 1)])
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(shape, from_logits):
    labels = rng.randint(0, 5, shape)
    logits = rng.randn(8, 5)
    p = logits if from_logits else softmax(logits)
    want = np_scce(labels, p, from_logits)
    for y in (torch.tensor(labels), torch.tensor(labels, dtype=torch.float32), labels):
        got = LL.sparse_categorical_crossentropy(y, torch.tensor(p), from_logits=from_logits)
        assert got.shape == (8,)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    onehot = torch.tensor(np.eye(5)[labels.reshape(-1)])
    np.testing.assert_allclose(LL.categorical_crossentropy(onehot, torch.tensor(p),
                                                           from_logits=from_logits).numpy(),
                               want, rtol=1e-6)
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*\(8, 5\)"):
        LL.sparse_categorical_crossentropy(torch.zeros(8, 5), torch.tensor(p))


def test_sequence_shapes_keep_leading_axes():
    y = torch.randn(4, 6, 3)
    p = torch.randn(4, 6, 3)
    assert LL.mean_squared_error(y, p).shape == (4, 6)
    labels = torch.randint(0, 3, (4, 6))
    assert LL.sparse_categorical_crossentropy(labels, torch.softmax(p, -1)).shape == (4, 6)


def test_rank_mismatch_with_trailing_one_is_fixed():
    y = torch.randn(8)
    p = torch.randn(8, 1)
    np.testing.assert_allclose(LL.mean_squared_error(y, p), ((p[:, 0] - y) ** 2).numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(LL.mean_squared_error(y.unsqueeze(-1), p.squeeze(-1)),
                               ((p[:, 0] - y) ** 2).numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(REFS))
def test_mismatched_shapes_raise(name):
    fn = getattr(LL, name)
    with pytest.raises(ValueError) as info:
        fn(torch.zeros(8, 3), torch.zeros(8, 4))
    message = str(info.value)
    assert "(8, 3)" in message and "(8, 4)" in message and name in message


# --- hypothesis properties ---------------------------------------------------------------------

NONNEG = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
          "mean_squared_logarithmic_error", "squared_hinge", "hinge", "logcosh", "huber_loss",
          "categorical_hinge", "binary_crossentropy", "categorical_crossentropy"]
# kullback_leibler_divergence is left out on purpose: Keras's formula is non-negative only when
# both rows are probability distributions, and these draws are arbitrary clipped values.

values = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)),
                    elements=st.floats(-10, 10, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), name=st.sampled_from(NONNEG))
def test_non_negative(data, name):
    y = data.draw(values)
    p = data.draw(hnp.arrays(np.float64, y.shape, elements=st.floats(-10, 10, allow_nan=False)))
    if name in ("binary_crossentropy", "categorical_crossentropy", "kullback_leibler_divergence"):
        y, p = np.abs(y) / 10, np.abs(p) / 10 + 1e-3
        if name != "binary_crossentropy":
            y = y / np.maximum(y.sum(-1, keepdims=True), 1e-3)
            y = np.where(y.sum(-1, keepdims=True) > 0, y, 1.0 / y.shape[-1])
            p = p / p.sum(-1, keepdims=True)
    out = getattr(LL, name)(torch.tensor(y), torch.tensor(p))
    assert (out >= -1e-9).all()


REGRESSION = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error", "logcosh", "huber_loss"]


@settings(max_examples=60, deadline=None)
@given(y=values, name=st.sampled_from(REGRESSION))
def test_zero_on_perfect_predictions(y, name):
    if name == "mean_squared_logarithmic_error":
        y = np.abs(y)
    out = getattr(LL, name)(torch.tensor(y), torch.tensor(y))
    np.testing.assert_allclose(out.numpy(), 0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(labels=hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(0, 3)),
       smoothing=st.sampled_from([0.0, 0.1]))
def test_crossentropy_minimal_on_perfect_predictions(labels, smoothing):
    onehot = np.eye(4)[labels]
    perfect = LL.categorical_crossentropy(torch.tensor(onehot), torch.tensor(onehot))
    noisy = softmax(np.random.RandomState(len(labels)).randn(len(labels), 4))
    other = LL.categorical_crossentropy(torch.tensor(onehot), torch.tensor(noisy))
    assert (perfect <= other + 1e-9).all() and (perfect < 1e-5).all()
    assert (LL.binary_crossentropy(torch.tensor(onehot), torch.tensor(onehot)) < 1e-5).all()
    assert torch.allclose(LL.cosine_proximity(torch.tensor(onehot), torch.tensor(onehot)),
                          torch.tensor(-1.0, dtype=torch.float64))


@settings(max_examples=60, deadline=None)
@given(y=values, data=st.data(), cls_name=st.sampled_from(
    ["MeanSquaredError", "MeanAbsoluteError", "LogCosh", "Huber", "Hinge"]))
def test_reductions_agree(y, data, cls_name):
    p = data.draw(hnp.arrays(np.float64, y.shape, elements=st.floats(-10, 10, allow_nan=False)))
    w = data.draw(hnp.arrays(np.float64, y.shape[:1], elements=st.floats(0, 3, allow_nan=False)))
    cls = getattr(LL, cls_name)
    yt, pt, wt = torch.tensor(y), torch.tensor(p), torch.tensor(w)
    none = cls(reduction=Reduction.NONE)(yt, pt, sample_weight=wt)
    total = cls(reduction=Reduction.SUM)(yt, pt, sample_weight=wt)
    mean = cls(reduction=Reduction.SUM_OVER_BATCH_SIZE)(yt, pt, sample_weight=wt)
    # one value per sample; Huber (element-wise in Keras 2.3.1) one per element
    assert none.shape == ((len(y),) if cls_name != "Huber" else yt.shape)
    n = none.numel()
    np.testing.assert_allclose(float(total), float(mean) * n, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(float(total), float(none.sum()), rtol=1e-9, atol=1e-9)
    per_sample = getattr(LL, cls().fn.__name__)(yt, pt)
    weights = wt.reshape(wt.shape + (1,) * (per_sample.dim() - 1))
    np.testing.assert_allclose(float(mean), float((per_sample * weights).sum()) / n, rtol=1e-9,
                               atol=1e-9)


def test_sample_weights_and_default_reduction():
    y = torch.tensor([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]])
    p = torch.tensor([[1.0, 1.0], [1.0, 3.0], [0.0, 0.0]])
    loss = L.MeanSquaredError()
    assert loss.reduction == "sum_over_batch_size" and loss.name == "mean_squared_error"
    per = torch.tensor([0.5, 2.0, 2.0])
    assert torch.isclose(loss(y, p), per.mean())
    w = torch.tensor([1.0, 0.0, 2.0])
    # Keras 2.3 divides the weighted sum by the number of values, not by the sum of weights
    assert torch.isclose(loss(y, p, sample_weight=w), (per * w).sum() / 3)
    assert torch.isclose(loss(y, p, sample_weight=w.unsqueeze(-1)), (per * w).sum() / 3)


def test_loss_class_names_and_configs():
    expected = {
        "MeanSquaredError": "mean_squared_error", "MeanAbsoluteError": "mean_absolute_error",
        "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
        "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
        "BinaryCrossentropy": "binary_crossentropy",
        "CategoricalCrossentropy": "categorical_crossentropy",
        "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy", "Hinge": "hinge",
        "SquaredHinge": "squared_hinge", "CategoricalHinge": "categorical_hinge",
        "Poisson": "poisson", "LogCosh": "logcosh", "KLDivergence": "kullback_leibler_divergence",
        "Huber": "huber_loss", "CosineSimilarity": "cosine_similarity",
    }
    for cls_name, default in expected.items():
        cls = getattr(L, cls_name)
        obj = cls()
        assert obj.name == default
        config = obj.get_config()
        clone = cls.from_config(config)
        assert clone.get_config() == config
        again = L.deserialize(L.serialize(obj))
        assert type(again) is cls and again.get_config() == config
    cce = L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum")
    assert cce.get_config() == {"from_logits": True, "label_smoothing": 0.1, "reduction": "sum",
                                "name": "categorical_crossentropy"}
    assert L.Huber(delta=2.0).get_config()["delta"] == 2.0


def test_registry_names():
    assert L.get("mse") is LL.mean_squared_error
    assert L.get("mean_squared_error") is LL.mean_squared_error
    assert L.get("MSE") is LL.mean_squared_error
    assert L.get("mae") is LL.mean_absolute_error
    assert L.get("mape") is LL.mean_absolute_percentage_error
    assert L.get("msle") is LL.mean_squared_logarithmic_error
    assert L.get("kld") is LL.kullback_leibler_divergence
    assert L.get("cosine_similarity") is LL.cosine_proximity
    assert L.get("MeanSquaredError") is LL.MeanSquaredError
    assert L.MeanSquaredError is LL.MeanSquaredError
    assert L.get(None) is None
    assert L.get(LL.hinge) is LL.hinge
    with pytest.raises(ValueError):
        L.get("no_such_loss")


def test_loss_with_torch_model_gradients():
    torch.manual_seed(0)
    w = torch.randn(3, 2, requires_grad=True)
    x = torch.randn(5, 3)
    y = torch.randint(0, 2, (5, 2)).float()
    loss = L.BinaryCrossentropy(from_logits=True)(y, x @ w)
    loss.backward()
    ref = torch.nn.functional.binary_cross_entropy_with_logits(x @ w, y)
    assert torch.isclose(loss, ref)
    assert w.grad is not None and torch.isfinite(w.grad).all()


def test_numpy_inputs_accepted():
    out = LL.mean_absolute_error(np.ones((2, 3)), torch.zeros(2, 3))
    assert torch.equal(out, torch.ones(2))


def test_half_precision_predictions_computed_in_float32():
    y = torch.tensor([[1.0, 0.0]])
    p = torch.tensor([[1.0, 0.0]], dtype=torch.float16)
    out = LL.categorical_crossentropy(y, p)
    assert out.dtype == torch.float32 and torch.isfinite(out).all() and float(out) < 1e-5
    out = LL.sparse_categorical_crossentropy(torch.tensor([0]), p)
    assert out.dtype == torch.float32 and float(out) < 1e-5
