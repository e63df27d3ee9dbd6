"""lamella's plugin API: what a plugin author (and a program listing plugins) uses.

A plugin implements hooks and returns :class:`Component` records::

    from lamella.plugins import Component, hookimpl

    @hookimpl
    def lamella_layers():
        return [Component("MyLayer", "my_package.layers:MyLayer")]

The hooks, the kinds of component and the record are specified in
:mod:`lamella.plugins.contract`. This package exports only the plugin-author API: the record and
marker, the entry-point group, the hook contract's version (:data:`CONTRACT_VERSION`; a plugin
declares the range it supports as ``LAMELLA_CONTRACT = ">=1,<2"`` in its hook module), the
errors and warning users catch, in-process registration, and the plugin listing. Users' own
objects (``get_custom_objects``, ``CustomObjectScope``) are Keras's API and live in
:mod:`lamella.utils`. The host's machinery lives in its own modules, which lamella's core
imports directly:

- :mod:`~lamella.plugins.contract` — hookspecs, ``hookimpl``, ``Component``, the kinds
- :mod:`~lamella.plugins.errors` — the errors and ``LamellaPluginWarning``
- :mod:`~lamella.plugins.registry` — per-kind name tables (snake_case, aliases, overrides)
- :mod:`~lamella.plugins.loader` — entry points, environment switches, ``PluginInfo``
- :mod:`~lamella.plugins.lookup` — ``find``/``resolve``/``resolve_metric`` for the core
- :mod:`~lamella.plugins.custom_objects` — users' objects, scoped per thread
- :mod:`~lamella.plugins.facade` — ``get``/``serialize``/``deserialize`` of the facades
- :mod:`~lamella.plugins.first_party` — the generated index of first-party names
"""

import importlib
import warnings

from lamella.plugins.contract import (
    CONTRACT_VERSION,
    ENTRY_POINT_GROUP,
    Component,
    hookimpl,
)
from lamella.plugins.errors import (
    DuplicateComponentError,
    LamellaPluginWarning,
    MissingPluginError,
    PluginLoadError,
    UnknownComponentError,
)
from lamella.plugins.loader import PluginInfo, plugin_infos, register_plugin, unregister_plugin

__all__ = [
    "CONTRACT_VERSION",
    "ENTRY_POINT_GROUP",
    "Component",
    "DuplicateComponentError",
    "LamellaPluginWarning",
    "MissingPluginError",
    "PluginInfo",
    "PluginLoadError",
    "UnknownComponentError",
    "hookimpl",
    "plugin_infos",
    "register_plugin",
    "unregister_plugin",
]

# Names earlier versions of docs/plugins.md showed here; kept importable for one release.
_MOVED = {"reset": ("lamella.plugins.loader", "reset")}


def __getattr__(name):
    if name in _MOVED:
        module_name, attribute = _MOVED[name]
        warnings.warn(
            f"lamella.plugins.{name} is deprecated; use {module_name}.{attribute}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module_name), attribute)
    raise AttributeError(f"module 'lamella.plugins' has no attribute {name!r}")
