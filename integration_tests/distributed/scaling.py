"""Samples per second of data-parallel training, for the docs (a script, not a test).

    python integration_tests/distributed/scaling.py single
    torchrun --nproc_per_node 2 integration_tests/distributed/scaling.py ddp
    horovodrun -np 2 -H localhost:2 --gloo python integration_tests/distributed/scaling.py horovod

Trains the ported MNIST example's CNN on the digits data (sharded per process, batch 64 per
process) and prints, from rank 0, the samples all processes trained per second over the timed
epochs (the first epoch is a warm-up).
"""

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


def main(strategy):
    dist.init({"single": "single", "ddp": "torch", "horovod": "horovod"}[strategy])
    (x, y), _ = digits.load_data()
    x = np.tile(x.reshape(-1, 8, 8, 1).astype("float32") / 16, (4, 1, 1, 1))  # 5748 samples
    y = lamella.utils.to_categorical(np.tile(y, 4), 10)
    lamella.utils.set_random_seed(0)
    model = lamella.Sequential([
        layers.Conv2D(32, 3, activation="relu", input_shape=(8, 8, 1)),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(lamella.optimizers.SGD(0.05), "categorical_crossentropy",
                  distribute=None if strategy == "single" else strategy)
    timer = EpochTimes()
    model.fit(x, y, batch_size=64, epochs=4, verbose=0, callbacks=[timer])
    if dist.is_chief():
        seconds = sum(timer.times[1:])
        print(f"{strategy} x{dist.size()}: {len(x) * 3 / seconds:.0f} samples/s "
              f"({seconds:.1f}s for 3 epochs of {len(x)} samples)")


if __name__ == "__main__":
    main(sys.argv[1])
