"""``lamella new-plugin``: every kind's package installs, loads, resolves by name and passes its
own tests, in a fresh interpreter that finds it only through its entry point."""

import json
import subprocess
import sys

import pytest

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

    listing = run_python("from lamella.cli import main; main(['plugins', '--json'])",
                         PYTHONPATH=str(site))
    assert listing.returncode == 0, listing.stderr
    info = {entry["name"]: entry for entry in json.loads(listing.stdout)}[name]
    key = template.KINDS[kind][0]
    component = template.component_name(template.package_name(name), kind)
    assert info["status"] == "loaded", info
    assert info["registered"] == {key: [component]}

    # The package's own tests, run as its author would: pytest in its folder.
    tests = run_python(f"import os, sys, pytest; os.chdir({str(source)!r});"
                       " sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests']))",
                       PYTHONPATH=str(site))
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout, tests.stdout


def test_component_resolves_by_name_through_the_cli_package(tmp_path, pip_target, run_python):
    source = tmp_path / "zq-new-cli"
    proc = subprocess.run([sys.executable, "-m", "lamella", "new-plugin", "zq-new-cli", "--kind",
                           "optimizer", "--directory", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (source / "pyproject.toml").read_text().count('"lamella-core>=0.1,<0.2"') == 1
    site = pip_target(source, tmp_path / "site")
    code = ("import lamella.optimizers as o; from zq_new_cli.optimizers import ZqNewCli;"
            " assert type(o.get('zq_new_cli')) is type(o.get('ZqNewCli')) is ZqNewCli")
    done = run_python(code, PYTHONPATH=str(site))
    assert done.returncode == 0, done.stderr


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
