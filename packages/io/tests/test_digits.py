"""Tests for lamella_io.datasets.digits (bundled UCI 8x8 handwritten digits)."""

import doctest
import hashlib
import math
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamella_io.datasets import digits

N = 1797
# Per-class counts and content fingerprint of the bundled file (in file order),
# taken when it was converted from scikit-learn's digits.csv.gz.
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
PIXEL_SUM = 561718
CONTENT_SHA256 = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
FIRST_IMAGE = np.array(
    [
        [0, 0, 5, 13, 9, 1, 0, 0],
        [0, 0, 13, 15, 10, 15, 5, 0],
        [0, 3, 15, 2, 0, 11, 8, 0],
        [0, 4, 12, 0, 0, 8, 8, 0],
        [0, 5, 8, 0, 0, 9, 8, 0],
        [0, 4, 11, 0, 1, 12, 7, 0],
        [0, 2, 14, 5, 10, 12, 0, 0],
        [0, 0, 6, 13, 10, 0, 0, 0],
    ],
    dtype=np.uint8,
)


def expected_test_size(test_split):
    """The documented rounding rule."""
    return N - int(N * (1 - test_split))


def rows(x, y):
    """Sorted (pixels..., label) rows: compares splits as multisets of samples."""
    table = np.concatenate([x.reshape(len(x), -1), y.reshape(-1, 1)], axis=1)
    return table[np.lexsort(table.T[::-1])]


def test_constants():
    assert digits.NUM_CLASSES == 10
    assert digits.IMAGE_SHAPE == (8, 8)
    assert digits.NUM_SAMPLES == N


def test_bundled_file_is_the_uci_copy():
    images, labels = digits._read_bundled()
    assert images.dtype == np.uint8 and images.shape == (N, 8, 8)
    assert labels.dtype == np.uint8 and labels.shape == (N,)
    assert int(images.sum(dtype=np.int64)) == PIXEL_SUM
    assert np.bincount(labels, minlength=10).tolist() == CLASS_COUNTS
    np.testing.assert_array_equal(images[0], FIRST_IMAGE)
    assert labels[:10].tolist() == list(range(10))
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    assert digest == CONTENT_SHA256


def test_bundled_file_is_small():
    path = Path(digits.__file__).parent / "data" / "digits.npz"
    assert 20_000 < path.stat().st_size < 80_000
    assert (path.parent / "DIGITS_LICENSE.md").is_file()


def test_default_shapes_dtypes_and_ranges():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8)
    assert y_train.shape == (1437,)
    assert x_test.shape == (360, 8, 8)
    assert y_test.shape == (360,)
    for arr in (x_train, y_train, x_test, y_test):
        assert isinstance(arr, np.ndarray)
        assert arr.dtype == np.uint8
    for x in (x_train, x_test):
        assert x.shape[1:] == digits.IMAGE_SHAPE
        assert int(x.min()) == 0 and int(x.max()) == 16
    for y in (y_train, y_test):
        assert int(y.min()) == 0 and int(y.max()) == 9
    assert len(x_train) + len(x_test) == N


def test_total_count_and_split_is_a_partition():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    images, labels = digits._read_bundled()
    np.testing.assert_array_equal(
        rows(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])),
        rows(images, labels),
    )


def test_labels_cover_all_classes():
    (_, y_train), (_, y_test) = digits.load_data()
    y_all = np.concatenate([y_train, y_test])
    assert np.bincount(y_all, minlength=10).tolist() == CLASS_COUNTS
    assert set(y_train.tolist()) == set(range(digits.NUM_CLASSES))
    assert set(y_test.tolist()) == set(range(digits.NUM_CLASSES))


def test_shuffle_uses_randomstate_permutation():
    images, labels = digits._read_bundled()
    perm = np.random.RandomState(7).permutation(N)
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.0, seed=7)
    assert len(x_test) == 0 and x_test.shape == (0, 8, 8) and y_test.shape == (0,)
    np.testing.assert_array_equal(x_train, images[perm])
    np.testing.assert_array_equal(y_train, labels[perm])


def test_same_seed_is_deterministic():
    a = digits.load_data(test_split=0.3, seed=42)
    b = digits.load_data(test_split=0.3, seed=42)
    for part_a, part_b in zip(a, b):
        for arr_a, arr_b in zip(part_a, part_b):
            np.testing.assert_array_equal(arr_a, arr_b)


def test_different_seed_differs():
    (x1, y1), (xt1, yt1) = digits.load_data(seed=113)
    (x2, y2), (xt2, yt2) = digits.load_data(seed=114)
    assert x1.shape == x2.shape and xt1.shape == xt2.shape
    assert not np.array_equal(x1, x2)
    assert not np.array_equal(y1, y2)
    # Same samples overall, only in another order / split.
    np.testing.assert_array_equal(
        rows(np.concatenate([x1, xt1]), np.concatenate([y1, yt1])),
        rows(np.concatenate([x2, xt2]), np.concatenate([y2, yt2])),
    )


def test_results_are_fresh_arrays():
    (x_train, y_train), _ = digits.load_data()
    x_train[...] = 0
    y_train[...] = 0
    (x_again, y_again), _ = digits.load_data()
    assert int(x_again.max()) == 16
    assert int(y_again.max()) == 9


@pytest.mark.parametrize(
    "bad",
    [-0.1, -1, 1, 1.0, 1.5, float("nan"), float("inf"), "0.2", None, True, [0.2]],
)
def test_bad_test_split_raises(bad):
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=bad)


@pytest.mark.parametrize("ok", [0, 0.0, 0.5, np.float32(0.25), np.float64(0.999)])
def test_numeric_test_split_types_accepted(ok):
    (x_train, _), (x_test, _) = digits.load_data(test_split=ok)
    assert len(x_test) == expected_test_size(float(ok))
    assert len(x_train) + len(x_test) == N


@settings(max_examples=60, deadline=None)
@given(test_split=st.floats(min_value=0.0, max_value=0.9, allow_nan=False))
def test_split_size_rounding(test_split):
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=test_split)
    # Documented rule: train = int(N * (1 - test_split)), test = the rest.
    assert len(x_train) == len(y_train) == int(N * (1 - test_split))
    assert len(x_test) == len(y_test) == expected_test_size(test_split)
    # ... which is ceil(N * test_split) up to floating-point error.
    assert math.floor(N * test_split) <= len(x_test) <= math.ceil(N * test_split) + 1
    assert abs(len(x_test) - N * test_split) < 1 + 1e-9


def test_docstring_example_runs():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(digits.load_data, "load_data") if t.examples]
    assert tests, "load_data docstring should have an example"
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_loads_from_a_zip(tmp_path):
    """importlib.resources path: works when the package is not a folder on disk."""
    src = Path(digits.__file__).parent
    archive = tmp_path / "lamella_io_datasets.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lamella_io/__init__.py", "")
        zf.write(src / "__init__.py", "lamella_io/datasets/__init__.py")
        zf.write(src / "digits.py", "lamella_io/datasets/digits.py")
        zf.write(src / "data" / "digits.npz", "lamella_io/datasets/data/digits.npz")
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(archive)!r})
        from lamella_io.datasets import digits
        assert {str(archive)!r} in digits.__file__, digits.__file__
        (x, y), (xt, yt) = digits.load_data()
        print(x.shape, xt.shape)
        """
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1437, 8, 8) (360, 8, 8)"
