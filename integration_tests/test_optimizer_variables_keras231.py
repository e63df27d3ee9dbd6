"""A Keras 2.3-style learning-rate callback (``K.set_value(self.model.optimizer.lr, ...)``
each epoch) trains exactly as under real Keras 2.3.1, and the variables survive saving.

Fixture: integration_tests/fixtures/keras231_lr_callback.json, written by
tools/keras231/make_optimizer_variable_fixtures.py under Keras 2.3.1 / TensorFlow 1.15.5.
"""

import json
import pathlib

import h5py
import numpy as np
import pytest

import lamella
from lamella import backend as K
from lamella import layers, optimizers
from lamella.callbacks import Callback, LearningRateScheduler, ReduceLROnPlateau

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures"
                      / "keras231_lr_callback.json").read_text())


class EpochLR(Callback):
    """The hand-written schedule of many Keras 2.3 scripts, unchanged."""

    def __init__(self, rates):
        super(EpochLR, self).__init__()
        self.rates = rates
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        K.set_value(self.model.optimizer.lr, self.rates[epoch])

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append([float(K.get_value(self.model.optimizer.lr)),
                          int(K.eval(self.model.optimizer.iterations))])


def _model(optimizer):
    model = lamella.Sequential([layers.Dense(3, activation="tanh", input_shape=(4,)),
                                layers.Dense(1)])
    model.set_weights([np.asarray(w, dtype="float32") for w in FIXTURE["initial_weights"]])
    model.compile(optimizer, "mse")
    return model


def _data():
    return (np.asarray(FIXTURE["x"], dtype="float32"), np.asarray(FIXTURE["y"], dtype="float32"))


@pytest.mark.parametrize("case", sorted(FIXTURE["cases"]))
def test_keras_style_lr_callback_matches_keras_231(case):
    expected = FIXTURE["cases"][case]
    model = _model(optimizers.get({"class_name": expected["class_name"],
                                   "config": expected["kwargs"]}))
    callback = EpochLR(FIXTURE["rates"])
    history = model.fit(*_data(), batch_size=FIXTURE["batch_size"], epochs=FIXTURE["epochs"],
                        shuffle=False, verbose=0, callbacks=[callback])
    np.testing.assert_allclose(callback.seen, expected["seen"], rtol=1e-7)
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-5)
    for got, want in zip(model.get_weights(), expected["final_weights"]):
        np.testing.assert_allclose(got, np.asarray(want, dtype="float32"), rtol=1e-5, atol=1e-6)


def test_without_the_callback_the_weights_differ():
    expected = FIXTURE["cases"]["sgd_momentum"]
    model = _model(optimizers.SGD(**expected["kwargs"]))
    model.fit(*_data(), batch_size=FIXTURE["batch_size"], epochs=FIXTURE["epochs"],
              shuffle=False, verbose=0)
    assert not np.allclose(model.get_weights()[0], expected["final_weights"][0], rtol=1e-3)


def test_variables_survive_save_and_load_as_keras_stores_them(tmp_path):
    model = _model(optimizers.Adam(learning_rate=0.01))
    model.fit(*_data(), batch_size=8, epochs=1, shuffle=False, verbose=0)
    K.set_value(model.optimizer.lr, 0.004)
    K.set_value(model.optimizer.beta_1, 0.8)
    path = tmp_path / "m.h5"
    model.save(str(path))
    with h5py.File(path, "r") as f:
        group = f["optimizer_weights"]
        first = group.attrs["weight_names"][0]
        first = first.decode() if isinstance(first, bytes) else first
        # Keras 2.3.1's layout: iterations first, an int64 scalar.
        assert first == "Adam/iterations:0"
        assert group[first].dtype == np.int64 and group[first].shape == () and group[first][()] == 3
        config = json.loads(f.attrs["training_config"])["optimizer_config"]["config"]
        # K.set_value wrote float32 values; the config reports them as Keras does.
        assert config["learning_rate"] == pytest.approx(0.004, rel=1e-7)
        assert config["beta_1"] == pytest.approx(0.8, rel=1e-7)
    again = lamella.models.load_model(str(path))
    assert K.is_variable(again.optimizer.lr) and K.eval(again.optimizer.iterations) == 3
    assert float(K.get_value(again.optimizer.lr)) == pytest.approx(0.004)
    assert float(K.get_value(again.optimizer.beta_1)) == pytest.approx(0.8)


def test_first_party_lr_callbacks_write_the_variable_a_script_holds():
    model = _model(optimizers.SGD(learning_rate=0.1))
    lr = model.optimizer.lr                       # a reference kept by user code
    seen = []
    scheduler = LearningRateScheduler(lambda epoch, current: current * 0.5)
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)
    probe = lamella.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(float(K.get_value(lr))))
    model.fit(*_data(), batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[scheduler, reduce, probe])
    assert model.optimizer.lr is lr
    # Each epoch starts with the scheduler halving the rate; at the end of the second (the
    # first cannot beat best = inf by less than min_delta) the plateau halves it again.
    np.testing.assert_allclose(seen, [0.05, 0.0125], rtol=1e-6)
