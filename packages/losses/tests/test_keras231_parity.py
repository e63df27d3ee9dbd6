"""lamella-losses against real Keras 2.3.1: every loss, metric and ``'accuracy'`` resolution.

Fixture: tools/keras231/make_loss_fixtures.py under Keras 2.3.1 / TensorFlow 1.15.5 (float32,
``K.epsilon() == 1e-7``). Values must agree within 1e-6 relative (float32); the
``'accuracy'``/``'acc'``/``'crossentropy'``/``'ce'`` resolution must agree exactly.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

from lamella.base.metric import Mean, Sum
from lamella_losses import losses as LL
from lamella_losses import metrics as LM
from lamella_losses._plugin import lamella_resolve_metric

FIXTURE = json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "keras231_losses.json").read_text())
INPUTS = {name: np.asarray(value, dtype=np.float32) for name, value in FIXTURE["inputs"].items()}

RTOL = 1e-6
# Every lamella-losses value agrees within RTOL alone. The core's weighted Sum/Mean of values of
# mixed sign cancel (a sum of ~0.16 from terms of ~2) and differ from TensorFlow's float32
# summation order by ~3e-7 absolute; those get an absolute floor of 1e-6 × the largest input.
CANCELLING_ATOL = 1e-6


def _tensor(name, rows=None):
    array = INPUTS[name]
    if rows is not None:
        array = array[rows[0]:rows[1]]
    return torch.from_numpy(array.copy())


def _check(actual, expected, atol=0.0):
    actual = actual.detach().cpu().double().numpy() if torch.is_tensor(actual) else actual
    expected = np.asarray(expected, dtype=np.float64)
    assert np.shape(actual) == expected.shape, (np.shape(actual), expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=atol)


def _id(case, *keys):
    parts = [case.get("fn") or case.get("class")]
    parts += [f"{k}={v}" for k, v in sorted(case.get("kwargs", {}).items())]
    parts += [str(case.get(k)) for k in keys]
    return "-".join(parts)


@pytest.mark.parametrize("case", FIXTURE["loss_functions"],
                         ids=lambda c: _id(c, "y_true", "y_pred"))
def test_loss_function(case):
    fn = getattr(LL, case["fn"])
    _check(fn(_tensor(case["y_true"]), _tensor(case["y_pred"]), **case["kwargs"]), case["result"])


@pytest.mark.parametrize("case", FIXTURE["loss_classes"],
                         ids=lambda c: _id(c, "y_true", "reduction", "sample_weight"))
def test_loss_class(case):
    loss = getattr(LL, case["class"])(reduction=case["reduction"], **case["kwargs"])
    weight = None if case["sample_weight"] is None else _tensor(case["sample_weight"])
    _check(loss(_tensor(case["y_true"]), _tensor(case["y_pred"]), sample_weight=weight),
           case["result"])


@pytest.mark.parametrize("case", FIXTURE["metric_functions"],
                         ids=lambda c: _id(c, "y_true", "y_pred"))
def test_metric_function(case):
    fn = getattr(LM, case["fn"])
    _check(fn(_tensor(case["y_true"]), _tensor(case["y_pred"]), **case["kwargs"]), case["result"])


_BASE = {"Mean": Mean, "Sum": Sum}


@pytest.mark.parametrize("case", FIXTURE["stateful_metrics"],
                         ids=lambda c: _id(c, "y_true", "sample_weight"))
def test_stateful_metric(case):
    if "keras_error" in case:
        pytest.skip(f"Keras 2.3.1 rejects this combination ({case['keras_error']})")
    cls = _BASE.get(case["class"]) or getattr(LM, case["class"])
    metric = cls(**case["kwargs"])
    for rows in case["batches"]:
        weight = None if case["sample_weight"] is None else _tensor(case["sample_weight"], rows)
        if case["y_pred"] is None:
            metric.update_state(_tensor(case["y_true"], rows), sample_weight=weight)
        else:
            metric.update_state(_tensor(case["y_true"], rows), _tensor(case["y_pred"], rows),
                                sample_weight=weight)
    atol = 0.0
    if case["class"] in _BASE:
        atol = CANCELLING_ATOL * float(np.abs(INPUTS[case["y_true"]]).max())
    _check(metric.result(), case["result"], atol=atol)
    metric.reset_states()
    assert all(float(w.abs().sum()) == 0.0 for w in metric.weights)


def _my_loss(y_true, y_pred):
    return ((y_pred - y_true) ** 2).mean(dim=-1)


def _loss(spec):
    if spec["kind"] == "str":
        return spec["name"]
    if spec["kind"] == "fn":
        return getattr(LL, spec["name"])
    if spec["kind"] == "obj":
        return getattr(LL, spec["name"])(**spec["kwargs"])
    return _my_loss


@pytest.mark.parametrize("case", FIXTURE["resolution"],
                         ids=lambda c: f"{c['loss']['kind']}:{c['loss']['name']}"
                                       f"{c['loss'].get('kwargs') or ''}-{c['output_shape']}")
def test_accuracy_resolution_hook(case):
    """The plugin's hook alone, given the loss as the user wrote it."""
    for name, expected in case["resolved"].items():
        resolved = lamella_resolve_metric(name, _loss(case["loss"]), tuple(case["output_shape"]))
        assert resolved.__name__ == expected, (name, case["loss"], case["output_shape"])


@pytest.mark.parametrize("case", FIXTURE["resolution"],
                         ids=lambda c: f"{c['loss']['kind']}:{c['loss']['name']}"
                                       f"{c['loss'].get('kwargs') or ''}-{c['output_shape']}")
def test_accuracy_resolution_through_compile(case):
    """The core's compile path: the loss wrapped as compile wraps it, the metric made and named."""
    from lamella.engine.compile_utils import make_loss, make_metric

    loss = make_loss(_loss(case["loss"]))
    for name, expected in case["resolved"].items():
        metric = make_metric(name, loss, tuple(case["output_shape"]), name)
        assert metric.name == name
        assert metric._fn.__name__ == expected, (name, case["loss"], case["output_shape"])
