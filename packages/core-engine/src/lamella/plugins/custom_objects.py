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

# The dict a scope made current in this context; None outside every scope.
_scoped: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "lamella_custom_objects", default=None
)


def get_custom_objects() -> dict[str, Any]:
    """The custom objects in force here: the global dict, or the innermost scope's.

    Example::

        lamella.utils.get_custom_objects()["swish"] = swish
    """
    scoped = _scoped.get()
    return _GLOBAL_CUSTOM_OBJECTS if scoped is None else scoped


class CustomObjectScope:
    """Make objects resolvable by name inside a ``with`` block (Keras's ``CustomObjectScope``).

    The scope holds for the current thread (``contextvars`` context) only. Enter one scope
    object in one thread at a time; make a new one per thread.

    Example::

        with CustomObjectScope({"MyLayer": MyLayer}):
            model = lamella.models.load_model("m.h5")
    """

    def __init__(self, *scopes: Mapping[str, Any]) -> None:
        self.scopes = scopes
        self._tokens: list[contextvars.Token] = []  # a stack: the same scope may nest

    def __enter__(self) -> CustomObjectScope:
        merged = dict(get_custom_objects())
        for scope in self.scopes:
            merged.update(scope)
        self._tokens.append(_scoped.set(merged))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _scoped.reset(self._tokens.pop())


def custom_object_scope(*scopes: Mapping[str, Any]) -> CustomObjectScope:
    """``with custom_object_scope({...}):`` – the functional spelling of CustomObjectScope.

    Example::

        with custom_object_scope({"swish": swish}):
            layer = lamella.layers.deserialize(config)
    """
    return CustomObjectScope(*scopes)
