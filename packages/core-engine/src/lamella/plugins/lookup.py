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

import os
from collections.abc import Mapping
from importlib import metadata
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


def registered_name(kind: str, obj: Any) -> str:
    """The name that serializes ``obj`` (a class, function or instance) so that it resolves
    back to the same object: the name its plugin registered it under (see
    :meth:`Registry.name_of`), else its class or function name.

    Example::

        registered_name("layers", layer)   # "FancyScale" for Component("FancyScale", _Scale)
    """
    is_named = isinstance(obj, type) or (callable(obj) and hasattr(obj, "__name__"))
    target = obj if is_named else type(obj)
    found = registry(kind).name_of(target)
    return found if found is not None else target.__name__


def provider_of(kind: str, obj: Any) -> dict[str, str] | None:
    """``{"distribution": ..., "version": ...}`` of the plugin that registered ``obj`` (a class,
    function or instance), or ``None``. Saved files record it, so that loading without that
    plugin can say what to install.

    Example::

        provider_of("layers", layer)   # {"distribution": "lamella-layers", "version": "0.1.0"}
    """
    is_named = isinstance(obj, type) or (callable(obj) and hasattr(obj, "__name__"))
    entry = registry(kind).entry_of(obj if is_named else type(obj))
    if entry is None:
        return None
    versions = {info.name: info.version for info in loader.ensure_loaded().infos}
    return {"distribution": entry.distribution, "version": versions.get(entry.distribution, "")}


def resolve(kind: str, name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The object registered as ``name``; a clear error when there is none."""
    obj = find(kind, name, custom_objects)
    if obj is not None:
        return obj
    missing = missing_plugin_error(kind, name)
    if missing is not None:
        raise missing
    raise UnknownComponentError(kind, name, suggestions=registry(kind).suggestions(name))


def missing_plugin_error(kind: str, name: str,
                         provider: str | None = None) -> MissingPluginError | None:
    """The error for ``name`` when the first-party distribution providing it is not loaded.

    ``provider`` defaults to the one the first-party index names. The message tells the truth
    about that distribution: not installed (``pip install``), switched off by an environment
    variable (which one), or failed to load. ``None`` when it is loaded or nobody provides it.

    Example::

        error = missing_plugin_error("optimizers", "Adam")
        if error is not None:
            raise error   # "... 'lamella-optimizers', which is not installed; ..."
    """
    provider = provider or _index_provider(kind, name)
    if provider is None:
        return None
    status, detail = provider_status(provider)
    if status == "loaded":
        return None
    return MissingPluginError(kind, name, provider=provider,
                              provider_state=_state_text(status, detail))


def provider_status(distribution: str) -> tuple[str, str | None]:
    """``(status, detail)`` of a distribution in this session: ``"loaded"``, ``"disabled"``
    (detail: which switch), ``"failed"`` (detail: the error), ``"no entry point"`` (installed
    but announcing no plugin) or ``"not installed"``.

    Example::

        >>> provider_status("lamella-io")
        ('disabled', 'not in LAMELLA_LOAD_PLUGINS')
    """
    wanted = loader.normalize_name(distribution)
    statuses = {loader.normalize_name(i.name): i for i in loader.ensure_loaded().infos}
    info = statuses.get(wanted)
    if info is not None:
        return info.status, info.error
    return ("no entry point", None) if is_installed(distribution) else ("not installed", None)


def missing_first_party() -> list[str]:
    """The first-party distributions (those the first-party index names) not installed here,
    sorted: what ``lamella plugins`` offers to ``pip install``.

    Example::

        missing_first_party()   # ["lamella-io"] in an environment without lamella-io
    """
    providers = {name for table in first_party.FIRST_PARTY.values() for name in table.values()}
    # Installed or not, by the metadata alone: listing must not load (or fail) any plugin.
    return sorted(p for p in providers if not is_installed(p))


def is_installed(distribution: str) -> bool:
    """Whether ``distribution`` is installed (its metadata is found), loaded or not."""
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def _state_text(status: str, detail: str | None) -> str | None:
    """How a :class:`MissingPluginError` describes an installed provider (``None``: it is not
    installed, and the error says so and how to install it)."""
    if status == "disabled" and detail and "LAMELLA_DISABLE_PLUGINS" in detail:
        value = os.environ.get("LAMELLA_DISABLE_PLUGINS", "")
        return (f"installed but switched off by LAMELLA_DISABLE_PLUGINS={value!r}; take it out"
                f" of that variable to use it")
    if status == "disabled":
        value = os.environ.get("LAMELLA_LOAD_PLUGINS", "")
        return (f"installed but switched off: it is not in LAMELLA_LOAD_PLUGINS={value!r}; add"
                f" it to that list to use it")
    if status == "failed":
        return f"installed but failed to load ({detail}); `lamella plugins` lists it"
    if status == "no entry point":
        return ("installed but announces no lamella plugin (no 'lamella' entry point: a broken"
                " installation? reinstall it)")
    return None


def first_party_provider(kind: str, name: str) -> str | None:
    """The first-party distribution that provides ``name``, if it is not loaded (not
    installed, switched off or failed: :func:`missing_plugin_error` says which)."""
    provider = _index_provider(kind, name)
    if provider is None or provider_status(provider)[0] == "loaded":
        return None
    return provider


def _index_provider(kind: str, name: str) -> str | None:
    """The first-party distribution the index names for ``name``, loaded or not."""
    table = first_party.FIRST_PARTY.get(kind, {})
    provider = table.get(name)
    if provider is None:  # other spellings: any capitalisation, the snake_case form
        folded = {}
        for key, value in table.items():
            folded.setdefault(key.lower(), value)
            folded.setdefault(to_snake_case(key), value)
        provider = folded.get(name.lower()) or folded.get(name)
    return provider


def resolve_metric(name: str, loss: Any, output_shape: tuple) -> Any:
    """Ask the plugins what a context-dependent metric name (``'accuracy'``) means."""
    return loader.plugin_manager().hook.lamella_resolve_metric(
        name=name, loss=loss, output_shape=output_shape
    )
