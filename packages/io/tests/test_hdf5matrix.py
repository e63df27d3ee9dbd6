"""HDF5Matrix: Keras's array-like view of an HDF5 dataset."""

import doctest

import h5py
import numpy as np
import pytest

from lamella_io.utils import HDF5Matrix, io_utils

X = np.arange(60, dtype="float32").reshape(20, 3)


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "m.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("x", data=X)
        f.create_dataset("y", data=np.arange(20, dtype="int64"))
    yield str(p)
    HDF5Matrix.close_all()


def test_len_shape_dtype_ndim(path):
    m = HDF5Matrix(path, "x", start=5, end=15)
    assert len(m) == 10 and m.shape == (10, 3) and m.dtype == np.float32
    assert m.ndim == 2 and m.size == 30
    full = HDF5Matrix(path, "y")
    assert full.shape == (20,) and full.dtype == np.int64


def test_indexing(path):
    m = HDF5Matrix(path, "x", start=5, end=15)
    np.testing.assert_array_equal(m[0], X[5])
    np.testing.assert_array_equal(m[-1], X[14])
    np.testing.assert_array_equal(m[2:4], X[7:9])
    np.testing.assert_array_equal(m[:], X[5:15])
    np.testing.assert_array_equal(m[::3], X[5:15:3])
    np.testing.assert_array_equal(m[8:100], X[13:15])
    np.testing.assert_array_equal(m[[3, 1, 1]], X[[8, 6, 6]])
    np.testing.assert_array_equal(m[np.array([9, 0])], X[[14, 5]])
    np.testing.assert_array_equal(m[1, 2], X[6, 2])
    np.testing.assert_array_equal(m[1:3, 0], X[6:8, 0])
    with pytest.raises(IndexError):
        m[10]
    with pytest.raises(IndexError):
        m[[0, 10]]


def test_normalizer(path):
    m = HDF5Matrix(path, "x", normalizer=lambda a: (a / 2).astype("float64"))
    assert m.dtype == np.float64
    np.testing.assert_allclose(m[1:3], X[1:3] / 2)
    np.testing.assert_allclose(m[4], X[4] / 2)


def test_asarray_and_iteration(path):
    m = HDF5Matrix(path, "x", start=18)
    np.testing.assert_array_equal(np.asarray(m), X[18:])
    assert np.asarray(m, dtype="float64").dtype == np.float64
    assert [row.tolist() for row in m] == X[18:].tolist()


def test_shares_one_read_only_handle(path):
    a, b = HDF5Matrix(path, "x"), HDF5Matrix(path, "y")
    assert a.data.file.id == b.data.file.id
    assert a.data.file.mode == "r"


def test_errors(path):
    with pytest.raises(KeyError, match="nope"):
        HDF5Matrix(path, "nope")
    with pytest.raises(ValueError):
        HDF5Matrix(path, "x", start=5, end=2)


def test_works_as_fit_input_through_the_data_adapter(path):
    import torch

    from lamella.engine import data_adapter

    x, y = HDF5Matrix(path, "x"), HDF5Matrix(path, "y")
    tensors = data_adapter.standardize([x], ["input_1"], "input", None)
    assert tensors[0].dtype == torch.float32 and tuple(tensors[0].shape) == (20, 3)
    assert data_adapter.standardize([y], ["out"], "target", None)[0].shape == (20,)


def test_doctest():
    assert doctest.testmod(io_utils).failed == 0
