"""One worker of the multi-process tests (run by test_multiprocess.py under ``torchrun`` or
``horovodrun``, or alone as the single-process reference).

``python worker.py SCENARIO OUT_DIR STRATEGY``: ``SCENARIO`` is ``train`` (training, uneven
shards, evaluate, predict, files) or ``killed`` (rank 1 dies in the second epoch);
``STRATEGY`` is ``ddp``, ``horovod`` or ``single``. Results go to
``OUT_DIR/{train,uneven}.<rank>.npz`` (and, under Horovod, overlap_worker.py's
``OUT_DIR/overlap.<rank>.npz``), each worker's stdout to ``OUT_DIR/train.stdout.<rank>``,
and the chief's files (checkpoints, CSV log, model) to ``OUT_DIR``.
"""

import os
import sys

import numpy as np
import torch

import lamella
import lamella.distributed as dist
from lamella import layers
from lamella.callbacks import Callback

BATCH = 4          # per worker; the single-process reference uses BATCH * 2
SAMPLES = 64       # divisible by 2 * BATCH: every worker sees whole batches


def data(n=SAMPLES, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, 5).astype("float32")
    y = (x @ rng.randn(5, 3) + 0.1 * rng.randn(n, 3) > 0).astype("float32")
    return x, y


def model(distribute):
    torch.manual_seed(1)  # the same start everywhere (the strategies broadcast rank 0's anyway)
    m = lamella.Sequential([layers.Dense(8, activation="tanh", input_shape=(5,)),
                            layers.Dense(3, activation="sigmoid")])
    m.compile(lamella.optimizers.SGD(learning_rate=0.5), "binary_crossentropy",
              metrics=["accuracy", "mae"], distribute=distribute)
    return m


class WeightsPerEpoch(Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(np.concatenate([w.ravel() for w in self.model.get_weights()]))


def main(scenario, out, strategy):
    distribute = None if strategy == "single" else strategy
    dist.init("single" if strategy == "single" else ("horovod" if strategy == "horovod"
                                                     else "torch"))
    rank = dist.rank()
    # Each worker's own stdout, so the test can check that only the chief prints.
    sys.stdout = open(os.path.join(out, f"{scenario}.stdout.{rank}"), "w", buffering=1)
    if scenario == "train":  # one launch runs both, to keep the CI time down
        train(out, distribute, rank)
        uneven(out, distribute, rank)
        if strategy == "horovod":   # overlapped gradient exchange (test_overlap.py)
            import overlap_worker
            overlap_worker.runs(out)
    elif scenario == "killed":
        killed(distribute, rank)
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")


def train(out, distribute, rank):
    x, y = data()
    m = model(distribute)
    per_epoch = WeightsPerEpoch()
    batch = BATCH if distribute else 2 * BATCH
    writers = [lamella.callbacks.CSVLogger(os.path.join(out, "log.csv")),
               lamella.callbacks.ModelCheckpoint(os.path.join(out, "ckpt-{epoch}.h5"))]
    history = m.fit(x, y, batch_size=batch, epochs=3, shuffle=False, verbose=1,
                    callbacks=[per_epoch, *writers])
    m.save(os.path.join(out, "model.h5"))
    evaluated = m.evaluate(*data(37, seed=2), batch_size=batch, verbose=0)  # 37: uneven halves
    predicted = m.predict(data(37, seed=2)[0], batch_size=5)
    np.savez(os.path.join(out, f"train.{rank}.npz"), weights=np.stack(per_epoch.epochs),
             loss=np.array(history.history["loss"]), acc=np.array(history.history["accuracy"]),
             evaluated=np.array(evaluated), predicted=predicted)


class Batches(lamella.utils.Sequence):
    """5 batches of 3: round-robin gives worker 0 three and worker 1 two."""

    def __init__(self):
        self.x, self.y = data(15, seed=3)

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return self.x[3 * i:3 * i + 3], self.y[3 * i:3 * i + 3]


def uneven(out, distribute, rank):
    m = model(distribute)
    per_epoch = WeightsPerEpoch()
    x, y = data(11, seed=4)  # 11 samples, batch 1: worker 0 takes 6 steps, worker 1 five
    m.fit(x, y, batch_size=1, epochs=2, verbose=0, callbacks=[per_epoch])
    m.fit(Batches(), epochs=2, verbose=0, callbacks=[per_epoch])
    evaluated = m.evaluate(Batches(), verbose=0)
    np.savez(os.path.join(out, f"uneven.{rank}.npz"), weights=np.stack(per_epoch.epochs),
             evaluated=np.array(evaluated))


class DieOnSecondEpoch(Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1 and dist.rank() == 1:
            os._exit(3)  # a crash: no exception handling, no goodbye to the others


def killed(distribute, rank):
    x, y = data()
    m = model(distribute)
    m.fit(x, y, batch_size=BATCH, epochs=50, verbose=0, callbacks=[DieOnSecondEpoch()])


if __name__ == "__main__":
    main(*sys.argv[1:4])
