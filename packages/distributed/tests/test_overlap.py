"""The overlapped gradient exchange (Horovod's asynchronous all-reduce started from gradient
hooks) against a fake 8-worker group: when each all-reduce starts, what it sends, and what the
update gets."""

import pytest
import torch

from lamella.testing import MomentumSGD, PlainSGD
from lamella_distributed import Compression, DistributedOptimizer, Sum
from lamella_distributed.backend import Backend


def _two_layers(optimizer):
    """y = w2 * tanh(w1 * x), with w1 first in the optimizer's list (as a model lists them)."""
    w1 = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
    w2 = torch.nn.Parameter(torch.tensor([2.0, 3.0]))
    optimizer.build([w1, w2])

    def loss():
        return (w2 * torch.tanh(w1 * torch.tensor([1.0, 2.0]))).sum()

    return w1, w2, loss


def _started(fake):
    return [c[1] for c in fake.calls if c[0] == "allreduce_async"]


def test_each_allreduce_starts_during_the_backward_pass_last_layer_first(fake8_async):
    fake8_async.peer_scale = lambda r: r + 1      # worker r's gradients are (r + 1) x these
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0))
    w1, w2, loss = _two_layers(opt)
    assert opt.overlaps
    expected = torch.autograd.grad(loss(), [w1, w2])
    opt.zero_grad()
    loss().backward()
    prefix = opt._collective_name
    # Both started inside backward(), w2's (nearer the loss) before w1's; nothing waited yet.
    assert _started(fake8_async) == [f"{prefix}.1", f"{prefix}.0"]
    assert not any(c[0] == "synchronize" for c in fake8_async.calls)
    before = [w1.detach().clone(), w2.detach().clone()]
    opt.step()
    assert _started(fake8_async)[-1] == f"{prefix}.flags"
    # 36 g summed, 36 contributions counted: the average is g.
    for param, start, grad in zip((w1, w2), before, expected):
        torch.testing.assert_close(param.detach(), start - grad)
    assert opt.iterations == 1


def test_a_weight_without_gradient_anywhere_is_left_alone(fake8_async):
    opt = DistributedOptimizer(MomentumSGD(learning_rate=0.1, momentum=0.9))
    used = torch.nn.Parameter(torch.ones(2))
    unused = torch.nn.Parameter(torch.ones(3))
    opt.build([used, unused])
    opt.zero_grad()
    (used * 2.0).sum().backward()
    opt.step()
    sent = {c[1]: c[2] for c in fake8_async.calls if c[0] == "allreduce_async"}
    prefix = opt._collective_name
    # The unused weight still takes part (with zeros: another worker might have a gradient).
    assert torch.equal(sent[f"{prefix}.1"], torch.zeros(3))
    assert torch.equal(sent[f"{prefix}.flags"], torch.tensor([1.0, 1.0, 0.0]))
    assert torch.equal(unused.detach(), torch.ones(3))
    assert unused.grad is None
    assert torch.allclose(used.detach(), torch.full((2,), 0.8))


def test_backward_passes_per_step_starts_the_exchange_on_the_last_pass(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), backward_passes_per_step=2,
                               op=Sum)
    param = torch.nn.Parameter(torch.zeros(1))
    opt.build([param])
    opt.zero_grad()
    (param * 2.0).sum().backward()
    opt.step()
    assert _started(fake8_async) == []            # the first pass accumulates locally
    opt.zero_grad()
    (param * 3.0).sum().backward()
    (name, sent), = [(c[1], c[2]) for c in fake8_async.calls if c[0] == "allreduce_async"]
    assert name.endswith(".0") and torch.equal(sent, torch.tensor([5.0]))
    opt.step()
    assert torch.allclose(param.detach(), torch.tensor([-40.0]))   # Sum: 8 x (2 + 3)


def test_averaged_aggregation_divides_before_the_sum(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), backward_passes_per_step=2,
                               average_aggregated_gradients=True, gradient_predivide_factor=2.0)
    param = torch.nn.Parameter(torch.zeros(1))
    opt.build([param])
    for factor in (2.0, 4.0):
        opt.zero_grad()
        (param * factor).sum().backward()
        opt.step()
    # (2 + 4) / 2 passes, averaged over 8 equal workers: 3.
    assert torch.allclose(param.detach(), torch.tensor([-3.0]))


def test_fp16_compression_sends_half_precision(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), compression=Compression.fp16)
    w1, w2, loss = _two_layers(opt)
    expected = torch.autograd.grad(loss(), [w1, w2])
    before = [w1.detach().clone(), w2.detach().clone()]
    opt.zero_grad()
    loss().backward()
    opt.step()
    sent = [c[2] for c in fake8_async.calls if c[0] == "allreduce_async"]
    assert [t.dtype for t in sent] == [torch.float16, torch.float16, torch.float32]  # + flags
    for param, start, grad in zip((w1, w2), before, expected):
        assert param.dtype == torch.float32
        torch.testing.assert_close(param.detach(), start - grad, atol=2e-3, rtol=0)


def test_horovod_torch_compressors_are_accepted(fake8_async):
    class Halves:  # horovod.torch's compressor interface: compress -> (tensor, ctx)
        @staticmethod
        def compress(tensor):
            return tensor.half(), tensor.dtype

        @staticmethod
        def decompress(tensor, ctx):
            return tensor.to(ctx)

    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), compression=Halves)
    param = torch.nn.Parameter(torch.zeros(2))
    opt.build([param])
    opt.zero_grad()
    (param * 2.0).sum().backward()
    opt.step()
    assert torch.equal(param.detach(), torch.full((2,), -2.0))


def test_a_second_backward_before_step_is_refused(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0))
    param = torch.nn.Parameter(torch.zeros(2))
    opt.build([param])
    opt.zero_grad()
    (param * 2.0).sum().backward()
    with pytest.raises(RuntimeError, match=r"PlainSGD.*weight 0 \(shape \(2,\)\) was computed "
                                           r"again before step\(\)"):
        (param * 2.0).sum().backward()


def test_zero_grad_after_a_failed_step_waits_for_what_was_started(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0))
    param = torch.nn.Parameter(torch.zeros(2))
    opt.build([param])
    opt.zero_grad()
    (param * 2.0).sum().backward()       # ... and the step never came (a failed jit step)
    opt.zero_grad()
    assert [c[0] for c in fake8_async.calls] == ["allreduce_async", "synchronize"]
    (param * 2.0).sum().backward()       # a new step exchanges normally
    opt.step()
    assert torch.equal(param.detach(), torch.full((2,), -2.0))


def test_join_takes_part_with_zeros_until_every_worker_has_joined(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0))
    param = torch.nn.Parameter(torch.zeros(2))
    opt.build([param])
    others = iter([(3.0, 3.0), (0.0, 0.0)])   # the others' summed flags: 3 training, then none
    sent = []

    def allreduce_async_(tensor, name, prescale_factor=1.0):
        sent.append((name, tensor.clone()))
        if name.endswith(".flags"):
            tensor.copy_(torch.tensor(next(others)))
        else:
            tensor.copy_(torch.tensor([3.0, 6.0]))   # the others' gradients, summed
        return tensor, 1.0

    fake8_async.allreduce_async_ = allreduce_async_
    fake8_async.synchronize = lambda handle: handle[0]
    opt.join()
    assert [torch.count_nonzero(t).item() for _, t in sent] == [0, 0, 0, 0]  # zeros, twice
    # One exchange with 3 contributors (their averaged update applied here too), then done.
    assert torch.allclose(param.detach(), -torch.tensor([1.0, 2.0]))
    assert param.grad is None


def test_one_worker_or_overlap_false_uses_the_fused_exchange(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), overlap=False)
    param = torch.nn.Parameter(torch.zeros(2))
    opt.build([param])
    assert not opt.overlaps
    (param * 2.0).sum().backward()
    assert _started(fake8_async) == []
    opt.step()
    assert [c[0] for c in fake8_async.calls] == ["allreduce"]

    class OneAsync(Backend):
        supports_async = True

    single = DistributedOptimizer(PlainSGD(), backend=OneAsync())   # a group of one
    single.build([torch.nn.Parameter(torch.zeros(1))])
    assert not single.overlaps


def test_building_again_moves_the_hooks_to_the_new_weights(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0))
    old = torch.nn.Parameter(torch.zeros(1))
    opt.build([old])
    new = torch.nn.Parameter(torch.zeros(1))
    opt.build([new])
    (old * 2.0).sum().backward()
    assert _started(fake8_async) == []
    (new * 2.0).sum().backward()
    assert len(_started(fake8_async)) == 1


def test_wrapping_a_built_optimizer_hooks_its_weights(fake8_async):
    inner = PlainSGD(learning_rate=1.0)
    param = torch.nn.Parameter(torch.zeros(1))
    inner.build([param])
    opt = DistributedOptimizer(inner)
    (param * 2.0).sum().backward()
    assert len(_started(fake8_async)) == 1
    opt.step()
    assert torch.equal(param.detach(), torch.tensor([-2.0]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(process_set=object()), "process_set must be Horovod's global_process_set"),
    (dict(name=3), "name must be a string"),
])
def test_bad_horovod_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DistributedOptimizer(PlainSGD(), **kwargs)


def test_synchronize_then_step_exchanges_once(fake8_async):
    """The training loop synchronizes before GradScaler unscales; step() then only updates."""
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), backward_passes_per_step=2,
                               op=Sum)
    param = torch.nn.Parameter(torch.zeros(1))
    opt.build([param])
    opt.zero_grad()
    (param * 1.0).sum().backward()
    opt.synchronize()                       # an accumulation pass: nothing travels
    assert fake8_async.calls == []
    opt.step()
    opt.zero_grad()
    (param * 1.0).sum().backward()
    opt.synchronize()
    assert torch.equal(param.grad, torch.tensor([16.0]))     # 8 workers x 2 passes, summed
    count = len(fake8_async.calls)
    opt.step()
    assert len(fake8_async.calls) == count
    assert torch.equal(param.detach(), torch.tensor([-16.0]))


def test_a_step_skipped_after_synchronize_starts_the_accumulation_over(fake8_async):
    opt = DistributedOptimizer(PlainSGD(learning_rate=1.0), backward_passes_per_step=2,
                               op=Sum)
    param = torch.nn.Parameter(torch.zeros(1))
    opt.build([param])
    for _ in range(2):
        opt.zero_grad()
        (param * 1.0).sum().backward()
        opt.synchronize()
        if opt._passes == 0:
            opt.step()
    # The second pass synchronized, then GradScaler skipped its step (an overflow).
    opt.zero_grad()
    assert param.grad is None and opt._passes == 0
    for _ in range(2):
        opt.zero_grad()
        (param * 1.0).sum().backward()
        opt.step()
    assert torch.equal(param.detach(), torch.tensor([-16.0]))   # one step: 8 x 2 passes
