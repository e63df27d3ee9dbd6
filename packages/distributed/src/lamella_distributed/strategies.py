"""The ``compile(distribute=...)`` strategies: ``'horovod'``, ``'ddp'`` and ``'single'``.

Both multi-process strategies shard the data the same way: in-memory samples by stride
(worker ``r`` of ``n`` takes samples ``r, r + n, r + 2n, ...``, so with ``shuffle=False`` the
workers' batches ``k`` together are exactly one process's batch ``k`` of ``n`` times the size),
batches of generators, ``Sequence`` objects and loaders round-robin. ``batch_size`` is per
worker. A worker whose shard runs out first keeps joining the others' gradient exchanges
until all are done (no hang), and the epoch ends with identical weights everywhere.

Example::

    model.compile("sgd", "mse", distribute="horovod")          # under horovodrun
    model.compile("sgd", "mse", distribute=DDP(find_unused_parameters=True))  # under torchrun
"""

import contextlib

import numpy as np
import torch

from lamella.engine.distribution import Strategy
from lamella_distributed import backend as backends
from lamella_distributed.optimizer import Average, Compression, DistributedOptimizer, is_distributed

#: Callbacks that write files or send data; under a strategy only the chief runs them.
CHIEF_ONLY_CALLBACKS = ("ModelCheckpoint", "CSVLogger", "TensorBoard", "RemoteMonitor")


class _MultiProcess(Strategy):
    """What the Horovod and DDP strategies share: ranks, sharding, reductions, gathering."""

    backend_name = None

    def __init__(self):
        self._backend = backends.init(self.backend_name)

    @property
    def backend(self):
        return self._backend

    @property
    def is_chief(self):
        return self._backend.rank() == 0

    @property
    def world_size(self):
        return self._backend.size()

    @property
    def rank(self):
        return self._backend.rank()

    def device(self, requested):
        # One process per GPU: each takes its local-rank GPU; CPU training stays on the CPU.
        if requested is not None and torch.device(requested).type == "cuda":
            return torch.device("cuda", self._backend.local_rank() % torch.cuda.device_count())
        return requested

    def shard_samples(self, n):
        return range(self.rank, n, self.world_size)

    def shard_batches(self, batches):
        rank, size = self.rank, self.world_size
        for index, batch in enumerate(batches):
            if index % size == rank:
                yield batch

    def all_reduce_sum(self, values):
        if not values:
            return values
        flat = torch.cat([v.detach().reshape(-1).double() for v in values])
        self._backend.allreduce_(flat, op="sum", name="lamella.all_reduce_sum")
        out, offset = [], 0
        for v in values:
            out.append(flat[offset:offset + v.numel()].view_as(v).to(v.dtype))
            offset += v.numel()
        return out

    def gather_batches(self, collected):
        """``predict``: every worker's batch outputs (taken round-robin) back in order, on every
        worker. ``collected`` is one list of batch tensors per model output."""
        mine = [[t.cpu().numpy() for t in parts] for parts in collected or []]
        everyone = self._backend.allgather_object(mine)
        outputs = max((len(o) for o in everyone), default=0)
        if outputs == 0:
            return None
        merged = []
        for out in range(outputs):
            per_rank = [o[out] if o else [] for o in everyone]
            batches = sum(len(p) for p in per_rank)
            merged.append([torch.from_numpy(np.ascontiguousarray(per_rank[i % self.world_size]
                                                                 [i // self.world_size]))
                           for i in range(batches)])
        return merged

    def callbacks(self, callbacks):
        """The callbacks this worker runs: writers (checkpoints, CSV, TensorBoard) on the chief
        only."""
        if self.is_chief:
            return callbacks
        return [c for c in callbacks if not _writes(c)]

    def _broadcast_model(self, model, root_rank=0):
        broadcast_model_state(model, root_rank, self._backend)


def _writes(callback):
    names = {cls.__name__ for cls in type(callback).__mro__}
    return bool(names & {*CHIEF_ONLY_CALLBACKS, "BestModelCheckpoint"})


def broadcast_model_state(model, root_rank=0, backend=None):
    """Copy ``root_rank``'s weights (trainable or not, and buffers) and optimizer state to every
    worker."""
    backend = backend or backends.current()
    with torch.no_grad():
        for index, tensor in enumerate(list(model.parameters()) + list(model.buffers())):
            backend.broadcast_(tensor.data, root_rank, name=f"lamella.weights.{index}")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        state = backend.broadcast_object(
            optimizer.get_weights() if backend.rank() == root_rank else None, root_rank)
        optimizer.set_weights(state)


class Horovod(_MultiProcess):
    """Horovod data parallelism (launch with ``horovodrun``).

    ``setup`` wraps the compiled optimizer in :func:`DistributedOptimizer` (Horovod's
    arguments below, and ``overlap``: each gradient's all-reduce starts during the backward
    pass, as soon as it is ready) and broadcasts the weights and optimizer state from rank 0.

    Example::

        model.compile(Adam(0.001 * hvd.size()), "categorical_crossentropy",
                      distribute=Horovod(compression=Compression.fp16))
    """

    name = "horovod"
    backend_name = "horovod"

    def __init__(self, compression=Compression.none, backward_passes_per_step=1, op=Average,
                 gradient_predivide_factor=1.0, overlap=True):
        self.options = dict(compression=compression,
                            backward_passes_per_step=backward_passes_per_step, op=op,
                            gradient_predivide_factor=gradient_predivide_factor, overlap=overlap)
        super().__init__()

    def setup(self, model):
        if not is_distributed(model.optimizer):
            model.optimizer = DistributedOptimizer(model.optimizer, backend=self._backend,
                                                   **self.options)
        self._broadcast_model(model)

    def train_epoch(self, model, batches):
        yield from batches
        # This worker's shard is done: take part in the others' last steps (uneven shards).
        model.optimizer.join()


class DDP(_MultiProcess):
    """``torch.nn.parallel.DistributedDataParallel`` (launch with ``torchrun``): gloo on CPU,
    NCCL on GPU, each process on its ``local_rank`` GPU.

    The model stays a plain module for the user (``model.save`` saves its own weights); only
    the training forward pass goes through the DDP wrapper, whose backward hooks average the
    gradients while the backward pass runs.

    Example::

        model.compile("sgd", "mse", distribute=DDP(find_unused_parameters=True))
    """

    name = "ddp"
    backend_name = "torch"

    def __init__(self, backend=None, find_unused_parameters=False):
        if backend not in (None, "gloo", "nccl", "mpi"):
            raise ValueError(f"DDP(backend=...) must be None, 'gloo', 'nccl' or 'mpi', got "
                             f"{backend!r}")
        if backend is not None and backends._current is None:
            backends._set_current(backends.TorchBackend(backend))
        self.find_unused_parameters = bool(find_unused_parameters)
        self._ddp = None
        super().__init__()

    def setup(self, model):
        if is_distributed(model.optimizer):
            raise ValueError("compile(distribute='ddp'): the optimizer is a Horovod-style "
                             "DistributedOptimizer, which averages gradients itself; pass the "
                             "plain optimizer (DDP averages them) or use distribute='horovod'.")
        device = next(iter(model.parameters()), torch.empty(0)).device
        self._ddp = torch.nn.parallel.DistributedDataParallel(
            _Forward(model), device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=self.find_unused_parameters, forward_sync_buffers=False)
        # DDP broadcast the parameters at construction; the optimizer state goes too.
        optimizer = model.optimizer
        state = self._backend.broadcast_object(
            optimizer.get_weights() if self.is_chief else None, 0)
        optimizer.set_weights(state)

    def forward(self, model, inputs):
        if self._ddp is not None and torch.is_grad_enabled() and model.training:
            return self._ddp(inputs)
        return model._outputs_and_masks(inputs)

    def train_epoch(self, model, batches):
        from torch.distributed.algorithms.join import Join

        context = Join([self._ddp]) if self._ddp is not None else contextlib.nullcontext()
        with context:
            yield from batches


class _Forward(torch.nn.Module):
    """What DDP wraps: the model's training forward pass (outputs and masks)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, inputs):
        return self.model._outputs_and_masks(inputs)


class Single(Strategy):
    """One process (what ``compile`` uses without ``distribute``), by name: ``'single'``."""

    name = "single"
