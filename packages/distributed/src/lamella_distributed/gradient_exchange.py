"""How a ``DistributedOptimizer``'s gradients travel between the workers.

:class:`OverlappedExchange` (Horovod, more than one worker) does what
``horovod.torch.DistributedOptimizer`` does: a hook on each weight starts that weight's
all-reduce (``allreduce_async_``) as soon as the backward pass has accumulated its gradient, so
the last layers' gradients travel while the backward pass still runs through the first layers,
and Horovod's background thread fuses the tensors that are ready together into one buffer.
``synchronize`` waits for them (and starts, with zeros, those of weights that got no gradient
here: another worker may have one, and Horovod matches collectives by name, so nobody waits
for a tensor that never comes). With ``backward_passes_per_step`` = k the hooks stay quiet
during the first k - 1 passes (the gradients add up locally) and fire on the k-th.

:class:`FusedExchange` (``torch.distributed``, whose collectives must be issued in the same
order everywhere; one process; ``overlap=False``) sends every gradient after the backward pass
in one collective.

Both send, with the gradients, a flag vector summed over the workers: entry 0 counts the
workers still training (a worker whose data ran out joins with zeros and a 0, so the average
is over those that had a batch, and an all-zero count ends :meth:`join`), entry ``1 + i``
counts the workers where weight ``i`` got a gradient (0 everywhere: the update leaves it
alone, as one process would).

Example (what ``DistributedOptimizer.step`` does)::

    exchange = OverlappedExchange(optimizer, backend)   # registers the hooks
    loss.backward()                                     # the all-reduces start in here
    exchange.synchronize(active=True)                   # param.grad: the sums, averaged
    exchange.reset()
"""

import torch


def _compress(compression, tensor):
    """``(wire, restore)``: the tensor to send and how to turn the result back. lamella's
    compressors return a tensor, ``horovod.torch``'s a ``(tensor, ctx)`` pair."""
    out = compression.compress(tensor)
    if isinstance(out, tuple):
        wire, ctx = out
        return wire, lambda result: compression.decompress(result, ctx)
    dtype = tensor.dtype
    return out, lambda result: compression.decompress(result, dtype)


class _Exchange:
    """What both ways share: the flags, and setting ``param.grad`` from the sums."""

    def __init__(self, optimizer, backend):
        self.optimizer = optimizer
        self.backend = backend
        self._result = None   # this step's: None until synchronized, then whether anyone trained

    def synchronize(self, active):
        """Exchange this step's gradients (once per step; ``active``: whether this worker
        trained). Returns whether any worker did (False once every worker has joined)."""
        if self._result is None:
            self._result = self._run(active)
        return self._result

    @property
    def synchronized(self):
        """Whether this step's gradients were exchanged (and the step has not ended)."""
        return self._result is not None

    def reset(self):
        """The step is over: the next :meth:`synchronize` exchanges again."""
        self._result = None

    def discard(self):
        """Drop what a failed step left (waiting for any exchange already started)."""
        self.reset()

    def close(self):
        """This exchange is replaced (the optimizer was built again)."""
        self.discard()

    def _flags(self, active):
        params = self.optimizer._params
        device = params[0].device if params else torch.device("cpu")
        values = [1.0 if active else 0.0]
        values += [1.0 if active and p.grad is not None else 0.0 for p in params]
        return torch.tensor(values, device=device)

    def _finish(self, counts, sums):
        """``param.grad`` from the summed gradients ``sums`` and flags ``counts``."""
        contributors = counts[0]
        if contributors < 0.5:
            return False
        optimizer = self.optimizer
        kept = []
        for param, had, grad in zip(optimizer._params, counts[1:], sums):
            if had < 0.5:
                param.grad = None       # no worker had a gradient for it: no update
                continue
            if grad.dtype != param.dtype:
                grad = grad.to(param.dtype)
            if grad is not param.grad:
                param.grad = grad.view_as(param)
            kept.append(param.grad)
        post = optimizer._postscale(contributors)
        if kept and post is not None and post != 1.0:
            torch._foreach_mul_(kept, post)
        return True


def _dense_grad(param, active):
    grad = param.grad if active else None
    if grad is None:
        return torch.zeros_like(param)
    return grad.to_dense() if grad.is_sparse else grad


class FusedExchange(_Exchange):
    """Every gradient, after the backward pass, in one all-reduce (with the flags)."""

    def _run(self, active):
        optimizer = self.optimizer
        params = optimizer._params
        flags = self._flags(active)
        grads = [_dense_grad(p, active) for p in params]
        flat = torch.cat([flags] + [g.reshape(-1).float() for g in grads])
        scale = optimizer._prescale
        if scale != 1.0:
            flat[len(flags):].mul_(scale)
        wire, restore = _compress(optimizer._compression, flat)
        self.backend.allreduce_(wire, op="sum", name=f"{optimizer._collective_name}.grads")
        flat = restore(wire)
        counts = flat[:len(flags)].tolist()
        sums, offset = [], len(flags)
        for param in params:
            sums.append(flat[offset:offset + param.numel()])
            offset += param.numel()
        return self._finish(counts, sums)


class OverlappedExchange(_Exchange):
    """One asynchronous all-reduce per weight, started by a hook when its gradient is ready
    (``backend.allreduce_async_``, matched across workers by name)."""

    def __init__(self, optimizer, backend):
        super().__init__(optimizer, backend)
        self._pending = {}   # weight index -> (handle, restore)
        self._hooks = [param.register_post_accumulate_grad_hook(self._hook(index))
                       for index, param in enumerate(optimizer._params) if param.requires_grad]

    def _hook(self, index):
        def hook(param):
            if not self.optimizer._exchanging_pass():
                return  # an accumulation pass: the gradient keeps adding up here
            if index in self._pending or self._result is not None:
                raise RuntimeError(
                    f"DistributedOptimizer({self.optimizer.name}): the gradient of weight "
                    f"{index} (shape {tuple(param.shape)}) was computed again before step(); "
                    f"run one backward pass per step, or set backward_passes_per_step to "
                    f"accumulate several.")
            self._start(index, param.grad)
        # Horovod's C++ calls cannot be traced: under jit_compile the hook runs eagerly rather
        # than making Dynamo break its graph (and warn) at each one.
        return torch.compiler.disable(hook)

    def _start(self, index, grad):
        optimizer = self.optimizer
        if grad.is_sparse:
            grad = grad.to_dense()
        wire, restore = _compress(optimizer._compression, grad)
        if not wire.is_contiguous():
            wire = wire.contiguous()  # Horovod reduces a contiguous buffer in place
        handle = self.backend.allreduce_async_(wire, f"{optimizer._collective_name}.{index}",
                                               prescale_factor=optimizer._prescale)
        self._pending[index] = (handle, restore)

    def _run(self, active):
        optimizer = self.optimizer
        params = optimizer._params
        flags = self._flags(active)
        for index, param in enumerate(params):
            if index not in self._pending:  # no gradient here (yet): send what there is
                self._start(index, _dense_grad(param, active))
        flag_handle = self.backend.allreduce_async_(flags, f"{optimizer._collective_name}.flags")
        sums = [None] * len(params)
        for index, (handle, restore) in self._pending.items():
            sums[index] = restore(self.backend.synchronize(handle))
        self._pending = {}
        counts = self.backend.synchronize(flag_handle).tolist()
        return self._finish(counts, sums)

    def discard(self):
        for handle, _ in self._pending.values():
            self.backend.synchronize(handle)
        self._pending = {}
        super().discard()

    def close(self):
        for hook in self._hooks:
            hook.remove()
        self._hooks = []
        super().close()
