"""``lamella new-plugin``: every kind's package installs, loads, resolves by name and passes its
own tests, in a fresh interpreter that finds it only through its entry point."""

import json
import subprocess
import sys

import pytest

import lamella
from lamella import cli
from lamella.plugins import template

KINDS = ["layer", "optimizer", "loss", "metric", "callback", "activation"]


@pytest.mark.parametrize("kind", KINDS)
def test_generated_plugin_installs_loads_and_passes_its_tests(kind, tmp_path, pip_target,
                                                             run_python):
    name = f"zq-new-{kind}"
    assert cli.main(["new-plugin", name, "--kind", kind, "--directory", str(tmp_path)]) == 0
    source = tmp_path / name
    site = pip_target(source, tmp_path / "site")

    key, module, _ = template.KINDS[kind]
    pkg = template.package_name(name)
    component = template.component_name(pkg, kind)
    # The listing on stdout; on stderr, the module of what the component's name resolves to.
    listing = run_python(
        "import sys; from lamella.cli import main; from lamella.plugins import lookup;"
        f" main(['plugins', '--json']); sys.stderr.write(lookup.find({key!r}, {component!r})"
        ".__module__)", PYTHONPATH=str(site))
    assert listing.returncode == 0, listing.stderr
    assert listing.stderr.strip().splitlines()[-1] == f"{pkg}.{module}", listing.stderr
    info = {entry["name"]: entry for entry in json.loads(listing.stdout)}[name]
    assert info["status"] == "loaded", info
    assert info["registered"] == {key: [component]}

    # The package's own tests, run as its author would: pytest in its folder.
    tests = run_python(f"import os, sys, pytest; os.chdir({str(source)!r});"
                       " sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests']))",
                       PYTHONPATH=str(site))
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout, tests.stdout


def test_the_command_line_writes_the_package(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "lamella", "new-plugin", "zq-new-cli", "--kind",
                           "optimizer", "--directory", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    source = tmp_path / "zq-new-cli"
    pyproject = (source / "pyproject.toml").read_text()
    major, minor = (int(part) for part in lamella.__version__.split(".")[:2])
    assert f'dependencies = ["lamella-core>={major}.{minor},<{major}.{minor + 1}"]' in pyproject
    assert 'zq-new-cli = "zq_new_cli._plugin"' in pyproject
    assert 'packages = ["src/zq_new_cli"]' in pyproject
    plugin = (source / "src" / "zq_new_cli" / "_plugin.py").read_text()
    assert '"zq_new_cli.optimizers:ZqNewCli", aliases=("zq_new_cli",)' in plugin
    assert (source / "tests" / "test_zq_new_cli.py").is_file()
    assert (source / "README.md").is_file()


@pytest.mark.parametrize("bad", ["1plugin", "my plugin", "def", "-x", "lamella", "a/b", ""])
def test_unusable_names_are_refused(bad, tmp_path):
    with pytest.raises(template.TemplateError, match="lamella new-plugin"):
        template.write_plugin(bad, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused_and_left_alone(tmp_path, capsys):
    (tmp_path / "my-plugin").mkdir()
    (tmp_path / "my-plugin" / "keep.txt").write_text("mine")
    assert cli.main(["new-plugin", "my-plugin", "--directory", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "my-plugin").iterdir()] == ["keep.txt"]


def test_names_and_ranges():
    assert template.package_name("My.Plugin--x") == "my_plugin_x"
    assert template.core_range("0.1.0") == "lamella-core>=0.1,<0.2"
    assert template.core_range("1.9.3") == "lamella-core>=1.9,<1.10"
    assert template.component_name("dense", "layer") == "DenseLayer"
    assert template.component_name("relu", "activation") == "relu_activation"
    assert template.component_name("my_plugin", "loss") == "my_plugin"
