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
  or with autograd on for a model whose forward pass takes gradients (``K.gradients``).

Example::

    model.compile("sgd", "mse")                  # CUDA if visible, else CPU
    model.compile("sgd", "mse", device="cpu")    # the CPU, even with a GPU
    model.device                                 # where its weights are
"""

import contextlib

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


def without_graph(value):
    """A loss, metric or output value without its autograd graph (predict and evaluate may
    compute with autograd on: :func:`inference_context`). Only values that carry a graph are
    detached: a detach is an aten call, and the usual values carry none."""
    if torch.is_tensor(value) and value.requires_grad:
        return value.detach()
    return value


class ForwardNeedsAutograd(RuntimeError):
    """Raised by ``K.gradients`` when a forward pass runs with autograd off.

    In Keras 2.3 a gradient is a graph op, so a layer may take one in ``call`` (the stacked
    what-where autoencoder's ``Lambda``) and ``predict`` evaluates it like any op. Here it is
    autograd: ``predict``, ``evaluate`` and shape inference run without it for speed, catch
    this error, and run the batch again with autograd on (see :func:`inference_context`).
    Outside those loops it reaches the caller as a clear error."""


def needs_autograd(model):
    """Whether the model's forward pass takes gradients: a recorded ``K.gradients`` (a layer
    with ``differentiates_its_inputs``) or a layer that called ``K.gradients`` in a forward
    pass run without autograd (see :class:`ForwardNeedsAutograd`)."""
    return getattr(model, "_forward_needs_autograd", False) or any(
        getattr(layer, "differentiates_its_inputs", False) for layer in model.modules())


def inference_context(model):
    """The context ``predict`` and ``evaluate`` compute in: ``torch.inference_mode()`` (no
    autograd bookkeeping at all), ``torch.no_grad()`` when a layer keeps tensors from one
    call to the next (a ``stateful`` RNN's states: inference tensors kept past the call could
    not be used by a later training step), or autograd on for a model whose forward pass
    takes gradients (:func:`needs_autograd`)."""
    if needs_autograd(model):
        return _AutogradOn()
    if any(getattr(layer, "stateful", False) for layer in model.modules()):
        return torch.no_grad()
    return torch.inference_mode()


class _AutogradOn(contextlib.ExitStack):
    """Autograd on, even inside an outer ``inference_mode``; re-enterable (one per loop)."""

    def __enter__(self):
        super().__enter__()
        self.enter_context(torch.inference_mode(False))
        self.enter_context(torch.enable_grad())
        return self


class InferenceRunner:
    """Runs ``predict``'s and ``evaluate``'s steps in the model's :func:`inference_context`
    (decided once per loop); when a layer turns out to take gradients
    (:class:`ForwardNeedsAutograd`), remembers it on the model and runs the step again with
    autograd on. Nothing a step keeps is updated before its forward pass ends, so the
    interrupted run leaves no trace.

    Example::

        run = InferenceRunner(model)
        outputs = run(model._predict_step, xs)
    """

    def __init__(self, model):
        self.model = model
        self._context = inference_context(model)

    def __call__(self, step, *args):
        try:
            with self._context:
                return step(*args)
        except ForwardNeedsAutograd:
            if getattr(self.model, "_forward_needs_autograd", False):
                raise
            self.model._forward_needs_autograd = True
            self._context = inference_context(self.model)
            with self._context:
                return step(*args)


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
        tensor = without_graph(tensor)  # a model computing with autograd on (inference_context)
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
