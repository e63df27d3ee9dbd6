"""Data-parallel training speed, for the docs (a script, not a test).

    python integration_tests/distributed/scaling.py single [cnn|mlp]
    torchrun --nproc_per_node 2 integration_tests/distributed/scaling.py ddp [cnn|mlp]
    horovodrun -np 2 -H localhost:2 --gloo \
        python integration_tests/distributed/scaling.py horovod [cnn|mlp]

``cnn`` (the default) trains the ported MNIST example's CNN on the digits data (sharded per
process, batch 64 per process) and prints, from rank 0, the samples all processes trained per
second over the timed epochs (the first epoch is a warm-up).

``mlp`` times the training step of a mid-size MLP (512-2048-2048-10, 5.3M parameters, 21 MB
of float32 gradients a step: enough that the gradient exchange is a visible part of the step)
on random data, batch 32 per process, and prints rank 0's median step time over 5 timed
epochs of 20 steps after a warm-up epoch, and the median time of ``optimizer.step()`` (the
wait for the gradient exchange plus the update). Under ``horovod`` it trains two models,
epochs in turns, one exchanging the gradients during the backward pass (the default) and one
after it (``Horovod(overlap=False)``, lamella's path before the overlap), so that both see the
same load on a shared machine.
"""

import statistics
import sys
import time

import numpy as np

import lamella
import lamella.distributed as dist
from lamella import layers
from lamella.callbacks import Callback
from lamella.datasets import digits


class EpochTimes(Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times = getattr(self, "times", []) + [time.perf_counter() - self.started]


class StepTimes(Callback):
    """Seconds between consecutive batch ends (a whole step: data, forward, backward,
    exchange, update), from the second ``fit`` call on (the first is a warm-up)."""

    def __init__(self):
        super().__init__()
        self.times, self.last, self.calls = [], None, 0

    def on_train_begin(self, logs=None):
        self.calls += 1

    def on_epoch_begin(self, epoch, logs=None):
        self.last = None

    def on_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.last is not None and self.calls > 1:
            self.times.append(now - self.last)
        self.last = now


def _distribute(strategy):
    return None if strategy == "single" else strategy


def cnn(strategy):
    (x, y), _ = digits.load_data()
    x = np.tile(x.reshape(-1, 8, 8, 1).astype("float32") / 16, (4, 1, 1, 1))  # 5748 samples
    y = lamella.utils.to_categorical(np.tile(y, 4), 10)
    lamella.utils.set_random_seed(0)
    model = lamella.Sequential([
        layers.Conv2D(32, 3, activation="relu", input_shape=(8, 8, 1)),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(lamella.optimizers.SGD(0.05), "categorical_crossentropy",
                  distribute=_distribute(strategy))
    timer = EpochTimes()
    model.fit(x, y, batch_size=64, epochs=4, verbose=0, callbacks=[timer])
    if dist.is_chief():
        seconds = sum(timer.times[1:])
        print(f"{strategy} x{dist.size()}: {len(x) * 3 / seconds:.0f} samples/s "
              f"({seconds:.1f}s for 3 epochs of {len(x)} samples)")


def mlp(strategy, rounds=6):
    batch, steps = 32, 20
    rng = np.random.RandomState(0)
    x = rng.randn(batch * steps * dist.size(), 512).astype("float32")
    y = lamella.utils.to_categorical(rng.randint(0, 10, len(x)), 10)
    if strategy == "horovod":   # both ways, in one launch, so they share the machine's load
        from lamella_distributed import Horovod
        variants = {"overlapped": Horovod(), "after backward": Horovod(overlap=False)}
    else:
        variants = {strategy: _distribute(strategy)}
    runs = {}
    for name, distribute in variants.items():
        lamella.utils.set_random_seed(0)
        model = lamella.Sequential([layers.Dense(2048, activation="relu", input_shape=(512,)),
                                    layers.Dense(2048, activation="relu"),
                                    layers.Dense(10, activation="softmax")])
        model.compile(lamella.optimizers.SGD(0.01), "categorical_crossentropy",
                      distribute=distribute)
        runs[name] = (model, StepTimes(), _time_optimizer_step(model))
    for _ in range(rounds):         # epochs taken in turns: the same load for each way
        for model, timer, _ in runs.values():
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0, callbacks=[timer])
    if dist.is_chief():
        params = sum(p.numel() for p in runs[next(iter(runs))][0].parameters())
        print(f"mlp, {params / 1e6:.1f}M parameters, batch {batch}/process, {dist.size()} "
              f"process(es), {rounds - 1} x {steps} timed steps each:")
        for name, (_, timer, waits) in runs.items():
            print(f"  {name}: median step {statistics.median(timer.times) * 1e3:.1f} ms, of "
                  f"which optimizer.step {statistics.median(waits[steps:]) * 1e3:.1f} ms")


def _time_optimizer_step(model):
    """Times of ``model.optimizer.step()``: the wait for whatever of the gradient exchange
    the backward pass did not hide, then the update (the part that overlapping shrinks)."""
    waits, inner = [], model.optimizer.step

    def timed_step():
        started = time.perf_counter()
        inner()
        waits.append(time.perf_counter() - started)

    model.optimizer.step = timed_step
    return waits


def main(strategy, workload="cnn"):
    dist.init({"single": "single", "ddp": "torch", "horovod": "horovod"}[strategy])
    {"cnn": cnn, "mlp": mlp}[workload](strategy)


if __name__ == "__main__":
    main(*sys.argv[1:3])
