"""Loading weights: a Keras 2.3.1-written file by path, ``weights='imagenet'`` through
``get_file`` from a local server (cache, hash check), ``decode_predictions``' class index.

The ``.h5`` fixtures are Keras 2.3.1's ``save_weights`` of two small models with every weight
randomised (``tools/keras231/make_application_fixtures.py``), with Keras's predictions.
"""

import hashlib
import json
import pathlib

import numpy as np
import pytest
import torch

import lamella
from lamella import applications
from lamella.testing import LocalServer

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
CASES = json.loads((FIXTURES / "weights_cases.json").read_text())["cases"]
EXPECTED = np.load(FIXTURES / "weights_expected.npz")


@pytest.fixture(autouse=True)
def full_float32(monkeypatch):
    """On CUDA, cuDNN convolutions default to TF32 (a 10-bit mantissa); the comparison with
    Keras's float32 predictions is made in full float32 (matmuls are by default)."""
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """Downloads go to a fresh cache, never to the user's."""
    monkeypatch.setenv("LAMELLA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _build(case, weights):
    record = CASES[case]
    kwargs = dict(record["kwargs"], input_shape=tuple(record["kwargs"]["input_shape"]))
    return getattr(applications, record["function"])(weights=weights, **kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_written_weights_give_keras_predictions(case):
    model = _build(case, str(FIXTURES / f"{case}.h5"))
    found = model.predict(EXPECTED[f"{case}/x"])
    np.testing.assert_allclose(found, EXPECTED[f"{case}/y"], rtol=1e-4, atol=1e-4)


def test_imagenet_weights_download_once_from_the_weights_url(monkeypatch, cache_home):
    import lamella.applications.mobilenet as mobilenet

    data = (FIXTURES / "mobilenet_025.h5").read_bytes()
    name = "mobilenet_2_5_128_tf_no_top.h5"  # Keras's file name for alpha 0.25, 128 rows
    with LocalServer({"/weights/" + name: data}) as server:
        # Keras's way of pointing at a mirror: its module constant.
        monkeypatch.setattr(mobilenet, "BASE_WEIGHT_PATH", server.url("/weights/"))
        model = _build("mobilenet_025", "imagenet")
        again = _build("mobilenet_025", "imagenet")
        assert server.requests == ["/weights/" + name]  # the second build read the cache
    assert (cache_home / "models" / name).read_bytes() == data
    x = EXPECTED["mobilenet_025/x"]
    for m in (model, again):
        np.testing.assert_allclose(m.predict(x), EXPECTED["mobilenet_025/y"], rtol=1e-4,
                                   atol=1e-4)


def test_imagenet_weights_with_a_wrong_hash_are_refused(monkeypatch, cache_home):
    import lamella.applications.densenet as densenet

    name = "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with LocalServer({"/" + name: b"not the published file"}) as server:
        monkeypatch.setattr(densenet, "DENSENET121_WEIGHT_PATH_NO_TOP", server.url("/" + name))
        # built on the meta device: the download is checked before any weight is read
        with pytest.raises(ValueError, match="md5 hash"), torch.device("meta"):
            densenet.DenseNet121(include_top=False, weights="imagenet", input_shape=(32, 32, 3))
        assert server.requests == ["/" + name]
    assert not (cache_home / "models" / name).exists()


def test_decode_predictions_fetches_the_class_index(monkeypatch):
    import lamella.applications.imagenet_utils as imagenet_utils
    from lamella.applications.vgg16 import decode_predictions

    index = json.dumps({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}).encode()
    with LocalServer({"/imagenet_class_index.json": index}) as server:
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH",
                            server.url("/imagenet_class_index.json"))
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(index).hexdigest())
        preds = np.zeros((2, 1000), "float32")
        preds[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
        preds[1, 42] = 1.0
        decoded = decode_predictions(torch.from_numpy(preds), top=3)
    assert [d[:2] for d in decoded[0]] == [("n00000007", "class_7"), ("n00000003", "class_3"),
                                           ("n00000999", "class_999")]
    assert decoded[0][0][2] == pytest.approx(0.5)
    assert decoded[1][0][:2] == ("n00000042", "class_42")
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_refuses_a_corrupted_class_index(monkeypatch):
    import lamella.applications.imagenet_utils as imagenet_utils

    with LocalServer({"/index.json": b"{}"}) as server:
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", server.url("/index.json"))
        with pytest.raises(ValueError, match="corrupted"):
            lamella.applications.imagenet_utils.decode_predictions(np.ones((1, 1000)))


def test_a_missing_weights_file_is_a_clear_error():
    with pytest.raises(ValueError, match="weights"):
        applications.MobileNet(weights="/no/such/file.h5", input_shape=(32, 32, 3))


def test_keras_written_weights_load_by_name():
    lamella.backend.clear_session()
    model = _build("mobilenet_025", None)
    model.load_weights(str(FIXTURES / "mobilenet_025.h5"), by_name=True)
    np.testing.assert_allclose(model.predict(EXPECTED["mobilenet_025/x"]),
                               EXPECTED["mobilenet_025/y"], rtol=1e-4, atol=1e-4)
