"""get_file's default cache (Keras's ~/.keras, $KERAS_HOME; $LAMELLA_HOME for lamella's own
place), and Keras 2.3.1's H5Dict (file, group and dict backed; atomic file writes)."""

import os

import h5py
import numpy as np
import pytest

import lamella
from lamella.testing import LocalServer
from lamella_io.utils import H5Dict, get_file

DATA = b"cached " * 100


@pytest.fixture
def server():
    with LocalServer({"/d.bin": DATA}) as srv:
        yield srv


def test_default_cache_is_keras_and_an_existing_keras_download_is_reused(server, tmp_path,
                                                                         monkeypatch):
    monkeypatch.delenv("LAMELLA_HOME", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    keras_copy = tmp_path / ".keras" / "datasets" / "d.bin"
    keras_copy.parent.mkdir(parents=True)
    keras_copy.write_bytes(b"downloaded earlier by Keras")
    path = get_file("d.bin", server.url("/d.bin"), verbose=0)
    assert path == str(keras_copy)
    assert server.requests == []  # nothing fetched
    assert get_file("new.bin", server.url("/d.bin"), verbose=0) == str(
        tmp_path / ".keras" / "datasets" / "new.bin")


def test_keras_home_and_lamella_home(server, tmp_path, monkeypatch):
    monkeypatch.delenv("LAMELLA_HOME", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    path = get_file("d.bin", server.url("/d.bin"), cache_subdir="models", verbose=0)
    assert path == str(tmp_path / "kh" / "models" / "d.bin")
    monkeypatch.setenv("LAMELLA_HOME", str(tmp_path / "lh"))  # lamella's own place wins
    path = get_file("d.bin", server.url("/d.bin"), verbose=0)
    assert path == str(tmp_path / "lh" / "datasets" / "d.bin")
    assert open(path, "rb").read() == DATA
    path = get_file("d.bin", server.url("/d.bin"), cache_dir=str(tmp_path / "cd"), verbose=0)
    assert path == str(tmp_path / "cd" / "datasets" / "d.bin")  # cache_dir wins over both


def test_reachable_at_keras_module_paths():
    from lamella.utils.data_utils import get_file as data_utils_get_file
    from lamella.utils.io_utils import H5Dict as io_utils_h5dict
    from lamella.utils.io_utils import h5dict  # Keras 2.3.1's alias

    assert data_utils_get_file is get_file
    assert io_utils_h5dict is H5Dict is lamella.utils.H5Dict is h5dict


def test_h5dict_file_roundtrip(tmp_path):
    path = tmp_path / "d.h5"
    with H5Dict(path, mode="w") as f:
        f["name"] = "model"
        f["shape"] = [1, 2, 3]
        f["names"] = ["a", "b"]
        f["weights"]["kernel"] = np.arange(6.0).reshape(2, 3)
        f["scalar"] = np.float32(2.5)
        assert not path.exists()  # written to a temporary until closed
    assert path.exists()
    with H5Dict(str(path), mode="r") as f:
        assert f["name"] == "model"
        assert list(f["shape"]) == [1, 2, 3]
        # bytes with h5py 2 (Keras 2.3.1's), str with h5py 3
        assert [n.decode() if isinstance(n, bytes) else n for n in f["names"]] == ["a", "b"]
        np.testing.assert_array_equal(f["weights"]["kernel"], np.arange(6.0).reshape(2, 3))
        assert f["scalar"] == np.float32(2.5)
        assert "weights" in f and "name" in f and "missing" not in f
        assert f.get("missing", 7) == 7
        with pytest.raises(ValueError, match="read-only"):
            f["x"] = 1
        with pytest.raises(ValueError, match="read-only"):
            f["no_such_group"]


def test_h5dict_append_and_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "d.h5"
    with H5Dict(path, mode="w") as f:
        f["a"] = 1
    with H5Dict(path, mode="a") as f:
        f["b"] = 2
    with pytest.raises(RuntimeError, match="boom"):
        with H5Dict(path, mode="a") as f:
            f["c"] = 3
            raise RuntimeError("boom")
    with h5py.File(path, "r") as f:
        assert dict(f.attrs) == {"a": 1, "b": 2}
    assert sorted(os.listdir(tmp_path)) == ["d.h5"]  # no temporary left behind


def test_h5dict_on_a_dict_and_a_group(tmp_path):
    store = {}
    d = H5Dict(store, mode="w")
    array = np.ones(3)
    d["w"] = array
    d["sub"]["x"] = "y"
    array[0] = 5  # a copy was stored, not a pickle and not the caller's array
    np.testing.assert_array_equal(d["w"], np.ones(3))
    assert d["sub"]["x"] == "y" and isinstance(d["sub"], H5Dict)
    d.update({"k": 1}, z=2)
    assert d["k"] == 1 and d["z"] == 2
    with h5py.File(tmp_path / "g.h5", "w") as f:
        g = H5Dict(f.create_group("g"))
        g["v"] = np.zeros(2)
        with pytest.raises(KeyError, match="exists"):
            g["v"] = np.zeros(2)
        assert sorted(g.keys()) == ["v"]
    long_list = ["n" * 1000] * 200  # over HDF5's attribute header limit: chunked
    with H5Dict(tmp_path / "c.h5", mode="w") as f:
        f["long"] = long_list
    with H5Dict(tmp_path / "c.h5", mode="r") as f:
        assert f["long"] == long_list
    with pytest.raises(TypeError, match="H5Dict"):
        H5Dict(3)
    with pytest.raises(ValueError, match="mode"):
        H5Dict({}, mode="x")
