"""Hostile weight files: checked (links, dtypes, declared shapes) before any data is read.

A 14 KB file can declare a 60000x60000 gzip-compressed dataset (nothing stored, every chunk
"filled" with ``fillvalue``); reading it would allocate 13.4 GiB. These tests load such files
under an address-space limit a little above what the process already maps, so a regression
fails with ``MemoryError`` instead of taking the machine's memory.
"""

import contextlib
import os
import resource
import sys
import tracemalloc

import h5py
import numpy as np
import pytest

import lamella
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import MomentumSGD as TinySGD
from lamella.testing import mean_squared_error as tiny_mse
from lamella.testing import toy_inputs as data
from lamella.testing import toy_sequential as sequential
from lamella_io.hdf5.files import HDF5FormatError

HUGE = (60000, 60000)  # float32: 13.4 GiB
FIRST = "seeded_dense"


@contextlib.contextmanager
def bounded_memory(extra=2 << 30):
    """Peak Python/NumPy allocations measured, and the address space capped (Linux)."""
    limit = None
    if sys.platform.startswith("linux"):
        with open("/proc/self/status") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize"))
        limit = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (vm + extra, limit[1]))
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, limit)
        assert peak < 64 << 20, f"peak allocation {peak / 2**20:.0f} MiB"


def first_weight(root):
    group = root["model_weights"] if "model_weights" in root else root
    layer = [n for n in group if n.startswith(FIRST)][0]
    return group[layer], f"{layer}/kernel:0"


def replace_kernel(path, make):
    """Replace the first layer's kernel dataset by ``make(layer_group, name)``."""
    with h5py.File(path, "a") as f:
        group, name = first_weight(f)
        del group[name]
        make(group, name)
        return group.name + "/" + name


def huge_gzip(group, name):
    group.create_dataset(name, shape=HUGE, dtype="float32", chunks=(1000, 1000),
                         compression="gzip", fillvalue=1.0)


@pytest.fixture
def weights_file(tmp_path):
    model = sequential()
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    return model, path


@pytest.fixture
def model_file(tmp_path):
    model = sequential()
    model.compile(optimizer=TinySGD(learning_rate=0.05), loss=tiny_mse)
    model.fit(data(), np.zeros((16, 3), "float32"), epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    return model, path


def test_huge_declared_dataset_fails_fast_in_load_weights(weights_file):
    model, path = weights_file
    replace_kernel(path, huge_gzip)
    assert os.path.getsize(path) < 64 << 10
    before = model.get_weights()
    with bounded_memory(), pytest.raises(ValueError, match=r"\(60000, 60000\).*expects"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_huge_declared_dataset_is_skipped_unread_by_name(weights_file):
    model, path = weights_file
    replace_kernel(path, huge_gzip)
    with bounded_memory(), pytest.warns(UserWarning, match="Skipping"):
        model.load_weights(path, by_name=True, skip_mismatch=True)


def test_huge_declared_dataset_fails_fast_in_load_model(model_file):
    _, path = model_file
    replace_kernel(path, huge_gzip)
    with bounded_memory(), pytest.raises(ValueError, match=r"m\.h5.*\(60000, 60000\)"):
        lamella.models.load_model(path, custom_objects=CUSTOM)


def test_huge_declared_optimizer_slot_is_not_read(model_file):
    _, path = model_file
    with h5py.File(path, "a") as f:
        group = f["optimizer_weights"]
        name = [n.decode() for n in group.attrs["weight_names"]][1]
        del group[name]
        huge_gzip(group, name)
    with bounded_memory(), pytest.warns(UserWarning, match=r"60000.*freshly initialized"):
        lamella.models.load_model(path, custom_objects=CUSTOM)


def test_external_link_as_a_weight_is_refused(weights_file, tmp_path):
    model, path = weights_file
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["kernel"] = np.ones((4, 5), "float32")
    where = replace_kernel(path, lambda g, n: g.__setitem__(
        n, h5py.ExternalLink(str(other), "/kernel")))
    with pytest.raises(HDF5FormatError, match=rf"w\.h5.*{where}.*external link.*other\.h5"):
        model.load_weights(path)


def test_soft_link_to_an_external_link_is_refused(weights_file, tmp_path):
    model, path = weights_file
    with h5py.File(path, "a") as f:
        f["elsewhere"] = h5py.ExternalLink("/etc/passwd", "/x")
    replace_kernel(path, lambda g, n: g.__setitem__(n, h5py.SoftLink("/elsewhere")))
    with pytest.raises(HDF5FormatError, match="'/elsewhere' is an external link"):
        model.load_weights(path)


def test_external_link_in_a_model_file_is_refused_before_building(model_file):
    _, path = model_file
    with h5py.File(path, "a") as f:
        f["sneaky"] = h5py.ExternalLink("/etc/passwd", "/x")
    with pytest.raises(HDF5FormatError, match=r"m\.h5.*'/sneaky' is an external link"):
        lamella.models.load_model(path, custom_objects=CUSTOM)


@pytest.mark.parametrize("kind", ["bytes", "str", "object", "compound"])
def test_string_and_object_datasets_are_refused(weights_file, kind):
    model, path = weights_file

    def make(group, name):
        if kind == "bytes":
            group.create_dataset(name, data=np.array([[b"ab"] * 5] * 4))
        elif kind == "str":
            group.create_dataset(name, data=[["x"] * 5] * 4, dtype=h5py.string_dtype())
        elif kind == "object":
            group.create_dataset(name, (4, 5), dtype=h5py.vlen_dtype(np.float32))
        else:
            group.create_dataset(name, (4, 5), dtype=[("a", "f4"), ("b", "f4")])

    where = replace_kernel(path, make)
    with pytest.raises(HDF5FormatError, match=rf"w\.h5.*{where}.*dtype"):
        model.load_weights(path)


def test_dataset_stored_in_an_external_file_is_refused(weights_file, tmp_path):
    model, path = weights_file
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.ones((4, 5), "float32").tobytes())
    where = replace_kernel(path, lambda g, n: g.create_dataset(
        n, (4, 5), dtype="float32", external=[(str(raw), 0, 80)]))
    with pytest.raises(HDF5FormatError, match=rf"{where}.*external storage"):
        model.load_weights(path)


def test_a_group_where_a_weight_should_be_is_refused(weights_file):
    model, path = weights_file
    where = replace_kernel(path, lambda g, n: g.create_group(n))
    with pytest.raises(HDF5FormatError, match=rf"{where}.*Group, not a dataset"):
        model.load_weights(path)


def test_virtual_dataset_reading_another_file_is_refused(weights_file, tmp_path):
    model, path = weights_file
    other = tmp_path / "secret.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.ones((4, 5), "float32")

    def make(group, name):
        layout = h5py.VirtualLayout(shape=(4, 5), dtype="float32")
        layout[:] = h5py.VirtualSource(str(other), "data", shape=(4, 5))
        group.create_virtual_dataset(name, layout)

    where = replace_kernel(path, make)
    with pytest.raises(HDF5FormatError, match=rf"{where}.*virtual dataset"):
        model.load_weights(path)
