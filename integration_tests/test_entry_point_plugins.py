"""Real entry-point discovery: distributions installed into a folder and found on sys.path."""

import json
import os
import pathlib
import textwrap

import pytest

import lamella

ROOT = pathlib.Path(__file__).resolve().parent.parent
SWISH = ROOT / "plugins" / "lamella-example-swish"
BROKEN_DIST = "lamella-zq-broken-example"


@pytest.fixture(scope="module")
def swish_site(tmp_path_factory, pip_target):
    return pip_target(SWISH, tmp_path_factory.mktemp("swish-site"))


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory, pip_target):
    """A distribution whose plugin module raises ImportError when imported."""
    source = tmp_path_factory.mktemp("broken-src")
    (source / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling>=1.18"]
            build-backend = "hatchling.build"

            [project]
            name = "{BROKEN_DIST}"
            version = "9.9.9"

            [project.entry-points.lamella]
            {BROKEN_DIST} = "lamella_zq_broken_example._plugin"

            [tool.hatch.build.targets.wheel]
            packages = ["lamella_zq_broken_example"]
            """
        )
    )
    package = source / "lamella_zq_broken_example"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_plugin.py").write_text(
        textwrap.dedent(
            """
            from lamella.plugins import Component, hookimpl

            raise ImportError("lamella_zq_broken_example needs a dependency that is missing")

            @hookimpl
            def lamella_layers():
                return [Component("ZqNeverSeen", object)]
            """
        )
    )
    return pip_target(source, tmp_path_factory.mktemp("broken-site"))


SWISH_PROBE = textwrap.dedent(
    """
    import json, sys, torch
    import lamella
    import lamella_example_swish
    swish = lamella.activations.get("swish")
    x = torch.linspace(-4, 4, 9)
    report = {
        "module_file": lamella_example_swish.__file__,
        "is_registered_fn": swish is sys.modules["lamella_example_swish.activations"].swish,
        "matches": bool(torch.allclose(swish(x), x * torch.sigmoid(x))),
        "layer_base_ok": issubclass(lamella.layers.Swish, lamella.layers.Layer),
        "layer_out": lamella.layers.Swish()(x).tolist(),
    }
    print(json.dumps(report))
    """
)


def test_example_plugin_is_discovered_through_its_entry_point(swish_site, run_python):
    proc = run_python(SWISH_PROBE, PYTHONPATH=str(swish_site))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    # the copy installed into the target folder is the one in use, not a source checkout
    assert pathlib.Path(report["module_file"]).resolve().is_relative_to(swish_site.resolve())
    assert report["is_registered_fn"] and report["matches"] and report["layer_base_ok"]


def test_example_plugin_is_listed_as_loaded(swish_site, run_python):
    proc = run_python(
        "import sys; from lamella.cli import main; sys.exit(main(['plugins', '--json']))",
        PYTHONPATH=str(swish_site),
    )
    assert proc.returncode == 0, proc.stderr
    listing = {entry["name"]: entry for entry in json.loads(proc.stdout)}
    swish = listing["lamella-example-swish"]
    assert swish["status"] == "loaded", swish["error"]
    assert swish["version"] == lamella.__version__  # lockstep, like the first-party packages
    assert swish["entry_point"] == "lamella_example_swish._plugin"
    assert swish["registered"] == {"layers": ["Swish"], "activations": ["swish"]}
    assert listing["lamella-core"]["status"] == "loaded"


def test_broken_distribution_is_listed_as_failed(broken_site, run_python):
    # exactly what `python -m lamella plugins --json` runs
    code = "import runpy, sys; sys.argv = ['lamella', 'plugins', '--json']; runpy.run_module('lamella', run_name='__main__')"
    proc = run_python(code, PYTHONPATH=str(broken_site))
    assert proc.returncode == 0, proc.stderr
    listing = {entry["name"]: entry for entry in json.loads(proc.stdout)}
    broken = listing[BROKEN_DIST]
    assert broken["status"] == "failed"
    assert broken["version"] == "9.9.9"
    assert broken["error"] == "ImportError: lamella_zq_broken_example needs a dependency that is missing"
    assert broken["registered"] == {}
    assert "LamellaPluginWarning" in proc.stderr
    assert f"lamella plugin '{BROKEN_DIST}' failed to load and was skipped" in proc.stderr
    core = listing["lamella-core"]
    assert core["status"] == "loaded" and "InputLayer" in core["registered"]["layers"]


def test_broken_distribution_does_not_break_lookups(broken_site, run_python):
    code = textwrap.dedent(
        """
        import warnings, lamella
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert lamella.layers.get("InputLayer").__name__ == "InputLayer"
        names = [str(w.message) for w in caught if w.category.__name__ == "LamellaPluginWarning"]
        assert len(names) == 1 and "lamella-zq-broken-example" in names[0], names
        try:
            lamella.layers.ZqNeverSeen
        except AttributeError:
            print("ok")
        """
    )
    proc = run_python(code, PYTHONPATH=str(broken_site))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_broken_distribution_in_strict_mode(broken_site, run_python):
    code = "import lamella; lamella.layers.get('InputLayer')"
    proc = run_python(code, PYTHONPATH=str(broken_site), LAMELLA_STRICT_PLUGINS="1")
    assert proc.returncode != 0
    assert "PluginLoadError" in proc.stderr and BROKEN_DIST in proc.stderr
    proc = run_python(code, PYTHONPATH=str(broken_site), LAMELLA_DISABLE_PLUGINS=BROKEN_DIST,
                      LAMELLA_STRICT_PLUGINS="1")
    assert proc.returncode == 0, proc.stderr


def test_both_at_once_plain_cli(swish_site, broken_site, run_python):
    proc = run_python(
        "import sys; from lamella.cli import main; sys.exit(main(['plugins']))",
        PYTHONPATH=os.pathsep.join([str(swish_site), str(broken_site)]),
    )
    assert proc.returncode == 0, proc.stderr
    assert f"lamella-example-swish {lamella.__version__} [loaded]  (lamella_example_swish._plugin)" in proc.stdout
    assert f"{BROKEN_DIST} 9.9.9 [failed]" in proc.stdout
    assert "    activations (1): swish" in proc.stdout
