"""Horovod's gradient all-reduces overlapped with the backward pass, on 2 CPU processes
(``horovodrun --gloo``; the runs are in overlap_worker.py, launched with the other
Horovod checks by worker.py): the trained weights equal those of the
exchange after the backward pass and of one process on the concatenated batches, with a frozen
layer, a head no batch uses, heads that differ between the workers, backward_passes_per_step=2,
fp16 compression and jit_compile=True; and nothing hangs."""

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(horovod_train):
    return [dict(np.load(horovod_train / f"overlap.{rank}.npz")) for rank in (0, 1)]


RUNS = ("frozen", "dynamic", "bpps2", "fp16")


@pytest.mark.parametrize("name", RUNS)
def test_the_overlapped_runs_overlapped_and_the_others_did_not(results, name):
    for rank in (0, 1):
        assert results[rank][f"{name}.overlap.overlaps"]
        assert not results[rank][f"{name}.after.overlaps"]
    assert results[0]["jit.overlap.overlaps"]


@pytest.mark.parametrize("name", [*RUNS, "jit"])
def test_both_workers_end_with_identical_weights(results, name):
    for way in ("overlap", "after") if name != "jit" else ("overlap",):
        np.testing.assert_array_equal(results[0][f"{name}.{way}"],
                                      results[1][f"{name}.{way}"])


@pytest.mark.parametrize("name", RUNS)
def test_overlapping_trains_like_exchanging_after_the_backward_pass(results, name):
    np.testing.assert_allclose(results[0][f"{name}.overlap"], results[0][f"{name}.after"],
                               rtol=0, atol=1e-6)


def test_two_workers_train_like_one_process_on_the_concatenated_batches(results):
    # A frozen layer and an unused head: the head's weights stay as initialized everywhere.
    np.testing.assert_allclose(results[0]["frozen.overlap"], results[0]["frozen.single"],
                               rtol=0, atol=1e-5)
    # 2 accumulated passes, averaged, on 2 workers == one process on 4 batches at once.
    np.testing.assert_allclose(results[0]["bpps2.overlap"], results[0]["bpps2.single"],
                               rtol=0, atol=1e-5)
    # fp16 on the wire: the same training, to half precision.
    np.testing.assert_allclose(results[0]["fp16.overlap"], results[0]["frozen.single"],
                               rtol=0, atol=2e-3)


def test_jit_compile_trains_like_the_eager_step(results):
    np.testing.assert_allclose(results[0]["jit.overlap"], results[0]["frozen.overlap"],
                               rtol=0, atol=1e-5)
