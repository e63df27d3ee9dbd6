"""Shared helpers for the integration tests (every first-party package installed)."""

import pathlib
import subprocess
import sys

import pytest

from lamella.testing import subprocess_env

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


def clean_env(**extra):
    """The current environment without LAMELLA_* switches, plus ``extra`` (PYTHONPATH is kept,
    an extra one in front: lamella may be installed through it)."""
    return subprocess_env(**extra)


@pytest.fixture(scope="session")
def pip_target():
    """``pip_target(source, target)``: install a distribution into a folder, as a wheel would be."""

    # --no-build-isolation builds with the hatchling installed here; a machine without it
    # (the GPU test machine, offline) cannot build a plugin from source.
    pytest.importorskip("hatchling", reason="building a plugin from source needs hatchling")

    def install(source, target):
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--no-build-isolation", "--no-index", "--target", str(target),
             str(source)],
            capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return target

    return install


@pytest.fixture(scope="session")
def run_python():
    """``run_python(code, **env)``: run code in a fresh interpreter.

    Returns the CompletedProcess.
    """

    def run(code, **env):
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True,
            env=clean_env(**env), timeout=600,
        )

    return run
