"""Real entry-point discovery: distributions installed into a folder and found on sys.path."""

import json
import os
import pathlib
import textwrap

import numpy as np
import pytest

import lamella

ROOT = pathlib.Path(__file__).resolve().parent.parent
SWISH = ROOT / "plugins" / "lamella-example-swish"
BROKEN_DIST = "lamella-zq-broken-example"


@pytest.fixture(scope="module")
def swish_site(tmp_path_factory, pip_target):
    return pip_target(SWISH, tmp_path_factory.mktemp("swish-site"))


def _fake_distribution(tmp_path_factory, pip_target, dist, package, plugin_source,
                       version="6.6.6"):
    """Install a distribution ``dist`` whose entry point is ``package._plugin``."""
    source = tmp_path_factory.mktemp(f"{package}-src")
    (source / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling>=1.18"]
            build-backend = "hatchling.build"

            [project]
            name = "{dist}"
            version = "{version}"

            [project.entry-points.lamella]
            {dist} = "{package}._plugin"

            [tool.hatch.build.targets.wheel]
            packages = ["{package}"]
            """
        )
    )
    (source / package).mkdir()
    (source / package / "__init__.py").write_text("")
    (source / package / "_plugin.py").write_text(textwrap.dedent(plugin_source))
    return pip_target(source, tmp_path_factory.mktemp(f"{package}-site"))


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory, pip_target):
    """A distribution whose plugin module raises ImportError when imported."""
    return _fake_distribution(tmp_path_factory, pip_target, BROKEN_DIST,
                              "lamella_zq_broken_example", """
        from lamella.plugins import Component, hookimpl

        raise ImportError("lamella_zq_broken_example needs a dependency that is missing")

        @hookimpl
        def lamella_layers():
            return [Component("ZqNeverSeen", object)]
        """, version="9.9.9")


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
    code = ("import runpy, sys; sys.argv = ['lamella', 'plugins', '--json'];"
            " runpy.run_module('lamella', run_name='__main__')")
    proc = run_python(code, PYTHONPATH=str(broken_site))
    assert proc.returncode == 0, proc.stderr
    listing = {entry["name"]: entry for entry in json.loads(proc.stdout)}
    broken = listing[BROKEN_DIST]
    assert broken["status"] == "failed"
    assert broken["version"] == "9.9.9"
    assert broken["error"] == (
        "ImportError: lamella_zq_broken_example needs a dependency that is missing"
    )
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
    header = (f"lamella-example-swish {lamella.__version__} [loaded]"
              f"  (lamella_example_swish._plugin)")
    assert header in proc.stdout
    assert f"{BROKEN_DIST} 9.9.9 [failed]" in proc.stdout
    assert "    activations (1): swish" in proc.stdout


# --- hostile and careless distributions ------------------------------------------------------


EXIT_DIST = "lamella-zq-exit-example"


@pytest.fixture(scope="module")
def exit_site(tmp_path_factory, pip_target):
    """A distribution whose plugin module calls sys.exit(3) when imported."""
    return _fake_distribution(tmp_path_factory, pip_target, EXIT_DIST, "lamella_zq_exit_example",
                              "import sys\nsys.exit(3)\n")


def test_plugin_calling_sys_exit_at_import_does_not_end_the_program(exit_site, run_python):
    code = textwrap.dedent(
        """
        import warnings, lamella
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert lamella.layers.get("Dense").__name__ == "Dense"
        messages = [str(w.message) for w in caught]
        assert any("lamella-zq-exit-example" in m and "SystemExit: 3" in m for m in messages)
        print("still running")
        """
    )
    proc = run_python(code, PYTHONPATH=str(exit_site))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "still running"


def test_plugin_calling_sys_exit_is_listed_as_failed(exit_site, run_python):
    listing = "import sys; from lamella.cli import main; sys.exit(main(['plugins', '--json']))"
    proc = run_python(listing, PYTHONPATH=str(exit_site))
    assert proc.returncode == 0, proc.stderr
    entry = {e["name"]: e for e in json.loads(proc.stdout)}[EXIT_DIST]
    assert entry["status"] == "failed" and entry["error"] == "SystemExit: 3"
    # strict: listed as failed, exit 1, no traceback (and not the plugin's exit status 3)
    proc = run_python(listing, PYTHONPATH=str(exit_site), LAMELLA_STRICT_PLUGINS="1")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"lamella plugins: failed: {EXIT_DIST}" in proc.stderr
    entry = {e["name"]: e for e in json.loads(proc.stdout)}[EXIT_DIST]
    assert entry["status"] == "failed"


def test_plugin_calling_sys_exit_in_strict_mode_is_a_plugin_load_error(exit_site, run_python):
    code = "import lamella; lamella.layers.get('Dense')"
    proc = run_python(code, PYTHONPATH=str(exit_site), LAMELLA_STRICT_PLUGINS="1")
    assert proc.returncode == 1  # an uncaught exception, not the plugin's sys.exit(3)
    assert "PluginLoadError" in proc.stderr and f"'{EXIT_DIST}'" in proc.stderr


RAISE_DIST = "evilplug_importraise"


@pytest.fixture(scope="module")
def raise_site(tmp_path_factory, pip_target):
    return _fake_distribution(tmp_path_factory, pip_target, RAISE_DIST, "evilplug_importraise",
                              "raise RuntimeError('evil at import')\n")


@pytest.mark.parametrize(
    "spelling", ["evilplug_importraise", "evilplug-importraise", "EvilPlug.ImportRaise"]
)
def test_disable_switch_matches_normalised_distribution_names(raise_site, run_python, spelling):
    code = textwrap.dedent(
        """
        import json, warnings, lamella.plugins as lp
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            infos = {i.name: i.status for i in lp.plugin_infos()}
        print(json.dumps({"infos": infos, "warnings": [str(w.message) for w in caught]}))
        """
    )
    proc = run_python(code, PYTHONPATH=str(raise_site), LAMELLA_DISABLE_PLUGINS=spelling)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    statuses = {name.replace("_", "-").lower(): s for name, s in report["infos"].items()}
    assert statuses["evilplug-importraise"] == "disabled"
    assert report["warnings"] == []
    proc = run_python(code, PYTHONPATH=str(raise_site),
                      LAMELLA_LOAD_PLUGINS=f"lamella-core, {spelling}")
    report = json.loads(proc.stdout)
    statuses = {name.replace("_", "-").lower(): s for name, s in report["infos"].items()}
    assert statuses["evilplug-importraise"] == "failed"  # allowed, so loaded, so it raised
    assert statuses["lamella-core"] == "loaded" and statuses["lamella-layers"] == "disabled"


TAKER_DIST = "lamella-zq-taker"
TAKER_PLUGIN = """
    from lamella.plugins import Component, hookimpl

    class Taker:
        pass

    @hookimpl
    def lamella_layers():
        return [Component("dense", Taker, override={override})]

    @hookimpl
    def lamella_metrics():
        return [Component("auc", Taker, override={override})]
"""


@pytest.fixture(scope="module")
def taker_site(tmp_path_factory, pip_target):
    """A third-party distribution registering 'dense' and 'auc', names lamella only generates
    (from lamella-layers' Dense and the AUC metric)."""
    return _fake_distribution(tmp_path_factory, pip_target, TAKER_DIST, "lamella_zq_taker",
                              TAKER_PLUGIN.format(override=False))


@pytest.fixture(scope="module")
def overriding_taker_site(tmp_path_factory, pip_target):
    return _fake_distribution(tmp_path_factory, pip_target, TAKER_DIST + "-override",
                              "lamella_zq_taker_override", TAKER_PLUGIN.format(override=True))


def test_third_party_cannot_silently_take_generated_first_party_names(taker_site, run_python):
    code = textwrap.dedent(
        """
        import lamella
        from lamella.plugins import DuplicateComponentError
        for facade, name in ((lamella.layers, "dense"), (lamella.metrics, "auc")):
            try:
                facade.get(name)
            except DuplicateComponentError as err:
                print(name, sorted(err.distributions))
            else:
                print(name, "taken silently")
        assert lamella.layers.get("Dense").__module__.startswith("lamella_layers")
        model = lamella.Sequential([lamella.layers.Dense(1, input_shape=(2,))])
        model.compile("sgd", "mse", metrics=["AUC"])  # the explicit names still work
        """
    )
    proc = run_python(code, PYTHONPATH=str(taker_site))
    assert proc.returncode == 0, proc.stderr
    providers = {"dense": "lamella-layers", "auc": lamella.metrics.AUC.__module__.split(".")[0]}
    providers["auc"] = providers["auc"].replace("_", "-")
    assert proc.stdout.splitlines() == [
        f"dense {sorted(['lamella-layers', TAKER_DIST])}",
        f"auc {sorted([providers['auc'], TAKER_DIST])}",
    ]


def test_lamella_plugins_shows_the_clash_and_strict_fails(taker_site, run_python):
    listing = "import sys; from lamella.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = run_python(listing.replace("sys.argv[1:]", "['plugins', '--json']"),
                      PYTHONPATH=str(taker_site))
    assert proc.returncode == 0, proc.stderr
    taker = {e["name"]: e for e in json.loads(proc.stdout)}[TAKER_DIST]
    assert taker["status"] == "loaded"
    assert {"kind": "layers", "name": "dense", "with": "lamella-layers"} in taker["clashes"]
    assert {c["name"] for c in taker["clashes"]} == {"dense", "auc"}
    proc = run_python(listing.replace("sys.argv[1:]", "['plugins']"), PYTHONPATH=str(taker_site),
                      LAMELLA_STRICT_PLUGINS="1")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "clash: layers 'dense' is also registered by 'lamella-layers'" in proc.stdout
    assert TAKER_DIST in proc.stderr
    proc = run_python("import lamella; lamella.layers.get('Dense')", PYTHONPATH=str(taker_site),
                      LAMELLA_STRICT_PLUGINS="1")
    assert proc.returncode == 1 and "PluginLoadError" in proc.stderr
    assert "layers 'dense'" in proc.stderr and TAKER_DIST in proc.stderr


def test_an_explicit_override_of_a_generated_name_works_and_is_listed(overriding_taker_site,
                                                                      run_python):
    code = textwrap.dedent(
        """
        import json, lamella, lamella.plugins as lp
        taker = {i.name: i for i in lp.plugin_infos()}["lamella-zq-taker-override"]
        print(json.dumps({"dense": lamella.layers.get("dense").__name__,
                          "Dense": lamella.layers.get("Dense").__module__,
                          "overrides": taker.overrides}))
        """
    )
    proc = run_python(code, PYTHONPATH=str(overriding_taker_site))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["dense"] == "Taker" and report["Dense"].startswith("lamella_layers")
    assert {"kind": "layers", "name": "dense", "replaced": "lamella-layers"} in report["overrides"]


def test_saving_to_keras_goes_through_lamella_io(tmp_path):
    """``m.keras`` is Keras 3's zip format, which lamella-io reads and writes."""
    model = lamella.Sequential([lamella.layers.Dense(1, input_shape=(2,))])
    model.save(str(tmp_path / "m.keras"))
    from lamella import saving

    assert type(saving.saver_for("m.keras")).__module__ == "lamella_io.keras_v3.saver"
    again = lamella.models.load_model(str(tmp_path / "m.keras"), compile=False)
    x = np.ones((2, 2), "float32")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_saving_with_lamella_io_switched_off_names_the_variable(run_python, tmp_path):
    code = textwrap.dedent(
        f"""
        import lamella
        model = lamella.Sequential([lamella.layers.Dense(1, input_shape=(2,))])
        try:
            model.save({str(tmp_path / "m.h5")!r})
        except ImportError as err:
            print(err)
        """
    )
    proc = run_python(code, LAMELLA_DISABLE_PLUGINS="Lamella_IO")
    assert proc.returncode == 0, proc.stderr
    assert "'lamella-io', which is installed but switched off by" in proc.stdout
    assert "LAMELLA_DISABLE_PLUGINS='Lamella_IO'" in proc.stdout
    assert "not installed" not in proc.stdout
