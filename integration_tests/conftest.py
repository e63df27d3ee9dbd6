"""Shared helpers for the integration tests (every first-party package installed)."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


def clean_env(**extra):
    """The current environment without LAMELLA_* switches or PYTHONPATH, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAMELLA_")}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def pip_target():
    """``pip_target(source, target)``: install a distribution into a folder, as a wheel would be."""

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
