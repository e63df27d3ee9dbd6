"""MeanIoU: tf.keras's definition, accumulated on the device."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lamella
from lamella_losses.metrics import MeanIoU


def reference_iou(y_true, y_pred, num_classes, weights=None):
    weights = np.ones(len(y_true)) if weights is None else np.asarray(weights, dtype=float)
    cm = np.zeros((num_classes, num_classes))
    for t, p, w in zip(y_true, y_pred, weights):
        cm[t, p] += w
    tp = np.diag(cm)
    denominator = cm.sum(0) + cm.sum(1) - tp
    present = denominator != 0
    return float((tp[present] / denominator[present]).sum() / max(present.sum(), 1))


def test_documented_example_and_registration():
    metric = lamella.metrics.get("MeanIoU")(num_classes=2)
    metric.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert float(metric.result()) == pytest.approx(1 / 3)
    assert metric.get_config()["num_classes"] == 2


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.data())
def test_batches_equal_the_concatenated_data(num_classes, data):
    n = data.draw(st.integers(1, 30))
    labels = st.lists(st.integers(0, num_classes - 1), min_size=n, max_size=n)
    y_true, y_pred = data.draw(labels), data.draw(labels)
    # float32 weights, as tf.keras casts them: no subnormal values
    weight = st.one_of(st.just(0.0), st.floats(0.01, 2))
    weights = data.draw(st.lists(weight, min_size=n, max_size=n))
    cut = data.draw(st.integers(0, n))
    metric = MeanIoU(num_classes)
    metric.update_state(y_true[:cut], y_pred[:cut], sample_weight=weights[:cut])
    metric.update_state(y_true[cut:], y_pred[cut:], sample_weight=weights[cut:])
    assert float(metric.result()) == pytest.approx(
        reference_iou(y_true, y_pred, num_classes, weights), rel=1e-5, abs=1e-6)


def test_reset_and_bad_argument():
    metric = MeanIoU(3)
    metric.update_state(np.array([[0, 1], [2, 2]]), np.array([[0, 1], [2, 1]]))
    assert float(metric.result()) > 0
    metric.reset_states()
    assert float(metric.result()) == 0.0
    with pytest.raises(ValueError, match="num_classes"):
        MeanIoU(1)
