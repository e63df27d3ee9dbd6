"""The learning phase: whether layers compute as in training or in inference, per thread.

``fit`` runs its training steps in the training phase, and validation, ``evaluate`` and
``predict`` in the inference phase. The phase belongs to the thread (a ``contextvars``
variable), not to the model: a ``predict`` in one thread never switches off the dropout or the
batch statistics of a ``fit`` running in another, which torch's shared ``module.training``
flag alone cannot promise.

A layer whose ``call`` takes a ``training`` argument receives the phase through it when the
caller passes none (Keras's rule); outside any phase, and for layers without that argument,
torch's ``module.training`` flag decides, so a model used from a plain torch loop behaves as
torch users expect.

Example::

    with learning_phase_scope(False):
        outputs = model(x)        # Dropout and BatchNormalization in inference mode
"""

import contextlib
import contextvars

import torch

_PHASE = contextvars.ContextVar("lamella_learning_phase", default=None)
# The value ``K.set_learning_phase`` fixed for this thread (0/1), which ``K.learning_phase()``
# then returns as Keras does; ``None`` when nothing was fixed.
_FIXED = contextvars.ContextVar("lamella_fixed_learning_phase", default=None)

# Reading a context variable is a graph break for torch.compile: compiled code (``jit_compile``
# steps, ``torch.compile(model)``) runs on the module flags, which ``fit`` sets.
_is_compiling = getattr(torch.compiler, "is_compiling", None) or torch._dynamo.is_compiling


def current():
    """``True``/``False`` inside a phase set by :func:`learning_phase_scope`, else ``None``."""
    if _is_compiling():
        return None
    return _PHASE.get()


@contextlib.contextmanager
def learning_phase_scope(training):
    """Run the block in the training (``True``) or inference (``False``) phase, this thread
    only."""
    token = _PHASE.set(bool(training))
    try:
        yield
    finally:
        _PHASE.reset(token)


def fix(value):
    """Fix this thread's phase outside any scope (``K.set_learning_phase``): ``0``/``1``, or
    ``None`` to clear it (``K.clear_session``). A :func:`learning_phase_scope` still overrides
    it inside its block."""
    _FIXED.set(None if value is None else int(value))
    _PHASE.set(None if value is None else bool(value))


def fixed():
    """The value :func:`fix` set for this thread (``0``/``1``), else ``None``."""
    return _FIXED.get()
