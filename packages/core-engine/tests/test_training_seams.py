"""The training loop's seams: data by keyword, the device rules, the distribution strategy and
the progress bar's values, exercised the way the GPU and distribution work will use them."""

import dataclasses
import io

import numpy as np
import pytest
import torch

import lamella
from lamella.engine import device as devices
from lamella.engine.callbacks import Callback, ProgbarLogger
from lamella.engine.distribution import SINGLE_PROCESS, Strategy
from lamella.engine.epoch_iterator import DataOptions, EpochIterator
from lamella.testing import PlainSGD, SeededDense, mean_squared_error


def _model(**compile_kwargs):
    model = lamella.Sequential([SeededDense(3, input_shape=(4,)), SeededDense(1, seed=1)])
    model.compile(PlainSGD(0.05), loss=mean_squared_error, metrics=[mean_squared_error],
                  **compile_kwargs)
    return model


def _data(n=12):
    rng = np.random.RandomState(0)
    return rng.rand(n, 4).astype("float32"), rng.rand(n, 1).astype("float32")


class _BatchSizes(Callback):
    def on_train_begin(self, logs=None):
        self.sizes = []

    def on_train_batch_end(self, batch, logs=None):
        self.sizes.append(logs["size"])


class _SecondWorker(Strategy):
    """Rank 1 of 2, in one process: it takes every other sample, and its all-reduce adds a
    twin worker that saw exactly what it saw (so exact reduction changes no mean)."""

    def __init__(self):
        self.setup_calls, self.reductions = [], 0

    @property
    def is_chief(self):
        return False

    @property
    def world_size(self):
        return 2

    @property
    def rank(self):
        return 1

    def setup(self, model):
        self.setup_calls.append(model)

    def shard_samples(self, n):
        return range(self.rank, n, self.world_size)

    def all_reduce_sum(self, values):
        self.reductions += 1
        return [value * 2 for value in values]


def test_epoch_iterator_takes_its_data_by_keyword():
    x, y = _data(10)
    model = _model()
    with pytest.raises(TypeError):
        EpochIterator(model, x, y)  # positions are refused: data goes by keyword
    batches = EpochIterator(model, x=x, y=y, options=DataOptions(batch_size=4))
    assert [int(xs[0].shape[0]) for xs, _, _ in batches.epoch()] == [4, 4, 2]
    assert batches.steps == 3 and batches.samples == 10
    with pytest.raises(dataclasses.FrozenInstanceError):
        DataOptions().batch_size = 3


def test_a_strategy_shards_the_data_reduces_the_logs_and_keeps_a_worker_quiet(capsys):
    x, y = _data(12)
    strategy = _SecondWorker()
    model = _model(distribute=strategy)
    sizes = _BatchSizes()
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=1,
                        callbacks=[sizes])
    assert capsys.readouterr().out == "", "only the chief prints"
    assert sizes.sizes == [2, 2, 2] * 2, "rank 1 of 2 trains on 6 of the 12 samples"
    assert strategy.setup_calls == [model]
    assert strategy.reductions >= 2, "the epoch logs were reduced across workers"

    alone = _model()
    expected = alone.fit(x[1::2], y[1::2], batch_size=2, epochs=2, shuffle=False, verbose=0)
    for key in ("loss", "mean_squared_error"):
        np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-6)


def test_the_default_strategy_is_one_process():
    model = _model()
    assert model.distribute_strategy is SINGLE_PROCESS
    assert SINGLE_PROCESS.is_chief and SINGLE_PROCESS.world_size == 1
    assert list(SINGLE_PROCESS.shard_samples(3)) == [0, 1, 2]


def test_compile_device_rules():
    assert _model(device="cpu").device == torch.device("cpu")
    placed = torch.nn.Linear(2, 2).to("meta")
    assert devices.decide_device(placed) == torch.device("meta"), "a placed model stays put"
    assert devices.decide_device(placed, "cpu") == torch.device("cpu"), "device= wins"
    on_cpu = torch.nn.Linear(2, 2)
    assert devices.decide_device(on_cpu) == devices.default_device()
    unbuilt = lamella.Sequential([SeededDense(2)])
    assert devices.data_device(unbuilt) == torch.device("cpu")


def test_numpy_data_goes_to_the_model_device():
    x, y = _data(4)
    model = _model(device="cpu")
    batches = EpochIterator(model, x=x, y=y)
    assert batches.xs[0].device == model.device


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progbar_logger_draws_the_values_it_is_given():
    stream = _Terminal()
    bar = ProgbarLogger(count_mode="steps", stream=stream, epoch_values=lambda: {"loss": 0.125})
    bar.set_params({"verbose": 1, "epochs": 1, "steps": 3, "metrics": ["loss"]})
    bar.on_train_begin()
    bar.on_epoch_begin(0)
    bar.on_train_batch_end(0, {"size": 1, "loss": 9.0})
    assert "loss: 0.1250" in stream.getvalue()
    assert "9.0000" not in stream.getvalue()
