"""Data-parallel training speed, for the docs (a script, not a test).

    python integration_tests/distributed/scaling.py single [cnn|mlp]
    torchrun --nproc_per_node 2 integration_tests/distributed/scaling.py ddp [cnn|mlp]
    horovodrun -np 2 -H localhost:2 --gloo \
        python integration_tests/distributed/scaling.py horovod [cnn|mlp]

``cnn`` (the default) trains the ported MNIST example's CNN on the digits data (sharded per
process, batch 64 per process) and prints, from rank 0, the samples all processes trained per
second over the timed epochs (the first epoch is a warm-up).

``mlp`` times the training step of a mid-size MLP (512-2048-2048-10, 5.2M parameters, 21 MB
of float32 gradients a step: enough that the gradient exchange is a visible part of the step)
on random data, batch 32 per process, and prints rank 0's median step time over 3 timed
epochs of 20 steps after a warm-up epoch, and the median time of ``optimizer.step()`` (the
wait for the gradient exchange plus the update). ``LAMELLA_HVD_OVERLAP=0`` makes the Horovod
strategy exchange the gradients after the backward pass (lamella's path before the overlap),
for the before/after comparison.
"""

import os
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
    exchange, update), from the second epoch on."""

    def __init__(self):
        super().__init__()
        self.times, self.last, self.epoch = [], None, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.last = epoch, None

    def on_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.last is not None and self.epoch > 0:
            self.times.append(now - self.last)
        self.last = now


def _distribute(strategy):
    if strategy == "horovod" and os.environ.get("LAMELLA_HVD_OVERLAP") == "0":
        from lamella_distributed import Horovod
        return Horovod(overlap=False)
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


def mlp(strategy):
    batch, steps = 32, 20
    rng = np.random.RandomState(0)
    x = rng.randn(batch * steps * dist.size(), 512).astype("float32")
    y = lamella.utils.to_categorical(rng.randint(0, 10, len(x)), 10)
    lamella.utils.set_random_seed(0)
    model = lamella.Sequential([layers.Dense(2048, activation="relu", input_shape=(512,)),
                                layers.Dense(2048, activation="relu"),
                                layers.Dense(10, activation="softmax")])
    model.compile(lamella.optimizers.SGD(0.01), "categorical_crossentropy",
                  distribute=_distribute(strategy))
    timer = StepTimes()
    # optimizer.step() waits for whatever of the exchange the backward pass did not hide,
    # then updates: the part of the step that overlapping shrinks.
    waits, inner = [], model.optimizer.step

    def timed_step():
        started = time.perf_counter()
        inner()
        waits.append(time.perf_counter() - started)

    model.optimizer.step = timed_step
    model.fit(x, y, batch_size=batch, epochs=4, verbose=0, callbacks=[timer])
    if dist.is_chief():
        params = sum(p.numel() for p in model.parameters())
        print(f"mlp {strategy} x{dist.size()} overlap={os.environ.get('LAMELLA_HVD_OVERLAP', '1')}"
              f": median step {statistics.median(timer.times) * 1e3:.1f} ms, of which "
              f"optimizer.step {statistics.median(waits[steps:]) * 1e3:.1f} ms, over "
              f"{len(timer.times)} steps ({params / 1e6:.1f}M parameters, batch {batch}/process)")


def main(strategy, workload="cnn"):
    dist.init({"single": "single", "ddp": "torch", "horovod": "horovod"}[strategy])
    {"cnn": cnn, "mlp": mlp}[workload](strategy)


if __name__ == "__main__":
    main(*sys.argv[1:3])
