"""Backend detection from the launchers' environment variables, and the process-level API."""

import numpy as np
import pytest
import torch

import lamella.distributed
from lamella_distributed import backend as backends


@pytest.mark.parametrize("environ, expected", [
    ({"HOROVOD_RANK": "0", "HOROVOD_SIZE": "2", "HOROVOD_LOCAL_RANK": "0"}, "horovod"),
    ({"HOROVOD_GLOO_RENDEZVOUS_ADDR": "10.0.0.1"}, "horovod"),
    ({"TORCHELASTIC_RUN_ID": "x", "RANK": "1", "WORLD_SIZE": "2", "MASTER_ADDR": "h"}, "torch"),
    ({"RANK": "0", "WORLD_SIZE": "4", "MASTER_ADDR": "host1"}, "torch"),
    ({"RANK": "0"}, "single"),          # a stray RANK alone is not a torch launch
    ({}, "single"),
    # horovodrun wins when both sets are present (it runs the script, torch is the library)
    ({"HOROVOD_RANK": "0", "RANK": "0", "WORLD_SIZE": "2", "MASTER_ADDR": "h"}, "horovod"),
])
def test_detect_reads_the_launcher_environment(environ, expected):
    assert backends.detect(environ) == expected


def test_init_without_a_launcher_is_one_process(monkeypatch):
    for name in ("HOROVOD_RANK", "HOROVOD_GLOO_RENDEZVOUS_ADDR", "TORCHELASTIC_RUN_ID", "RANK",
                 "WORLD_SIZE", "MASTER_ADDR"):
        monkeypatch.delenv(name, raising=False)
    backends._set_current(None)
    backend = lamella.distributed.init()
    assert backend.name == "single" and lamella.distributed.init() is backend
    assert (lamella.distributed.rank(), lamella.distributed.size()) == (0, 1)
    assert lamella.distributed.local_rank() == 0 and lamella.distributed.is_chief()
    lamella.distributed.barrier()
    assert lamella.distributed.allreduce(3.0) == 3.0
    assert lamella.distributed.broadcast_object({"a": 1}) == {"a": 1}
    assert lamella.distributed.allgather_object("x") == ["x"]
    with pytest.raises(RuntimeError, match="already initialized with the 'single' backend"):
        lamella.distributed.init("torch")


def test_init_rejects_unknown_backends():
    with pytest.raises(ValueError, match=r"backend must be one of .*'horovod'.*got 'mpi4'"):
        lamella.distributed.init("mpi4")


def test_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LAMELLA_DIST_TIMEOUT", "12.5")
    assert backends.timeout_seconds() == 12.5
    monkeypatch.setenv("LAMELLA_DIST_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="LAMELLA_DIST_TIMEOUT must be a positive number"):
        backends.timeout_seconds()


def test_allreduce_averages_and_sums_over_the_fake_group(fake8):
    fake8.peer_scale = lambda r: r + 1          # the workers hold 1x .. 8x this one's value
    assert lamella.distributed.allreduce(2.0) == pytest.approx(2.0 * 36 / 8)
    assert lamella.distributed.allreduce(2.0, op="sum") == pytest.approx(72.0)
    out = lamella.distributed.allreduce(np.array([1.0, 2.0]), op="sum")
    np.testing.assert_allclose(out, [36.0, 72.0])
    tensor = torch.ones(2)
    assert torch.equal(lamella.distributed.allreduce(tensor, op="sum"), torch.full((2,), 36.0))
    assert torch.equal(tensor, torch.ones(2))   # the caller's tensor is left alone
    with pytest.raises(ValueError, match="op must be 'sum' or 'average', got 'max'"):
        lamella.distributed.allreduce(1.0, op="max")


def test_missing_horovod_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "horovod.torch", None)
    monkeypatch.setitem(__import__("sys").modules, "horovod", None)
    with pytest.raises(ImportError, match=r"pip install lamella-distributed\[horovod\].*"
                                          r"tools/build-horovod"):
        backends.import_horovod()


def test_the_facade_forwards_to_the_plugin():
    import lamella_distributed

    assert lamella.distributed.DistributedOptimizer is lamella_distributed.DistributedOptimizer
    assert lamella.distributed.callbacks.MetricAverageCallback is not None
    with pytest.raises(AttributeError, match="'lamella.distributed' has no attribute 'nope'"):
        lamella.distributed.nope  # noqa: B018


def test_ddp_without_a_launcher_says_how_to_launch(monkeypatch):
    for name in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    if torch.distributed.is_initialized():
        pytest.skip("a process group exists in this process")
    with pytest.raises(RuntimeError, match=r"needs the process group's environment .*"
                                           r"MASTER_ADDR.*torchrun --nproc_per_node"):
        backends.TorchBackend()
