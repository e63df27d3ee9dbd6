"""Users' own objects (Keras's ``custom_objects``), which win over every plugin by name.

This is Keras's user API, published as ``lamella.utils.get_custom_objects``,
``lamella.utils.CustomObjectScope`` and ``lamella.utils.custom_object_scope``; the plugin
system only consults it first when it resolves a name.

``get_custom_objects()`` outside any scope is one process-wide dict, as in Keras: adding to it
registers an object for every thread. A :class:`CustomObjectScope`, though, is per thread (per
``contextvars`` context): inside it ``get_custom_objects()`` is that context's own copy of the
dict plus the scope's objects, which no other thread sees, and which is dropped when the scope
exits (with anything added to it meanwhile, as Keras drops it). A new thread starts outside
every scope.

Example::

    from lamella.utils import custom_object_scope, get_custom_objects

    get_custom_objects()["swish"] = swish            # everywhere, from now on
    with custom_object_scope({"MyLayer": MyLayer}):  # this thread, this block
        model = lamella.models.load_model("m.h5")
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from typing import Any

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}

# The dicts of the scopes open in this context, innermost last; empty outside every scope. A
# tuple, replaced on every change, kept per context and not on the scope object, so one scope
# object entered in two threads at once gives each its own state (as lamella.saving's
# safe-mode scope does).
_scoped: contextvars.ContextVar[tuple[dict[str, Any], ...]] = contextvars.ContextVar(
    "lamella_custom_objects", default=()
)


def get_custom_objects() -> dict[str, Any]:
    """The custom objects in force here: the global dict, or the innermost scope's.

    Example::

        lamella.utils.get_custom_objects()["swish"] = swish
    """
    scoped = _scoped.get()
    return scoped[-1] if scoped else _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """Make objects resolvable by name inside a ``with`` block (Keras's ``CustomObjectScope``).

    The scope holds for the current thread (``contextvars`` context) only; one scope object
    may be entered in several threads at once, each getting its own copy.

    Example::

        with CustomObjectScope({"MyLayer": MyLayer}):
            model = lamella.models.load_model("m.h5")
    """

    def __init__(self, *scopes: Mapping[str, Any]) -> None:
        self.scopes = scopes

    def __enter__(self) -> CustomObjectScope:
        merged = dict(get_custom_objects())
        for scope in self.scopes:
            merged.update(scope)
        _scoped.set(_scoped.get() + (merged,))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        # with-blocks nest, so this context's innermost scope is this one
        _scoped.set(_scoped.get()[:-1])


def custom_object_scope(*scopes: Mapping[str, Any]) -> CustomObjectScope:
    """``with custom_object_scope({...}):`` – the functional spelling of CustomObjectScope.

    Example::

        with custom_object_scope({"swish": swish}):
            layer = lamella.layers.deserialize(config)
    """
    return CustomObjectScope(*scopes)
