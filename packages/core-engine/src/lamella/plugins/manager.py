"""Discovering and loading plugins, and resolving names through them.

Plugins load once, lazily, on the first lookup (never at ``import lamella``). Each entry point
of the ``lamella`` group is loaded inside its own try/except: a plugin whose import or hook
raises leaves no registration behind, a :class:`LamellaPluginWarning` names its distribution and
error, and ``lamella plugins`` lists it as failed.

Environment switches:

``LAMELLA_DISABLE_PLUGINS``
    ``1``/``all`` loads no entry-point plugin; otherwise a comma-separated list of
    distribution (or entry-point) names to skip.
``LAMELLA_LOAD_PLUGINS``
    A comma-separated allow-list: only these distributions load.
``LAMELLA_STRICT_PLUGINS``
    ``1`` raises :class:`PluginLoadError` instead of warning.
``LAMELLA_TRACE_PLUGINS``
    ``1`` prints each plugin's load time and registrations to stderr.
"""

import dataclasses
import os
import sys
import threading
import time
import warnings
from importlib import metadata

import pluggy

from lamella.plugins import hookspecs
from lamella.plugins.first_party import FIRST_PARTY
from lamella.plugins.registry import (
    Component,
    MissingPluginError,
    Registry,
    UnknownComponentError,
    to_snake_case,
)

ENTRY_POINT_GROUP = "lamella"

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT_NAME)


class LamellaPluginWarning(UserWarning):
    """A plugin failed to load and was skipped."""


class PluginLoadError(RuntimeError):
    """A plugin failed to load while ``LAMELLA_STRICT_PLUGINS`` is set."""


@dataclasses.dataclass
class PluginInfo:
    """What ``lamella plugins`` reports for one plugin."""

    name: str
    version: str
    entry_point: str
    status: str  # "loaded" | "failed" | "disabled"
    hooks: list = dataclasses.field(default_factory=list)
    registered: dict = dataclasses.field(default_factory=dict)  # kind -> [names]
    error: str = None
    load_seconds: float = 0.0

    def to_dict(self):
        return dataclasses.asdict(self)


class _State:
    def __init__(self):
        self.plugin_manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.plugin_manager.add_hookspecs(hookspecs)
        self.registries = {kind: Registry(kind) for kind in hookspecs.REGISTRATION_HOOKS.values()}
        self.infos = []


_state = None
_lock = threading.RLock()
_programmatic = []  # (plugin object, name) registered through register_plugin()


def _env_list(variable):
    value = os.environ.get(variable, "").strip()
    return {item.strip().lower() for item in value.split(",") if item.strip()}


def _skip_reason(distribution, entry_name):
    names = {distribution.lower(), entry_name.lower()}
    disabled = _env_list("LAMELLA_DISABLE_PLUGINS")
    if disabled & {"1", "all", "true"} or disabled & names:
        return "disabled by LAMELLA_DISABLE_PLUGINS"
    allowed = _env_list("LAMELLA_LOAD_PLUGINS")
    if allowed and not allowed & names:
        return "not in LAMELLA_LOAD_PLUGINS"
    return None


def _flag(variable):
    return os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}


def _entry_points():
    seen, result = set(), []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if (ep.name, ep.value) in seen:
            continue
        seen.add((ep.name, ep.value))
        result.append(ep)
    return sorted(result, key=lambda ep: ep.name)


def _collect(plugin_manager, plugin):
    """Call every registration hook the plugin implements; return ``({kind: [...]}, hooks)``."""
    records, hooks = {}, []
    for hook_name, kind in hookspecs.REGISTRATION_HOOKS.items():
        caller = getattr(plugin_manager.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            hooks.append(hook_name)
            result = impl.function()
            if result is None:
                result = []
            if not isinstance(result, (list, tuple)):
                raise TypeError(f"hook {hook_name} must return a list of Component, got {result!r}")
            for record in result:
                if not isinstance(record, Component):
                    raise TypeError(
                        f"hook {hook_name} returned {record!r}; expected lamella.plugins.Component"
                    )
            records.setdefault(kind, []).extend(result)
    for impl in plugin_manager.hook.lamella_resolve_metric.get_hookimpls():
        if impl.plugin is plugin:
            hooks.append("lamella_resolve_metric")
    return records, hooks


def _add_plugin(state, plugin, name, version, entry_point):
    """Register one plugin object; all or nothing."""
    started = time.perf_counter()
    registered_with_pm = False
    try:
        state.plugin_manager.register(plugin, name=name)
        registered_with_pm = True
        records, hooks = _collect(state.plugin_manager, plugin)
    except Exception as exc:  # a broken plugin must not break lamella
        if registered_with_pm:
            state.plugin_manager.unregister(plugin)
        _report_failure(state, name, version, entry_point, exc, started)
        return
    for kind, components in records.items():
        for component in components:
            state.registries[kind].add(component, name)
    info = PluginInfo(
        name=name,
        version=version,
        entry_point=entry_point,
        status="loaded",
        hooks=hooks,
        registered={kind: [c.name for c in comps] for kind, comps in records.items() if comps},
        load_seconds=time.perf_counter() - started,
    )
    state.infos.append(info)
    _trace(info)


def _report_failure(state, name, version, entry_point, exc, started):
    error = f"{type(exc).__name__}: {exc}"
    state.infos.append(
        PluginInfo(
            name=name,
            version=version,
            entry_point=entry_point,
            status="failed",
            error=error,
            load_seconds=time.perf_counter() - started,
        )
    )
    if _flag("LAMELLA_STRICT_PLUGINS"):
        raise PluginLoadError(f"lamella plugin {name!r} failed to load: {error}") from exc
    warnings.warn(
        f"lamella plugin {name!r} failed to load and was skipped: {error}",
        LamellaPluginWarning,
        stacklevel=4,
    )


def _trace(info):
    if _flag("LAMELLA_TRACE_PLUGINS"):
        counts = ", ".join(f"{k}: {len(v)}" for k, v in info.registered.items()) or "nothing"
        print(
            f"lamella: plugin {info.name} {info.status} in {info.load_seconds * 1000:.1f} ms ({counts})",
            file=sys.stderr,
        )


def _load():
    state = _State()
    for ep in _entry_points():
        distribution = ep.dist.name if ep.dist is not None else ep.name
        version = ep.dist.version if ep.dist is not None else ""
        reason = _skip_reason(distribution, ep.name)
        if reason:
            state.infos.append(
                PluginInfo(distribution, version, ep.value, "disabled", error=reason)
            )
            continue
        started = time.perf_counter()
        try:
            plugin = ep.load()
        except Exception as exc:
            _report_failure(state, distribution, version, ep.value, exc, started)
            continue
        _add_plugin(state, plugin, distribution, version, ep.value)
    for plugin, name in _programmatic:
        _add_plugin(state, plugin, name, "", "<registered in process>")
    return state


def ensure_loaded():
    """Load every plugin once; later calls return the same state."""
    global _state
    if _state is None:
        with _lock:
            if _state is None:
                _state = _load()
    return _state


def reset():
    """Forget every loaded plugin; the next lookup discovers them again (for tests)."""
    global _state
    with _lock:
        _state = None


def register_plugin(plugin, name=None):
    """Register an in-process plugin (a module or object with hook implementations).

    Example::

        class MyPlugin:
            @hookimpl
            def lamella_activations(self):
                return [Component("swish", swish)]

        lamella.plugins.register_plugin(MyPlugin(), name="my-plugin")
    """
    name = name or getattr(plugin, "__name__", type(plugin).__name__)
    with _lock:
        _programmatic.append((plugin, name))
        if _state is not None:
            _add_plugin(_state, plugin, name, "", "<registered in process>")
    return name


def unregister_plugin(name):
    """Remove an in-process plugin registered with :func:`register_plugin`."""
    with _lock:
        _programmatic[:] = [(p, n) for p, n in _programmatic if n != name]
        if _state is not None:
            plugin = _state.plugin_manager.get_plugin(name)
            if plugin is not None:
                _state.plugin_manager.unregister(plugin)
            for registry in _state.registries.values():
                registry.remove_distribution(name)
            _state.infos = [i for i in _state.infos if i.name != name]


def plugin_infos():
    """:class:`PluginInfo` for every discovered plugin, loaded, failed or disabled."""
    return list(ensure_loaded().infos)


def registry(kind):
    """The :class:`~lamella.plugins.registry.Registry` of one kind."""
    try:
        return ensure_loaded().registries[kind]
    except KeyError:
        kinds = ", ".join(hookspecs.REGISTRATION_HOOKS.values())
        raise ValueError(f"Unknown component kind {kind!r}; expected one of: {kinds}") from None


def plugin_manager():
    """The pluggy ``PluginManager`` holding every loaded plugin."""
    return ensure_loaded().plugin_manager


# --- users' own objects (Keras's custom_objects) -------------------------------------------

_custom_objects = {}


def get_custom_objects():
    """The global dict of user objects; names in it win over every plugin.

    Example::

        lamella.utils.get_custom_objects()["swish"] = swish
    """
    return _custom_objects


class CustomObjectScope:
    """Make objects resolvable by name inside a ``with`` block (Keras's ``CustomObjectScope``).

    Example::

        with CustomObjectScope({"MyLayer": MyLayer}):
            model = lamella.models.load_model("m.h5")
    """

    def __init__(self, *scopes):
        self.scopes = scopes
        self._backup = None

    def __enter__(self):
        self._backup = dict(_custom_objects)
        for scope in self.scopes:
            _custom_objects.update(scope)
        return self

    def __exit__(self, *exc_info):
        _custom_objects.clear()
        _custom_objects.update(self._backup)


def custom_object_scope(*scopes):
    """``with custom_object_scope({...}):`` – the functional spelling of CustomObjectScope."""
    return CustomObjectScope(*scopes)


def first_party_provider(kind, name):
    """The first-party distribution that provides ``name``, if it is not installed."""
    table = FIRST_PARTY.get(kind, {})
    provider = table.get(name)
    if provider is None:  # other spellings: any capitalisation, the snake_case form
        folded = {}
        for key, value in table.items():
            folded.setdefault(key.lower(), value)
            folded.setdefault(to_snake_case(key), value)
        provider = folded.get(name.lower()) or folded.get(name)
    if provider is None:
        return None
    installed = {info.name for info in ensure_loaded().infos if info.status == "loaded"}
    return None if provider in installed else provider


def find(kind, name, custom_objects=None):
    """The object registered as ``name``, or ``None`` (users' objects first)."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _custom_objects:
        return _custom_objects[name]
    entry = registry(kind).find(name)
    return None if entry is None else entry.obj


def resolve(kind, name, custom_objects=None):
    """The object registered as ``name``; a clear error when there is none."""
    obj = find(kind, name, custom_objects)
    if obj is not None:
        return obj
    provider = first_party_provider(kind, name)
    if provider:
        raise MissingPluginError(kind, name, provider=provider)
    raise UnknownComponentError(kind, name, suggestions=registry(kind).suggestions(name))


def resolve_metric(name, loss, output_shape):
    """Ask the plugins what a context-dependent metric name (``'accuracy'``) means."""
    return plugin_manager().hook.lamella_resolve_metric(
        name=name, loss=loss, output_shape=output_shape
    )
