"""Discovering and loading plugins: entry points, environment switches, failure isolation.

Plugins load once, lazily, on the first lookup (never at ``import lamella``). Each entry point
of the ``lamella`` group is loaded inside its own try/except: a plugin whose import or hook
raises leaves no registration behind, a :class:`~lamella.plugins.LamellaPluginWarning` names
its distribution and error, and ``lamella plugins`` lists it as failed. "Raises" means any
``BaseException`` but ``KeyboardInterrupt``: a plugin calling ``sys.exit()`` while it loads
fails, it does not end the user's program.

Registrations are collected by calling each registration hook through pluggy, restricted to
the one plugin being loaded, so pluggy's argument passing applies exactly as for any hook.

Environment switches:

``LAMELLA_DISABLE_PLUGINS``
    ``1``/``all`` loads no entry-point plugin; otherwise a comma-separated list of
    distribution (or entry-point) names to skip, compared after PEP 503 normalisation
    (``My_Plugin`` = ``my-plugin`` = ``my.plugin``).
``LAMELLA_LOAD_PLUGINS``
    A comma-separated allow-list: only these distributions load (normalised alike).
``LAMELLA_STRICT_PLUGINS``
    ``1`` checks each plugin fully (every ``"module:attr"`` reference imports, no unknown
    ``lamella_*`` hook), treats a clash or an override between plugins as an error, and
    raises :class:`~lamella.plugins.PluginLoadError` instead of warning.
``LAMELLA_TRACE_PLUGINS``
    ``1`` prints each plugin's load time and registrations to stderr.

Example::

    from lamella.plugins import loader

    state = loader.load(strict=True)       # a private, fully checked load (lamella plugins)
    failed = [i for i in state.infos if i.status == "failed"]
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.util
import os
import re
import sys
import threading
import time
import warnings
from importlib import metadata
from typing import Any

import pluggy

from lamella.plugins import contract
from lamella.plugins.contract import KINDS, Component
from lamella.plugins.errors import LamellaPluginWarning, PluginLoadError
from lamella.plugins.registry import Registry, load_object

IN_PROCESS = "<registered in process>"


@dataclasses.dataclass
class PluginInfo:
    """What ``lamella plugins`` reports for one plugin.

    Example::

        >>> {i.name: i.status for i in lamella.plugins.plugin_infos()}
        {'lamella-core': 'loaded', 'lamella-layers': 'loaded', ...}
    """

    name: str
    version: str
    entry_point: str
    status: str  # "loaded" | "failed" | "disabled" | "incompatible"
    hooks: list[str] = dataclasses.field(default_factory=list)
    registered: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # kind -> names
    error: str | None = None
    load_seconds: float = 0.0
    unknown_hooks: list[str] = dataclasses.field(default_factory=list)
    # {"kind", "name", "with"}: a name this plugin and another one both claim (an error on use)
    clashes: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # {"kind", "name", "replaced"}: what this plugin's override=True took from another one
    overrides: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # {"kind", "name", "by"}: what another plugin's override=True took from this one
    overridden: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # the hook-contract range the plugin declares (LAMELLA_CONTRACT), None when it declares none
    contract: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class LoadedPlugins:
    """One load of every plugin: the pluggy manager, a registry per kind and the infos.

    Example::

        state = ensure_loaded()
        state.registries["layers"].find("Dense").distribution  # 'lamella-layers'
    """

    def __init__(self) -> None:
        self.plugin_manager = pluggy.PluginManager(contract.PROJECT_NAME)
        self.plugin_manager.add_hookspecs(contract)
        self.registries: dict[str, Registry] = {kind.key: Registry(kind.key) for kind in KINDS}
        self.infos: list[PluginInfo] = []


_state: LoadedPlugins | None = None
_lock = threading.RLock()
# The state being filled by ensure_loaded() in this thread: a lookup made while plugins load (a
# hook, or a component module strict mode imports, that looks a name up) sees what has
# registered so far instead of starting a second, recursive load.
_loading = threading.local()
_programmatic: list[tuple[Any, str]] = []  # (plugin, name) registered through register_plugin


# --- environment switches ------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """A distribution name as PEP 503 compares them: ``'My_Plugin.X'`` → ``'my-plugin-x'``.

    Example::

        >>> normalize_name("EvilPlug.ImportRaise")
        'evilplug-importraise'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def _env_list(variable: str) -> set:
    value = os.environ.get(variable, "").strip()
    return {normalize_name(item.strip()) for item in value.split(",") if item.strip()}


def _flag(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}


def strict_from_env() -> bool:
    """Whether ``LAMELLA_STRICT_PLUGINS`` asks for strict loading."""
    return _flag("LAMELLA_STRICT_PLUGINS")


def _skip_reason(distribution: str, entry_name: str) -> str | None:
    names = {normalize_name(distribution), normalize_name(entry_name)}
    disabled = _env_list("LAMELLA_DISABLE_PLUGINS")
    if disabled & {"1", "all", "true"} or disabled & names:
        return "disabled by LAMELLA_DISABLE_PLUGINS"
    allowed = _env_list("LAMELLA_LOAD_PLUGINS")
    if allowed and not allowed & names:
        return "not in LAMELLA_LOAD_PLUGINS"
    return None


def _entry_points() -> list:
    seen, result = set(), []
    for ep in metadata.entry_points(group=contract.ENTRY_POINT_GROUP):
        if (ep.name, ep.value) in seen:  # one distribution seen twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        result.append(ep)
    return sorted(result, key=lambda ep: ep.name)


# --- warnings --------------------------------------------------------------------------------


def _is_internal(frame) -> bool:
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] in {"lamella", "pluggy", "importlib"}


def _warn(message: str) -> None:
    """Warn with the stack level of the first caller outside lamella (the lookup's call site).

    The depth differs from lookup to lookup (a facade's ``get``, ``compile``, ``load_model``,
    ``register_plugin``), so a fixed ``stacklevel`` would point into lamella's own code.
    """
    frame, level = sys._getframe(0), 1
    while frame is not None and _is_internal(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, LamellaPluginWarning, stacklevel=level)


def _describe(exc: BaseException) -> str:
    """``"Type: message"``, or the bare type for an exception without one (``sys.exit()``)."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# What a plugin may raise and still be only a failed plugin: every BaseException but Ctrl-C.
# SystemExit too: a plugin calling sys.exit() at import must not end the user's program.
_NOT_CONTAINED = (KeyboardInterrupt,)


# --- one plugin ------------------------------------------------------------------------------


def _call_for(pm: pluggy.PluginManager, plugin: Any, hook_name: str) -> list:
    """Call one hook through pluggy, for ``plugin``'s implementations only."""
    others = [p for p in pm.get_plugins() if p is not plugin]
    return pm.subset_hook_caller(hook_name, remove_plugins=others)()


def _collect(pm: pluggy.PluginManager, plugin: Any) -> tuple[dict[str, list], list[str]]:
    """Call every registration hook the plugin implements; return ``({kind: [...]}, hooks)``."""
    records: dict[str, list] = {}
    hooks: list[str] = []
    for kind in KINDS:
        caller = getattr(pm.hook, kind.hook)
        if not any(impl.plugin is plugin for impl in caller.get_hookimpls()):
            continue
        hooks.append(kind.hook)
        for result in _call_for(pm, plugin, kind.hook):  # pluggy drops None results
            if not isinstance(result, (list, tuple)):
                raise TypeError(f"hook {kind.hook} must return a list of Component, got {result!r}")
            for record in result:
                if not isinstance(record, Component):
                    raise TypeError(
                        f"hook {kind.hook} returned {record!r}; expected lamella.plugins.Component"
                    )
            records.setdefault(kind.key, []).extend(result)
    if any(i.plugin is plugin for i in pm.hook.lamella_resolve_metric.get_hookimpls()):
        hooks.append("lamella_resolve_metric")
    return records, hooks


def _unknown_hooks(pm: pluggy.PluginManager, plugin: Any) -> list[str]:
    """``plugin``'s implementations of hooks that have no spec (what pluggy's check_pending
    rejects), each with a "did you mean" when a real hook is close."""
    known = [name for name in vars(pm.hook) if getattr(pm.hook, name).has_spec()]
    unknown = []
    for name, caller in sorted(vars(pm.hook).items()):
        if name.startswith("_") or caller.has_spec():
            continue
        if any(i.plugin is plugin and not i.optionalhook for i in caller.get_hookimpls()):
            close = difflib.get_close_matches(name, known, n=1)
            unknown.append(f"{name} (did you mean {close[0]}?)" if close else name)
    return unknown


def _installed(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):  # "a.b" whose parent "a" is missing raises
        return False


def _check_references(records: dict[str, list]) -> None:
    """Import every ``"module:attr"`` reference whose ``requires`` are installed (strict mode)."""
    for kind, components in records.items():
        for component in components:
            if not isinstance(component.obj, str):
                continue
            if not all(_installed(r) for r in component.requires):
                continue  # an optional dependency is missing: by design it fails only on use
            try:
                load_object(component.obj)
            except _NOT_CONTAINED:
                raise
            except BaseException as exc:  # noqa: BLE001 (SystemExit at import is a failure too)
                noun = contract.KINDS_BY_KEY[kind].noun
                raise ImportError(
                    f"{noun} {component.name!r} refers to {component.obj!r}, which cannot be"
                    f" imported: {_describe(exc)}"
                ) from exc


def _add_plugin(state, plugin, name, version, entry_point, *, strict, raise_errors) -> None:
    """Register one plugin object; all or nothing."""
    started = time.perf_counter()
    declared = getattr(plugin, contract.CONTRACT_ATTRIBUTE, None)
    try:
        problem = contract.contract_problem(declared)
    except ValueError as exc:
        _report_failure(state, name, version, entry_point, exc, started=started,
                        raise_errors=raise_errors)
        return
    if problem is not None:
        _report_incompatible(state, name, version, entry_point, declared, problem,
                             raise_errors=raise_errors)
        return
    pm = state.plugin_manager
    registered_with_pm = False
    try:
        pm.register(plugin, name=name)
        registered_with_pm = True
        unknown = _unknown_hooks(pm, plugin)
        records, hooks = _collect(pm, plugin)
        if strict and unknown:
            raise pluggy.PluginValidationError(plugin, f"unknown hooks: {', '.join(unknown)}")
        if strict:
            _check_references(records)
    except _NOT_CONTAINED:
        if registered_with_pm:
            pm.unregister(plugin)
        raise
    except BaseException as exc:  # noqa: BLE001 (a broken plugin must not break lamella)
        if registered_with_pm:
            pm.unregister(plugin)
        _report_failure(state, name, version, entry_point, exc, started=started,
                        raise_errors=raise_errors)
        return
    for kind, components in records.items():
        for component in components:
            state.registries[kind].add(component, name, in_process=entry_point == IN_PROCESS)
    info = PluginInfo(
        name=name,
        version=version,
        entry_point=entry_point,
        status="loaded",
        hooks=hooks,
        registered={kind: [c.name for c in comps] for kind, comps in records.items() if comps},
        load_seconds=time.perf_counter() - started,
        unknown_hooks=unknown,
        contract=declared,
    )
    state.infos.append(info)
    if unknown:
        _warn(
            f"lamella plugin {name!r} implements hooks lamella does not know, which are never"
            f" called: {', '.join(unknown)}"
        )
    _trace(info)


def _report_failure(state, name, version, entry_point, exc, *, started, raise_errors) -> None:
    error = _describe(exc)
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
    if raise_errors:
        raise PluginLoadError(f"lamella plugin {name!r} failed to load: {error}") from exc
    _warn(f"lamella plugin {name!r} failed to load and was skipped: {error}")


def _report_incompatible(state, name, version, entry_point, declared, problem, *,
                         raise_errors) -> None:
    """A plugin written for another hook contract: listed, never loaded (its hooks could be
    called with arguments or expected to return records it does not know)."""
    error = (f"{problem}; install a version of {name!r} that supports contract"
             f" {contract.CONTRACT_VERSION}, or a lamella-core its range allows")
    state.infos.append(PluginInfo(name=name, version=version, entry_point=entry_point,
                                  status="incompatible", error=error, contract=declared))
    if raise_errors:
        raise PluginLoadError(f"lamella plugin {name!r} is incompatible: {error}")
    _warn(f"lamella plugin {name!r} was skipped: it {error}")


def _trace(info: PluginInfo) -> None:
    if _flag("LAMELLA_TRACE_PLUGINS"):
        counts = ", ".join(f"{k}: {len(v)}" for k, v in info.registered.items()) or "nothing"
        print(
            f"lamella: plugin {info.name} {info.status} in {info.load_seconds * 1000:.1f} ms"
            f" ({counts})",
            file=sys.stderr,
        )


# --- every plugin ----------------------------------------------------------------------------


def load(
    strict: bool | None = None, raise_errors: bool | None = None, in_process: bool = True
) -> LoadedPlugins:
    """Load every plugin into a new :class:`LoadedPlugins`, without making it the current one.

    :param strict: check each plugin fully (every reference imports, no unknown hook) and
        fail it otherwise; defaults to ``LAMELLA_STRICT_PLUGINS``.
    :param raise_errors: raise :class:`PluginLoadError` on the first failure instead of
        warning; defaults to ``LAMELLA_STRICT_PLUGINS``.
    :param in_process: include the plugins given to :func:`register_plugin`.
    """
    state = LoadedPlugins()
    _fill(state, strict, raise_errors, in_process)
    return state


def _fill(state, strict=None, raise_errors=None, in_process=True) -> None:
    """Load the entry points, then the in-process plugins, into ``state`` (see :func:`load`)."""
    strict = strict_from_env() if strict is None else strict
    raise_errors = strict_from_env() if raise_errors is None else raise_errors
    for ep in _entry_points():
        # A broken installation can have metadata without a name or version.
        distribution = (ep.dist.name if ep.dist is not None else None) or ep.name
        version = (ep.dist.version if ep.dist is not None else None) or ""
        reason = _skip_reason(distribution, ep.name)
        if reason:
            info = PluginInfo(distribution, version, ep.value, "disabled", error=reason)
            state.infos.append(info)
            continue
        started = time.perf_counter()
        try:
            plugin = ep.load()
        except _NOT_CONTAINED:
            raise
        except BaseException as exc:  # noqa: BLE001 (sys.exit() at import: a failed plugin)
            _report_failure(state, distribution, version, ep.value, exc, started=started,
                            raise_errors=raise_errors)
            continue
        _add_plugin(state, plugin, distribution, version, ep.value, strict=strict,
                    raise_errors=raise_errors)
    if in_process:
        for plugin, name in list(_programmatic):
            _add_plugin(state, plugin, name, "", IN_PROCESS, strict=strict,
                        raise_errors=raise_errors)
    problems = review(state)
    if strict and raise_errors and problems:
        raise PluginLoadError(
            "lamella plugins take one another's names (LAMELLA_STRICT_PLUGINS is set): "
            + "; ".join(problems)
        )


# --- clashes and overrides -------------------------------------------------------------------


def _problems_of(info: PluginInfo) -> list[str]:
    """One line per clash and override ``info`` records (what strict mode rejects)."""
    lines = [f"{c['kind']} {c['name']!r}: also registered by {c['with']!r}" for c in info.clashes]
    lines += [f"{o['kind']} {o['name']!r}: overrides {o['replaced']!r}" for o in info.overrides]
    lines += [f"{o['kind']} {o['name']!r}: overridden by {o['by']!r}" for o in info.overridden]
    return lines


def review(state: LoadedPlugins) -> list[str]:
    """Record on each :class:`PluginInfo` the names it clashes on and what it overrides or lost
    to an override; return one line per clash and override (strict mode's errors).

    Example::

        >>> review(loader.load())
        ["metrics 'auc': registered by both 'lamella-metrics' and 'evil-plugin'"]
    """
    by_name = {info.name: info for info in state.infos}
    for info in state.infos:
        info.clashes, info.overrides, info.overridden = [], [], []
    problems = []
    for kind, registry in state.registries.items():
        for name, first, second in registry.clashes():
            problems.append(
                f"{kind} {name!r}: registered by both {first.distribution!r} and"
                f" {second.distribution!r}"
            )
            for entry, other in ((first, second), (second, first)):
                if entry.distribution in by_name:
                    by_name[entry.distribution].clashes.append(
                        {"kind": kind, "name": name, "with": other.distribution}
                    )
        for name, winner, loser in registry.overrides():
            problems.append(
                f"{kind} {name!r}: {winner.distribution!r} overrides {loser.distribution!r}"
            )
            if winner.distribution in by_name:
                by_name[winner.distribution].overrides.append(
                    {"kind": kind, "name": name, "replaced": loser.distribution}
                )
            if loser.distribution in by_name:
                by_name[loser.distribution].overridden.append(
                    {"kind": kind, "name": name, "by": winner.distribution}
                )
    return problems


def ensure_loaded() -> LoadedPlugins:
    """Load every plugin once; later calls return the same state."""
    global _state
    if _state is None:
        with _lock:
            partial = getattr(_loading, "state", None)
            if partial is not None:
                return partial
            if _state is None:
                state = _loading.state = LoadedPlugins()
                try:
                    _fill(state)
                finally:
                    _loading.state = None
                _state = state
    return _state


def is_loaded() -> bool:
    """Whether plugins have been loaded since the last :func:`reset`."""
    return _state is not None


def reset() -> None:
    """Forget every loaded plugin; the next lookup discovers them again (for tests)."""
    global _state
    with _lock:
        _state = None


def register_plugin(plugin: Any, name: str | None = None) -> str:
    """Register an in-process plugin (a module or object with hook implementations).

    It counts from the next lookup on, like an installed plugin, and survives :func:`reset`.
    Under ``LAMELLA_STRICT_PLUGINS`` a plugin registered after loading that fails, clashes with
    or overrides another plugin raises :class:`PluginLoadError` and is not added.

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
            strict = strict_from_env()
            _add_plugin(_state, plugin, name, "", IN_PROCESS, strict=strict, raise_errors=strict)
            review(_state)
            info = next((i for i in _state.infos if i.name == name), None)
            problems = _problems_of(info) if info is not None else []
            if strict and problems:
                _forget(_state, name)
                review(_state)
                raise PluginLoadError(
                    f"lamella plugin {name!r} takes names of other plugins"
                    f" (LAMELLA_STRICT_PLUGINS is set): " + "; ".join(problems)
                )
    return name


def _forget(state: LoadedPlugins, name: str) -> None:
    """Take one plugin's hooks, registrations and info out of ``state``."""
    plugin = state.plugin_manager.get_plugin(name)
    if plugin is not None:
        state.plugin_manager.unregister(plugin)
    for registry in state.registries.values():
        registry.remove_distribution(name)
    state.infos = [i for i in state.infos if i.name != name]


def unregister_plugin(name: str) -> None:
    """Remove an in-process plugin registered with :func:`register_plugin`.

    Example::

        lamella.plugins.unregister_plugin("my-plugin")
    """
    with _lock:
        _programmatic[:] = [(p, n) for p, n in _programmatic if n != name]
        if _state is not None:
            _forget(_state, name)
            review(_state)


def plugin_infos() -> list[PluginInfo]:
    """:class:`PluginInfo` for every discovered plugin, loaded, failed or disabled.

    Example::

        failed = [i.name for i in lamella.plugins.plugin_infos() if i.status == "failed"]
    """
    return list(ensure_loaded().infos)


def plugin_manager() -> pluggy.PluginManager:
    """The pluggy ``PluginManager`` holding every loaded plugin."""
    return ensure_loaded().plugin_manager
