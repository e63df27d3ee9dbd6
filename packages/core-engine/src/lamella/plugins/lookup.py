"""Resolving names through the loaded plugins: what the core, the facades and components call.

Order, as Keras resolves names: the ``custom_objects`` argument, the user's custom objects
(:mod:`lamella.plugins.custom_objects`), then the kind's registry. A name nobody registers
raises :class:`~lamella.plugins.UnknownComponentError` with close names, or
:class:`~lamella.plugins.MissingPluginError` when a first-party distribution that is not
installed provides it.

Example::

    from lamella.plugins import lookup

    adam_cls = lookup.resolve("optimizers", "adam")
    maybe = lookup.find("layers", "Dense")      # None when nobody registers it
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamella.plugins import first_party, loader
from lamella.plugins.contract import get_kind
from lamella.plugins.custom_objects import get_custom_objects
from lamella.plugins.errors import MissingPluginError, UnknownComponentError
from lamella.plugins.registry import Registry, to_snake_case


def registry(kind: str) -> Registry:
    """The :class:`~lamella.plugins.registry.Registry` of one kind (loads plugins once)."""
    get_kind(kind)  # a clear ValueError for a kind that does not exist
    return loader.ensure_loaded().registries[kind]


def find(kind: str, name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The object registered as ``name``, or ``None`` (users' objects first)."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    users = get_custom_objects()
    if name in users:
        return users[name]
    entry = registry(kind).find(name)
    return None if entry is None else entry.obj


def resolve(kind: str, name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The object registered as ``name``; a clear error when there is none."""
    obj = find(kind, name, custom_objects)
    if obj is not None:
        return obj
    provider = first_party_provider(kind, name)
    if provider:
        raise MissingPluginError(kind, name, provider=provider)
    raise UnknownComponentError(kind, name, suggestions=registry(kind).suggestions(name))


def first_party_provider(kind: str, name: str) -> str | None:
    """The first-party distribution that provides ``name``, if it is not installed."""
    table = first_party.FIRST_PARTY.get(kind, {})
    provider = table.get(name)
    if provider is None:  # other spellings: any capitalisation, the snake_case form
        folded = {}
        for key, value in table.items():
            folded.setdefault(key.lower(), value)
            folded.setdefault(to_snake_case(key), value)
        provider = folded.get(name.lower()) or folded.get(name)
    if provider is None:
        return None
    installed = {i.name for i in loader.ensure_loaded().infos if i.status == "loaded"}
    return None if provider in installed else provider


def resolve_metric(name: str, loss: Any, output_shape: tuple) -> Any:
    """Ask the plugins what a context-dependent metric name (``'accuracy'``) means."""
    return loader.plugin_manager().hook.lamella_resolve_metric(
        name=name, loss=loss, output_shape=output_shape
    )
