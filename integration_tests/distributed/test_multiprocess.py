"""Training on 2 CPU processes (gloo) under ``torchrun`` (the 'ddp' strategy) and
``horovodrun`` (the 'horovod' strategy), compared with one process: identical weights on
both workers after every epoch, 2 workers x batch b == 1 process x batch 2b, exact metrics,
predictions in order, only the chief prints and writes, uneven shards finish, and a killed
worker fails the run quickly. Each launch is bounded by a timeout."""

import numpy as np
import pytest
from dist_launch import LAUNCHERS, WORKER, launch_train, require_horovod, run

#: A killed worker must end the run within this many seconds (the launchers' own detection
#: plus LAMELLA_DIST_TIMEOUT=60 for a collective left waiting).
FAIL_FAST_SECONDS = 150

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    out = tmp_path_factory.mktemp("single")
    code, output, _ = run("single", WORKER, "train", out, "single", cwd=out)
    assert code == 0, output[-4000:]
    return out


@pytest.fixture(scope="module", params=sorted(LAUNCHERS))
def launched(request, tmp_path_factory):
    return request.param, launch_train(request.param, tmp_path_factory)


def _load(out, name, rank):
    return np.load(out / f"{name}.{rank}.npz")


def test_workers_hold_identical_weights_after_every_epoch(launched):
    _, out = launched
    for name in ("train", "uneven"):
        a, b = _load(out, name, 0)["weights"], _load(out, name, 1)["weights"]
        assert a.shape[0] >= 3
        np.testing.assert_array_equal(a, b)


def test_two_workers_of_batch_b_train_like_one_process_of_batch_2b(launched, single):
    _, out = launched
    np.testing.assert_allclose(_load(out, "train", 0)["weights"],
                               _load(single, "train", 0)["weights"], rtol=0, atol=1e-5)


def test_metrics_are_exact_for_all_the_data(launched, single):
    _, out = launched
    for key in ("loss", "acc", "evaluated"):   # evaluate ran on 37 samples: 19 + 18
        for rank in (0, 1):
            np.testing.assert_allclose(_load(out, "train", rank)[key],
                                       _load(single, "train", 0)[key], rtol=0, atol=1e-5)


def test_predict_returns_everything_in_order_on_every_worker(launched, single):
    _, out = launched
    expected = _load(single, "train", 0)["predicted"]
    for rank in (0, 1):
        predicted = _load(out, "train", rank)["predicted"]
        assert predicted.shape == expected.shape == (37, 3)
        np.testing.assert_allclose(predicted, expected, rtol=0, atol=1e-5)


def test_only_the_chief_prints_and_writes(launched):
    _, out = launched
    chief = (out / "train.stdout.0").read_text()
    assert "Epoch 3/3" in chief and "loss:" in chief
    assert (out / "train.stdout.1").read_text() == ""
    assert sorted(p.name for p in out.glob("ckpt-*.h5")) == ["ckpt-1.h5", "ckpt-2.h5",
                                                              "ckpt-3.h5"]
    rows = (out / "log.csv").read_text().splitlines()
    assert rows[0].startswith("epoch") and len(rows) == 4       # one writer: no doubled rows
    assert (out / "model.h5").exists()


@pytest.mark.parametrize("strategy", sorted(LAUNCHERS))
def test_a_killed_worker_fails_the_run_fast(strategy, tmp_path):
    if strategy == "horovod":
        require_horovod()
    code, output, seconds = run(LAUNCHERS[strategy], WORKER, "killed", tmp_path, strategy,
                                cwd=tmp_path, timeout=FAIL_FAST_SECONDS + 60)
    assert code != 0, output[-4000:]
    assert seconds < FAIL_FAST_SECONDS, f"took {seconds:.0f}s to fail"
