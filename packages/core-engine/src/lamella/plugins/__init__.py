"""lamella's plugin system: hook specifications, registries and the loader.

Plugin authors need only :class:`Component` and :data:`hookimpl`::

    from lamella.plugins import Component, hookimpl

    @hookimpl
    def lamella_layers():
        return [Component("MyLayer", "my_package.layers:MyLayer")]
"""

from lamella.plugins.manager import (
    ENTRY_POINT_GROUP,
    CustomObjectScope,
    LamellaPluginWarning,
    PluginInfo,
    PluginLoadError,
    custom_object_scope,
    ensure_loaded,
    find,
    get_custom_objects,
    hookimpl,
    plugin_infos,
    plugin_manager,
    register_plugin,
    registry,
    reset,
    resolve,
    resolve_metric,
    unregister_plugin,
)
from lamella.plugins.registry import (
    KIND_NOUNS,
    Component,
    DuplicateComponentError,
    MissingPluginError,
    UnknownComponentError,
    to_snake_case,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "KIND_NOUNS",
    "Component",
    "CustomObjectScope",
    "DuplicateComponentError",
    "LamellaPluginWarning",
    "MissingPluginError",
    "PluginInfo",
    "PluginLoadError",
    "UnknownComponentError",
    "custom_object_scope",
    "ensure_loaded",
    "find",
    "get_custom_objects",
    "hookimpl",
    "plugin_infos",
    "plugin_manager",
    "register_plugin",
    "registry",
    "reset",
    "resolve",
    "resolve_metric",
    "to_snake_case",
    "unregister_plugin",
]
