"""The versioned hook contract: a plugin declares the contract versions it supports
(``LAMELLA_CONTRACT`` on its hook module), and one written for another contract is listed as
incompatible and skipped with a warning instead of failing later."""

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lamella
from lamella.plugins import (
    CONTRACT_VERSION,
    Component,
    LamellaPluginWarning,
    PluginLoadError,
    contract,
    loader,
    lookup,
)
from lamella.plugins.template import contract_range


def _plugin(declared, layer_name):
    """A plugin object declaring ``declared`` and registering one layer class."""
    def lamella_layers(self):
        return [Component(layer_name, type(layer_name, (), {}))]

    namespace = {"lamella_layers": contract.hookimpl(lamella_layers)}
    if declared is not None:
        namespace[contract.CONTRACT_ATTRIBUTE] = declared
    return type("ContractPlugin", (), namespace)()


def test_contract_version_is_major_dot_minor():
    major, minor = CONTRACT_VERSION.split(".")
    assert int(major) >= 1 and int(minor) >= 0
    assert lamella.plugins.CONTRACT_VERSION is contract.CONTRACT_VERSION


@pytest.mark.parametrize("declared, ok", [
    (">=1,<2", True), (">=1.0,<2", True), (">= 1.0 , < 2", True), ("==1.0", True),
    (">1.0", False), ("<1", False), (">=2,<3", False), ("!=1.0", False), (">=0.9,<1.1", True),
])
def test_ranges_against_contract_1_0(declared, ok):
    assert (contract.contract_problem(declared, "1.0") is None) is ok


def test_a_minor_release_keeps_plugins_of_the_same_major():
    assert contract.contract_problem(">=1.0,<2", "1.7") is None
    assert contract.contract_problem(">=1.2,<2", "1.1") is not None  # needs a newer minor
    assert "'>=1.0,<2'" in contract.contract_problem(">=1.0,<2", "2.0")


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_range_is_a_half_open_interval(lo_major, lo_minor, major, minor):
    declared = f">={lo_major}.{lo_minor},<{lo_major + 1}"
    inside = (major, minor) >= (lo_major, lo_minor) and major < lo_major + 1
    assert (contract.contract_problem(declared, f"{major}.{minor}") is None) is inside


@pytest.mark.parametrize("declared", ["1", ">=one", "~=1.0", "", ">=1,", 2, ("<2",)])
def test_malformed_ranges_are_refused_with_the_expected_form(declared):
    with pytest.raises(ValueError, match=r"LAMELLA_CONTRACT must be .*'>=1,<2'"):
        contract.contract_problem(declared)


def test_template_range_covers_the_current_contract():
    assert contract_range() == f">={CONTRACT_VERSION},<{int(CONTRACT_VERSION.split('.')[0]) + 1}"
    assert contract.contract_problem(contract_range()) is None
    assert contract_range("3.4") == ">=3.4,<4"


def test_compatible_and_undeclared_plugins_load(plugin_sandbox):
    declared = plugin_sandbox.register(_plugin(">=1,<2", "CvDeclared"))
    undeclared = plugin_sandbox.register(_plugin(None, "CvUndeclared"))
    infos = {i.name: i for i in loader.ensure_loaded().infos}
    assert infos[declared].status == "loaded" and infos[declared].contract == ">=1,<2"
    assert infos[undeclared].status == "loaded" and infos[undeclared].contract is None
    assert lookup.find("layers", "CvDeclared") is not None


def test_incompatible_plugin_is_skipped_with_a_warning(plugin_sandbox):
    name = plugin_sandbox.register(_plugin(">=2,<3", "CvFuture"))
    expected = rf"{name}.*'>=2,<3'.*contract {CONTRACT_VERSION}"
    with pytest.warns(LamellaPluginWarning, match=expected):
        loader.ensure_loaded()
    info = {i.name: i for i in loader.ensure_loaded().infos}[name]
    assert info.status == "incompatible" and info.contract == ">=2,<3"
    assert "install a version of" in info.error
    assert lookup.find("layers", "CvFuture") is None  # nothing of it registered
    assert name not in [p for p, _ in loader.ensure_loaded().plugin_manager.list_name_plugin()]


def test_malformed_declaration_fails_the_plugin(plugin_sandbox):
    name = plugin_sandbox.register(_plugin("version one", "CvBad"))
    with pytest.warns(LamellaPluginWarning, match="LAMELLA_CONTRACT must be"):
        loader.ensure_loaded()
    info = {i.name: i for i in loader.ensure_loaded().infos}[name]
    assert info.status == "failed"
    assert lookup.find("layers", "CvBad") is None


def test_incompatible_plugin_raises_in_strict_mode(plugin_sandbox):
    plugin_sandbox.register(_plugin(">=2", "CvStrict"))
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="incompatible: supports hook contract '>=2'"):
        loader.ensure_loaded()


FUTURE_PLUGIN = """
import sys, types
from lamella.plugins import Component, hookimpl, register_plugin
from lamella import cli

module = types.ModuleType("future_plugin")
module.LAMELLA_CONTRACT = ">=9,<10"
module.lamella_layers = hookimpl(lambda: [Component("CvCli", object)])
register_plugin(module, name="future-plugin")
sys.exit(cli.main(sys.argv[1:]))
"""


def _cli(*args):
    return subprocess.run([sys.executable, "-c", FUTURE_PLUGIN, "plugins", *args],
                          capture_output=True, text=True, timeout=120)


def test_lamella_plugins_lists_the_incompatible_plugin():
    proc = _cli()
    assert proc.returncode == 0, proc.stderr
    assert "future-plugin  [incompatible]" in proc.stdout
    assert "hook contract: >=9,<10" in proc.stdout
    assert f"implements hook contract {CONTRACT_VERSION}" in proc.stdout
    strict = _cli("--strict")
    assert strict.returncode == 1
    assert "failed: future-plugin" in strict.stderr
    listing = {i["name"]: i for i in json.loads(_cli("--json").stdout)}
    assert listing["future-plugin"]["status"] == "incompatible"
    assert listing["future-plugin"]["contract"] == ">=9,<10"
