"""Issue 11's engine items, hit the way a careless user or a second thread would hit them."""

import threading
import time

import numpy as np
import pytest
import torch

import lamella
from lamella.testing import PlainSGD, SeededDense, mean_squared_error


def test_two_layers_of_one_name_are_refused_as_keras_does():
    inputs = lamella.Input(shape=(3,))
    first = SeededDense(2, name="same")(inputs)
    second = SeededDense(2, name="same", seed=1)(first)
    with pytest.raises(ValueError, match='The name "same" is used 2 times in the model'):
        lamella.Model(inputs, second)


class _PhaseRecorder(lamella.layers.Layer):
    """Adds 1000 in training; records, per thread, which phase each call ran in."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        training = self.training if training is None else training
        self.seen.append((threading.current_thread().name, bool(training)))
        time.sleep(0.0005)  # widen the window in which another thread could flip a shared flag
        return inputs + 1000.0 if training else inputs

    def compute_output_shape(self, input_shape):
        return input_shape


def test_predict_in_one_thread_never_changes_what_training_in_another_sees():
    x = np.random.RandomState(0).rand(64, 4).astype("float32")
    y = np.zeros((64, 3), "float32")
    recorder = _PhaseRecorder()
    model = lamella.Sequential([SeededDense(3, input_shape=(4,)), recorder])
    model.compile(PlainSGD(1e-6), loss=mean_squared_error)
    predictions, errors = [], []
    training_done = threading.Event()

    def train():
        try:
            model.fit(x, y, batch_size=4, epochs=3, verbose=0)
        except BaseException as exc:  # re-raised below
            errors.append(exc)
        finally:
            training_done.set()

    def predict():
        try:
            while not training_done.is_set():
                predictions.append(model.predict(x[:8], batch_size=4))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=train, name="trainer"),
               threading.Thread(target=predict, name="predictor")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert predictions, "the two threads never overlapped"
    phases = {}
    for thread_name, training in recorder.seen:
        phases.setdefault(thread_name, set()).add(training)
    assert phases["trainer"] == {True}, "a training step ran in inference mode"
    assert phases["predictor"] == {False}, "a prediction ran in training mode"
    assert all(np.abs(p).max() < 500 for p in predictions)


class _SlowToBuild(lamella.layers.Layer):
    builds = 0

    def build(self, input_shape):
        type(self).builds += 1
        time.sleep(0.05)  # both threads arrive while the first is still building
        self.kernel = self.add_weight("kernel", (input_shape[-1], 2),
                                      initializer=lambda shape, dtype=None: torch.zeros(shape))
        super().build(input_shape)

    def call(self, inputs):
        return inputs @ self.kernel


def test_two_threads_making_the_first_call_build_the_layer_once():
    layer = _SlowToBuild()
    model = lamella.Sequential([layer])
    start = threading.Barrier(2)
    results, errors = [], []

    def first_predict():
        try:
            start.wait()
            results.append(model.predict(np.ones((2, 3), "float32")))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_predict) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert _SlowToBuild.builds == 1
    assert [w.shape for w in layer.get_weights()] == [(3, 2)]
    assert not any(name.endswith("_1") for name in layer.keras_weight_names())
    assert all(r.shape == (2, 2) for r in results)


def _dense_model():
    model = lamella.Sequential([SeededDense(2, input_shape=(4,))])
    model.compile(PlainSGD(0.1), loss=mean_squared_error)
    return model


@pytest.mark.parametrize("dtype", ["uint8", "int64", "bool", "float16", "float64"])
def test_integer_bool_and_half_inputs_are_cast_as_keras_feeds_them(dtype):
    x = (np.arange(24).reshape(6, 4) % 2).astype(dtype)
    y = np.ones((6, 2), "float32")
    expected = _dense_model().predict(x.astype("float32"))
    model = _dense_model()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-6)
    assert np.isfinite(model.fit(x, y, verbose=0).history["loss"][0])
    assert np.isfinite(model.evaluate(x, y, verbose=0))


def test_text_inputs_name_the_input():
    model = _dense_model()
    with pytest.raises(ValueError, match="input.*text"):
        model.predict(np.array([["a", "b", "c", "d"]]))


@pytest.mark.parametrize("batch_size", [-1, 0, 2.5, True])
def test_batch_size_must_be_a_positive_integer(batch_size):
    model = _dense_model()
    x, y = np.ones((4, 4), "float32"), np.ones((4, 2), "float32")
    for run in (lambda: model.fit(x, y, batch_size=batch_size, verbose=0),
                lambda: model.evaluate(x, y, batch_size=batch_size, verbose=0),
                lambda: model.predict(x, batch_size=batch_size)):
        with pytest.raises(ValueError, match="batch_size"):
            run()


def test_empty_data_and_empty_validation_are_clear_errors():
    model = _dense_model()
    x, y = np.ones((4, 4), "float32"), np.ones((4, 2), "float32")
    with pytest.raises(ValueError, match="no samples"):
        model.fit(x[:0], y[:0], verbose=0)
    with pytest.raises(ValueError, match="no samples"):
        model.fit(x, y, validation_data=(x[:0], y[:0]), verbose=0)
    with pytest.raises(ValueError, match="validation_split=0.5 of 1 samples leaves 0 for trai"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)

    class Empty(lamella.utils.Sequence):
        def __len__(self):
            return 0

        def __getitem__(self, index):
            raise IndexError(index)

    with pytest.raises(ValueError, match="no batches"):
        model.fit(Empty(), verbose=0)


def test_a_generator_that_runs_out_warns_and_stops_training():
    model = _dense_model()

    def three_batches():
        for _ in range(3):
            yield np.ones((2, 4), "float32"), np.ones((2, 2), "float32")

    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(three_batches(), steps_per_epoch=2, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 2, "epoch 2 ends early, and training stops there"


def test_one_callback_may_be_given_without_a_list():
    seen = []

    class Record(lamella.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)

    _dense_model().fit(np.ones((4, 4)), np.ones((4, 2)), epochs=2, verbose=0, callbacks=Record())
    assert seen == [0, 1]


def test_ctrl_c_during_fit_still_ends_the_callbacks():
    ended = []

    class Interrupt(lamella.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

        def on_train_end(self, logs=None):
            ended.append(logs)

    with pytest.raises(KeyboardInterrupt):
        _dense_model().fit(np.ones((4, 4)), np.ones((4, 2)), epochs=5, verbose=0,
                           callbacks=[Interrupt()])
    assert len(ended) == 1

