"""The engine's own training features, with only lamella-core installed.

``compile(jit_compile=True)``, ``compile(mixed_precision=...)`` on the CPU (autocast), and
``fit(workers=..., use_multiprocessing=...)`` over a ``lamella.utils.Sequence`` and a plain
generator, on models made of lamella.testing's stand-ins. integration_tests/ checks the same
features with the first-party layers and optimizers; these keep the core honest on its own.
Only the public API is used.
"""

import threading
import warnings

import numpy as np
import pytest

import lamella
from lamella.testing import PlainSGD, SeededDense, mean_squared_error, toy_data
from lamella.utils import Sequence


def _model(**compile_kwargs):
    model = lamella.Sequential([SeededDense(8, "tanh", input_shape=(4,)),
                                SeededDense(1, seed=1)])
    model.compile(PlainSGD(0.05), loss=mean_squared_error, device="cpu", **compile_kwargs)
    return model


def _eager_weights(x, y, **fit_kwargs):
    model = _model()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, **fit_kwargs)
    return model.get_weights()


def _assert_same_weights(got, want, rtol=1e-5, atol=1e-6):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


class Batches(Sequence):
    """Keras's Sequence: batch ``index`` of ``(x, y)``."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


# --- jit_compile (the dynamo_eager fixture is in conftest.py) -----------------------------------

def test_jit_compile_trains_like_eager(dynamo_eager):
    x, y = toy_data(32)
    jitted = _model(jit_compile=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*jit_compile.*")  # no silent eager fallback
        jitted.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert dynamo_eager, "compile(jit_compile=True) did not go through torch.compile"
    _assert_same_weights(jitted.get_weights(), _eager_weights(x, y), rtol=1e-4)
    assert all(w.dtype == np.float32 for w in jitted.get_weights())


def test_jit_compile_evaluate_and_predict_match_eager(dynamo_eager):
    x, y = toy_data(16)
    jitted, eager = _model(jit_compile=True), _model()
    assert jitted.evaluate(x, y, batch_size=8, verbose=0) == pytest.approx(
        eager.evaluate(x, y, batch_size=8, verbose=0), rel=1e-5)
    np.testing.assert_allclose(jitted.predict(x, batch_size=8), eager.predict(x, batch_size=8),
                               rtol=1e-5, atol=1e-6)


# --- mixed precision (autocast on the CPU) -----------------------------------------------------

@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_mixed_precision_trains_with_float32_weights(precision):
    x, y = toy_data(64)
    model = _model(mixed_precision=precision)
    history = model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)), losses
    assert losses[-1] < losses[0], losses
    # autocast computes in low precision; the weights and what the user gets stay float32
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x[:2]).dtype == np.float32
    # close to full precision, not equal to it (bfloat16 keeps 8 bits of mantissa)
    full = _model()
    full.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    _assert_same_weights(model.get_weights(), full.get_weights(), rtol=0.1, atol=0.05)


def test_mixed_precision_evaluate_is_finite_and_float32_metrics():
    x, y = toy_data(16)
    model = _model(mixed_precision="bfloat16")
    loss = model.evaluate(x, y, batch_size=8, verbose=0)
    assert isinstance(loss, float) and np.isfinite(loss)


def test_unknown_mixed_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="mixed_precision"):
        _model(mixed_precision="int8")


# --- workers and use_multiprocessing -------------------------------------------------------------

@pytest.mark.parametrize("workers, use_multiprocessing", [(0, False), (1, False), (2, False),
                                                          (2, True)])
def test_sequence_with_workers_trains_like_arrays(workers, use_multiprocessing):
    x, y = toy_data(32)
    model = _model()
    model.fit(Batches(x, y, 8), epochs=2, shuffle=False, verbose=0, workers=workers,
              use_multiprocessing=use_multiprocessing)
    _assert_same_weights(model.get_weights(), _eager_weights(x, y))


@pytest.mark.parametrize("workers", [0, 1])
def test_generator_with_workers_trains_like_arrays(workers):
    x, y = toy_data(32)
    producers = set()

    def batches():
        while True:
            for start in range(0, len(x), 8):
                producers.add(threading.current_thread() is threading.main_thread())
                yield x[start:start + 8], y[start:start + 8]

    model = _model()
    model.fit(batches(), steps_per_epoch=4, epochs=2, verbose=0, workers=workers)
    _assert_same_weights(model.get_weights(), _eager_weights(x, y))
    # Keras: workers=0 runs the generator on the main thread, workers >= 1 on another
    assert producers == {workers == 0}


def test_sequence_evaluate_and_predict_with_workers():
    x, y = toy_data(32)
    model = _model()
    expected_loss = model.evaluate(x, y, batch_size=8, verbose=0)
    expected = model.predict(x, batch_size=8)
    assert model.evaluate(Batches(x, y, 8), workers=2, verbose=0) == pytest.approx(
        expected_loss, rel=1e-5)
    np.testing.assert_allclose(model.predict(Batches(x, y, 8), workers=2), expected, rtol=1e-5,
                               atol=1e-6)


# --- found by lamella.testing.run_layer_test's training check ------------------------------------

def test_fit_a_model_without_trainable_weights_reports_the_loss():
    """Keras 2.3 runs the step of a fully frozen model: the loss is reported, nothing moves."""
    x, y = toy_data(8)
    model = lamella.Sequential([SeededDense(1, input_shape=(4,), trainable=False)])
    model.compile(PlainSGD(0.1), loss=mean_squared_error)
    before = model.get_weights()
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    _assert_same_weights(model.get_weights(), before, rtol=0, atol=0)
