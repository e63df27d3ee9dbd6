"""The ``lamella`` command: ``lamella plugins [--json]`` and ``lamella version``."""

import json
import pathlib
import subprocess
import sys

import pytest

import lamella
import lamella.plugins as lp
from lamella import cli
from lamella.plugins import Component, LamellaPluginWarning, loader
from lamella.testing import subprocess_env

CORE_LAYERS = {"InputLayer", "Model", "Sequential"}


_env = subprocess_env  # keeps PYTHONPATH: lamella may be installed through it


def _run(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "lamella", *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=300,
    )


def test_plugins_json_lists_lamella_core():
    proc = _run("plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    listing = json.loads(proc.stdout)
    assert isinstance(listing, list) and listing
    by_name = {entry["name"]: entry for entry in listing}
    core = by_name["lamella-core"]
    assert core["status"] == "loaded"
    assert core["version"] == lamella.__version__
    assert core["entry_point"] == "lamella._plugin"
    assert core["error"] is None
    assert CORE_LAYERS <= set(core["registered"]["layers"])
    assert "lamella_layers" in core["hooks"]
    assert {"History", "BaseLogger", "ProgbarLogger"} <= set(core["registered"]["callbacks"])
    for entry in listing:
        assert set(entry) >= {
            "name",
            "version",
            "entry_point",
            "status",
            "hooks",
            "registered",
            "error",
        }
        assert entry["status"] in {"loaded", "failed", "disabled"}
        assert (entry["error"] is None) == (entry["status"] == "loaded")
    assert [e["name"] for e in listing] == sorted(e["name"] for e in listing)


def test_plugins_text_output():
    proc = _run("plugins")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = f"lamella-core {lamella.__version__} [loaded]  (lamella._plugin)"
    assert header in lines
    body = lines[lines.index(header) + 1 :]
    layer_line = next(line for line in body if line.strip().startswith("layers ("))
    for name in CORE_LAYERS:
        assert name in layer_line
    assert layer_line.startswith("    ")


def test_plugins_disabled_listing():
    proc = _run("plugins", LAMELLA_DISABLE_PLUGINS="1")
    assert proc.returncode == 0, proc.stderr
    assert f"lamella-core {lamella.__version__} [disabled]" in proc.stdout
    assert "error: disabled by LAMELLA_DISABLE_PLUGINS" in proc.stdout
    proc = _run("plugins", "--json", LAMELLA_DISABLE_PLUGINS="1")
    assert {e["status"] for e in json.loads(proc.stdout)} == {"disabled"}


def test_version_command():
    proc = _run("version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == lamella.__version__
    proc = _run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"lamella {lamella.__version__}"


def test_console_script():
    script = pathlib.Path(sys.executable).parent / "lamella"
    if not script.exists():
        pytest.skip("the lamella console script is not installed next to this Python")
    proc = subprocess.run(
        [str(script), "version"], capture_output=True, text=True, env=_env(), timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == lamella.__version__
    proc = subprocess.run(
        [str(script), "plugins", "--json"], capture_output=True, text=True, env=_env(), timeout=300
    )
    assert "lamella-core" in {e["name"] for e in json.loads(proc.stdout)}


def test_no_command_is_a_usage_error():
    proc = _run()
    assert proc.returncode == 2
    assert "usage: lamella" in proc.stderr


def test_failed_plugin_is_listed_with_its_error(plugin_sandbox, capsys):
    def broken():
        raise OSError("disk on fire")

    plugin_sandbox.register({"layers": broken}, name="cli-broken")
    plugin_sandbox.register({"losses": [Component("zq_cli_loss", object)]}, name="cli-good")
    with pytest.warns(LamellaPluginWarning, match="cli-broken"):
        assert cli.main(["plugins", "--json"]) == 0
    listing = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert listing["cli-broken"]["status"] == "failed"
    assert listing["cli-broken"]["error"] == "OSError: disk on fire"
    assert listing["cli-good"]["registered"] == {"losses": ["zq_cli_loss"]}

    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert " [failed]  (<registered in process>)" in out
    assert "    error: OSError: disk on fire" in out
    assert "    losses (1): zq_cli_loss" in out
    with pytest.warns(LamellaPluginWarning, match="cli-broken"):  # --strict loads afresh
        assert cli.main(["plugins", "--strict"]) == 1


def test_strict_flag_passes_when_all_load(plugin_sandbox, capsys):
    assert cli.main(["plugins", "--strict"]) == 0
    assert "lamella-core" in capsys.readouterr().out
    loader.reset()


def test_strict_listing_fails_a_broken_reference_without_a_traceback(plugin_sandbox, capsys):
    plugin_sandbox.register(
        {"layers": [Component("ZqCliRef", "zq_no_such_module_anywhere:Layer")]}, name="cli-ref"
    )
    assert cli.main(["plugins"]) == 0  # a plain listing imports nothing
    assert "cli-ref  [loaded]" in capsys.readouterr().out
    with pytest.warns(LamellaPluginWarning, match="cli-ref"):
        assert cli.main(["plugins", "--strict"]) == 1
    captured = capsys.readouterr()
    assert "cli-ref  [failed]" in captured.out
    assert "zq_no_such_module_anywhere:Layer" in captured.out
    assert "lamella plugins: failed: cli-ref" in captured.err
    # LAMELLA_STRICT_PLUGINS=1 makes the plain listing strict too, still without raising
    plugin_sandbox.setenv("LAMELLA_STRICT_PLUGINS", "1")
    with pytest.warns(LamellaPluginWarning, match="cli-ref"):
        assert cli.main(["plugins", "--json"]) == 1
    listing = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert listing["cli-ref"]["status"] == "failed"
    assert listing["lamella-core"]["status"] == "loaded"


def test_listing_shows_unknown_hooks(plugin_sandbox, capsys):
    class Typo:
        @lp.hookimpl
        def lamella_optimiser(self):
            return []

    plugin_sandbox.register(Typo(), name="cli-typo")
    with pytest.warns(LamellaPluginWarning, match="lamella_optimiser"):
        assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "    unknown hooks (never called): lamella_optimiser (did you mean" in out
    with pytest.warns(LamellaPluginWarning, match="cli-typo"):
        assert cli.main(["plugins", "--strict"]) == 1
    assert "cli-typo  [failed]" in capsys.readouterr().out


def test_strict_command_line_exits_nonzero_without_traceback(tmp_path):
    (tmp_path / "zq_cli_bad_plugin.py").write_text(
        "from lamella.plugins import Component, hookimpl\n"
        "@hookimpl\n"
        "def lamella_layers():\n"
        "    return [Component('ZqBad', 'zq_nowhere_at_all:Bad')]\n"
    )
    code = (
        "import sys, lamella.plugins as lp, zq_cli_bad_plugin as p; lp.register_plugin(p, 'bad');"
        "from lamella.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    env = _env(PYTHONPATH=str(tmp_path), LAMELLA_STRICT_PLUGINS="1")
    proc = subprocess.run(
        [sys.executable, "-c", code, "plugins"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "bad  [failed]" in proc.stdout and "zq_nowhere_at_all:Bad" in proc.stdout


def test_listing_offers_the_first_party_distributions_that_are_not_installed(monkeypatch,
                                                                             capsys):
    from lamella.cli import main
    from lamella.plugins import lookup

    real = lookup.is_installed
    monkeypatch.setattr(lookup, "is_installed", lambda name: name != "lamella-io" and real(name))
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "lamella-io [not installed]  pip install lamella-io" in out
    for distribution in lookup.missing_first_party():  # e.g. all of them beside lamella-core
        assert f"{distribution} [not installed]  pip install {distribution}" in out
