"""Stateful metrics accumulate on the metric's device: ``update_state`` never reads a tensor back
to the host (no ``.item()``, ``float()``, ``int()``, ``bool()``, ``.cpu()``, ``.tolist()``,
``.numpy()``), so a training step never waits for the device.

Checked two ways, both CUDA-free: every ``update_state`` runs with those conversions patched to
raise, and the source of the update paths is scanned for them.
"""

import inspect
import re

import pytest
import torch

from lamella.base.metric import Metric, Reduce, broadcast_sample_weight
from lamella_losses import losses as LL
from lamella_losses import metrics as LM
from lamella_losses.metrics.accuracy_metrics import _in_top_k
from lamella_losses.metrics.confusion_metrics import _filter_top_k

g = torch.Generator().manual_seed(0)
PROB = torch.softmax(torch.randn(8, 4, generator=g), -1)
ONEHOT = torch.eye(4)[torch.randint(0, 4, (8,), generator=g)]
LABELS = ONEHOT.argmax(-1).float()
BIN_T = torch.randint(0, 2, (8, 3), generator=g).float()
BIN_P = torch.rand(8, 3, generator=g)
REG_T = torch.randn(8, 3, generator=g)
REG_P = torch.randn(8, 3, generator=g)
W = torch.rand(8, generator=g)

# (class, kwargs, y_true, y_pred)
CASES = [
    ("Accuracy", {}, REG_T.round(), REG_P.round()),
    ("BinaryAccuracy", {}, BIN_T, BIN_P),
    ("BinaryAccuracy", {"threshold": 0.7}, BIN_T, BIN_P),
    ("CategoricalAccuracy", {}, ONEHOT, PROB),
    ("SparseCategoricalAccuracy", {}, LABELS, PROB),
    ("TopKCategoricalAccuracy", {"k": 2}, ONEHOT, PROB),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, LABELS, PROB),
    ("MeanSquaredError", {}, REG_T, REG_P),
    ("MeanAbsoluteError", {}, REG_T, REG_P),
    ("MeanAbsolutePercentageError", {}, REG_T, REG_P),
    ("MeanSquaredLogarithmicError", {}, REG_T.abs(), REG_P.abs()),
    ("RootMeanSquaredError", {}, REG_T, REG_P),
    ("LogCoshError", {}, REG_T, REG_P),
    ("Poisson", {}, REG_T.abs(), REG_P.abs()),
    ("KLDivergence", {}, ONEHOT, PROB),
    ("CosineSimilarity", {}, REG_T, REG_P),
    ("Hinge", {}, BIN_T, REG_P),
    ("SquaredHinge", {}, BIN_T, REG_P),
    ("CategoricalHinge", {}, ONEHOT, PROB),
    ("BinaryCrossentropy", {}, BIN_T, BIN_P),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BIN_T, REG_P),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, ONEHOT, PROB),
    ("SparseCategoricalCrossentropy", {}, LABELS, PROB),
    ("TruePositives", {"thresholds": [0.2, 0.5]}, BIN_T, BIN_P),
    ("TrueNegatives", {}, BIN_T, BIN_P),
    ("FalsePositives", {}, BIN_T, BIN_P),
    ("FalseNegatives", {}, BIN_T, BIN_P),
    ("Precision", {}, BIN_T, BIN_P),
    ("Precision", {"top_k": 2, "class_id": 1}, ONEHOT, PROB),
    ("Recall", {"thresholds": [0.3, 0.6]}, BIN_T, BIN_P),
    ("Recall", {"top_k": 1}, ONEHOT, PROB),
    ("AUC", {}, BIN_T, BIN_P),
    ("AUC", {"curve": "PR", "num_thresholds": 20}, BIN_T, BIN_P),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, BIN_T, BIN_P),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5}, BIN_T, BIN_P),
    ("MeanIoU", {"num_classes": 4}, LABELS, PROB.argmax(-1)),
]

# Every stateful metric class the package exports.
METRIC_CLASSES = [obj for obj in vars(LM).values()
                  if isinstance(obj, type) and issubclass(obj, Metric)]

_SYNCS = ["item", "cpu", "tolist", "numpy", "__float__", "__int__", "__bool__", "__array__"]


@pytest.fixture
def no_host_sync(monkeypatch):
    def forbid(name):
        def raiser(self, *args, **kwargs):
            raise AssertionError(f"host synchronisation: Tensor.{name}() in update_state")
        return raiser

    def patch():
        for name in _SYNCS:
            monkeypatch.setattr(torch.Tensor, name, forbid(name))

    return patch


def test_every_stateful_metric_class_is_covered():
    covered = {name for name, *_ in CASES}
    classes = {cls.__name__ for cls in METRIC_CLASSES}
    assert classes <= covered, sorted(classes - covered)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name,kwargs,y_true,y_pred", CASES,
                         ids=[f"{c[0]}{c[1] or ''}" for c in CASES])
def test_update_state_never_reads_back(no_host_sync, name, kwargs, y_true, y_pred, weighted):
    metric = getattr(LM, name)(**kwargs)
    # reference: the same updates with conversions allowed
    reference = getattr(LM, name)(**kwargs)
    weight = W if weighted else None
    for part in (slice(0, 3), slice(3, 8)):
        reference.update_state(y_true[part], y_pred[part],
                               sample_weight=None if weight is None else weight[part])
    no_host_sync()
    for part in (slice(0, 3), slice(3, 8)):
        metric.update_state(y_true[part], y_pred[part],
                            sample_weight=None if weight is None else weight[part])
    for state, expected in zip(metric.weights, reference.weights):
        assert torch.equal(state, expected)


def test_the_patch_catches_a_sync(no_host_sync):
    class Syncing(Metric):
        def __init__(self):
            super().__init__(name="syncing")
            self.total = self.add_weight("total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.add_(float((y_pred - y_true).sum()))

    no_host_sync()
    with pytest.raises(AssertionError, match="host synchronisation"):
        Syncing().update_state(REG_T, REG_P)


_SYNC_SOURCE = re.compile(r"\.item\(|\.cpu\(|\.tolist\(|\.numpy\(|\bfloat\(|\bint\(|\bbool\(")


def _update_path_functions():
    yield from (broadcast_sample_weight, Reduce.update_state, _filter_top_k,
                _in_top_k, LL._maybe_convert_labels)
    for cls in METRIC_CLASSES:
        for klass in cls.__mro__:
            if "update_state" in vars(klass) and klass.__module__.startswith("lamella_losses"):
                yield vars(klass)["update_state"]


def test_update_sources_have_no_conversions():
    for fn in _update_path_functions():
        source = inspect.getsource(fn)
        body = "\n".join(line.split("#")[0] for line in source.splitlines()
                         if not line.strip().startswith(('"', "'")))
        assert not _SYNC_SOURCE.search(body), (fn.__qualname__, _SYNC_SOURCE.search(body))
