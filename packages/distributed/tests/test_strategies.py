"""The strategies' sharding, reductions, gathering and chief-only callbacks (fake 8 workers),
and multi_gpu_model's error paths."""

import numpy as np
import pytest
import torch

import lamella
from lamella.engine.callbacks import Callback
from lamella.testing import mean_squared_error, toy_data, toy_model
from lamella_distributed import DDP, Horovod, Single, multi_gpu_model
from lamella_distributed.backend import Backend


@pytest.mark.parametrize("n", [0, 1, 7, 8, 64, 67])
def test_shards_cover_the_data_once_and_batches_match_the_counts(fake8, n):
    shards = []
    for rank in range(8):
        fake8._rank = rank
        strategy = Horovod()
        shard = strategy.shard_samples(n)
        shards.extend(shard)
        # A generator's batches: as many as shard_samples counts (the loop relies on it).
        assert len(list(strategy.shard_batches(iter(range(n))))) == len(shard)
        assert list(strategy.shard_batches(iter(range(n)))) == list(shard)
    assert sorted(shards) == list(range(n))


def test_all_reduce_sum_keeps_shapes_and_dtypes(fake8):
    strategy = Horovod()
    out = strategy.all_reduce_sum([torch.tensor(2.0), torch.ones(2, 3), torch.tensor(3)])
    assert out[0].item() == 16.0 and out[1].shape == (2, 3) and out[2].dtype == torch.int64
    assert out[2].item() == 24 and strategy.all_reduce_sum([]) == []


def test_predictions_come_back_in_order(fake8):
    fake8._size = 3
    strategy = Horovod()
    # 7 batches dealt round-robin to 3 workers: rank r holds batches r, r + 3, ...
    per_rank = [[[np.full((2, 1), b)] for b in range(r, 7, 3)] for r in range(3)]
    fake8.gathered = [[[arr[0] for arr in batches]] for batches in per_rank]
    merged = strategy.gather_batches([[torch.zeros(2, 1)]])
    assert [int(t[0, 0]) for t in merged[0]] == list(range(7))
    fake8.gathered = [[], [], []]
    assert strategy.gather_batches(None) is None


class _Writer(Callback):
    pass


class ModelCheckpoint(Callback):  # the name is what marks a writer
    pass


def test_writers_run_on_the_chief_only(fake8):
    keep, writer = _Writer(), ModelCheckpoint()
    assert Horovod().callbacks([keep, writer]) == [keep, writer]
    fake8._rank = 1
    assert Horovod().callbacks([keep, writer]) == [keep]
    assert not Horovod().is_chief and Horovod().world_size == 8 and Horovod().rank == 1


def test_the_horovod_strategy_wraps_and_broadcasts(fake8):
    model = toy_model()
    model.compile(model.optimizer, loss=mean_squared_error, distribute="horovod")
    model.fit(*toy_data(16), batch_size=4, epochs=1, verbose=0)
    assert type(model.optimizer).__name__ == "PlainSGD"
    assert hasattr(model.optimizer, "join")
    assert any(c[0] == "broadcast" for c in fake8.calls)
    names = [c[1] for c in fake8.calls if c[0] == "allreduce"]
    # 16 samples / 8 workers = 2 on this one: one batch, then join (the fake says all joined
    # only when the flag sums to zero, so the join's exchange happens once more).
    assert sum(n.startswith("DistributedPlainSGD.") and n.endswith(".grads") for n in names) >= 1
    assert "lamella.all_reduce_sum" in names


def test_a_saved_model_is_written_by_the_chief_only(fake8, tmp_path):
    model = toy_model()
    model.compile(model.optimizer, loss=mean_squared_error, distribute="horovod")
    with pytest.raises(Exception, match="fake"):   # the chief tries (no saver for .fake here)
        model.save(str(tmp_path / "m.fake"))
    fake8._rank = 1
    model.save(str(tmp_path / "m.fake"))           # another worker returns at once
    model.save_weights(str(tmp_path / "w.fake"))
    assert not list(tmp_path.iterdir())


def test_ddp_backend_argument_is_checked():
    with pytest.raises(ValueError, match=r"DDP\(backend=...\) must be None, 'gloo'"):
        DDP(backend="tcp")


def test_single_by_name(single_backend):
    model = toy_model()
    model.compile(model.optimizer, loss=mean_squared_error, distribute="single")
    assert isinstance(model.distribute_strategy, Single)
    model.fit(*toy_data(8), epochs=1, verbose=0)


def test_multi_gpu_model_keras_errors():
    model = toy_model()
    with pytest.raises(ValueError, match=r"call `multi_gpu_model` with `gpus >= 2`. Received: "
                                         r"`gpus=1`"):
        multi_gpu_model(model, gpus=1)
    with pytest.raises(ValueError, match=r"`len\(gpus\) >= 2`. Received: `gpus=\[0\]`"):
        multi_gpu_model(model, gpus=[0])
    many = torch.cuda.device_count() + 2
    with pytest.raises(ValueError, match=rf"To call `multi_gpu_model` with `gpus={many}`, we "
                                         rf"expect the following devices to be available: "
                                         rf".*However this machine only has: .*Try reducing"):
        multi_gpu_model(model, gpus=many)
    assert lamella.utils.multi_gpu_model is multi_gpu_model


def test_multi_gpu_model_with_a_strategy_is_refused(fake8):
    model = toy_model()
    model.compile(model.optimizer, loss=mean_squared_error, distribute="horovod")
    with pytest.raises(ValueError, match="cannot be combined with a multi-process distribution"):
        multi_gpu_model(model, gpus=2)
    assert isinstance(Backend(), Backend)


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two GPUs")
def test_multi_gpu_model_trains_and_saves_the_template(tmp_path):
    x, y = toy_data(64)
    template = toy_model()
    parallel = multi_gpu_model(template, gpus=2)
    parallel.compile(template.optimizer, loss=mean_squared_error)
    before = [w.copy() for w in template.get_weights()]
    parallel.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, template.get_weights()))
    np.testing.assert_allclose(parallel.predict(x), template.predict(x), atol=1e-5)


def test_ddp_refuses_a_horovod_style_optimizer(fake8):
    from lamella_distributed import DistributedOptimizer

    fake8.name = "torch"
    model = toy_model()
    model.optimizer = DistributedOptimizer(model.optimizer)
    with pytest.raises(ValueError, match="averages gradients itself; pass the plain optimizer"):
        DDP().setup(model)
