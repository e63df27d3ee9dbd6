"""Where a model computes and where its data goes: the one place the device is decided.

The rules (a Keras user expects the GPU to be used without a word; a torch user expects a
model placed with ``.to(device)`` to stay there):

- ``compile(device=...)`` names the device explicitly and wins.
- Otherwise a model whose weights already live on an accelerator (the user moved it) stays
  there; a model on the CPU (where layers create their weights) goes to CUDA when one is
  visible, else stays on the CPU.
- In-memory data (NumPy arrays, lists, CPU tensors) is moved to the model's device once, when
  ``fit``/``evaluate``/``predict`` convert it, never per batch.

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


def move(tensor, device):
    """``tensor`` on ``device`` (no copy when it is already there)."""
    if device is None or tensor.device == device:
        return tensor
    # A pinned host tensor can be copied without blocking the host; others copy synchronously.
    return tensor.to(device, non_blocking=tensor.is_pinned())
