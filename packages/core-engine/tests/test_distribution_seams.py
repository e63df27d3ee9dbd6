"""The strategy seams lamella-distributed uses: the training forward pass, the wrapper around
an epoch's batches, predict's gathering, the callbacks a worker runs, and saving on the chief
only, driven by an in-process stand-in strategy (rank 1 of 2)."""

import numpy as np
import torch

import lamella
from lamella.engine.callbacks import Callback
from lamella.engine.distribution import SINGLE_PROCESS, Strategy
from lamella.testing import PlainSGD, SeededDense, mean_squared_error


class _Recorder(Strategy):
    """Rank 1 of 2 whose twin saw the same data: it records what the loop asks of it."""

    def __init__(self):
        self.forwards, self.epochs, self.gathered, self.filtered = 0, [], [], []

    @property
    def is_chief(self):
        return False

    @property
    def world_size(self):
        return 2

    @property
    def rank(self):
        return 1

    def shard_batches(self, batches):
        for index, batch in enumerate(batches):
            if index % 2 == 1:
                yield batch

    def all_reduce_sum(self, values):
        return [v * 2 for v in values]

    def forward(self, model, inputs):
        if torch.is_grad_enabled():
            self.forwards += 1
        return model._outputs_and_masks(inputs)

    def train_epoch(self, model, batches):
        seen = []
        for batch in batches:
            seen.append(int(batch[0][0].shape[0]))
            yield batch
        self.epochs.append(seen)

    def gather_batches(self, collected):
        self.gathered.append(len(collected[0]))
        return [parts * 2 for parts in collected]   # the twin's batches too

    def callbacks(self, callbacks):
        self.filtered.append(list(callbacks))
        return [c for c in callbacks if not isinstance(c, _Writer)]


class _Writer(Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise AssertionError("a writer ran on a worker that is not the chief")


def _model(strategy):
    model = lamella.Sequential([SeededDense(3, input_shape=(4,)), SeededDense(1, seed=1)])
    model.compile(PlainSGD(0.05), loss=mean_squared_error, distribute=strategy)
    return model


def test_the_loop_goes_through_every_seam(tmp_path):
    strategy = _Recorder()
    model = _model(strategy)
    x = np.random.RandomState(0).rand(8, 4).astype("float32")
    y = x[:, :1]
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0, callbacks=[_Writer()])
    assert strategy.epochs == [[2, 2, 2, 2]] * 2      # the whole epoch went through the wrapper
    assert strategy.forwards == 8                      # training forwards only
    assert len(strategy.filtered) == 1 and isinstance(strategy.filtered[0][0], _Writer)
    predicted = model.predict(x, batch_size=2)
    assert strategy.gathered == [2]                    # this worker predicted batches 1 and 3
    assert predicted.shape == (4 * 2, 1)
    model.save(str(tmp_path / "never.npz"))            # not the chief: nothing written
    model.save_weights(str(tmp_path / "never.npz"))
    assert list(tmp_path.iterdir()) == []


def test_the_default_seams_change_nothing():
    model = _model(None)
    assert list(SINGLE_PROCESS.train_epoch(model, iter([1, 2]))) == [1, 2]
    assert SINGLE_PROCESS.gather_batches([[1]]) == [[1]]
    assert SINGLE_PROCESS.callbacks([3]) == [3]
    x = torch.ones(2, 4)
    outputs, masks = SINGLE_PROCESS.forward(model, x)
    assert masks is None and torch.equal(outputs[0], model(x))
