"""``DistributedOptimizer``: Horovod's name and arguments, for lamella's optimizers.

A lamella optimizer is not a ``torch.optim.Optimizer`` (it has Keras's ``build`` / ``step`` /
``get_config``), so Horovod's own wrapper cannot take it. :func:`DistributedOptimizer` returns
an optimizer of a subclass of the wrapped one's class, named like it (as ``horovod.keras``
does), whose ``step()`` first averages the gradients over every worker and then runs the
wrapped optimizer's step (clipping, learning rate, update). Saving a model therefore records
the wrapped optimizer's class name and config, exactly as Keras would.

How the gradients travel (see :mod:`lamella_distributed.gradient_exchange`): under Horovod,
as ``horovod.torch.DistributedOptimizer`` does, each weight's all-reduce starts from a
gradient hook as soon as the backward pass has produced that gradient, so the exchange of the
last layers' gradients overlaps the backward pass through the first layers; ``step()`` waits
for them. Elsewhere (``torch.distributed``, whose collectives must be issued in the same order
on every worker; or ``overlap=False``) the gradients travel after the backward pass, in one
fused collective.

Either way a small vector of flags travels with the gradients: whether the worker is still
training, and which weights got a gradient there. A worker whose data ran out (uneven shards)
calls :meth:`join`, which keeps taking part with zeros, and applies the same averaged update,
until every worker has joined; so all workers hold identical weights at the end of each epoch,
and an average is over the workers that had a batch. A weight that got no gradient on any
worker (an unused branch) is left alone by the update, as in one process.

Example::

    import lamella.distributed as hvd

    hvd.init()
    opt = hvd.DistributedOptimizer(lamella.optimizers.Adadelta(1.0 * hvd.size()))
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
"""

import itertools

import torch

from lamella_distributed import backend as backends
from lamella_distributed import gradient_exchange


class Compression:
    """Horovod's gradient compression choices: ``Compression.none`` and ``Compression.fp16``
    (gradients travel as float16, halving the bytes sent). ``horovod.torch``'s compressors
    (``compress`` returning ``(tensor, ctx)``) are accepted too."""

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

#: Numbers the distributed optimizers of a process, so two of them (a GAN's) never share
#: collective names; every worker runs the same script, so the numbers agree across workers.
_INSTANCES = itertools.count()


class _Distributed:
    """The methods mixed into the wrapped optimizer's class (see the module docstring)."""

    _lamella_distributed = True

    def _init_distributed(self, compression, backward_passes_per_step, op,
                          gradient_predivide_factor, average_aggregated_gradients, backend,
                          overlap=True, name=None):
        label = type(self).__name__
        if op == Adasum:
            raise ValueError(f"DistributedOptimizer({label}): op=Adasum needs Horovod's MPI "
                             f"Adasum path, which lamella's optimizer wrapper does not use; "
                             f"use op=Average (the default) or op=Sum.")
        if op not in _OPS:
            raise ValueError(f"DistributedOptimizer({label}): op must be Average or Sum, got "
                             f"{op!r}")
        if not (isinstance(backward_passes_per_step, int) and backward_passes_per_step >= 1):
            raise ValueError(f"DistributedOptimizer({label}): backward_passes_per_step must be a "
                             f"positive integer, got {backward_passes_per_step!r}")
        if gradient_predivide_factor <= 0:
            raise ValueError(f"DistributedOptimizer({label}): gradient_predivide_factor must be "
                             f"> 0, got {gradient_predivide_factor!r}")
        if gradient_predivide_factor != 1.0 and op != Average:
            raise ValueError(f"DistributedOptimizer({label}): gradient_predivide_factor is only "
                             f"supported with op=Average (as in Horovod)")
        if not (hasattr(compression, "compress") and hasattr(compression, "decompress")):
            raise ValueError(f"DistributedOptimizer({label}): compression must be "
                             f"Compression.none, Compression.fp16 or an object with "
                             f"compress/decompress, got {compression!r}")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"DistributedOptimizer({label}): name must be a string, got "
                             f"{name!r}")
        self._compression = compression
        self._passes_per_step = backward_passes_per_step
        self._op = op
        self._predivide = float(gradient_predivide_factor)
        self._average_aggregated = average_aggregated_gradients
        self._backend = backend
        self._overlap = bool(overlap)
        self._passes = 0
        # Horovod's ``name``: the prefix of this optimizer's collectives.
        self._collective_name = f"{name or 'Distributed' + label}.{next(_INSTANCES)}"
        self._exchange = None
        if self._params is not None:  # wrapped after compile bound it (the strategy's case)
            self._start_exchange()

    @property
    def distributed_backend(self):
        return self._backend if self._backend is not None else backends.current()

    @property
    def overlaps(self):
        """Whether gradients start travelling during the backward pass (Horovod, more than one
        worker, ``overlap=True``) rather than after it."""
        return isinstance(self._exchange, gradient_exchange.OverlappedExchange)

    def build(self, params):
        super().build(params)
        self._start_exchange()
        return self

    def _start_exchange(self):
        if self._exchange is not None:
            self._exchange.close()   # compiled again: the hooks go on the new weights
        backend = self.distributed_backend
        overlapped = self._overlap and backend.supports_async and backend.size() > 1
        kind = (gradient_exchange.OverlappedExchange if overlapped
                else gradient_exchange.FusedExchange)
        self._exchange = kind(self, backend)

    # --- what the exchanges read -----------------------------------------------------------

    @property
    def _prescale(self):
        """What each gradient is multiplied by before the sum: Horovod's predivide, and the
        accumulated passes when they are averaged."""
        scale = 1.0 / self._predivide if self._op == Average else 1.0
        if self._passes_per_step > 1 and self._average_aggregated:
            scale /= self._passes_per_step
        return scale

    def _postscale(self, contributors):
        """What the sum is multiplied by afterwards (``None``: nothing)."""
        if self._op != Average:
            return None
        return self._predivide / contributors

    def _exchanging_pass(self):
        """Whether the backward pass now running is the last of a step (the one whose
        gradients are exchanged), as opposed to a local accumulation pass."""
        return (self._passes + 1) % self._passes_per_step == 0

    # --- the training loop's calls ---------------------------------------------------------

    def zero_grad(self):
        if self._exchange is not None and self._exchange.synchronized:
            # Synchronized, but the step never came (GradScaler skipped it: a gradient
            # overflowed, on every worker alike): the accumulation starts over.
            self._passes = 0
        # Between the steps of a local accumulation the gradients keep adding up.
        if self._passes % self._passes_per_step == 0:
            if self._exchange is not None:
                self._exchange.discard()  # a step that failed after its backward pass
            super().zero_grad()

    @torch.no_grad()
    def synchronize(self):
        """Wait until this step's gradients are averaged over every worker (``param.grad``
        then holds the averages); ``step()`` does it when not done before. Horovod's
        ``optimizer.synchronize()``, for code that must read the averaged gradients before
        the update: the training loop calls it before ``GradScaler`` unscales them (so no
        all-reduce is still writing them, and every worker sees the same overflow)."""
        if self._params is None:
            raise RuntimeError(f"{self.name}: synchronize() before build(params); compile the "
                               f"model first")
        if self._exchanging_pass():  # else a local accumulation pass: nothing travels yet
            self._exchange.synchronize(active=True)

    @torch.no_grad()
    def step(self):
        if self._params is None:
            raise RuntimeError(f"{self.name}: step() before build(params); compile the model first")
        self._passes += 1
        if self._passes % self._passes_per_step:
            return  # gradients accumulate locally (backward_passes_per_step)
        self._exchange.synchronize(active=True)
        self._exchange.reset()
        super().step()
        self._passes = 0

    @torch.no_grad()
    def join(self):
        """Take part in the other workers' remaining steps with zero gradients (this worker's
        data ran out), applying their averaged updates, until every worker has joined."""
        if self._params is None:
            return
        self._passes = 0
        self._exchange.discard()
        while True:
            for param in self._params:
                param.grad = None
            if not self._exchange.synchronize(active=False):
                break
            self._exchange.reset()
            super().step()
        self._exchange.reset()
        for param in self._params:
            param.grad = None


_CLASSES = {}


def _distributed_class(cls):
    """The subclass of ``cls`` with the exchange mixed in, named like ``cls`` (so that saving
    records the wrapped optimizer's class name)."""
    if cls not in _CLASSES:
        _CLASSES[cls] = type(cls.__name__, (_Distributed, cls),
                             {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _CLASSES[cls]


def _check_process_set(process_set):
    """Horovod's ``process_set``: only the global one (every worker) exists here."""
    if process_set is None:
        return
    if type(process_set).__name__ == "ProcessSet" and getattr(process_set, "process_set_id",
                                                              None) == 0:
        return  # horovod's global_process_set
    raise ValueError(f"DistributedOptimizer: process_set must be Horovod's global_process_set "
                     f"(lamella trains on every worker), got {process_set!r}")


def DistributedOptimizer(optimizer, name=None, device_dense="", device_sparse="",
                         compression=Compression.none, sparse_as_dense=False,
                         backward_passes_per_step=1, op=Average,
                         gradient_predivide_factor=1.0, average_aggregated_gradients=False,
                         num_groups=0, groups=None, process_set=None,
                         scale_local_gradients=True, backend=None, overlap=True):
    """Wrap a lamella ``optimizer`` so each step averages gradients over every worker first.

    ``horovod.tensorflow.keras``'s arguments: ``compression`` (``Compression.none`` /
    ``Compression.fp16``, or ``horovod.torch``'s), ``backward_passes_per_step`` (accumulate
    that many batches locally before exchanging; with ``average_aggregated_gradients`` they
    are averaged, else summed, as in ``horovod.keras``), ``op`` (``Average`` or ``Sum``),
    ``gradient_predivide_factor`` (divide by it before the sum and by ``size / factor``
    after), ``name`` (the prefix of the collectives' names; default ``Distributed`` + the
    optimizer's class). Sparse gradients travel dense (what ``sparse_as_dense=True`` asks).
    ``device_dense``, ``device_sparse`` (tensors stay on their weights' device),
    ``num_groups`` and ``groups`` (each weight travels as soon as its gradient is ready,
    Horovod's fusion buffer batching those ready together), ``process_set`` (only the global
    one) and ``scale_local_gradients`` (lamella has no local variables) change nothing.

    lamella's own: ``backend`` (default: the one :func:`lamella.distributed.init` chose) and
    ``overlap`` (default ``True``: under Horovod each gradient's all-reduce starts during the
    backward pass; ``False`` sends them all after it, in one collective).

    The returned object is a new optimizer of the same class (state shared with ``optimizer``
    when it was already bound to a model).

    Example::

        opt = DistributedOptimizer(lamella.optimizers.SGD(0.01 * hvd.size()),
                                   compression=hvd.Compression.fp16)
    """
    from lamella.base.optimizer import Optimizer

    if isinstance(optimizer, _Distributed):
        raise ValueError(f"DistributedOptimizer: {type(optimizer).__name__} is already a "
                         f"DistributedOptimizer")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"DistributedOptimizer expects a lamella optimizer (an instance of "
                        f"lamella.optimizers.Optimizer), got {type(optimizer).__name__}")
    _check_process_set(process_set)
    wrapped = object.__new__(_distributed_class(type(optimizer)))
    wrapped.__dict__.update(optimizer.__dict__)
    wrapped._init_distributed(compression, backward_passes_per_step, op,
                              gradient_predivide_factor, average_aggregated_gradients, backend,
                              overlap=overlap, name=name)
    return wrapped


def is_distributed(optimizer):
    """Whether ``optimizer`` came from :func:`DistributedOptimizer`."""
    return isinstance(optimizer, _Distributed)
