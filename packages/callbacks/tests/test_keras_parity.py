"""lamella's callbacks reproduce real Keras 2.3.1 on fixed sequences of monitored values.

The records come from tools/keras231/make_callback_fixtures.py (TensorFlow 1.15.5 backend),
which drives Keras's callbacks with the same synthetic logs and stand-in model as ``drive``
here. Stop epochs, wait and cooldown counters, best values, restored weights, saved file names
and CSV text must match exactly. Learning rates match to float32 precision: Keras keeps the
rate in a float32 variable, lamella's optimizer in a Python float, so printed rates are
compared number by number with a relative tolerance of 1e-6.
"""

import json
import os
import pathlib
import re

import numpy as np
import pytest

from lamella import backend as K
from lamella.testing import StubModel as FakeModel
from lamella.testing import drive_callback as drive
from lamella_callbacks import (
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures/keras231_callbacks.json")
                     .read_text())
SEQUENCES = FIXTURE["_meta"]["sequences"]
_NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?|inf")


def _case_id(case):
    config = case.get("config") or case.get("kwargs") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(config.items()) if k != "verbose")


def assert_same_text_up_to_float32(actual, expected):
    """Equal text except that decimal numbers may differ by float32 rounding."""
    assert _NUMBER.sub("#", actual) == _NUMBER.sub("#", expected)
    ours, theirs = _NUMBER.findall(actual), _NUMBER.findall(expected)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert float(a) == pytest.approx(float(b), rel=1e-6), (actual, expected)


@pytest.mark.parametrize("case", FIXTURE["early_stopping"], ids=_case_id)
def test_early_stopping_matches_keras(case, recwarn):
    config = case["config"]
    callback = EarlyStopping(**config)
    model = FakeModel()
    logs = [{config["monitor"]: v} for v in SEQUENCES[case["sequence"]]]
    probes, epochs, out = drive(callback, model, logs,
                                lambda c, m, logs: {"wait": c.wait, "best": float(c.best)})
    assert epochs == case["epochs_run"]
    assert callback.stopped_epoch == case["stopped_epoch"]
    assert probes == case["probes"]
    # Keras calls set_weights(None) when nothing beat the baseline (and then crashes);
    # lamella skips the restore instead.
    assert model.restored == [r for r in case["restored"] if r is not None]
    restoring = "Restoring model weights from the end of the best epoch\n"
    if None in case["restored"]:
        assert out == case["stdout"].replace(restoring, "")
    else:
        assert out == case["stdout"]


_REDUCING = re.compile(r"Epoch (\d+): ReduceLROnPlateau reducing learning rate to")


def _float32_min_lr_artifacts(case):
    """Keras 2.3.1 compares its float32 rate with a float64 ``min_lr``: once the rate sits at
    a ``min_lr`` that float32 cannot hold exactly (0.001), ``lr > min_lr`` stays true and Keras
    "reduces" it to the same value every ``patience`` epochs, printing the message and
    restarting the cooldown each time (tf.keras later fixed this by comparing with
    ``np.float32(min_lr)``). lamella does not repeat the no-op reduction. Returns the
    message lines of those no-op reductions."""
    min_lr = case["config"].get("min_lr", 0)
    lines = [line for line in case["stdout"].split("\n") if line]
    return [line for line in lines
            if case["probes"][int(_REDUCING.match(line).group(1)) - 1]["logs_lr"]
            == pytest.approx(min_lr, rel=1e-6)] if min_lr else []


@pytest.mark.parametrize("case", FIXTURE["reduce_lr_on_plateau"], ids=_case_id)
def test_reduce_lr_on_plateau_matches_keras(case, recwarn):
    config = case["config"]
    callback = ReduceLROnPlateau(**config)
    model = FakeModel(lr=0.1)
    logs = [{config["monitor"]: v} for v in SEQUENCES[case["sequence"]]]
    probes, _, out = drive(callback, model, logs, lambda c, m, logs: {
        "logs_lr": logs["lr"], "lr_after": float(K.get_value(m.optimizer.learning_rate)),
        "wait": c.wait,
        "cooldown_counter": c.cooldown_counter, "best": float(c.best)})
    assert len(probes) == len(case["probes"])
    artifacts = _float32_min_lr_artifacts(case)
    if artifacts:
        # The learning-rate trace is Keras's; only the repeated no-op reductions are absent.
        for ours, theirs in zip(probes, case["probes"]):
            assert ours["lr_after"] == pytest.approx(theirs["lr_after"], rel=1e-6)
        keras_lines = [line for line in case["stdout"].split("\n") if line]
        assert_same_text_up_to_float32(
            "\n".join(line for line in out.split("\n") if line),
            "\n".join(line for line in keras_lines if line not in artifacts))
        return
    for ours, theirs in zip(probes, case["probes"]):
        assert {k: ours[k] for k in ("wait", "cooldown_counter", "best")} == \
            {k: theirs[k] for k in ("wait", "cooldown_counter", "best")}
        assert ours["logs_lr"] == pytest.approx(theirs["logs_lr"], rel=1e-6)
        assert ours["lr_after"] == pytest.approx(theirs["lr_after"], rel=1e-6)
    assert_same_text_up_to_float32(out, case["stdout"])


_SCHEDULES = {
    "halve_after_2(epoch)": lambda epoch: 0.1 if epoch < 2 else 0.05,
    "times_0.9(epoch, lr)": lambda epoch, lr: lr * 0.9,
    "step(epoch, lr)": lambda epoch, lr: lr if epoch % 2 else lr / 2.0,
    "returns_int(epoch)": lambda epoch: 1,
}


@pytest.mark.parametrize("case", FIXTURE["learning_rate_scheduler"], ids=lambda c: c["schedule"])
def test_learning_rate_scheduler_matches_keras(case):
    schedule = _SCHEDULES[case["schedule"]]
    if case.get("error"):
        callback = LearningRateScheduler(schedule)
        callback.set_model(FakeModel(lr=0.1))
        with pytest.raises(ValueError, match=re.escape(case["error"])):
            callback.on_epoch_begin(0, {})
        return
    callback = LearningRateScheduler(schedule, verbose=1)
    model = FakeModel(lr=0.1)
    probes, _, out = drive(callback, model, [{"loss": 1.0}] * 5, lambda c, m, logs: {
        "logs_lr": logs["lr"], "lr": float(K.get_value(m.optimizer.learning_rate))})
    assert len(probes) == len(case["probes"])
    for ours, theirs in zip(probes, case["probes"]):
        assert ours == pytest.approx(theirs, rel=1e-6)
    assert_same_text_up_to_float32(out, case["stdout"])


class _FileModel(FakeModel):
    """Saves create real files (the callback renames them into place)."""

    def save(self, filepath, overwrite=True):
        pathlib.Path(filepath).write_text("save")

    def save_weights(self, filepath, overwrite=True):
        pathlib.Path(filepath).write_text("save_weights")


@pytest.mark.parametrize("case", FIXTURE["model_checkpoint"], ids=_case_id)
def test_model_checkpoint_matches_keras(case, tmp_path, monkeypatch, recwarn):
    monkeypatch.chdir(tmp_path)
    config = case["config"]
    monitor = config["monitor"]
    key = "val_loss" if monitor == "val_missing" else monitor
    callback = ModelCheckpoint(**config)
    model = _FileModel()
    logs = [{key: v, "loss": v + 0.125} for v in SEQUENCES[case["sequence"]]]
    probes, _, out = drive(callback, model, logs, lambda c, m, logs: {"best": float(c.best)})
    assert probes == case["probes"]
    assert out == case["stdout"]
    files = {str(p.relative_to(tmp_path)): p.read_text()
             for p in tmp_path.rglob("*") if p.is_file()}
    assert files == {path: method for method, path in case["saved"]}
    if monitor == "val_missing":
        assert any("Can save best model only with val_missing" in str(w.message)
                   for w in recwarn)


def _run_csv(path, logs_per_epoch, stop_at=None, **kwargs):
    callback = CSVLogger(str(path), **kwargs)
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin({})
    for epoch, logs in enumerate(logs_per_epoch):
        callback.on_epoch_begin(epoch, {})
        if stop_at == epoch:
            model.stop_training = True
        callback.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    callback.on_train_end({})
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", FIXTURE["csv_logger"], ids=lambda c: c["name"])
def test_csv_logger_matches_keras(case, tmp_path):
    path = tmp_path / "log.csv"
    text = None
    for run in case["runs"]:
        text = _run_csv(path, run, stop_at=case.get("stop_at"), **case["kwargs"])
    assert text == case["text"]


@pytest.mark.parametrize("case", FIXTURE["terminate_on_nan"], ids=lambda c: c["loss"])
def test_terminate_on_nan_matches_keras(case, capsys):
    model = FakeModel()
    callback = TerminateOnNaN()
    callback.set_model(model)
    callback.on_batch_end(3, {"loss": float(case["loss"]), "size": 2, "batch": 3})
    assert model.stop_training == case["stop_training"]
    assert capsys.readouterr().out == case["stdout"]


def test_fixture_records_real_keras():
    meta = FIXTURE["_meta"]
    assert meta["keras"] == "2.3.1"
    assert len(FIXTURE["early_stopping"]) >= 50 and len(FIXTURE["reduce_lr_on_plateau"]) >= 50
    assert np.isfinite(SEQUENCES["loss"]).all()
    assert not os.path.isabs(FIXTURE["model_checkpoint"][0]["saved"][0][1])
