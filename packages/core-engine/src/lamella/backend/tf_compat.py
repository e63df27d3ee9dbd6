"""Keras backend names that exist for TensorFlow's graphs and sessions.

Those with a meaning in eager torch work (``name_scope`` names a block, ``control_dependencies``
runs its block as is since torch runs operations in order, ``print_tensor`` prints, ``eager``
and ``symbolic`` return the function); ``get_session``/``set_session`` raise an error that
names the torch way, since torch has no session.

Example::

    from lamella import backend as K

    with K.name_scope("encoder"):
        h = K.print_tensor(K.relu(x), message="h = ")
"""

import contextlib
import functools

import torch

from lamella.engine.naming import scope_stack as _scope_stack


def _session_error(name):
    return RuntimeError(
        f"`{name}` is not available in lamella: torch runs eagerly and has no TensorFlow "
        "session. Tensors are values already (read them with K.get_value(x) or "
        "x.detach().cpu().numpy()), variables are torch Parameters, and the device is chosen "
        "with model.to(device) or compile(device=...); for threads or processes use "
        "torch.set_num_threads / torch.cuda.set_device.")


def get_session():
    """Raises ``RuntimeError``: torch has no session (the error says what to use)."""
    raise _session_error("get_session")


def set_session(session):
    """Raises ``RuntimeError``: torch has no session (the error says what to use)."""
    raise _session_error("set_session")


def eager(func):
    """Decorator that runs ``func`` eagerly: every torch function already does, so it returns
    ``func`` itself."""
    return func


def symbolic(func):
    """Decorator that runs ``func`` in Keras's graph: lamella builds graphs from functional-API
    tensors when they are passed, so it returns ``func`` unchanged (wrapped for its name)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def control_dependencies(control_inputs):
    """A context manager: torch runs operations in program order, so the ``control_inputs``
    (tensors, or ``None`` to clear) have run already and the block runs as it is."""
    if control_inputs is not None and not isinstance(control_inputs, (list, tuple)):
        raise TypeError(f"control_dependencies: expected a list of tensors or None, got "
                        f"{type(control_inputs).__name__}")
    return contextlib.nullcontext()


class name_scope:  # noqa: N801 - Keras's name
    """A context manager naming a block; ``with K.name_scope('block') as scope`` gives the
    full scope (``'outer/block/'``), and it is also a ``torch.profiler`` record, so profiles
    show it. Layers built inside it carry it in their weights' Keras names
    (``block/dense_1/kernel:0``), as TensorFlow's variables do.

    Example::

        with K.name_scope("decoder") as scope:
            ...                     # scope == 'decoder/'
    """

    def __init__(self, name, default_name=None, values=None):
        if name is None:
            name = default_name
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name_scope: name must be a string, got {type(name).__name__}")
        self.name = name
        self._profile = None

    def __enter__(self):
        stack = _scope_stack()
        if not self.name:
            full = ""
        elif self.name.endswith("/"):
            full = self.name
        else:
            full = (stack[-1] if stack else "") + self.name + "/"
        stack.append(full)
        self._profile = torch.profiler.record_function(full or "<root>")
        self._profile.__enter__()
        return full

    def __exit__(self, *exc):
        self._profile.__exit__(*exc)
        _scope_stack().pop()
        return False


def print_tensor(x, message=""):
    """Print ``message`` and the value of ``x``, and return ``x`` (Keras prints when the
    tensor is evaluated; torch tensors are evaluated now)."""
    print(f"{message}{x}")
    return x
