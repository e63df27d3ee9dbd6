"""Fixtures for lamella-callbacks' own tests (only lamella-core and this package installed).

``npz_saver`` registers lamella.testing's ``.npz`` file format in process, so ModelCheckpoint
can be tested without lamella-io's HDF5 saver.
"""

import pytest

from lamella.testing import NpzSaver, npz_saver_plugin, plugin_registered, toy_data


@pytest.fixture
def npz_saver():
    saver = NpzSaver()
    with plugin_registered(npz_saver_plugin(saver)):
        yield saver


@pytest.fixture(name="toy_data")
def toy_data_fixture():
    return toy_data()
