"""``DistributedOptimizer``: Horovod's name and arguments, for lamella's optimizers.

A lamella optimizer is not a ``torch.optim.Optimizer`` (it has Keras's ``build`` / ``step`` /
``get_config``), so Horovod's own wrapper cannot take it. :func:`DistributedOptimizer` returns
an optimizer of a subclass of the wrapped one's class, named like it (as ``horovod.keras``
does), whose ``step()`` first averages the gradients over every worker and then runs the
wrapped optimizer's step (clipping, learning rate, update). Saving a model therefore records
the wrapped optimizer's class name and config, exactly as Keras would.

The exchange is one fused collective per step holding every gradient and a count of the
workers that contributed: a worker whose data ran out (uneven shards) calls :meth:`join`,
which keeps taking part with zeros, and applies the same averaged update, until every worker
has joined. So all workers hold identical weights at the end of each epoch, and an average is
over the workers that had a batch.

Example::

    import lamella.distributed as hvd

    hvd.init()
    opt = hvd.DistributedOptimizer(lamella.optimizers.Adadelta(1.0 * hvd.size()))
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
"""

import torch

from lamella_distributed import backend as backends


class Compression:
    """Horovod's gradient compression choices: ``Compression.none`` and ``Compression.fp16``
    (gradients travel as float16, halving the bytes sent)."""

    class none:
        @staticmethod
        def compress(tensor):
            return tensor

        @staticmethod
        def decompress(tensor, dtype):
            return tensor

    class fp16:
        @staticmethod
        def compress(tensor):
            return tensor.to(torch.float16) if tensor.is_floating_point() else tensor

        @staticmethod
        def decompress(tensor, dtype):
            return tensor.to(dtype)


#: Horovod's reduction operations, by their Horovod names.
Average, Sum, Adasum = "average", "sum", "adasum"
_OPS = (Average, Sum)


class _Distributed:
    """The methods mixed into the wrapped optimizer's class (see the module docstring)."""

    _lamella_distributed = True

    def _init_distributed(self, compression, backward_passes_per_step, op,
                          gradient_predivide_factor, average_aggregated_gradients, backend):
        name = type(self).__name__
        if op == Adasum:
            raise ValueError(f"DistributedOptimizer({name}): op=Adasum needs Horovod's MPI "
                             f"Adasum path, which lamella's optimizer wrapper does not use; "
                             f"use op=Average (the default) or op=Sum.")
        if op not in _OPS:
            raise ValueError(f"DistributedOptimizer({name}): op must be Average or Sum, got "
                             f"{op!r}")
        if not (isinstance(backward_passes_per_step, int) and backward_passes_per_step >= 1):
            raise ValueError(f"DistributedOptimizer({name}): backward_passes_per_step must be a "
                             f"positive integer, got {backward_passes_per_step!r}")
        if gradient_predivide_factor <= 0:
            raise ValueError(f"DistributedOptimizer({name}): gradient_predivide_factor must be "
                             f"> 0, got {gradient_predivide_factor!r}")
        if gradient_predivide_factor != 1.0 and op != Average:
            raise ValueError(f"DistributedOptimizer({name}): gradient_predivide_factor is only "
                             f"supported with op=Average (as in Horovod)")
        if not (hasattr(compression, "compress") and hasattr(compression, "decompress")):
            raise ValueError(f"DistributedOptimizer({name}): compression must be "
                             f"Compression.none, Compression.fp16 or an object with "
                             f"compress/decompress, got {compression!r}")
        self._compression = compression
        self._passes_per_step = backward_passes_per_step
        self._op = op
        self._predivide = float(gradient_predivide_factor)
        self._average_aggregated = average_aggregated_gradients
        self._backend = backend
        self._passes = 0

    @property
    def distributed_backend(self):
        return self._backend if self._backend is not None else backends.current()

    def zero_grad(self):
        # Between the steps of a local accumulation the gradients keep adding up.
        if self._passes % self._passes_per_step == 0:
            super().zero_grad()

    @torch.no_grad()
    def step(self):
        if self._params is None:
            raise RuntimeError(f"{self.name}: step() before build(params); compile the model first")
        self._passes += 1
        if self._passes % self._passes_per_step:
            return  # gradients accumulate locally (backward_passes_per_step)
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self._params]
        if self._passes_per_step > 1 and self._average_aggregated:
            grads = [g / self._passes_per_step for g in grads]
        self._exchange(grads, active=True)

    @torch.no_grad()
    def join(self):
        """Take part in the other workers' remaining steps with zero gradients (this worker's
        data ran out), applying their averaged updates, until every worker has joined."""
        if self._params is None:
            return
        self._passes = 0
        while self._exchange([torch.zeros_like(p) for p in self._params], active=False):
            pass

    def _exchange(self, grads, active):
        """All-reduce ``grads`` with the active-worker count, then step with the result.
        Returns whether any worker contributed (False once all have joined)."""
        backend = self.distributed_backend
        device = grads[0].device if grads else torch.device("cpu")
        flag = torch.ones(1, device=device) if active else torch.zeros(1, device=device)
        scale = 1.0 / self._predivide if self._op == Average else 1.0
        flat = torch.cat([flag] + [g.reshape(-1).float() * scale for g in grads])
        wire = self._compression.compress(flat)
        backend.allreduce_(wire, op="sum", name="lamella.DistributedOptimizer.grads")
        flat = self._compression.decompress(wire, torch.float32)
        contributors = float(flat[0])
        if contributors < 0.5:
            return False
        if self._op == Average:
            flat = flat * (self._predivide / contributors)
        offset = 1
        for param in self._params:
            count = param.numel()
            param.grad = flat[offset:offset + count].view_as(param).to(param.dtype)
            offset += count
        super().step()
        self._passes = 0
        return True


_CLASSES = {}


def _distributed_class(cls):
    """The subclass of ``cls`` with the exchange mixed in, named like ``cls`` (so that saving
    records the wrapped optimizer's class name)."""
    if cls not in _CLASSES:
        _CLASSES[cls] = type(cls.__name__, (_Distributed, cls),
                             {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _CLASSES[cls]


def DistributedOptimizer(optimizer, name=None, device_dense="", device_sparse="",
                         compression=Compression.none, sparse_as_dense=False,
                         backward_passes_per_step=1, op=Average,
                         gradient_predivide_factor=1.0, average_aggregated_gradients=False,
                         num_groups=0, groups=None, backend=None):
    """Wrap a lamella ``optimizer`` so each step averages gradients over every worker first.

    Horovod's arguments: ``compression`` (``Compression.none`` / ``Compression.fp16``),
    ``backward_passes_per_step`` (accumulate that many batches locally before exchanging; with
    ``average_aggregated_gradients`` they are averaged, else summed, as in
    ``horovod.keras``), ``op`` (``Average`` or ``Sum``), ``gradient_predivide_factor`` (divide
    by it before the sum and by ``size / factor`` after). ``name``, ``device_dense``,
    ``device_sparse``, ``sparse_as_dense``, ``num_groups`` and ``groups`` are accepted for
    Horovod compatibility and change nothing: gradients are dense and always travel in one
    fused group. ``backend`` defaults to the one :func:`lamella.distributed.init` chose.

    The returned object is a new optimizer of the same class (state shared with ``optimizer``
    when it was already bound to a model).

    Example::

        opt = DistributedOptimizer(lamella.optimizers.SGD(0.01 * hvd.size()))
    """
    from lamella.base.optimizer import Optimizer

    if isinstance(optimizer, _Distributed):
        raise ValueError(f"DistributedOptimizer: {type(optimizer).__name__} is already a "
                         f"DistributedOptimizer")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"DistributedOptimizer expects a lamella optimizer (an instance of "
                        f"lamella.optimizers.Optimizer), got {type(optimizer).__name__}")
    wrapped = object.__new__(_distributed_class(type(optimizer)))
    wrapped.__dict__.update(optimizer.__dict__)
    wrapped._init_distributed(compression, backward_passes_per_step, op,
                              gradient_predivide_factor, average_aggregated_gradients, backend)
    return wrapped


def is_distributed(optimizer):
    """Whether ``optimizer`` came from :func:`DistributedOptimizer`."""
    return isinstance(optimizer, _Distributed)
