"""Where a model computes and where its data goes: the one place the device is decided.

The rules (a Keras user expects the GPU to be used without a word; a torch user expects a
model placed with ``.to(device)`` to stay there):

- ``compile(device=...)`` names the device explicitly and wins.
- Otherwise a model whose weights already live on an accelerator (the user moved it) stays
  there; a model on the CPU (where layers create their weights) goes to CUDA when one is
  visible, else stays on the CPU.
- In-memory training and evaluation data (NumPy arrays, lists, CPU tensors) is moved to the
  model's device once, when ``fit``/``evaluate`` convert it, never per batch. ``predict``
  keeps host data on the host and copies each batch through pinned memory without blocking
  (:func:`move` with ``pin=True``), and gathers the outputs with a :class:`HostCollector`:
  no per-batch synchronisation, one wait at the end.
- ``predict`` and ``evaluate`` run under ``torch.inference_mode`` (:func:`inference_context`),
  or with autograd on for a model whose layers call ``K.gradients``.

Example::

    model.compile("sgd", "mse")                  # CUDA if visible, else CPU
    model.compile("sgd", "mse", device="cpu")    # the CPU, even with a GPU
    model.device                                 # where its weights are
"""

import torch


def default_device():
    """CUDA when a GPU is visible, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def placed_device(module):
    """The device of ``module``'s first parameter or buffer, or ``None`` if it has none."""
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return None


def decide_device(model, requested=None):
    """The device ``compile`` trains ``model`` on (see the module's rules)."""
    if requested is not None:
        return torch.device(requested)
    placed = placed_device(model)
    if placed is not None and placed.type != "cpu":
        return placed
    return default_device()


def data_device(model):
    """Where ``fit``/``evaluate``/``predict`` put in-memory data for ``model``: its compiled
    device, else where its weights are, else the CPU (an uncompiled model that has no weights
    yet builds them where its first batch is, so it stays where layers are created)."""
    compiled = getattr(model, "_device", None)
    if compiled is not None:
        return compiled
    placed = placed_device(model)
    return placed if placed is not None else torch.device("cpu")


def move(tensor, device, pin=False):
    """``tensor`` on ``device`` (no copy when it is already there).

    ``pin=True``: a host tensor bound for CUDA is first copied to pinned memory, so that the
    copy to the device does not block the host (torch's pinned-memory cache keeps the staging
    buffer alive until the copy has run). Used per batch; whole data sets are not pinned.
    """
    if device is None or tensor.device == device:
        return tensor
    if pin and device.type == "cuda" and tensor.device.type == "cpu" and not tensor.is_pinned():
        tensor = tensor.pin_memory()
    # A pinned host tensor can be copied without blocking the host; others copy synchronously.
    return tensor.to(device, non_blocking=tensor.is_pinned())


def inference_context(model):
    """The context ``predict`` and ``evaluate`` compute in: ``torch.inference_mode()`` (no
    autograd bookkeeping at all), or ``torch.no_grad()`` when a layer keeps tensors from one
    call to the next (a ``stateful`` RNN's states): inference tensors kept past the call could
    not be used by a later training step."""
    layers = list(model.modules())
    if any(_calls_gradients(layer) for layer in layers):
        return torch.enable_grad()
    if any(getattr(layer, "stateful", False) for layer in layers):
        return torch.no_grad()
    return torch.inference_mode()


def _calls_gradients(layer):
    """Whether the layer's ``call`` (or a Lambda's function) calls ``K.gradients`` itself.

    In Keras 2.3 a gradient is a graph op, evaluated in ``predict`` as in ``fit`` (the stacked
    what-where autoencoder's ``Lambda(getwhere)``); here it is autograd, which must stay on for
    such a model, or the gradient would be missing. Only the function's own names are read (a
    helper it calls is not followed): cheap, and it covers the pattern the examples use."""
    for function in (getattr(layer, "function", None), getattr(type(layer), "call", None)):
        code = getattr(function, "__code__", None)
        if code is not None and "gradients" in code.co_names:
            return True
    return False


class HostCollector:
    """One output's batches, handed over as one NumPy array at the end of ``predict``.

    Host tensors are kept and concatenated once. Each CUDA batch is copied as it comes into
    pinned host memory without blocking (freeing its device memory; the copy overlaps the
    next batch's computation), and :meth:`numpy` waits for the copies once.

    Example::

        store = HostCollector()
        for batch in batches:
            store.append(model(batch))
        array = store.numpy()
    """

    def __init__(self):
        self._parts = []
        self._pending = set()

    def append(self, tensor):
        # a model that computes with autograd on (see inference_context) hands back values
        tensor = tensor.detach()
        if tensor.device.type == "cuda":
            host = torch.empty(tensor.shape, dtype=tensor.dtype, pin_memory=True)
            host.copy_(tensor, non_blocking=True)
            self._pending.add(tensor.device)
            tensor = host
        self._parts.append(tensor)

    def parts(self):
        """The batches as host tensors, once their copies have finished."""
        for device in self._pending:
            torch.cuda.synchronize(device)
        self._pending.clear()
        return list(self._parts)

    def numpy(self):
        # cat copies even one part: the array never shares memory with a model's tensors
        return torch.cat(self.parts()).cpu().numpy()
