"""Which process group this process belongs to, and the collectives lamella needs from it.

``init(backend='auto')`` picks Horovod when the process was started by ``horovodrun``,
``torch.distributed`` when it was started by ``torchrun`` (or a process group already exists),
and a single process otherwise. Everything else in lamella_distributed (the strategies, the
distributed optimizer, Horovod's Keras callbacks) talks to the chosen :class:`Backend`, so one
script runs unchanged under either launcher.

Example::

    import lamella.distributed as dist

    dist.init()                      # reads the launcher's environment variables
    if dist.is_chief():
        print(f"training on {dist.size()} processes")
    total = dist.allreduce(torch.tensor([1.0]), op="sum")   # == size()
"""

import atexit
import datetime
import os
import pickle

import numpy as np
import torch

#: Seconds a collective waits for the other workers before failing (torch's process-group
#: timeout, Horovod's Gloo timeout): a dead worker makes the others fail instead of hanging.
DEFAULT_TIMEOUT = 300

HOROVOD_HINT = ("Horovod is not installed: `pip install lamella-distributed[horovod]` (it compiles "
                "Horovod 0.28.1; with torch >= 2.1 use the repository's `tools/build-horovod`, "
                "which applies the C++17 fix and caches the wheel).")

_BACKENDS = ("auto", "horovod", "torch", "ddp", "single")


def timeout_seconds():
    """``LAMELLA_DIST_TIMEOUT`` (seconds), else :data:`DEFAULT_TIMEOUT`."""
    value = os.environ.get("LAMELLA_DIST_TIMEOUT", str(DEFAULT_TIMEOUT))
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if seconds <= 0:
        raise ValueError(f"LAMELLA_DIST_TIMEOUT must be a positive number of seconds, got "
                         f"{value!r}")
    return seconds


def detect(environ=None):
    """The backend the launcher asks for: ``'horovod'``, ``'torch'`` or ``'single'``.

    ``horovodrun`` sets ``HOROVOD_RANK`` (Gloo) or runs under MPI with ``HOROVOD_*`` settings;
    ``torchrun`` sets ``TORCHELASTIC_RUN_ID`` and ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``.
    """
    env = os.environ if environ is None else environ
    if "HOROVOD_RANK" in env or "HOROVOD_GLOO_RENDEZVOUS_ADDR" in env:
        return "horovod"
    if "TORCHELASTIC_RUN_ID" in env or all(k in env for k in ("RANK", "WORLD_SIZE",
                                                                "MASTER_ADDR")):
        return "torch"
    if environ is None and torch.distributed.is_available() and torch.distributed.is_initialized():
        return "torch"
    return "single"


class Backend:
    """One process (the default): every collective returns its input."""

    name = "single"

    #: Whether :meth:`allreduce_async_` exists: an all-reduce that starts now, completes in the
    #: background and is matched across workers by ``name`` rather than by call order (so each
    #: worker may start its gradients' exchanges in whatever order its backward pass produces
    #: them). Horovod has one; ``torch.distributed`` matches collectives by order only.
    supports_async = False

    def rank(self):
        return 0

    def size(self):
        return 1

    def local_rank(self):
        return 0

    def local_size(self):
        return 1

    def barrier(self):
        pass

    def allreduce_(self, tensor, op="sum", name=None):
        """Reduce ``tensor`` in place across workers (``op``: ``'sum'`` or ``'average'``)."""
        _check_op(op)
        return tensor

    def broadcast_(self, tensor, root_rank=0, name=None):
        """Overwrite ``tensor`` in place with ``root_rank``'s value."""
        return tensor

    def allgather_object(self, obj):
        """Every worker's ``obj`` (picklable), in rank order."""
        return [obj]

    def broadcast_object(self, obj, root_rank=0):
        """``root_rank``'s ``obj`` on every worker."""
        return obj


class HorovodBackend(Backend):
    """Collectives through ``horovod.torch`` (started by ``horovodrun``)."""

    name = "horovod"

    def __init__(self):
        # Horovod's own stall check and Gloo timeout; set before hvd.init() reads them.
        os.environ.setdefault("HOROVOD_GLOO_TIMEOUT_SECONDS", str(int(timeout_seconds())))
        self.hvd = import_horovod()
        self.hvd.init()

    def rank(self):
        return self.hvd.rank()

    def size(self):
        return self.hvd.size()

    def local_rank(self):
        return self.hvd.local_rank()

    def local_size(self):
        return self.hvd.local_size()

    def barrier(self):
        self.hvd.barrier()

    def allreduce_(self, tensor, op="sum", name=None):
        hvd_op = {"sum": self.hvd.Sum, "average": self.hvd.Average}[_check_op(op)]
        return self.hvd.allreduce_(tensor, op=hvd_op, name=name)

    def broadcast_(self, tensor, root_rank=0, name=None):
        return self.hvd.broadcast_(tensor, root_rank, name=name)

    supports_async = True

    def allreduce_async_(self, tensor, name, prescale_factor=1.0):
        """Start summing ``tensor`` in place across workers (times ``prescale_factor`` first);
        returns a handle for :meth:`synchronize`."""
        return self.hvd.allreduce_async_(tensor, name=name, op=self.hvd.Sum,
                                         prescale_factor=prescale_factor)

    def synchronize(self, handle):
        """Wait for an :meth:`allreduce_async_`; returns the reduced tensor."""
        return self.hvd.synchronize(handle)

    # Horovod names an object collective after the object's type unless told otherwise; the
    # workers' objects differ (None on all but the root), so name them the same everywhere.
    def allgather_object(self, obj):
        return self.hvd.allgather_object(obj, name="lamella.allgather_object")

    def broadcast_object(self, obj, root_rank=0):
        return self.hvd.broadcast_object(obj, root_rank, name="lamella.broadcast_object")


def _destroy_process_group(dist):
    if dist.is_initialized():
        dist.destroy_process_group()


class TorchBackend(Backend):
    """Collectives through ``torch.distributed`` (started by ``torchrun``): gloo on CPU, NCCL
    when CUDA is visible."""

    name = "torch"

    def __init__(self, backend=None):
        dist = torch.distributed
        if not dist.is_available():
            raise RuntimeError("lamella.distributed: this torch build has no torch.distributed")
        if not dist.is_initialized():
            missing = [k for k in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE")
                       if k not in os.environ]
            if missing:
                raise RuntimeError(
                    f"lamella.distributed: the torch.distributed backend ('ddp') needs the "
                    f"process group's environment ({', '.join(missing)} not set): launch with "
                    f"`torchrun --nproc_per_node N script.py`, or create the process group "
                    f"(torch.distributed.init_process_group) before compile.")
            if backend is None:
                backend = "nccl" if torch.cuda.is_available() else "gloo"
            dist.init_process_group(
                backend=backend, timeout=datetime.timedelta(seconds=timeout_seconds()))
            # A process group nobody destroys is torn down during interpreter finalisation,
            # where Gloo's worker threads may still hold work with Python references: the
            # process then aborts ("terminate called without an active exception", exit
            # -6) after a run that succeeded. The group lamella made, lamella destroys.
            atexit.register(_destroy_process_group, dist)
        self.dist = dist
        self.process_backend = dist.get_backend()

    def rank(self):
        return self.dist.get_rank()

    def size(self):
        return self.dist.get_world_size()

    def local_rank(self):
        return int(os.environ.get("LOCAL_RANK", self.rank()))

    def local_size(self):
        return int(os.environ.get("LOCAL_WORLD_SIZE", self.size()))

    def barrier(self):
        self.dist.barrier()

    def _on_wire(self, tensor):
        # NCCL reduces CUDA tensors only; gloo takes CPU tensors (and CUDA ones, slowly).
        if self.process_backend == "nccl" and tensor.device.type != "cuda":
            return tensor.cuda()
        return tensor

    def allreduce_(self, tensor, op="sum", name=None):
        op = _check_op(op)
        wire = self._on_wire(tensor)
        self.dist.all_reduce(wire, op=self.dist.ReduceOp.SUM)
        if op == "average":
            wire.div_(self.size())
        if wire is not tensor:
            tensor.copy_(wire)
        return tensor

    def broadcast_(self, tensor, root_rank=0, name=None):
        wire = self._on_wire(tensor)
        self.dist.broadcast(wire, src=root_rank)
        if wire is not tensor:
            tensor.copy_(wire)
        return tensor

    def allgather_object(self, obj):
        gathered = [None] * self.size()
        self.dist.all_gather_object(gathered, obj)
        return gathered

    def broadcast_object(self, obj, root_rank=0):
        box = [obj]
        self.dist.broadcast_object_list(box, src=root_rank)
        return box[0]


def _check_op(op):
    if op not in ("sum", "average"):
        raise ValueError(f"lamella.distributed: op must be 'sum' or 'average', got {op!r}")
    return op


def import_horovod():
    """``horovod.torch``, or an ImportError that says how to install it."""
    try:
        import horovod.torch as hvd
    except ImportError as exc:
        raise ImportError(HOROVOD_HINT) from exc
    return hvd


_current = None


def init(backend="auto"):
    """Join the launcher's process group (once; later calls return the same backend).

    ``backend``: ``'auto'`` (see :func:`detect`), ``'horovod'``, ``'torch'`` (alias
    ``'ddp'``) or ``'single'``.
    """
    global _current
    if backend not in _BACKENDS:
        raise ValueError(f"lamella.distributed.init: backend must be one of {list(_BACKENDS)}, "
                         f"got {backend!r}")
    wanted = detect() if backend == "auto" else ("torch" if backend == "ddp" else backend)
    if _current is not None:
        if backend != "auto" and _current.name != wanted:
            raise RuntimeError(f"lamella.distributed.init: already initialized with the "
                               f"{_current.name!r} backend; cannot switch to {wanted!r}")
        return _current
    _current = {"horovod": HorovodBackend, "torch": TorchBackend, "single": Backend}[wanted]()
    return _current


def current():
    """The initialized backend (initializing with ``'auto'`` on first use)."""
    return _current if _current is not None else init()


def _set_current(backend):
    """Replace the backend (tests use a fake one); returns the previous one."""
    global _current
    previous, _current = _current, backend
    return previous


# --- the process-level API (lamella.distributed.*) ---------------------------------------------

def rank():
    """This process's index, 0 .. size() - 1."""
    return current().rank()


def size():
    """The number of processes training together."""
    return current().size()


def local_rank():
    """This process's index on its machine (the GPU it uses)."""
    return current().local_rank()


def local_size():
    """The number of processes on this machine."""
    return current().local_size()


def is_chief():
    """Whether this is rank 0, the process that prints and writes files."""
    return current().rank() == 0


def barrier():
    """Wait until every process gets here."""
    current().barrier()


def allreduce(value, op="average", name=None):
    """``value`` (tensor, array or number) reduced over every worker (a new object; Horovod's
    default ``op='average'``, or ``'sum'``)."""
    _check_op(op)
    if torch.is_tensor(value):
        return current().allreduce_(value.detach().clone(), op=op, name=name)
    array = np.asarray(value)
    reduced = current().allreduce_(torch.as_tensor(array, dtype=torch.float64).clone(), op=op,
                                   name=name)
    result = reduced.numpy()
    return float(result) if array.ndim == 0 else result


def broadcast_object(obj, root_rank=0):
    """``root_rank``'s ``obj`` on every worker (pickled)."""
    pickle.dumps(obj)  # fail here, with the object's own error, rather than inside a collective
    return current().broadcast_object(obj, root_rank)


def allgather_object(obj):
    """Every worker's ``obj``, as a list in rank order."""
    return current().allgather_object(obj)
