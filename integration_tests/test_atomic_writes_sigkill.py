"""Processes SIGKILLed while saving leave no litter once a later save succeeds.

The way a user hits it: a training script that saves (``model.save``, ``save_weights``, a
``ModelCheckpoint``) is killed (``kill -9``, the OOM killer, a pre-empted node) at a random
moment, several times, and then runs to completion. Afterwards the folder holds the files and
nothing else, and each file loads.

To keep this fast, one helper process imports lamella and builds the model once, then forks a
writer for each kill (a fork starts in milliseconds; an interpreter importing torch takes
seconds).
"""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import lamella
from lamella import layers
from lamella.callbacks import ModelCheckpoint

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(signal, "SIGKILL"),
                                reason="needs fork and SIGKILL")

FORK_SERVER = textwrap.dedent("""
    import os, sys
    import numpy as np
    import torch
    torch.set_num_threads(1)  # no thread pool running when we fork
    import lamella
    from lamella import layers
    from lamella.callbacks import ModelCheckpoint

    folder = sys.argv[1]
    model = lamella.Sequential([layers.Dense(16, activation="tanh", input_shape=(8,)),
                                layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.RandomState(0).normal(size=(32, 8)).astype("float32")
    y = x[:, :1] * 2
    model.save(os.path.join(folder, "m.h5"))  # files exist before the first kill
    model.save_weights(os.path.join(folder, "w.h5"))
    print("ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:  # the writer: saves until it is killed
            try:
                checkpoint = ModelCheckpoint(os.path.join(folder, "ckpt.h5"))
                while True:
                    model.save(os.path.join(folder, "m.h5"))
                    model.save_weights(os.path.join(folder, "w.h5"))
                    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[checkpoint])
            finally:
                os._exit(1)
        print(pid, flush=True)
        os.waitpid(pid, 0)  # reap the killed writer, as a shell or a scheduler would
        print("reaped", flush=True)
""")

KILLS = 8


def _build():
    model = lamella.Sequential([layers.Dense(16, activation="tanh", input_shape=(8,)),
                                layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _litter(folder):
    return sorted(p.name for p in folder.iterdir() if p.name not in ("m.h5", "w.h5", "ckpt.h5"))


def _kill_writers(folder, kills, seed):
    """Fork ``kills`` writers in ``folder``, SIGKILL each at a random moment mid-saving; return
    what each kill left beside the files (the next writer's saves may clean it up again)."""
    rng = random.Random(seed)
    left = []
    server = subprocess.Popen([sys.executable, "-c", FORK_SERVER, str(folder)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        for _ in range(kills):
            server.stdin.write("go\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            time.sleep(rng.uniform(0.05, 0.4))  # a random moment in the save loop
            os.kill(pid, signal.SIGKILL)
            assert server.stdout.readline().strip() == "reaped"
            left.append(_litter(folder))
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return left


def test_killed_saves_leave_no_temporary_files_after_a_later_save(tmp_path):
    left_by_kills = _kill_writers(tmp_path, KILLS, seed=1234)
    assert any(left_by_kills), "no kill landed mid-write: the test proves nothing"
    litter_after_kills = _litter(tmp_path)

    # one run that completes, as the user's next run of the script
    model = _build()
    x = np.random.RandomState(1).normal(size=(16, 8)).astype("float32")
    model.save(str(tmp_path / "m.h5"))
    model.save_weights(str(tmp_path / "w.h5"))
    saved = model.predict(x)
    model.fit(x, x[:, :1], epochs=1, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "ckpt.h5"))])
    trained = model.predict(x)

    assert _litter(tmp_path) == [], f"(left after the kills: {litter_after_kills})"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.h5", "m.h5", "w.h5"]
    for name, expected in (("m.h5", saved), ("ckpt.h5", trained)):
        again = lamella.models.load_model(str(tmp_path / name))
        np.testing.assert_allclose(again.predict(x), expected, rtol=1e-5, atol=1e-6)
    fresh = _build()
    fresh.load_weights(str(tmp_path / "w.h5"))
    np.testing.assert_allclose(fresh.predict(x), saved, rtol=1e-5, atol=1e-6)
