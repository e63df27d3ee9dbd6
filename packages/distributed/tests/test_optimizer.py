"""DistributedOptimizer's maths against a fake 8-worker group, and that it saves as the
optimizer it wraps."""

import numpy as np
import pytest
import torch

from lamella.plugins import lookup
from lamella.testing import MomentumSGD, PlainSGD, mean_squared_error, toy_data, toy_model
from lamella_distributed import Average, Compression, DistributedOptimizer, Sum
from lamella_distributed.optimizer import is_distributed


def _bound(optimizer, values=(1.0, 2.0)):
    param = torch.nn.Parameter(torch.zeros(len(values)))
    optimizer.build([param])
    param.grad = torch.tensor(values)
    return param


def test_average_divides_the_sum_by_the_workers_that_contributed(fake8):
    fake8.peer_scale = lambda r: r + 1          # worker r's gradient is (r + 1) x this one's
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0))
    param = _bound(opt)
    opt.step()
    # The gradients sum to 36 g; the contributor flag travels in the same buffer and sums to
    # 36 too, so the average is the mean over contributions: g.
    assert torch.allclose(param.detach(), -torch.tensor([1.0, 2.0]))
    assert opt.iterations == 1


def test_average_over_eight_equal_workers_and_predivide(fake8):
    opt = DistributedOptimizer(PlainSGD(learning_rate=0.5), gradient_predivide_factor=4.0)
    param = _bound(opt, (8.0, -8.0))
    opt.step()
    # 8 equal gradients averaged = g, however the division is split (1/4 before, 4/8 after).
    assert torch.allclose(param.detach(), torch.tensor([-4.0, 4.0]))
    (kind, name, sent), = [c for c in fake8.calls if c[0] == "allreduce"]
    assert name.startswith("DistributedPlainSGD.") and name.endswith(".grads")
    # The flags (training, had a gradient), then g / 4.
    assert torch.allclose(sent, torch.tensor([1.0, 1.0, 2.0, -2.0]))


def test_sum_adds_the_gradients(fake8):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), op=Sum)
    param = _bound(opt)
    opt.step()
    assert torch.allclose(param.detach(), -8 * torch.tensor([1.0, 2.0]))


def test_fp16_compression_sends_half_precision(fake8):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), compression=Compression.fp16)
    param = _bound(opt, (1.0 / 3, 2.0))
    opt.step()
    (_, _, sent), = [c for c in fake8.calls if c[0] == "allreduce"]
    assert sent.dtype == torch.float16
    assert param.dtype == torch.float32
    assert torch.allclose(param.detach(), -torch.tensor([1.0 / 3, 2.0]), atol=1e-3)


def test_backward_passes_per_step_accumulates_locally(fake8):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), backward_passes_per_step=3)
    param = torch.nn.Parameter(torch.zeros(1))
    opt.build([param])
    for _ in range(3):
        opt.zero_grad()                          # kept between the passes of one step
        (param * 2.0).sum().backward()
        opt.step()
    assert len([c for c in fake8.calls if c[0] == "allreduce"]) == 1
    assert torch.allclose(param.detach(), torch.tensor([-6.0]))     # summed, as horovod.keras
    opt.zero_grad()
    assert param.grad is None                    # a new step starts from zero


def test_averaged_aggregation(fake8):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), backward_passes_per_step=2,
                               average_aggregated_gradients=True)
    param = torch.nn.Parameter(torch.zeros(1))
    opt.build([param])
    for _ in range(2):
        opt.zero_grad()
        (param * 2.0).sum().backward()
        opt.step()
    assert torch.allclose(param.detach(), torch.tensor([-2.0]))


def test_join_takes_part_until_every_worker_has_joined(fake8):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0))
    param = _bound(opt)
    script = iter([3.0, 0.0])        # the summed flag the others send: 3 still active, then none
    base = fake8.allreduce_

    def allreduce_(tensor, op="sum", name=None):
        tensor = base(tensor, op, name)
        tensor[0] = tensor[1] = next(script)          # workers training; had a gradient
        tensor[2:] = torch.tensor([3.0, 6.0])
        return tensor

    fake8.allreduce_ = allreduce_
    opt.join()
    # One exchange with 3 contributors (the averaged update applied here too), then done.
    assert torch.allclose(param.detach(), -torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(op="adasum"), "op=Adasum needs Horovod's MPI"),
    (dict(op="max"), "op must be Average or Sum"),
    (dict(backward_passes_per_step=0), "backward_passes_per_step must be a positive integer"),
    (dict(gradient_predivide_factor=0), "gradient_predivide_factor must be > 0"),
    (dict(gradient_predivide_factor=2.0, op=Sum), "only supported with op=Average"),
    (dict(compression="fp16"), "compression must be Compression.none, Compression.fp16"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DistributedOptimizer(PlainSGD(), **kwargs)


def test_it_wraps_lamella_optimizers_only_once():
    with pytest.raises(TypeError, match="expects a lamella optimizer.*got SGD"):
        DistributedOptimizer(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1))
    with pytest.raises(ValueError, match="already a DistributedOptimizer"):
        DistributedOptimizer(DistributedOptimizer(PlainSGD()))


def test_it_saves_as_the_optimizer_it_wraps(single_backend):
    inner = MomentumSGD(learning_rate=0.05, momentum=0.9, clipnorm=1.0)
    opt = DistributedOptimizer(inner, op=Average)
    assert isinstance(opt, MomentumSGD) and is_distributed(opt)
    assert type(opt).__name__ == "MomentumSGD"
    assert lookup.registered_name("optimizers", opt) == "MomentumSGD"
    assert opt.get_config() == inner.get_config()
    model = toy_model()
    model.compile(opt, loss=mean_squared_error)
    model.fit(*toy_data(), epochs=1, verbose=0)
    state = opt.get_weights()
    fresh = MomentumSGD.from_config(opt.get_config())
    fresh.build(list(model.parameters()))
    fresh.set_weights(state)
    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), state))


def test_one_process_training_is_unchanged(single_backend):
    x, y = toy_data()
    plain, wrapped = toy_model(), toy_model()
    wrapped.compile(DistributedOptimizer(PlainSGD(0.05)), loss=mean_squared_error)
    plain.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    wrapped.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(plain.get_weights(), wrapped.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)
