"""The package's layout: every registered ``"module:attr"`` resolves, every public class
documents an example, and the ``'accuracy'`` rule works without the plugin machinery."""

import importlib
import inspect

import pytest

from lamella_losses import _plugin, accuracy_rule
from lamella_losses import losses as LL
from lamella_losses import metrics as LM

RECORDS = [*_plugin.lamella_losses(), *_plugin.lamella_metrics()]


@pytest.mark.parametrize("record", RECORDS, ids=[f"{r.obj}" for r in RECORDS])
def test_every_registered_object_resolves(record):
    module, attr = record.obj.split(":")
    assert callable(getattr(importlib.import_module(module), attr))


def test_metrics_exports_every_submodule_name():
    for name in LM.__all__:
        assert getattr(LM, name) is not None
    # The registration strings name the package, never a submodule.
    assert all(r.obj.split(":")[0] in ("lamella_losses.losses", "lamella_losses.metrics")
               for r in RECORDS)


@pytest.mark.parametrize("module", [LL, LM], ids=["losses", "metrics"])
def test_public_classes_have_an_example(module):
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    missing = [name for name in names
               if inspect.isclass(getattr(module, name))
               and getattr(module, name).__module__.startswith("lamella_losses")
               and "Example::" not in (getattr(module, name).__doc__ or "")]
    assert not missing


def test_accuracy_rule_directly():
    assert accuracy_rule.resolve("acc", "binary_crossentropy", (None, 3)) is LM.binary_accuracy
    assert accuracy_rule.resolve("accuracy", None, (None, 1)) is LM.binary_accuracy
    assert accuracy_rule.resolve("ce", LL.SparseCategoricalCrossentropy(), (None, 4)) \
        is LL.sparse_categorical_crossentropy
    assert accuracy_rule.resolve("crossentropy", None, (None, 4)) is LL.categorical_crossentropy
    assert accuracy_rule.resolve("mse", "mse", (None, 1)) is None
    assert accuracy_rule.resolve(LM.accuracy, None, (None, 1)) is None
    assert _plugin.lamella_resolve_metric("acc", None, (None, 2)) is LM.categorical_accuracy
