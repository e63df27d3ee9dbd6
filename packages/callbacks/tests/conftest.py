"""Fixtures for lamella-callbacks' own tests (only lamella-core and this package installed).

``npz_saver`` registers an in-process file format for ``.npz`` paths, so ModelCheckpoint
can be tested without lamella-io's HDF5 saver.
"""

import pathlib
import sys

import pytest

# cb_toys.py is imported by name; importlib mode does not put test folders on sys.path.
sys.path.insert(0, str(pathlib.Path(__file__).parent))

import cb_toys  # noqa: E402


@pytest.fixture
def npz_saver():
    saver = cb_toys.NpzSaver()
    name = cb_toys.register_npz_saver(saver)
    try:
        yield saver
    finally:
        cb_toys.unregister_npz_saver(name)


@pytest.fixture
def toy_data():
    return cb_toys.toy_data()
