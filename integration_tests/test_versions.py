"""Every distribution in the repository carries one version, and the pins follow it."""

import pathlib
import re
import shutil
import subprocess
import sys
from importlib import metadata

import pytest

import lamella
from lamella._version import __version__

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUMP = ROOT / "tools" / "bump-version"
COMPONENTS = {
    "lamella-layers", "lamella-optimizers", "lamella-losses", "lamella-callbacks",
    "lamella-io", "lamella-distributed", "lamella-applications",
}


def _load(path):
    return tomllib.loads(path.read_text())["project"]


def _pins(project):
    """{distribution: pinned version} for every `name==version` (extras allowed) requirement."""
    pins = {}
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    for requirement in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*==\s*([^\s;,]+)\s*(;.*)?",
                             requirement)
        if match:
            pins[match.group(1)] = match.group(3)
    return pins


def _repo_pyprojects(root):
    return {
        path: _load(path)
        for path in [root / "pyproject.toml", *sorted(root.glob("packages/*/pyproject.toml")),
                     *sorted(root.glob("plugins/*/pyproject.toml"))]
    }


def _check_lockstep(root, version):
    projects = _repo_pyprojects(root)
    names = {project["name"] for project in projects.values()}
    assert {"lamella", "lamella-core"} | COMPONENTS <= names
    for path, project in projects.items():
        assert project["version"] == version, path
    version_file = (root / "packages/core-engine/src/lamella/_version.py").read_text()
    assert re.search(rf'(?m)^__version__ = "{re.escape(version)}"$', version_file)
    for path, project in projects.items():
        pins = _pins(project)
        for name, pinned in pins.items():
            if name.startswith("lamella"):
                assert pinned == version, (path, name)
        if project["name"] in COMPONENTS or path.parent.parent.name == "plugins":
            assert pins.get("lamella-core") == version, path
        if project["name"] == "lamella-core":
            assert not [p for p in pins if p.startswith("lamella")], "the core depends on no plugin"
        if project["name"] == "lamella":
            assert set(pins) == {"lamella-core"} | COMPONENTS
    return projects


def test_every_version_agrees():
    _check_lockstep(ROOT, __version__)
    assert lamella.__version__ == __version__


def test_installed_metadata_agrees():
    for name in {"lamella-core"} | COMPONENTS:
        try:
            assert metadata.version(name) == __version__, name
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name} is not installed; run tools/setup")


def test_component_packages_pin_the_core_exactly():
    for path in sorted(ROOT.glob("packages/*/pyproject.toml")):
        project = _load(path)
        if project["name"] == "lamella-core":
            continue
        assert f"lamella-core=={__version__}" in project["dependencies"], path


@pytest.fixture
def repo_copy(tmp_path):
    for path in [ROOT / "pyproject.toml", *ROOT.glob("packages/*/pyproject.toml"),
                 *ROOT.glob("plugins/*/pyproject.toml"),
                 ROOT / "packages/core-engine/src/lamella/_version.py"]:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return tmp_path


def _bump(*args):
    return subprocess.run([sys.executable, str(BUMP), *args], capture_output=True, text=True,
                          timeout=120)


def test_bump_version_moves_everything_in_lockstep(repo_copy):
    before = {p: p.read_text() for p in repo_copy.rglob("*") if p.is_file()}
    proc = _bump("7.8.9rc1", "--root", str(repo_copy))
    assert proc.returncode == 0, proc.stderr
    _check_lockstep(repo_copy, "7.8.9rc1")
    # nothing but versions changed: reverting the version strings gives the originals back
    for path, text in before.items():
        reverted = path.read_text().replace("7.8.9rc1", __version__)
        assert reverted == text, path
    assert "packages/core-engine/src/lamella/_version.py" in proc.stdout
    # a second run has nothing to do
    again = _bump("7.8.9rc1", "--root", str(repo_copy))
    assert again.returncode == 0 and again.stdout == ""


def test_bump_version_dry_run_and_bad_input(repo_copy):
    before = {p: p.read_text() for p in repo_copy.rglob("*") if p.is_file()}
    proc = _bump("1.0.0", "--root", str(repo_copy), "--dry-run")
    assert proc.returncode == 0 and "pyproject.toml" in proc.stdout
    assert {p: p.read_text() for p in before} == before
    for bad in ("v1.0", "1.0.0-final", "", "1..0"):
        assert _bump(bad, "--root", str(repo_copy)).returncode == 2, bad
    assert {p: p.read_text() for p in before} == before


def test_bump_version_is_executable():
    assert BUMP.stat().st_mode & 0o111
