"""Each callback on tiny deterministic ``fit`` runs (lamella-core + this package only)."""

import math

import numpy as np
import pytest

import lamella
from lamella import backend as K
from lamella.engine.callbacks import Callback, CallbackList
from lamella.testing import read_npz
from lamella.testing import toy_model as make_model
from lamella_callbacks import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)


class Inject(Callback):
    """Puts ``values[epoch]`` into the epoch logs under ``key`` (runs before later callbacks)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class Record(Callback):
    """Placed last: sees the epoch logs after every other callback (as Keras's History does)."""

    def on_train_begin(self, logs=None):
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))

    def get(self, key):
        return [logs[key] for logs in self.logs]


class KeepWeights(Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([np.array(w, copy=True) for w in self.model.get_weights()])


def test_registered_through_the_facade():
    import lamella_callbacks

    for name in lamella_callbacks.__all__[:-1]:
        assert getattr(lamella.callbacks, name) is getattr(lamella_callbacks, name)
    assert issubclass(lamella.callbacks.EarlyStopping, lamella.callbacks.Callback)


def test_early_stopping_stops_and_restores(toy_data):
    x, y = toy_data
    model = make_model()
    values = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77, 0.5, 0.4]
    keep = KeepWeights()
    stop = EarlyStopping(monitor="fake", patience=3, restore_best_weights=True, verbose=1)
    history = model.fit(x, y, batch_size=8, epochs=10, verbose=0,
                        callbacks=[Inject("fake", values), keep, stop])
    # best at epoch 4 (0.7); epochs 5, 6, 7 do not improve -> stops at epoch 7
    assert history.epoch == list(range(8))
    assert stop.stopped_epoch == 7
    for ours, best in zip(model.get_weights(), keep.weights[4]):
        np.testing.assert_array_equal(ours, best)
    assert not np.array_equal(keep.weights[7][0], keep.weights[4][0])


def test_early_stopping_baseline_never_beaten_keeps_weights(toy_data, capsys):
    x, y = toy_data
    model = make_model()
    stop = EarlyStopping(monitor="fake", patience=2, baseline=0.1, restore_best_weights=True,
                         verbose=1)
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0,
                        callbacks=[Inject("fake", [0.5] * 5), stop])
    assert history.epoch == [0, 1]
    assert "Epoch 00002: early stopping" in capsys.readouterr().out


def test_reduce_lr_on_plateau_trace(toy_data):
    x, y = toy_data
    model = make_model(lr=0.1)
    values = [1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6]
    reduce = ReduceLROnPlateau(monitor="fake", factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    record = Record()
    model.fit(x, y, batch_size=8, epochs=8, verbose=0,
              callbacks=[Inject("fake", values), reduce, record])
    # reductions at epochs 2 and 5 (patience 2, one cooldown epoch after each), then to min_lr
    assert record.get("lr") == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025])
    assert K.get_value(model.optimizer.lr) == pytest.approx(0.02)


def test_learning_rate_scheduler_sets_the_rate_used(toy_data):
    x, y = toy_data
    model = make_model(lr=0.1)
    seen = []
    spy = LambdaCallback(
        on_epoch_begin=lambda e, logs: seen.append(float(K.get_value(model.optimizer.lr))))
    scheduler = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    record = Record()
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[scheduler, spy, record])
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert record.get("lr") == pytest.approx(seen)


def test_learning_rate_scheduler_two_argument_schedule_and_bad_result(toy_data):
    x, y = toy_data
    model = make_model(lr=0.08)
    record = Record()
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[LearningRateScheduler(lambda epoch, lr: lr / 2), record])
    assert record.get("lr") == pytest.approx([0.04, 0.02])
    with pytest.raises(ValueError, match="should be float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda e: 1)])


def test_learning_rate_scheduler_type_error_inside_schedule_is_not_swallowed(toy_data):
    x, y = toy_data

    def broken(epoch, lr):
        raise TypeError("bug in my schedule")

    with pytest.raises(TypeError, match="bug in my schedule"):
        make_model().fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(broken)])


def test_terminate_on_nan_stops_mid_epoch(toy_data, capsys):
    x, y = toy_data
    y = y.copy()
    y[16:24] = np.inf  # the third batch of 8
    model = make_model()
    seen = []
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(),
                                   LambdaCallback(on_batch_end=lambda b, logs: seen.append(b))])
    assert seen == [0, 1, 2]
    assert history.epoch == [0]
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out


def test_lambda_callback_hooks_and_batch_hook_detection(toy_data):
    x, y = toy_data
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: events.append("train_end"),
        extra_attribute=7)
    assert callback.extra_attribute == 7
    assert not CallbackList([callback]).wants_batch_hooks("train")
    make_model().fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[callback])
    assert events == ["train_begin", ("epoch_begin", 0), ("epoch_end", 0, ["loss"]),
                      ("epoch_begin", 1), ("epoch_end", 1, ["loss"]), "train_end"]
    batches = []
    with_batches = LambdaCallback(on_batch_begin=lambda b, logs: batches.append(b))
    assert CallbackList([with_batches]).wants_batch_hooks("train")
    make_model().fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[with_batches])
    assert batches == [0, 1]


def test_callbacks_reach_validation_logs(toy_data, tmp_path):
    x, y = toy_data
    model = make_model()
    path = tmp_path / "log.csv"
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_split=0.25,
              callbacks=[CSVLogger(str(path))])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,val_loss"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1"]
    assert all(math.isfinite(float(v)) for line in lines[1:] for v in line.split(","))


def test_model_checkpoint_names_and_epochs(toy_data, tmp_path, npz_saver):
    x, y = toy_data
    model = make_model()
    keep = KeepWeights()
    pattern = str(tmp_path / "w.{epoch:02d}-{fake:.2f}.npz")
    checkpoint = ModelCheckpoint(pattern, monitor="fake", save_best_only=True,
                                 save_weights_only=True)
    model.fit(x, y, batch_size=8, epochs=5, verbose=0,
              callbacks=[Inject("fake", [0.9, 0.5, 0.7, 0.4, 0.4]), keep, checkpoint])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["w.01-0.90.npz", "w.02-0.50.npz", "w.04-0.40.npz"]
    for name, epoch in (("w.02-0.50.npz", 1), ("w.04-0.40.npz", 3)):
        for ours, expected in zip(read_npz(tmp_path / name), keep.weights[epoch]):
            np.testing.assert_array_equal(ours, expected)
    assert [kind for kind, _ in npz_saver.calls] == ["weights"] * 3
    # the saver was handed a temporary name in the same folder, renamed into place after
    assert all(path.startswith(str(tmp_path) + "/.") for _, path in npz_saver.calls)


def test_model_checkpoint_period_and_whole_model(toy_data, tmp_path, npz_saver, capsys):
    x, y = toy_data
    model = make_model()
    checkpoint = ModelCheckpoint(str(tmp_path / "m.{epoch}.npz"), period=2, verbose=1)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[checkpoint])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.2.npz", "m.4.npz"]
    assert [kind for kind, _ in npz_saver.calls] == ["model", "model"]
    assert f"Epoch 00002: saving model to {tmp_path}/m.2.npz" in capsys.readouterr().out


def test_model_checkpoint_failed_save_keeps_previous_file(toy_data, tmp_path, npz_saver):
    x, y = toy_data
    model = make_model()
    target = tmp_path / "ckpt.npz"
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[ModelCheckpoint(str(target), save_weights_only=True)])
    before = target.read_bytes()

    def failing(model_, filepath, overwrite=True):
        with open(filepath, "wb") as handle:
            handle.write(b"partial")
        raise OSError("disk full")

    npz_saver.save_weights = failing
    with pytest.raises(OSError, match="disk full"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(str(target), save_weights_only=True)])
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]


def test_history_records_lr_added_by_callbacks(toy_data):
    x, y = toy_data
    history = make_model(lr=0.1).fit(x, y, epochs=2, verbose=0,
                                     callbacks=[LearningRateScheduler(lambda epoch: 0.05)])
    assert history.history["lr"] == pytest.approx([0.05, 0.05])


def test_checkpoint_path_naming_a_missing_log_key_says_what_provides_it(tmp_path, npz_saver):
    import numpy as np
    import pytest

    from lamella.testing import toy_model
    from lamella_callbacks import ModelCheckpoint

    model = toy_model()
    checkpoint = ModelCheckpoint(str(tmp_path / "w-{val_loss:.2f}.npz"), save_weights_only=True)
    with pytest.raises(KeyError, match=r"\{val_loss\}.*validation_data or validation_split"):
        model.fit(np.ones((4, 4)), np.ones((4, 1)), verbose=0, callbacks=[checkpoint])
