"""The multi-process tests import their launch helpers from this folder (dist_launch.py)."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from dist_launch import launch_train  # noqa: E402


@pytest.fixture(scope="session")
def horovod_train(tmp_path_factory):
    """The output folder of ``worker.py train`` under horovodrun (launched once)."""
    return launch_train("horovod", tmp_path_factory)
