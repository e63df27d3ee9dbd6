"""A fake process group for lamella-distributed's in-process tests (only lamella-core and this
package installed): ``FakeBackend`` pretends to be one worker of ``size`` whose peers hold
known values, so the collectives' maths can be checked without launching processes."""

import pytest
import torch

from lamella_distributed import backend as backends


class FakeBackend(backends.Backend):
    """Worker ``rank`` of ``size``; peer ``r`` holds ``peer_scale(r)`` times this worker's
    tensor in every all-reduce, and ``root_values`` (when set) in every broadcast."""

    def __init__(self, size=8, rank=0, name="horovod", peer_scale=None):
        self.name = name
        self._size, self._rank = size, rank
        self.peer_scale = peer_scale or (lambda r: 1.0)
        self.root_values = None
        self.calls = []
        self.gathered = None

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def local_rank(self):
        return self._rank

    def allreduce_(self, tensor, op="sum", name=None):
        self.calls.append(("allreduce", name, tensor.clone()))
        total = sum(self.peer_scale(r) for r in range(self._size))
        tensor.mul_(total)
        if op == "average":
            tensor.div_(self._size)
        return tensor

    def broadcast_(self, tensor, root_rank=0, name=None):
        self.calls.append(("broadcast", name, root_rank))
        if self.root_values is not None and self._rank != root_rank:
            tensor.copy_(self.root_values.pop(0))
        return tensor

    def broadcast_object(self, obj, root_rank=0):
        self.calls.append(("broadcast_object", root_rank))
        return obj if self._rank == root_rank else self.root_object

    def allgather_object(self, obj):
        return self.gathered if self.gathered is not None else [obj] * self._size


class FakeAsyncBackend(FakeBackend):
    """:class:`FakeBackend` with Horovod's asynchronous all-reduce: ``allreduce_async_``
    records the call (in order, with a copy of what was sent) and ``synchronize`` applies the
    same maths as ``allreduce_``, times ``prescale_factor``."""

    supports_async = True

    def allreduce_async_(self, tensor, name, prescale_factor=1.0):
        self.calls.append(("allreduce_async", name, tensor.clone()))
        return tensor, prescale_factor

    def synchronize(self, handle):
        tensor, prescale = handle
        self.calls.append(("synchronize",))
        total = sum(self.peer_scale(r) for r in range(self._size))
        return tensor.mul_(total * prescale)


@pytest.fixture
def fake8_async():
    fake = FakeAsyncBackend(size=8)
    previous = backends._set_current(fake)
    yield fake
    backends._set_current(previous)


@pytest.fixture
def fake8():
    fake = FakeBackend(size=8)
    previous = backends._set_current(fake)
    yield fake
    backends._set_current(previous)


@pytest.fixture
def single_backend():
    previous = backends._set_current(backends.Backend())
    yield
    backends._set_current(previous)


@pytest.fixture(autouse=True)
def _no_leaked_backend():
    before = backends._current
    yield
    backends._set_current(before)


def weights_of(model):
    return [p.detach().clone() for p in model.parameters()]


@pytest.fixture
def torch_seed():
    torch.manual_seed(0)
