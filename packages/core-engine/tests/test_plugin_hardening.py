"""Plugins as an attacker or a careless author writes them, and users who mistype a switch.

- a plugin calling ``sys.exit()`` (or raising any ``BaseException`` but ``KeyboardInterrupt``)
  while it loads is a failed plugin, not the end of the program;
- a plugin taking a name another distribution only generates (``'sequential'`` from
  lamella-core's ``Sequential``) is a clash, listed by ``lamella plugins``, fatal when strict;
- errors tell the truth: installed-but-switched-off is not "not installed", switches compare
  normalised names, a lazy reference that cannot be imported names its plugin.

The entry-point versions (real distributions on ``sys.path``) are in
``integration_tests/test_entry_point_plugins.py``.
"""

import importlib.util
import json
import sys
import types
import uuid
import warnings

import pytest

import lamella
import lamella.plugins as lp
from lamella import cli, layers, optimizers
from lamella.plugins import (
    Component,
    DuplicateComponentError,
    LamellaPluginWarning,
    MissingPluginError,
    PluginLoadError,
    first_party,
    loader,
    lookup,
)
from lamella.plugins.registry import Registry


def _cls(name):
    return type(name, (), {})


def _raise(exc):
    def hook():
        raise exc

    return hook


# --- 3. sys.exit() and other BaseExceptions while loading ------------------------------------


class ZqPluginBaseError(BaseException):
    """Not an Exception: what a careless plugin might raise."""


@pytest.mark.parametrize(
    "exc, error",
    [
        (SystemExit(3), "SystemExit: 3"),
        (SystemExit(), "SystemExit"),
        (SystemExit("bye"), "SystemExit: bye"),
        (GeneratorExit(), "GeneratorExit"),
        (ZqPluginBaseError("odd"), "ZqPluginBaseError: odd"),
    ],
)
def test_base_exception_in_a_hook_fails_only_that_plugin(plugin_sandbox, exc, error):
    plugin_sandbox.register({"layers": [Component("ZqFine", _cls("ZqFine"))]}, name="fine")
    plugin_sandbox.register(
        {"layers": [Component("ZqHalf", _cls("ZqHalf"))], "losses": _raise(exc)}, name="exits"
    )
    with pytest.warns(LamellaPluginWarning, match="'exits' failed to load"):
        assert lookup.find("layers", "ZqFine") is not None  # no SystemExit here
    infos = {i.name: i for i in lp.plugin_infos()}
    assert infos["exits"].status == "failed" and infos["exits"].error == error
    assert lookup.find("layers", "ZqHalf") is None  # nothing half-registered
    assert lookup.find("layers", "InputLayer") is not None


def test_sys_exit_in_a_hook_is_a_plugin_load_error_when_strict(plugin_sandbox):
    plugin_sandbox.register({"layers": lambda: sys.exit(0)}, name="exits-zero")
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="'exits-zero'.*SystemExit: 0") as info:
        lookup.find("layers", "InputLayer")
    assert isinstance(info.value.__cause__, SystemExit)


def test_sys_exit_registered_after_loading_fails_the_plugin(plugin_sandbox):
    loader.ensure_loaded()
    with pytest.warns(LamellaPluginWarning, match="'late-exit'.*SystemExit: 2"):
        plugin_sandbox.register({"metrics": lambda: sys.exit(2)}, name="late-exit")
    assert {i.name: i.status for i in lp.plugin_infos()}["late-exit"] == "failed"


def test_keyboard_interrupt_still_interrupts(plugin_sandbox):
    plugin_sandbox.register({"layers": _raise(KeyboardInterrupt())}, name="ctrl-c")
    with pytest.raises(KeyboardInterrupt):
        loader.ensure_loaded()
    assert not loader.is_loaded()
    plugin_sandbox.unregister("ctrl-c")
    assert lookup.find("layers", "InputLayer") is not None


@pytest.fixture
def exiting_module(tmp_path, monkeypatch):
    """A module that calls sys.exit(7) when imported."""
    name = f"zq_exits_on_import_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text("import sys\nsys.exit(7)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_sys_exit_in_a_strict_reference_check_fails_the_plugin(
    plugin_sandbox, exiting_module, capsys
):
    plugin_sandbox.register(
        {"layers": [Component("ZqExitRef", f"{exiting_module}:Layer")]}, name="exit-ref"
    )
    with pytest.warns(LamellaPluginWarning, match="'exit-ref'"):
        assert cli.main(["plugins", "--strict"]) == 1  # no SystemExit(7) from the plugin
    captured = capsys.readouterr()
    assert "exit-ref  [failed]" in captured.out and "SystemExit: 7" in captured.out
    assert "lamella plugins: failed: exit-ref" in captured.err


def test_sys_exit_in_a_lazy_reference_is_an_import_error_naming_the_plugin(
    plugin_sandbox, exiting_module
):
    plugin_sandbox.register(
        {"layers": [Component("ZqExitLazy", f"{exiting_module}:Layer")]}, name="exit-lazy"
    )
    with pytest.raises(ImportError, match="'exit-lazy' registers the layer 'ZqExitLazy'"):
        layers.get("ZqExitLazy")
    assert lookup.find("layers", "InputLayer") is not None


# --- 4. generated names are claimed like any other -------------------------------------------


def test_a_plugin_cannot_silently_take_a_generated_first_party_name(plugin_sandbox):
    # lamella-core registers Sequential; 'sequential' is only generated from it.
    real = lookup.find("layers", "sequential")
    assert real is lamella.Sequential
    evil = _cls("Evil")
    plugin_sandbox.register({"layers": [Component("sequential", evil)]}, name="evil-plugin")
    with pytest.raises(DuplicateComponentError) as info:
        layers.get("sequential")
    assert set(info.value.distributions) == {"lamella-core", "evil-plugin"}
    assert "'lamella-core'" in str(info.value) and "'evil-plugin'" in str(info.value)
    assert layers.get("Sequential") is lamella.Sequential  # the explicit name is untouched
    core = {i.name: i for i in lp.plugin_infos()}["lamella-core"]
    assert {"kind": "layers", "name": "sequential", "with": "evil-plugin"} in core.clashes


def test_a_generated_name_against_a_generated_name_is_a_clash(plugin_sandbox):
    # 'InputLayer' (lamella-core) and 'Input_layer' generate one name, 'input_layer'
    plugin_sandbox.register({"layers": [Component("Input_layer", _cls("Evil"))]}, name="evil")
    with pytest.raises(DuplicateComponentError, match="'lamella-core' and 'evil'"):
        lookup.find("layers", "input_layer")
    assert lookup.find("layers", "InputLayer") is not None


def test_override_takes_a_generated_name_and_is_listed(plugin_sandbox):
    mine = _cls("MySequential")
    plugin_sandbox.register(
        {"layers": [Component("sequential", mine, override=True)]}, name="my-plugin"
    )
    assert layers.get("sequential") is mine
    assert layers.get("Sequential") is lamella.Sequential
    infos = {i.name: i for i in lp.plugin_infos()}
    expected = {"kind": "layers", "name": "sequential"}
    assert infos["my-plugin"].overrides == [{**expected, "replaced": "lamella-core"}]
    assert infos["lamella-core"].overridden == [{**expected, "by": "my-plugin"}]


def test_first_party_style_resolution_within_one_distribution_is_unchanged():
    # losses.get('mean_squared_error') is the function, although the MeanSquaredError class
    # of the same distribution generates the same name: not a clash.
    registry = Registry("losses")
    mse_class, mse = _cls("MeanSquaredError"), _cls("mse_fn")
    registry.add(Component("MeanSquaredError", mse_class), "lamella-losses")
    registry.add(Component("mean_squared_error", mse, aliases=("mse",)), "lamella-losses")
    assert registry.find("mean_squared_error").obj is mse
    assert registry.find("MeanSquaredError").obj is mse_class
    assert registry.clashes() == [] and registry.overrides() == []


@pytest.mark.parametrize("evil_first", [True, False])
def test_registry_generated_name_of_one_distribution_clashes_with_another(evil_first):
    registry = Registry("metrics")
    auc_class, evil = _cls("AUC"), _cls("evil_auc")
    records = [(Component("AUC", auc_class), "lamella-metrics"),
               (Component("auc", evil), "evil-plugin")]
    for component, distribution in records if not evil_first else reversed(records):
        registry.add(component, distribution)
    with pytest.raises(DuplicateComponentError) as info:
        registry.find("auc")
    assert set(info.value.distributions) == {"lamella-metrics", "evil-plugin"}
    assert registry.find("AUC").obj is auc_class
    assert [name for name, _, _ in registry.clashes()] == ["auc"]


def test_registry_in_process_plugins_keep_keras_precedence():
    # Two registrations the program made itself: an explicit name beats a generated one.
    registry = Registry("metrics")
    cls, fn = _cls("ZqAb"), _cls("zq_ab")
    registry.add(Component("ZqAb", cls), "mine-1", in_process=True)
    registry.add(Component("zq_ab", fn), "mine-2", in_process=True)
    assert registry.find("zq_ab").obj is fn and registry.clashes() == []


@pytest.mark.parametrize("spelling", ["ADAM", "adam", "Adam", "aDaM"])
def test_registry_optimizer_capitalisations_of_two_distributions_clash(spelling):
    registry = Registry("optimizers")
    adam, evil = _cls("Adam"), _cls("EvilAdam")
    registry.add(Component("Adam", adam, aliases=("adam",)), "lamella-optimizers")
    registry.add(Component("ADAM", evil), "evil-plugin")
    with pytest.raises(DuplicateComponentError, match="'lamella-optimizers' and 'evil-plugin'"):
        registry.find(spelling)


def test_registry_optimizer_capitalisation_override_wins_and_is_listed():
    registry = Registry("optimizers")
    adam, mine = _cls("Adam"), _cls("MyAdam")
    registry.add(Component("Adam", adam, aliases=("adam",)), "lamella-optimizers")
    registry.add(Component("ADAM", mine, override=True), "my-plugin")
    assert registry.find("ADAM").obj is mine and registry.find("aDaM").obj is mine
    assert [(n, w.distribution, lo.distribution) for n, w, lo in registry.overrides()] == [
        ("adam", "my-plugin", "lamella-optimizers")
    ]


def test_lamella_plugins_lists_clashes_and_overrides(plugin_sandbox, capsys):
    plugin_sandbox.register({"layers": [Component("sequential", _cls("E"))]}, name="evil")
    plugin_sandbox.register(
        {"callbacks": [Component("history", _cls("H"), override=True)]}, name="mine"
    )
    assert cli.main(["plugins"]) == 0  # a plain listing shows them and succeeds
    out = capsys.readouterr().out
    assert "    clash: layers 'sequential' is also registered by 'evil'" in out
    assert "    clash: layers 'sequential' is also registered by 'lamella-core'" in out
    assert "    overrides: callbacks 'history' of 'lamella-core'" in out
    assert "    overridden: callbacks 'history' by 'mine'" in out
    assert cli.main(["plugins", "--json"]) == 0
    listing = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert listing["evil"]["clashes"] == [
        {"kind": "layers", "name": "sequential", "with": "lamella-core"}
    ]
    assert listing["mine"]["overrides"] == [
        {"kind": "callbacks", "name": "history", "replaced": "lamella-core"}
    ]
    assert cli.main(["plugins", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "lamella plugins: clashes or overrides: evil, lamella-core, mine" in err
    assert "Traceback" not in err


def test_strict_mode_makes_a_clash_an_error(plugin_sandbox):
    plugin_sandbox.register({"layers": [Component("sequential", _cls("E"))]}, name="evil")
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="layers 'sequential'.*'lamella-core'.*'evil'"):
        lookup.find("layers", "Dense")


def test_strict_mode_makes_an_override_an_error(plugin_sandbox):
    plugin_sandbox.register(
        {"layers": [Component("Sequential", _cls("Mine"), override=True)]}, name="mine"
    )
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="'mine' overrides 'lamella-core'"):
        lookup.find("layers", "Dense")


def test_strict_mode_refuses_a_clashing_plugin_registered_late(plugin_sandbox):
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    loader.ensure_loaded()
    with pytest.raises(PluginLoadError, match="'late-evil'.*layers 'sequential'"):
        plugin_sandbox.register({"layers": [Component("sequential", _cls("E"))]},
                                name="late-evil")
    assert lookup.find("layers", "sequential") is lamella.Sequential  # nothing of it stays


def test_strict_listing_of_a_plugin_that_exits_lists_it_as_failed(plugin_sandbox, capsys):
    plugin_sandbox.register({"layers": lambda: sys.exit(5)}, name="exits")
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.warns(LamellaPluginWarning, match="'exits'"):
        assert cli.main(["plugins", "--json"]) == 1
    listing = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert listing["exits"]["status"] == "failed"
    assert listing["exits"]["error"] == "SystemExit: 5"


# --- 5. messages that tell the truth ---------------------------------------------------------


@pytest.fixture
def core_provides(monkeypatch):
    """A first-party index naming lamella-core (installed wherever these tests run)."""
    table = {"optimizers": {"ZqCoreOpt": "lamella-core"}, "layers": {"ZqCoreLayer": "lamella-core"}}
    monkeypatch.setattr(first_party, "FIRST_PARTY", table)


@pytest.mark.parametrize(
    "value", ["lamella-core", "Lamella_Core", "LAMELLA.CORE", "x, lamella__core"]
)
def test_switched_off_distribution_names_the_disable_variable(plugin_sandbox, core_provides,
                                                             value):
    plugin_sandbox.monkeypatch.delenv("LAMELLA_LOAD_PLUGINS")
    plugin_sandbox.setenv("LAMELLA_DISABLE_PLUGINS", value)
    with pytest.raises(MissingPluginError) as info:
        optimizers.get("ZqCoreOpt")
    message = str(info.value)
    assert "'lamella-core', which is installed but switched off by" in message
    assert f"LAMELLA_DISABLE_PLUGINS={value!r}" in message
    assert "not installed" not in message and "pip install" not in message
    with pytest.raises(ImportError, match="switched off by LAMELLA_DISABLE_PLUGINS"):
        layers.ZqCoreLayer  # noqa: B018


def test_switched_off_distribution_names_the_allow_list(plugin_sandbox, core_provides):
    plugin_sandbox.setenv("LAMELLA_LOAD_PLUGINS", "some-other-plugin")
    with pytest.raises(MissingPluginError) as info:
        optimizers.get("ZqCoreOpt")
    message = str(info.value)
    assert "installed but switched off: it is not in LAMELLA_LOAD_PLUGINS='some-other-plugin'" in (
        message
    )
    assert "not installed" not in message


def test_failed_distribution_says_it_failed(plugin_sandbox, core_provides, monkeypatch):
    def broken_collect(pm, plugin):
        raise RuntimeError("core is broken today")

    real_collect = loader._collect
    monkeypatch.setattr(
        loader, "_collect",
        lambda pm, plugin: broken_collect(pm, plugin) if pm.get_name(plugin) == "lamella-core"
        else real_collect(pm, plugin),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LamellaPluginWarning)
        with pytest.raises(MissingPluginError) as info:
            optimizers.get("ZqCoreOpt")
    assert "installed but failed to load (RuntimeError: core is broken today)" in str(info.value)


@pytest.mark.parametrize("variable", ["LAMELLA_DISABLE_PLUGINS", "LAMELLA_LOAD_PLUGINS"])
@pytest.mark.parametrize("spelling", ["lamella_core", "LAMELLA-CORE", "Lamella.Core"])
def test_switches_compare_normalised_distribution_names(plugin_sandbox, variable, spelling):
    plugin_sandbox.setenv(variable, spelling)
    status = {i.name: i.status for i in lp.plugin_infos()}["lamella-core"]
    assert status == ("disabled" if variable == "LAMELLA_DISABLE_PLUGINS" else "loaded")


def test_lazy_reference_to_a_missing_module_names_the_plugin_and_component(plugin_sandbox):
    plugin_sandbox.register(
        {"layers": [Component("ZqGone", "zq_no_such_module_anywhere:Gone", requires=("zqdep",))]},
        name="gone-plugin",
    )
    with pytest.raises(ModuleNotFoundError) as info:
        layers.get("ZqGone")
    message = str(info.value)
    assert "lamella plugin 'gone-plugin' registers the layer 'ZqGone'" in message
    assert "'zq_no_such_module_anywhere:Gone'" in message
    assert "No module named 'zq_no_such_module_anywhere'" in message
    assert "requires zqdep" in message
    assert info.value.name == "zq_no_such_module_anywhere"


def test_lazy_reference_to_a_missing_attribute_names_the_plugin(plugin_sandbox):
    plugin_sandbox.register({"activations": [Component("zq_nope", "json:zq_nope")]}, name="typo")
    with pytest.raises(ImportError, match="'typo' registers the activation 'zq_nope'.*"
                                          "AttributeError"):
        lamella.activations.get("zq_nope")


def test_saving_to_h5_says_why_lamella_io_is_not_loaded(plugin_sandbox):
    # The sandbox loads only lamella-core (LAMELLA_LOAD_PLUGINS=lamella-core).
    from lamella import saving

    with pytest.raises(MissingPluginError) as info:
        saving.saver_for("model.h5")
    message = str(info.value)
    if importlib.util.find_spec("lamella_io") is not None:
        assert "'lamella-io', which is installed but switched off: it is not in" in message
        assert "LAMELLA_LOAD_PLUGINS='lamella-core'" in message
        assert "not installed" not in message
    else:
        assert "not installed; install it with: pip install lamella-io" in message


@pytest.mark.parametrize("path", ["model.keras", "w.weights.h5"])
def test_saving_to_keras3_formats_says_why_lamella_io_is_not_loaded(plugin_sandbox, path):
    # Keras 3's .keras and .weights.h5 files are lamella-io's formats too.
    from lamella import saving

    with pytest.raises(MissingPluginError) as info:
        saving.saver_for(path)
    message = str(info.value)
    if importlib.util.find_spec("lamella_io") is not None:
        assert "'lamella-io', which is installed but switched off" in message
    else:
        assert "not installed; install it with: pip install lamella-io" in message


def test_the_longest_matching_extension_wins(plugin_sandbox):
    from lamella import saving

    short = types.SimpleNamespace(extensions=(".zq",))
    long = types.SimpleNamespace(extensions=(".w.zq",))
    # registered short first: the order of registration does not decide
    plugin_sandbox.register({"savers": [Component("zq_short", short),
                                        Component("zq_long", long)]}, name="zq-formats")
    assert saving.saver_for("m.w.zq") is long
    assert saving.saver_for("m.zq") is short


def test_a_broken_file_format_does_not_break_the_others(plugin_sandbox, tmp_path):
    from lamella import saving
    from lamella.testing import NpzSaver, npz_saver_plugin

    plugin_sandbox.register({"savers": [Component("zqbroken", "zq_no_such_saver_module:SAVER")]},
                            name="broken-format")
    saver = NpzSaver()
    plugin_sandbox.register(npz_saver_plugin(saver))
    assert saving.saver_for(str(tmp_path / "w.npz")) is saver
    with pytest.raises(lp.UnknownComponentError) as info:
        saving.saver_for(str(tmp_path / "w.zqx"))
    message = str(info.value)
    assert "'.npz'" in message and "'broken-format' registers the file format 'zqbroken'" in message
