"""The downloadable datasets, against small files of Keras's formats served on 127.0.0.1."""

import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from lamella.testing import LocalServer
from lamella_io.datasets import (
    _common,
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from lamella_io.utils import DownloadError

RNG = np.random.RandomState(0)


def npz_bytes(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def object_array(lists):
    out = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        out[i] = item
    return out


def idx_gz(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def cifar_batch(n, label_key, labels):
    data = RNG.randint(0, 256, size=(n, 3072)).astype(np.uint8)
    return pickle.dumps({b"batch_label": b"x", b"data": data, label_key: list(labels),
                         b"filenames": [b"f%d.png" % i for i in range(n)]}, protocol=2), data


def tar_gz(folder, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(folder + "/" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


MNIST = dict(x_train=RNG.randint(0, 256, (6, 28, 28)).astype(np.uint8),
             y_train=np.arange(6, dtype=np.uint8), x_test=RNG.randint(0, 256, (3, 28, 28))
             .astype(np.uint8), y_test=np.arange(3, dtype=np.uint8))
SEQS_TRAIN = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [11]]
SEQS_TEST = [[2, 2], [12, 13, 14]]
IMDB = dict(x_train=object_array(SEQS_TRAIN), y_train=np.array([0, 1, 0, 1]),
            x_test=object_array(SEQS_TEST), y_test=np.array([1, 0]))
REUTERS = dict(x=object_array(SEQS_TRAIN + SEQS_TEST), y=np.array([3, 1, 4, 1, 5, 9]))
BOSTON = dict(x=RNG.rand(10, 13), y=RNG.rand(10) * 50)
WORD_INDEX = {"the": 1, "and": 2, "movie": 3}


@pytest.fixture(scope="module")
def files():
    out = {"/mnist.npz": npz_bytes(**MNIST), "/imdb.npz": npz_bytes(**IMDB),
           "/reuters.npz": npz_bytes(**REUTERS), "/boston_housing.npz": npz_bytes(**BOSTON),
           "/imdb_word_index.json": json.dumps(WORD_INDEX).encode(),
           "/reuters_word_index.json": json.dumps(WORD_INDEX).encode()}
    fm = {"train-labels-idx1-ubyte.gz": idx_gz(MNIST["y_train"], 2049),
          "train-images-idx3-ubyte.gz": idx_gz(MNIST["x_train"], 2051),
          "t10k-labels-idx1-ubyte.gz": idx_gz(MNIST["y_test"], 2049),
          "t10k-images-idx3-ubyte.gz": idx_gz(MNIST["x_test"], 2051)}
    out.update({"/" + k: v for k, v in fm.items()})
    c10, c10_arrays = {}, {}
    for i in range(1, 6):
        c10["data_batch_%d" % i], c10_arrays[i] = cifar_batch(2, b"labels", [i, i + 1])
    c10["test_batch"], c10_arrays["test"] = cifar_batch(3, b"labels", [7, 8, 9])
    out["/cifar-10-python.tar.gz"] = tar_gz("cifar-10-batches-py", c10)
    c100 = {}
    for part, n in (("train", 4), ("test", 2)):
        data = RNG.randint(0, 256, size=(n, 3072)).astype(np.uint8)
        c100[part] = pickle.dumps({b"data": data, b"fine_labels": list(range(90, 90 + n)),
                                   b"coarse_labels": list(range(10, 10 + n))}, protocol=2)
        c10_arrays["c100_" + part] = data
    out["/cifar-100-python.tar.gz"] = tar_gz("cifar-100-python", c100)
    return out, c10_arrays


@pytest.fixture
def server(files):
    with LocalServer(files[0]) as srv:
        yield srv


@pytest.fixture
def env(server, tmp_path, monkeypatch):
    """Point every loader at the local server and a fresh cache."""
    monkeypatch.setenv(_common.BASE_URL_ENV, server.base_url)
    monkeypatch.setenv("LAMELLA_HOME", str(tmp_path))
    return server, tmp_path


def h(files, name):
    return sha(files[0]["/" + name])


def test_mnist(env, files):
    (x, y), (xt, yt) = mnist.load_data(file_hash=h(files, "mnist.npz"))
    np.testing.assert_array_equal(x, MNIST["x_train"])
    assert x.dtype == np.uint8 and x.shape == (6, 28, 28) and yt.tolist() == [0, 1, 2]
    assert (env[1] / "datasets" / "mnist.npz").exists()


def test_keras_hash_applies_through_a_mirror(env):
    # The served file is not the real MNIST, so Keras's md5 refuses it and nothing is cached.
    with pytest.raises(ValueError, match="hash"):
        mnist.load_data()
    assert not (env[1] / "datasets" / "mnist.npz").exists()
    assert [n for n in os.listdir(env[1] / "datasets") if n.endswith(".part")] == []


def test_interrupted_dataset_download(env, files):
    env[0].truncate.add("/mnist.npz")
    with pytest.raises(DownloadError):
        mnist.load_data(file_hash=False)
    assert os.listdir(env[1] / "datasets") == []


def test_base_url_argument_and_cache_dir(server, files, tmp_path):
    (x, _), _ = mnist.load_data(base_url=server.base_url + "/", file_hash=False,
                                cache_dir=str(tmp_path / "c"))
    assert x.shape == (6, 28, 28)
    assert (tmp_path / "c" / "datasets" / "mnist.npz").exists()


def test_resolve_origin(monkeypatch):
    monkeypatch.delenv(_common.BASE_URL_ENV, raising=False)
    assert _common.resolve_origin(mnist.ORIGIN) == mnist.ORIGIN
    assert _common.resolve_origin(mnist.ORIGIN, "http://m/x/") == "http://m/x/mnist.npz"


def test_fashion_mnist(env):
    (x, y), (xt, yt) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x, MNIST["x_train"])
    np.testing.assert_array_equal(yt, MNIST["y_test"])
    assert x.dtype == np.uint8 and xt.shape == (3, 28, 28)
    assert (env[1] / "datasets" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists()


def test_cifar10(env, files):
    arrays = files[1]
    (x, y), (xt, yt) = cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (10, 1) and y.dtype == np.uint8
    assert y[:, 0].tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert xt.shape == (3, 32, 32, 3) and yt[:, 0].tolist() == [7, 8, 9]
    np.testing.assert_array_equal(x[2], arrays[2][0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert (env[1] / "datasets" / "cifar-10-batches-py" / "test_batch").exists()


@pytest.mark.parametrize("mode,first", [("fine", 90), ("coarse", 10)])
def test_cifar100(env, files, mode, first):
    (x, y), (xt, yt) = cifar100.load_data(label_mode=mode)
    assert x.shape == (4, 32, 32, 3) and y.shape == (4, 1) and yt.shape == (2, 1)
    assert y[:, 0].tolist() == list(range(first, first + 4))
    np.testing.assert_array_equal(
        xt[1], files[1]["c100_test"][1].reshape(3, 32, 32).transpose(1, 2, 0))


def test_cifar100_label_mode_error():
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def keras_index(seqs, start_char=1, index_from=3):
    return [[start_char] + [w + index_from for w in s] for s in seqs]


def test_imdb_defaults(env):
    (x, y), (xt, yt) = imdb.load_data(file_hash=False)
    assert x.dtype == object and len(x) == 4 and len(xt) == 2
    # the same shuffle Keras applies (RandomState(113) for train then test)
    rng = np.random.RandomState(113)
    i_train = np.arange(4)
    rng.shuffle(i_train)
    i_test = np.arange(2)
    rng.shuffle(i_test)
    expect = keras_index([SEQS_TRAIN[i] for i in i_train])
    # num_words defaults to the largest index, which Keras then maps to oov (w < num_words)
    top = max(max(s) for s in expect + keras_index([SEQS_TEST[i] for i in i_test]))
    expect = [[w if w < top else 2 for w in s] for s in expect]
    assert [list(s) for s in x] == expect
    assert y.tolist() == IMDB["y_train"][i_train].tolist()


def test_imdb_options(env):
    (x, _), (xt, _) = imdb.load_data(num_words=8, skip_top=4, maxlen=4, start_char=None,
                                     oov_char=None, index_from=0, seed=1, file_hash=False)
    for s in list(x) + list(xt):
        assert all(4 <= w < 8 for w in s)
    assert len(x) + len(xt) == 5  # the sequence of 5 words is dropped
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=1, file_hash=False)
    with pytest.warns(UserWarning, match="nb_words"):
        imdb.load_data(nb_words=5, file_hash=False)
    with pytest.raises(TypeError, match="Unrecognized"):
        imdb.load_data(bogus=1, file_hash=False)


def test_imdb_equal_lengths_give_2d_array(server, tmp_path):
    server.files["/imdb.npz"] = npz_bytes(x_train=object_array([[1, 2], [3, 4]]),
                                          y_train=np.array([0, 1]),
                                          x_test=object_array([[5, 6]]), y_test=np.array([1]))
    (x, _), _ = imdb.load_data(base_url=server.base_url, file_hash=False,
                               cache_dir=str(tmp_path))
    assert x.shape == (2, 3) and x.dtype.kind == "i"


def test_reuters(env):
    (x, y), (xt, yt) = reuters.load_data(file_hash=False, test_split=0.5)
    assert len(x) == 3 and len(xt) == 3
    rng = np.random.RandomState(113)
    idx = np.arange(6)
    rng.shuffle(idx)
    assert y.tolist() + yt.tolist() == REUTERS["y"][idx].tolist()
    assert list(x[0])[0] == 1
    with pytest.raises(ValueError, match="maxlen"):  # Keras fails here too (in max())
        reuters.load_data(file_hash=False, maxlen=1)


@pytest.mark.parametrize("module", [imdb, reuters])
def test_word_index(env, module):
    assert module.get_word_index(file_hash=False) == WORD_INDEX


def test_boston_housing(env):
    (x, y), (xt, yt) = boston_housing.load_data(file_hash=False, test_split=0.3, seed=5)
    assert x.shape == (7, 13) and xt.shape == (3, 13) and y.shape == (7,)
    idx = np.arange(10)
    np.random.RandomState(5).shuffle(idx)
    np.testing.assert_array_equal(np.concatenate([x, xt]), BOSTON["x"][idx])
    assert x.dtype == np.float64


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_cifar_load_batch_at_keras_path(tmp_path):
    """keras.datasets.cifar.load_batch(fpath, label_key='labels'), as scripts call it on an
    extracted CIFAR-100 (or 10) folder: data (N, 3, 32, 32), labels the stored list."""
    from lamella.datasets.cifar import load_batch

    payload, data = cifar_batch(3, b"fine_labels", [5, 0, 99])
    path = tmp_path / "train"
    path.write_bytes(payload)
    x, y = load_batch(str(path), label_key="fine_labels")
    assert x.shape == (3, 3, 32, 32) and x.dtype == np.uint8
    np.testing.assert_array_equal(x.reshape(3, -1), data)
    assert y == [5, 0, 99]
    with pytest.raises(KeyError):
        load_batch(str(path))   # Keras's default label_key='labels' is not in a CIFAR-100 file


def test_pickled_code_in_a_dataset_file_is_refused(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    from lamella_io.datasets.cifar import load_batch

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_batch(str(path))
    evil = npz_bytes(x=object_array([Evil()]), y=np.array([1]))
    (tmp_path / "evil.npz").write_bytes(evil)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        _common.load_npz(str(tmp_path / "evil.npz"))


def test_registered_through_the_plugin_hook():
    from lamella_io import _plugin

    names = {c.name for c in _plugin.lamella_datasets()}
    assert names == {"digits", "mnist", "fashion_mnist", "cifar", "cifar10", "cifar100", "imdb",
                     "reuters", "boston_housing"}
    import lamella.datasets as facade

    assert facade.imdb is imdb and facade.cifar10 is cifar10
