"""Loading plugins: failures stay contained, strict mode, the env switches, lazy discovery,
and every hook being exercised."""

import json
import pathlib
import subprocess
import sys
import textwrap
import warnings

import pytest

import lamella
import lamella.plugins as lp
from lamella.plugins import (
    Component,
    LamellaPluginWarning,
    PluginLoadError,
    contract,
    loader,
    lookup,
)
from lamella.testing import subprocess_env


def _raise(exc):
    def hook():
        raise exc

    return hook


def _cls(name):
    return type(name, (), {})


# --- a failing plugin ------------------------------------------------------------------------


def test_raising_hook_warns_and_leaves_no_partial_registration(plugin_sandbox):
    good = plugin_sandbox.register(
        {"layers": [Component("ZqGood", _cls("ZqGood"))]}, name="good-plugin"
    )
    # lamella_layers is collected before lamella_activations: its records must not survive.
    plugin_sandbox.register(
        {
            "layers": [Component("ZqPartial", _cls("ZqPartial"))],
            "activations": _raise(RuntimeError("boom in activations")),
        },
        name="broken-plugin",
    )
    with pytest.warns(LamellaPluginWarning) as record:
        loader.ensure_loaded()
    messages = [str(w.message) for w in record if issubclass(w.category, LamellaPluginWarning)]
    assert len(messages) == 1
    assert "'broken-plugin'" in messages[0]
    assert "RuntimeError: boom in activations" in messages[0]

    assert lookup.find("layers", "ZqPartial") is None
    assert lookup.find("layers", "zq_partial") is None
    assert lookup.find("layers", "ZqGood") is not None
    assert lookup.find("layers", "InputLayer") is not None  # lamella-core's own
    assert loader.plugin_manager().get_plugin("broken-plugin") is None

    infos = {info.name: info for info in lp.plugin_infos()}
    broken = infos["broken-plugin"]
    assert broken.status == "failed"
    assert broken.error == "RuntimeError: boom in activations"
    assert broken.registered == {}
    assert infos[good].status == "loaded"
    assert infos["lamella-core"].status == "loaded"


def test_plugin_failing_after_load_warns_at_registration(plugin_sandbox):
    loader.ensure_loaded()
    with pytest.warns(LamellaPluginWarning, match="'late-broken'.*ValueError: late"):
        plugin_sandbox.register(
            {"losses": _raise(ValueError("late")), "metrics": [Component("zq_m", _cls("zq_m"))]},
            name="late-broken",
        )
    assert lookup.find("metrics", "zq_m") is None
    assert lookup.find("layers", "InputLayer") is not None


def test_strict_mode_raises_plugin_load_error(plugin_sandbox):
    plugin_sandbox.register({"optimizers": _raise(KeyError("strict"))}, name="strict-broken")
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LamellaPluginWarning)  # strict raises, never only warns
        with pytest.raises(PluginLoadError) as info:
            lookup.find("optimizers", "anything")
    assert "'strict-broken'" in str(info.value)
    assert "KeyError" in str(info.value)
    assert isinstance(info.value.__cause__, KeyError)
    # nothing half-loaded is kept: the next lookup tries again
    assert not loader.is_loaded()
    plugin_sandbox.unregister("strict-broken")
    assert lookup.find("layers", "InputLayer") is not None


@pytest.mark.parametrize(
    "result, fragment",
    [
        (["ZqNotAComponent"], "expected lamella.plugins.Component"),
        ([Component("ZqOk", object), ("ZqTuple", object)], "expected lamella.plugins.Component"),
        ({"ZqDict": object}, "must return a list of Component"),
        (Component("ZqBare", object), "must return a list of Component"),
        ("ZqString", "must return a list of Component"),
    ],
)
def test_hook_returning_non_components_is_a_failure(plugin_sandbox, result, fragment):
    plugin_sandbox.register({"layers": lambda: result}, name="wrong-type")
    with pytest.warns(LamellaPluginWarning, match="'wrong-type'.*TypeError") as record:
        loader.ensure_loaded()
    assert any(fragment in str(w.message) for w in record)
    info = {i.name: i for i in lp.plugin_infos()}["wrong-type"]
    assert info.status == "failed" and fragment in info.error
    assert lookup.find("layers", "ZqOk") is None


def test_hook_returning_none_or_empty_is_fine(plugin_sandbox):
    plugin_sandbox.register({"layers": lambda: None, "losses": []}, name="empty-plugin")
    info = {i.name: i for i in lp.plugin_infos()}["empty-plugin"]
    assert info.status == "loaded" and info.registered == {}
    assert set(info.hooks) == {"lamella_layers", "lamella_losses"}


def test_loaded_plugin_info(plugin_sandbox):
    plugin_sandbox.register(
        {
            "layers": [Component("ZqInfoLayer", _cls("ZqInfoLayer"))],
            "losses": [Component("zq_info_loss", _cls("zq_info_loss"), aliases=("zqil",))],
        },
        name="info-plugin",
    )
    info = {i.name: i for i in lp.plugin_infos()}["info-plugin"]
    assert info.status == "loaded" and info.error is None
    assert info.entry_point == "<registered in process>"
    assert info.registered == {"layers": ["ZqInfoLayer"], "losses": ["zq_info_loss"]}
    assert info.hooks == ["lamella_layers", "lamella_losses"]
    as_dict = info.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert set(as_dict) == {
        "name",
        "version",
        "entry_point",
        "status",
        "hooks",
        "registered",
        "error",
        "load_seconds",
        "unknown_hooks",
        "clashes",
        "overrides",
        "overridden",
        "contract",
    }
    assert as_dict["unknown_hooks"] == []
    assert as_dict["clashes"] == as_dict["overrides"] == as_dict["overridden"] == []


def test_reset_rediscovers(plugin_sandbox):
    first = loader.ensure_loaded()
    assert loader.ensure_loaded() is first
    loader.reset()
    assert not loader.is_loaded()
    assert loader.ensure_loaded() is not first


# --- every hook ------------------------------------------------------------------------------


@pytest.mark.parametrize("hook_name, kind", sorted((k.hook, k.key) for k in contract.KINDS))
def test_every_registration_hook_registers_its_kind(plugin_sandbox, hook_name, kind):
    obj = _cls("ZqHookProbe")
    name = plugin_sandbox.register({hook_name: [Component("ZqHookProbe", obj, aliases=("zqhp",))]})
    assert lookup.find(kind, "ZqHookProbe") is obj
    assert lookup.find(kind, "zq_hook_probe") is obj
    assert lookup.find(kind, "zqhp") is obj
    info = {i.name: i for i in lp.plugin_infos()}[name]
    assert info.hooks == [hook_name] and info.registered == {kind: ["ZqHookProbe"]}
    other_kinds = set(contract.KINDS_BY_KEY) - {kind}
    assert all(lookup.find(k, "ZqHookProbe") is None for k in other_kinds)


def test_hookspecs_cover_every_kind():
    specs = {
        name
        for name in dir(contract)
        if name.startswith("lamella_") and hasattr(getattr(contract, name), "lamella_spec")
    }
    assert specs == set(contract.KINDS_BY_HOOK) | {"lamella_resolve_metric"}
    assert [k.hook for k in contract.KINDS] == [f"lamella_{k.key}" for k in contract.KINDS]
    for name in specs:
        assert (getattr(contract, name).__doc__ or "").strip(), f"hookspec {name} has no docstring"


def test_resolve_metric_hook_first_answer_wins(plugin_sandbox):
    calls = []

    class Declines:
        @lp.hookimpl
        def lamella_resolve_metric(self, name):  # names only the argument it needs
            calls.append(name)
            return None

    class Answers:
        @lp.hookimpl
        def lamella_resolve_metric(self, name, loss, output_shape):
            if name in ("acc", "accuracy"):
                return ("resolved", name, loss, output_shape)
            return None

    plugin_sandbox.register(Declines(), name="declines")
    plugin_sandbox.register(Answers(), name="answers")
    assert lookup.resolve_metric("acc", "mse", (None, 3)) == ("resolved", "acc", "mse", (None, 3))
    assert lookup.resolve_metric("unknown-metric", "mse", (None, 3)) is None
    assert "unknown-metric" in calls
    infos = {i.name: i for i in lp.plugin_infos()}
    assert infos["answers"].hooks == ["lamella_resolve_metric"]


# --- environment switches (real entry points) ------------------------------------------------


def test_disable_plugins_by_name(plugin_sandbox):
    plugin_sandbox.all_plugins()
    plugin_sandbox.setenv("LAMELLA_DISABLE_PLUGINS", "lamella-core")
    infos = {i.name: i for i in lp.plugin_infos()}
    assert infos["lamella-core"].status == "disabled"
    assert "LAMELLA_DISABLE_PLUGINS" in infos["lamella-core"].error
    assert lookup.find("layers", "InputLayer") is None
    assert all(i.status != "disabled" for n, i in infos.items() if n != "lamella-core")


@pytest.mark.parametrize("value", ["1", "all", "ALL", "true"])
def test_disable_all_plugins(plugin_sandbox, value):
    plugin_sandbox.all_plugins()
    plugin_sandbox.setenv("LAMELLA_DISABLE_PLUGINS", value)
    name = plugin_sandbox.register({"layers": [Component("ZqStillHere", object)]})
    infos = lp.plugin_infos()
    entry_points = [i for i in infos if i.name != name]
    assert entry_points and all(i.status == "disabled" for i in entry_points)
    assert lookup.find("layers", "InputLayer") is None
    # in-process registrations are the program's own choice and still count
    assert lookup.find("layers", "ZqStillHere") is object


def test_load_plugins_allow_list(plugin_sandbox):
    plugin_sandbox.all_plugins()
    plugin_sandbox.setenv("LAMELLA_LOAD_PLUGINS", "Lamella-Core, some-other")
    infos = lp.plugin_infos()
    statuses = {i.name: i.status for i in infos}
    assert statuses["lamella-core"] == "loaded"
    for info in infos:
        if info.name != "lamella-core":
            assert info.status == "disabled"
            assert info.error == "not in LAMELLA_LOAD_PLUGINS"


def test_trace_plugins_prints_to_stderr(plugin_sandbox, capsys):
    plugin_sandbox.setenv("LAMELLA_TRACE_PLUGINS", "1")
    plugin_sandbox.register({"layers": [Component("ZqTraced", object)]}, name="traced-plugin")
    loader.ensure_loaded()
    err = capsys.readouterr().err
    assert "lamella: plugin lamella-core loaded in" in err
    assert "lamella: plugin traced-plugin loaded in" in err and "layers: 1" in err


def test_no_trace_by_default(plugin_sandbox, capsys):
    loader.ensure_loaded()
    assert "lamella: plugin" not in capsys.readouterr().err


# --- lazy discovery --------------------------------------------------------------------------


LAZY_PROBE = textwrap.dedent(
    """
    import json, sys
    def plugin_modules():
        return sorted(m for m in sys.modules
                      if m.startswith("lamella_") or m in ("lamella._plugin",))
    report = {}
    import lamella
    report["after_import"] = plugin_modules()
    report["plugins_imported"] = "lamella.plugins" in sys.modules
    HEAVY = ("h5py", "yaml", "horovod", "lamella_io")
    report["heavy"] = sorted(m for m in HEAVY if m in sys.modules)
    report["version"] = lamella.__version__
    import lamella.plugins
    from lamella import layers, optimizers, losses, metrics, callbacks, activations
    from lamella import initializers, regularizers, constraints
    from lamella.layers import Layer
    from lamella.optimizers import Optimizer
    from lamella.losses import Loss
    from lamella.metrics import Metric
    from lamella.callbacks import Callback
    import lamella.plugins.loader as loader
    report["after_facades"] = plugin_modules()
    report["state_after_facades"] = loader.is_loaded()
    report["heavy_after_facades"] = sorted(m for m in HEAVY[:3] if m in sys.modules)
    layers.get("InputLayer")
    report["state_after_lookup"] = loader.is_loaded()
    report["after_lookup"] = plugin_modules()
    print(json.dumps(report))
    """
)


def _clean_env():
    return subprocess_env()  # keeps PYTHONPATH: lamella may be installed through it


def test_import_lamella_loads_no_plugin():
    proc = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["after_import"] == []
    assert report["plugins_imported"] is False
    assert report["heavy"] == []
    assert report["after_facades"] == []
    assert report["state_after_facades"] is False
    assert report["heavy_after_facades"] == []
    # and the first lookup does load them
    assert report["state_after_lookup"] is True
    assert "lamella._plugin" in report["after_lookup"]


def test_import_lamella_is_cheap():
    probe = (
        "import sys, lamella;"
        " print(sorted(m for m in ('torch','numpy','pluggy') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=_clean_env(), timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "pluggy" not in proc.stdout


# --- hooks are called through pluggy ---------------------------------------------------------


def test_registration_hooks_are_called_through_pluggy(plugin_sandbox):
    # pluggy's own features work for registration hooks: an implementation under another
    # function name (specname), and two implementations of one hook in one plugin.
    class Plugin:
        @lp.hookimpl(specname="lamella_layers")
        def core_layers(self):
            return [Component("ZqViaSpecname", _cls("ZqViaSpecname"))]

        @lp.hookimpl(specname="lamella_layers")
        def extra_layers(self):
            return [Component("ZqSecondImpl", _cls("ZqSecondImpl"))]

    name = plugin_sandbox.register(Plugin())
    assert lookup.find("layers", "ZqViaSpecname") is not None
    assert lookup.find("layers", "ZqSecondImpl") is not None
    info = {i.name: i for i in lp.plugin_infos()}[name]
    assert sorted(info.registered["layers"]) == ["ZqSecondImpl", "ZqViaSpecname"]


def test_registration_hooks_honour_pluggy_wrappers(plugin_sandbox):
    # Calling implementations by hand (impl.function()) would call the wrapper as a plain
    # function and get a generator; through pluggy it wraps the plugin's own registrations.
    class Plugin:
        @lp.hookimpl
        def lamella_activations(self):
            return [Component("zq_wrapped", _cls("zq_wrapped"))]

        @lp.hookimpl(wrapper=True, specname="lamella_activations")
        def add_aliases(self):
            results = yield
            return [
                [Component(c.name, c.obj, aliases=(*c.aliases, c.name.upper())) for c in result]
                for result in results
            ]

    plugin_sandbox.register(Plugin())
    assert lookup.find("activations", "ZQ_WRAPPED") is lookup.find("activations", "zq_wrapped")
    assert lookup.find("activations", "zq_wrapped") is not None


def test_hook_naming_an_argument_lamella_does_not_pass_fails_cleanly(plugin_sandbox):
    class Plugin:
        @lp.hookimpl
        def lamella_layers(self, config):  # registration hooks take no argument (yet)
            return [Component("ZqNeedsConfig", object)]

    plugin_sandbox.register(Plugin(), name="wants-config")
    with pytest.warns(LamellaPluginWarning, match="'wants-config'.*PluginValidationError"):
        loader.ensure_loaded()
    info = {i.name: i for i in lp.plugin_infos()}["wants-config"]
    assert info.status == "failed" and "config" in info.error
    assert lookup.find("layers", "ZqNeedsConfig") is None


# --- unknown hooks and strict checks ---------------------------------------------------------


def _typo_plugin():
    class Plugin:
        @lp.hookimpl
        def lamella_layer(self):  # the typo a plugin author makes: lamella_layers
            return [Component("ZqTypoLayer", object)]

        @lp.hookimpl
        def lamella_losses(self):
            return [Component("zq_typo_loss", object)]

    return Plugin()


def test_unknown_hook_is_reported_and_the_rest_loads(plugin_sandbox):
    plugin_sandbox.register(_typo_plugin(), name="typo-plugin")
    with pytest.warns(LamellaPluginWarning, match="'typo-plugin'.*lamella_layer") as record:
        loader.ensure_loaded()
    assert "did you mean lamella_layers?" in str(record[0].message)
    assert record[0].filename == __file__  # the warning points at the caller, not lamella
    info = {i.name: i for i in lp.plugin_infos()}["typo-plugin"]
    assert info.status == "loaded"
    assert info.unknown_hooks == ["lamella_layer (did you mean lamella_layers?)"]
    assert lookup.find("losses", "zq_typo_loss") is object
    assert lookup.find("layers", "ZqTypoLayer") is None


def test_unknown_hook_fails_the_plugin_in_strict_mode(plugin_sandbox):
    plugin_sandbox.register(_typo_plugin(), name="typo-plugin")
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="'typo-plugin'.*unknown hooks: lamella_layer"):
        loader.ensure_loaded()
    with pytest.warns(LamellaPluginWarning, match="failed to load"):
        state = loader.load(strict=True, raise_errors=False)
    info = {i.name: i for i in state.infos}["typo-plugin"]
    assert info.status == "failed" and info.error.startswith("PluginValidationError")
    assert state.registries["losses"].find("zq_typo_loss") is None  # all or nothing


def test_strict_mode_imports_every_reference(plugin_sandbox):
    plugin_sandbox.register(
        {
            "layers": [Component("ZqFine", "collections:OrderedDict")],
            "losses": [Component("zq_broken_ref", "zq_no_such_module_anywhere:loss")],
        },
        name="broken-ref",
    )
    assert lookup.find("layers", "ZqFine") is not None  # lazily, a bad reference waits for use
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError) as info:
        lookup.find("layers", "ZqFine")
    message = str(info.value)
    assert "'broken-ref'" in message and "'zq_broken_ref'" in message
    assert "zq_no_such_module_anywhere:loss" in message and "ModuleNotFoundError" in message


def test_strict_mode_skips_references_whose_requirements_are_missing(plugin_sandbox):
    plugin_sandbox.register(
        {"savers": [Component("zqfmt", "zq_heavy_format:SAVER", requires=("zq_heavy_dep.sub",))]},
        name="optional-dep",
    )
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    infos = {i.name: i for i in lp.plugin_infos()}
    assert infos["optional-dep"].status == "loaded"


def test_strict_loading_checks_attributes_too(plugin_sandbox):
    plugin_sandbox.register(
        {"layers": [Component("ZqNoAttr", "collections:NoSuchThing")]}, name="missing-attr"
    )
    with pytest.warns(LamellaPluginWarning, match="'missing-attr' failed to load"):
        state = loader.load(strict=True, raise_errors=False)
    info = {i.name: i for i in state.infos}["missing-attr"]
    assert info.status == "failed" and "AttributeError" in info.error


def test_reset_is_deprecated_but_works(plugin_sandbox):
    loader.ensure_loaded()
    with pytest.warns(DeprecationWarning, match="lamella.plugins.loader.reset"):
        lp.reset()
    assert not loader.is_loaded()


def test_plugin_api_is_the_author_api():
    assert set(lp.__all__) == {
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
    }
    for name in ("find", "resolve", "ensure_loaded", "plugin_manager", "KIND_NOUNS"):
        assert not hasattr(lp, name), name
    # host internals are submodules (lamella.plugins.lookup.resolve), not package attributes
    assert not callable(getattr(lp, "registry", None))


def test_plugin_api_is_typed():
    # the py.typed marker makes type checkers read the plugin-author API's annotations
    assert (pathlib.Path(lamella.__file__).parent / "py.typed").is_file()
    assert Component.__dataclass_fields__["aliases"].type == "tuple[str, ...]"


def test_lookup_while_plugins_load_sees_what_loaded_so_far(plugin_sandbox):
    # A hook that looks a name up (as a component module imported during loading may) must
    # not start a second, recursive load.
    seen = []

    def hook():
        seen.append(lookup.find("layers", "InputLayer"))
        return [Component("ZqDuringLoad", object)]

    plugin_sandbox.register({"layers": hook})
    assert lookup.find("layers", "ZqDuringLoad") is object
    assert len(seen) == 1 and seen[0] is not None  # lamella-core's entry point loaded first
