"""lamella-losses metrics: functions, stateful classes (batch-by-batch == all at once),
registration and Keras's rule for 'accuracy'/'crossentropy'."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lamella import metrics as M
from lamella.plugins import lookup
from lamella_losses import losses as LL
from lamella_losses import metrics as LM

t = torch.tensor


def test_accuracy_functions():
    assert torch.equal(LM.accuracy(t([1.0, 2.0, 3.0]), t([1.0, 0.0, 3.0])), t([1.0, 0.0, 1.0]))
    y = t([[1.0], [0.0], [1.0]])
    p = t([[0.7], [0.6], [0.2]])
    assert torch.equal(LM.binary_accuracy(y, p), t([1.0, 0.0, 0.0]))
    assert torch.equal(LM.binary_accuracy(y, p, threshold=0.1), t([1.0, 0.0, 1.0]))
    assert torch.equal(LM.binary_accuracy(t([1.0, 0.0, 1.0]), p), t([1.0, 0.0, 0.0]))
    yc = t([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    pc = t([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])
    assert torch.equal(LM.categorical_accuracy(yc, pc), t([1.0, 0.0]))
    for ys in (t([1, 0]), t([[1], [0]]), t([1.0, 1.0]).sub(t([0.0, 1.0])),
               np.array([[1.0], [0.0]])):
        assert torch.equal(LM.sparse_categorical_accuracy(ys, pc), t([1.0, 0.0]))


def test_top_k():
    p = t([[0.1, 0.5, 0.2, 0.2], [0.4, 0.3, 0.2, 0.1]])
    y = t([[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    # tie at the boundary counts
    assert torch.equal(LM.top_k_categorical_accuracy(y, p, k=2), t([1.0, 0.0]))
    assert torch.equal(LM.top_k_categorical_accuracy(y, p, k=1), t([0.0, 0.0]))
    assert torch.equal(LM.sparse_top_k_categorical_accuracy(t([2, 3]), p, k=2), t([1.0, 0.0]))
    assert torch.equal(LM.sparse_top_k_categorical_accuracy(t([[2], [3]]), p, k=4), t([1.0, 1.0]))
    assert torch.equal(LM.top_k_categorical_accuracy(y, p), t([1.0, 1.0]))  # k=5 > classes


def test_cosine_signs():
    y = t([[1.0, 0.0], [0.0, 2.0]])
    p = t([[2.0, 0.0], [0.0, -1.0]])
    assert torch.allclose(LM.cosine_proximity(y, p), t([1.0, -1.0]))
    assert torch.allclose(LL.cosine_proximity(y, p), t([-1.0, 1.0]))
    assert M.get("cosine_proximity") is LM.cosine_proximity
    assert M.get("cosine") is LM.cosine_proximity


def test_every_loss_is_a_metric():
    for name in ["mse", "mae", "mape", "msle", "hinge", "logcosh", "squared_hinge",
                 "categorical_hinge", "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy", "kld", "poisson", "mean_squared_error",
                 "kullback_leibler_divergence", "huber_loss"]:
        fn = M.get(name)
        assert callable(fn) and fn is getattr(LL, fn.__name__)
    assert M.get("accuracy") is LM.accuracy
    assert M.MeanSquaredError is LM.MeanSquaredError
    assert M.MeanSquaredError is not LL.MeanSquaredError
    assert isinstance(M.get("MeanSquaredError"), type)


# --- stateful == on concatenated data -----------------------------------------------------------


def _split(arrays, cuts):
    n = len(arrays[0])
    cuts = sorted({c % (n + 1) for c in cuts} | {0, n})
    return [[a[i:j] for a in arrays] for i, j in zip(cuts, cuts[1:]) if j > i]


CASES = {
    "BinaryAccuracy": lambda r, n: (r.randint(0, 2, (n, 1)).astype("float32"),
                                    r.rand(n, 1).astype("float32")),
    "CategoricalAccuracy": lambda r, n: (np.eye(4, dtype="float32")[r.randint(0, 4, n)],
                                         r.rand(n, 4).astype("float32")),
    "SparseCategoricalAccuracy": lambda r, n: (r.randint(0, 4, (n, 1)).astype("float32"),
                                               r.rand(n, 4).astype("float32")),
    "TopKCategoricalAccuracy": lambda r, n: (np.eye(8, dtype="float32")[r.randint(0, 8, n)],
                                             r.rand(n, 8).astype("float32")),
    "SparseTopKCategoricalAccuracy": lambda r, n: (r.randint(0, 8, n),
                                                   r.rand(n, 8).astype("float32")),
    "MeanSquaredError": lambda r, n: (r.randn(n, 3).astype("float32"),
                                      r.randn(n, 3).astype("float32")),
    "MeanAbsoluteError": lambda r, n: (r.randn(n, 3).astype("float32"),
                                       r.randn(n, 3).astype("float32")),
    "RootMeanSquaredError": lambda r, n: (r.randn(n, 3).astype("float32"),
                                          r.randn(n, 3).astype("float32")),
    "Accuracy": lambda r, n: (r.randint(0, 3, (n, 2)).astype("float32"),
                              r.randint(0, 3, (n, 2)).astype("float32")),
    "TruePositives": lambda r, n: (r.randint(0, 2, (n, 2)), r.rand(n, 2).astype("float32")),
    "FalseNegatives": lambda r, n: (r.randint(0, 2, (n, 2)), r.rand(n, 2).astype("float32")),
    "Precision": lambda r, n: (r.randint(0, 2, (n, 2)), r.rand(n, 2).astype("float32")),
    "Recall": lambda r, n: (r.randint(0, 2, (n, 2)), r.rand(n, 2).astype("float32")),
    "AUC": lambda r, n: (r.randint(0, 2, (n, 1)), r.rand(n, 1).astype("float32")),
}


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(CASES)), seed=st.integers(0, 2 ** 16), n=st.integers(1, 40),
       cuts=st.lists(st.integers(0, 40), max_size=4), weighted=st.booleans())
def test_batchwise_equals_concatenated(name, seed, n, cuts, weighted):
    r = np.random.RandomState(seed)
    y, p = CASES[name](r, n)
    w = r.rand(n).astype("float32") if weighted else None
    whole = getattr(M, name)()
    whole.update_state(t(y), t(p), sample_weight=None if w is None else t(w))
    parts = getattr(M, name)()
    for chunk in _split([y, p] + ([w] if w is not None else []), cuts):
        parts.update_state(t(chunk[0]), t(chunk[1]),
                           sample_weight=t(chunk[2]) if w is not None else None)
    np.testing.assert_allclose(parts.result().numpy(), whole.result().numpy(), rtol=1e-5, atol=1e-6)
    parts.reset_states()
    assert all(float(s.abs().sum()) == 0 for s in parts.weights)


def test_mean_wrapper_values_and_names():
    m = M.BinaryAccuracy()
    assert m.name == "binary_accuracy"
    m.update_state(t([[1.0], [0.0]]), t([[0.9], [0.7]]))
    assert float(m.result()) == 0.5
    m.update_state(t([[1.0], [0.0]]), t([[0.9], [0.1]]), sample_weight=t([1.0, 3.0]))
    assert float(m.result()) == pytest.approx((1 + 0 + 1 + 3) / 6)
    assert M.BinaryAccuracy(threshold=0.8).get_config() == {"threshold": 0.8,
                                                            "name": "binary_accuracy",
                                                            "dtype": "float32"}
    clone = M.TopKCategoricalAccuracy.from_config(M.TopKCategoricalAccuracy(k=3).get_config())
    assert clone._fn_kwargs == {"k": 3} and clone.name == "top_k_categorical_accuracy"
    r = M.RootMeanSquaredError()
    r.update_state(t([[0.0, 0.0]]), t([[3.0, 4.0]]))
    assert float(r.result()) == pytest.approx(np.sqrt(12.5))
    for cls_name, default in [("MeanSquaredError", "mean_squared_error"),
                              ("LogCoshError", "logcosh"),
                              ("KLDivergence", "kullback_leibler_divergence"),
                              ("CosineSimilarity", "cosine_similarity"),
                              ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy")]:
        obj = getattr(M, cls_name)()
        assert obj.name == default
        assert type(obj).from_config(obj.get_config()).get_config() == obj.get_config()


def test_confusion_metrics():
    y = t([0, 1, 1, 0, 1])
    p = t([0.6, 0.8, 0.3, 0.1, 0.55])
    assert float(M.TruePositives()(y, p)) == 2
    assert float(M.FalsePositives()(y, p)) == 1
    assert float(M.TrueNegatives()(y, p)) == 1
    assert float(M.FalseNegatives()(y, p)) == 1
    assert M.TruePositives(thresholds=[0.0, 0.5, 0.7])(y, p).tolist() == [3, 2, 1]
    assert float(M.Precision()(y, p)) == pytest.approx(2 / 3)
    assert float(M.Recall()(y, p)) == pytest.approx(2 / 3)
    assert float(M.Precision()(t([0, 0]), t([0.1, 0.2]))) == 0.0  # no positives predicted
    yc = t([[0, 1, 0], [1, 0, 0]])
    pc = t([[0.2, 0.7, 0.1], [0.3, 0.6, 0.1]])
    assert float(M.Precision(class_id=1)(yc, pc)) == 0.5
    assert float(M.Recall(top_k=1)(yc, pc)) == 0.5
    assert M.Precision().name.startswith("precision")


def _roc_auc_exact(y, s):
    pos, neg = s[y == 1], s[y == 0]
    return np.mean([(a > b) + 0.5 * (a == b) for a in pos for b in neg])


def test_auc():
    r = np.random.RandomState(1)
    y = r.randint(0, 2, 500)
    s = np.clip(y * 0.3 + r.rand(500) * 0.7, 0, 1)
    m = M.AUC(num_thresholds=1000)
    m.update_state(t(y), t(s, dtype=torch.float32))
    assert float(m.result()) == pytest.approx(_roc_auc_exact(y, s), abs=5e-3)
    perfect = M.AUC()
    perfect.update_state(t([0, 0, 1, 1]), t([0.1, 0.2, 0.8, 0.9]))
    assert float(perfect.result()) == pytest.approx(1.0)
    pr = M.AUC(curve="PR")
    pr.update_state(t([0, 0, 1, 1]), t([0.1, 0.2, 0.8, 0.9]))
    assert float(pr.result()) == pytest.approx(1.0, abs=1e-3)
    for method in ("minoring", "majoring"):
        a = M.AUC(summation_method=method)
        a.update_state(t(y), t(s, dtype=torch.float32))
        assert 0.5 < float(a.result()) <= 1.0
    cfg = M.AUC(num_thresholds=50, curve="PR").get_config()
    assert M.AUC.from_config(cfg).get_config() == cfg
    assert M.AUC().name.startswith("auc")


# --- Keras's rule for 'accuracy' / 'crossentropy' ------------------------------------------------


@pytest.mark.parametrize("name", ["accuracy", "acc"])
@pytest.mark.parametrize("loss,shape,want", [
    ("categorical_crossentropy", (None, 1), "binary_accuracy"),
    ("binary_crossentropy", (None, 5), "binary_accuracy"),
    (LL.binary_crossentropy, (None, 5), "binary_accuracy"),
    (LL.BinaryCrossentropy(from_logits=True), (None, 5), "binary_accuracy"),
    ("sparse_categorical_crossentropy", (None, 5), "sparse_categorical_accuracy"),
    (LL.sparse_categorical_crossentropy, (None, 5), "sparse_categorical_accuracy"),
    (LL.SparseCategoricalCrossentropy(), (None, 5), "sparse_categorical_accuracy"),
    ("categorical_crossentropy", (None, 5), "categorical_accuracy"),
    ("mse", (None, 5), "categorical_accuracy"),
    (None, (None, 5), "categorical_accuracy"),
    (lambda y, p: (y - p).mean(-1), (None, 7, 3), "categorical_accuracy"),
])
def test_accuracy_rule(name, loss, shape, want):
    got = lookup.resolve_metric(name, loss, shape)
    assert got is getattr(LM, want)
    ce = {"binary_accuracy": "binary_crossentropy",
          "sparse_categorical_accuracy": "sparse_categorical_crossentropy",
          "categorical_accuracy": "categorical_crossentropy"}[want]
    alias = "crossentropy" if name == "accuracy" else "ce"
    assert lookup.resolve_metric(alias, loss, shape) is getattr(LL, ce)


def test_resolver_ignores_other_names():
    from lamella_losses._plugin import lamella_resolve_metric

    assert lamella_resolve_metric("mse", "mse", (None, 1)) is None
    assert lamella_resolve_metric("auc", None, (None, 1)) is None


def test_metric_state_lives_on_tensors_and_moves():
    m = M.CategoricalAccuracy()
    assert all(torch.is_tensor(w) for w in m.weights)
    m.update_state(t([[0.0, 1.0]]), t([[0.2, 0.8]]))
    assert float(m.result()) == 1.0
    m.to("cpu")
    assert float(m.result()) == 1.0
