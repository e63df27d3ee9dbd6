"""``compile(jit_compile=...)``: the whole training step under ``torch.compile``.

What is compiled is :meth:`Trainer._eager_train_step`: forward, loss, backward and the optimizer
update. Dynamo traces the forward and the loss into one graph, AOTAutograd derives the backward
graph from it, and both are compiled; the optimizer update stays eager (a first-party optimizer
runs one fused kernel already, and its Python step counter would otherwise recompile the graph
at every step). Each input signature (batch size, dtypes) compiles once (``dynamic=False``):
a full batch and the last, smaller batch of an epoch are two compilations, no more.

Options:

- ``True``: compile; if compiling or the compiled step fails, warn and train eagerly.
- ``'debug'``: the same, and torch logs every graph break (with the line that caused it) and
  every recompilation (with the guard that failed) to stderr.
- ``'reduce-overhead'``: ``torch.compile(mode='reduce-overhead')``, which captures CUDA graphs
  for static shapes on CUDA (launch overhead gone; untested on a GPU so far).

Example::

    model.compile("adam", "categorical_crossentropy", jit_compile="debug")
    model.fit(x, y)          # stderr: "Graph break ..." / "Recompiling function ..."
"""

import warnings

import torch

OPTIONS = (False, True, "debug", "reduce-overhead")


def check_option(value):
    """``compile(jit_compile=value)`` validated: ``False``, ``True``, ``'debug'`` or
    ``'reduce-overhead'`` (``None`` means ``False``)."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str) and value in OPTIONS:
        return value
    raise ValueError(f"compile(jit_compile=...) must be True, False, 'debug' or "
                     f"'reduce-overhead', got {value!r}")


def compile_step(model, option):
    """``model._eager_train_step`` under ``torch.compile``, or ``None`` (with a warning) when
    torch cannot compile here. The model's optimizer update is kept out of the graph."""
    # An instance attribute shadows the method for this model only; an eager model keeps the
    # plain method (torch.compiler.disable costs a few µs per call).
    model.__dict__["_apply_gradients"] = torch.compiler.disable(
        type(model)._apply_gradients.__get__(model))
    if option == "debug":
        torch._logging.set_logs(graph_breaks=True, recompiles=True)
    kwargs = {"dynamic": False}
    if option == "reduce-overhead":
        kwargs["mode"] = "reduce-overhead"
    try:
        return torch.compile(model._eager_train_step, **kwargs)
    except Exception as exc:  # noqa: BLE001 - torch.compile unsupported on this platform
        warnings.warn(f"jit_compile: torch.compile is not available here ({exc}); training "
                      f"eagerly.", stacklevel=4)
        return None


def uncompile(model):
    """Back to the plain eager step (a later ``compile`` without ``jit_compile``)."""
    model.__dict__.pop("_apply_gradients", None)
