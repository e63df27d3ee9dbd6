"""lamella-extras through lamella's public API, with only lamella-core and this plugin."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from lamella_extras.layers import RMSNorm
from lamella_extras.losses import BinaryFocalCrossentropy, binary_focal_crossentropy
from lamella_extras.metrics import F1Score

import lamella
from lamella import layers, losses, metrics
from lamella.testing import PlainSGD, SeededDense, run_layer_test


def test_plugin_is_loaded():
    info = {i.name: i for i in lamella.plugins.plugin_infos()}["lamella-extras"]
    assert info.status == "loaded", info.error
    assert info.registered == {
        "layers": ["RMSNorm"],
        "losses": ["binary_focal_crossentropy", "BinaryFocalCrossentropy"],
        "metrics": ["F1Score"],
    }
    assert info.contract == ">=1.0,<2"


def test_names_resolve():
    assert layers.RMSNorm is RMSNorm and layers.get("rms_norm") is RMSNorm
    assert losses.get("binary_focal_crossentropy") is binary_focal_crossentropy
    assert losses.get("focal") is binary_focal_crossentropy
    assert losses.BinaryFocalCrossentropy is BinaryFocalCrossentropy
    assert metrics.F1Score is F1Score and metrics.get("f1") is F1Score


# --- RMSNorm --------------------------------------------------------------------------------


def test_rmsnorm_conformance():
    run_layer_test(RMSNorm, {"epsilon": 1e-5}, input_shape=(2, 3, 6),
                   expected_output_shape=(2, 3, 6), expected_num_trainable_weights=1,
                   check_float64=True)
    run_layer_test(RMSNorm, {"scale": False}, input_shape=(4, 5),
                   expected_num_trainable_weights=0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 9))
def test_rmsnorm_gives_unit_root_mean_square(seed, features):
    x = torch.as_tensor(np.random.default_rng(seed).normal(size=(3, features)) * 5 + 0.1)
    y = RMSNorm(epsilon=1e-12, dtype="float64")(x)
    rms = y.pow(2).mean(dim=-1).sqrt()
    torch.testing.assert_close(rms, torch.ones(3, dtype=torch.float64))
    # scale-invariant: RMSNorm(c·x) = RMSNorm(x)
    torch.testing.assert_close(RMSNorm(epsilon=1e-12, dtype="float64")(7 * x), y)


def test_rmsnorm_refuses_bad_arguments():
    with pytest.raises(ValueError, match="RMSNorm: epsilon must be > 0, got 0"):
        RMSNorm(epsilon=0)


# --- the focal loss -------------------------------------------------------------------------


def _bce(y, p):
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 0.99), st.sampled_from([0.0, 1.0]), st.floats(0.0, 5.0),
       st.one_of(st.none(), st.floats(0.0, 1.0)))
def test_focal_loss_matches_its_definition(p, y, gamma, alpha):
    p_t = p if y == 1 else 1 - p
    alpha_t = 1.0 if alpha is None else (alpha if y == 1 else 1 - alpha)
    expected = alpha_t * (1 - p_t) ** gamma * _bce(y, p)
    got = binary_focal_crossentropy(torch.tensor([[y]], dtype=torch.float64),
                                    torch.tensor([[p]], dtype=torch.float64), gamma, alpha)
    assert got.item() == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_focal_loss_from_logits_agrees_and_gamma_zero_is_crossentropy():
    logits = torch.linspace(-30, 30, 13, dtype=torch.float64).reshape(1, 13)
    y = (torch.arange(13) % 2).to(torch.float64).reshape(1, 13)
    from_logits = binary_focal_crossentropy(y, logits, from_logits=True)
    assert torch.isfinite(from_logits).all()
    middle = slice(3, 10)  # away from the probability clipping
    torch.testing.assert_close(
        binary_focal_crossentropy(y[:, middle], logits[:, middle], from_logits=True),
        binary_focal_crossentropy(y[:, middle], torch.sigmoid(logits[:, middle])))
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        logits[:, middle], y[:, middle], reduction="none").mean(dim=-1)
    torch.testing.assert_close(
        binary_focal_crossentropy(y[:, middle], logits[:, middle], gamma=0.0, from_logits=True),
        bce)


def test_focal_loss_object_config_round_trips():
    loss = BinaryFocalCrossentropy(gamma=3.0, alpha=0.25, from_logits=True)
    clone = losses.deserialize(losses.serialize(loss))
    assert type(clone) is BinaryFocalCrossentropy
    assert clone.get_config() == loss.get_config()
    with pytest.raises(ValueError, match="BinaryFocalCrossentropy: alpha must be in"):
        BinaryFocalCrossentropy(alpha=2.0)
    with pytest.raises(ValueError, match="BinaryFocalCrossentropy: gamma must be >= 0"):
        BinaryFocalCrossentropy(gamma=-1)


# --- F1Score --------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=1, max_size=40),
       st.integers(1, 5))
def test_f1_accumulates_over_batches(pairs, batches):
    y = torch.tensor([[float(t)] for t, _ in pairs])
    p = torch.tensor([[s] for _, s in pairs])
    metric = F1Score()
    for y_part, p_part in zip(torch.tensor_split(y, batches), torch.tensor_split(p, batches)):
        metric.update_state(y_part, p_part)
    tp = sum(1 for t, s in pairs if t and s > 0.5)
    fp = sum(1 for t, s in pairs if not t and s > 0.5)
    fn = sum(1 for t, s in pairs if t and not s > 0.5)
    expected = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    assert metric.result().item() == pytest.approx(expected, abs=1e-6)
    metric.reset_states()
    assert metric.result().item() == 0.0


def test_f1_sample_weight_drops_samples():
    metric = F1Score()
    metric.update_state(torch.tensor([[1.0], [0.0]]), torch.tensor([[0.9], [0.9]]),
                        sample_weight=torch.tensor([1.0, 0.0]))
    assert metric.result().item() == pytest.approx(1.0)


# --- in a model, saved and reloaded without custom_objects ----------------------------------


def _model():
    model = lamella.Sequential([SeededDense(6, "tanh", input_shape=(4,)), RMSNorm(name="norm"),
                                SeededDense(1, "sigmoid", seed=1)])
    model.compile(PlainSGD(0.1), loss="binary_focal_crossentropy", metrics=["f1_score"])
    return model


def test_trains_by_name_and_reports_f1():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x[:, :1] + x[:, 1:2] > 0).astype("float32")
    model = _model()
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["f1_score"][-1] > 0.8


def test_json_config_round_trip_without_custom_objects():
    from lamella.testing import CUSTOM_OBJECTS

    model = _model()
    model.predict(np.ones((2, 4), "float32"))
    text = model.to_json()
    assert '"class_name": "RMSNorm"' in text
    # the stand-ins (SeededDense) are test objects, named by CUSTOM_OBJECTS; RMSNorm is not
    assert "RMSNorm" not in CUSTOM_OBJECTS
    clone = lamella.models.model_from_json(text, custom_objects=CUSTOM_OBJECTS)
    assert type(clone.get_layer("norm")) is RMSNorm
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
