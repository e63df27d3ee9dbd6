"""The runs test_overlap.py checks, made by worker.py's Horovod launch (``horovodrun -np 2
--gloo``, which test_multiprocess.py checks too; alone: ``horovodrun -np 2 -H localhost:2
--gloo python overlap_worker.py OUT_DIR``). Small models train with the gradient all-reduces
overlapped with the backward pass and, for comparison, exchanged after it (``overlap=False``);
rank 0 also trains the one-process references on the concatenated batches. Writes
``OUT_DIR/overlap.<rank>.npz`` (each run's final weights, flattened, and whether it
overlapped).

Runs: a subclassed model with a frozen layer and a branch that is never used; the same model
taking a branch chosen by its batch (so the two workers often differ in which weights get a
gradient); ``backward_passes_per_step=2``; fp16 compression; and ``jit_compile=True``.
"""

import sys

import numpy as np

import lamella
import lamella.distributed as hvd
from lamella import layers

BATCH = 4      # per worker; the one-process reference trains on 2 * BATCH
SAMPLES = 32   # 4 steps per worker per epoch (even, for backward_passes_per_step=2)


class Branchy(lamella.Model):
    """Dense -> frozen Dense -> one of two heads. ``dynamic=False``: always the left head (the
    right one's weights never get a gradient); ``dynamic=True``: the right head when the
    batch's first feature is positive."""

    def __init__(self, dynamic=False):
        super().__init__()
        self.hidden = layers.Dense(8, activation="tanh")
        self.frozen = layers.Dense(8, activation="tanh", trainable=False)
        self.left = layers.Dense(3)
        self.right = layers.Dense(3)
        # Built here, not by the first batch: every worker (whichever head its first batch
        # takes) and the unused head must hold the same weights from the start.
        for layer, features in ((self.hidden, 6), (self.frozen, 8), (self.left, 8),
                                (self.right, 8)):
            layer.build((None, features))
        self.dynamic = dynamic

    def call(self, x):
        h = self.frozen(self.hidden(x))
        if self.dynamic and float(x[0, 0]) > 0:
            return self.right(h)
        return self.left(h)


def data(dynamic=False):
    rng = np.random.RandomState(0)
    x = rng.randn(SAMPLES, 6).astype("float32")
    y = rng.randn(SAMPLES, 3).astype("float32")
    if dynamic:
        # Samples go to workers by stride (even: worker 0): in the first half, worker 0's
        # batches take the right head and worker 1's the left; then it depends on the data.
        x[:SAMPLES // 2, 0] = np.where(np.arange(SAMPLES // 2) % 2 == 0, 1.0, -1.0)
    return x, y


def train(build, distribute, batch, x, y, jit=False, optimizer=None):
    lamella.utils.set_random_seed(1)
    model = build()
    optimizer = optimizer or lamella.optimizers.Adam(0.01)
    model.compile(optimizer, "mse", distribute=distribute, jit_compile=jit)
    model.fit(x, y, batch_size=batch, epochs=2, shuffle=False, verbose=0)
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    return weights, bool(getattr(model.optimizer, "overlaps", False))


def dense():
    return lamella.Sequential([layers.Dense(8, activation="tanh", input_shape=(6,)),
                               layers.Dense(3)])


def accumulating(overlap):
    return hvd.DistributedOptimizer(lamella.optimizers.SGD(0.1), backward_passes_per_step=2,
                                    average_aggregated_gradients=True, overlap=overlap)


def runs(out):
    x, y = data()
    xd, yd = data(dynamic=True)
    fp16 = hvd.Compression.fp16
    runs = {
        "frozen": lambda o: train(Branchy, hvd.Horovod(overlap=o), BATCH, x, y),
        "dynamic": lambda o: train(lambda: Branchy(dynamic=True), hvd.Horovod(overlap=o),
                                   BATCH, xd, yd),
        "bpps2": lambda o: train(dense, "horovod", BATCH, x, y, optimizer=accumulating(o)),
        "fp16": lambda o: train(Branchy, hvd.Horovod(compression=fp16, overlap=o), BATCH,
                                x, y),
    }
    results = {}
    for name, run in runs.items():
        for overlap in (True, False):
            key = f"{name}.{'overlap' if overlap else 'after'}"
            results[key], results[f"{key}.overlaps"] = run(overlap)
    results["jit.overlap"], results["jit.overlap.overlaps"] = train(
        Branchy, hvd.Horovod(), BATCH, x, y, jit=True)
    if hvd.rank() == 0:   # the one-process references, on the concatenated batches
        results["frozen.single"], _ = train(Branchy, None, 2 * BATCH, x, y)
        results["bpps2.single"], _ = train(dense, None, 4 * BATCH, x, y,
                                           optimizer=lamella.optimizers.SGD(0.1))
    np.savez(f"{out}/overlap.{hvd.rank()}.npz", **results)


if __name__ == "__main__":
    hvd.init("horovod")
    runs(sys.argv[1])
