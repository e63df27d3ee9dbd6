"""Keras's automatic names: ``dense_1``, ``dense_2``, ``leaky_re_lu_1``, ``model_1``.

Counters are per prefix, start at 1 and are reset by ``lamella.backend.clear_session()``.
The stack of ``K.name_scope`` blocks open in this thread lives here too: a layer built inside
one carries the scope in its weights' Keras names, as TensorFlow's variables do.
"""

import collections
import threading

from lamella.plugins.registry import to_snake_case

_uids = collections.defaultdict(int)
_lock = threading.Lock()
_scopes = threading.local()


def get_uid(prefix=""):
    """The next number for ``prefix``: 1, 2, 3, ..."""
    with _lock:
        _uids[prefix] += 1
        return _uids[prefix]


def unique_name(class_name):
    """``'LeakyReLU'`` → ``'leaky_re_lu_1'`` (then ``_2``...)."""
    prefix = to_snake_case(class_name)
    return f"{prefix}_{get_uid(prefix)}"


def reset_uids():
    with _lock:
        _uids.clear()


def scope_stack():
    """This thread's open ``K.name_scope`` blocks, innermost last (``['outer/', 'outer/b/']``)."""
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


def current_name_scope():
    """The innermost open ``K.name_scope`` (``'outer/block/'``), or ``''``."""
    stack = scope_stack()
    return stack[-1] if stack else ""
