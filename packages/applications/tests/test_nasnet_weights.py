"""NASNet against a Keras 2.3.1-written weights file: names with TensorFlow's name scopes,
loading by topology and by name, outputs layer by layer.

NASNet builds its cells inside ``K.name_scope('normal_A_block_5')``..., so the weight names of
its published files read ``normal_A_block_5/block_1/separable_conv_block_normal_left1_5/
separable_conv_1_normal_left1_5/depthwise_kernel:0``. ``nasnet_small.h5`` is Keras's
``save_weights`` of a small NASNet (every cell type and scope of NASNetMobile, randomised
weights); ``nasnet_small.npz`` holds Keras's output and a sample of every layer's output
(``tools/keras231/make_application_fixtures.py``).
"""

import json
import pathlib

import h5py
import numpy as np
import pytest
import torch

import lamella
from lamella_applications import nasnet

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
RECORD = json.loads((FIXTURES / "nasnet_small.json").read_text())
EXPECTED = np.load(FIXTURES / "nasnet_small.npz")
WEIGHTS = str(FIXTURES / "nasnet_small.h5")


@pytest.fixture(autouse=True)
def full_float32(monkeypatch):
    """cuDNN's TF32 off on CUDA: the comparison with Keras's float32 outputs is in float32."""
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


def _build(weights=None):
    lamella.backend.clear_session()  # auto-named layers (input_1, ...) count from 1, as there
    kwargs = dict(RECORD["kwargs"], input_shape=tuple(RECORD["kwargs"]["input_shape"]))
    return nasnet.NASNet(weights=weights, **kwargs)


def _file_weight_names(path):
    with h5py.File(path, "r") as f:
        return {name.decode() if isinstance(name, bytes) else name:
                [w.decode() if isinstance(w, bytes) else w for w in f[name].attrs["weight_names"]]
                for name in f.attrs["layer_names"]}


@pytest.fixture(scope="module")
def loaded():
    return _build(WEIGHTS)


def test_names_and_shapes_equal_keras_with_its_name_scopes(loaded):
    expected = RECORD["architecture"]
    assert [layer.name for layer in loaded.layers] == [r["name"] for r in expected["layers"]]
    for layer, record in zip(loaded.layers, expected["layers"]):
        found = [[name, list(w.shape)] for name, w in zip(layer.keras_weight_names(),
                                                           layer.weights)]
        assert found == record["weights"], layer.name
    assert loaded.count_params() == expected["count_params"]
    scoped = [name for record in expected["layers"] for name, _ in record["weights"]
              if name.startswith("normal_A_block_0/block_1/separable_conv_block_normal_left1_0/")]
    assert len(scoped) == 12  # two separable convolutions and two BatchNormalizations


def test_keras_written_file_loads_by_topology_layer_by_layer(loaded):
    x = EXPECTED["x"]
    np.testing.assert_allclose(loaded.predict(x), EXPECTED["y"], rtol=1e-4, atol=1e-5)
    probe = lamella.Model(loaded.input, [layer.output for layer in loaded.layers[1:]])
    samples = RECORD["samples"]
    for layer, value in zip(loaded.layers[1:], probe.predict(x[:1])):
        flat = value[0].ravel()
        index = np.linspace(0, flat.size - 1, min(flat.size, samples)).astype("int64")
        expected = EXPECTED[f"layer/{layer.name}"]
        scale = max(float(np.abs(expected).max()), 1.0)
        np.testing.assert_allclose(flat[index], expected, rtol=1e-4, atol=1e-4 * scale,
                                   err_msg=layer.name)


def test_keras_written_file_loads_by_name(loaded):
    # the module's model with every weight zeroed (building a second one costs seconds)
    loaded.set_weights([np.zeros_like(w) for w in loaded.get_weights()])
    loaded.load_weights(WEIGHTS, by_name=True)
    np.testing.assert_allclose(loaded.predict(EXPECTED["x"]), EXPECTED["y"], rtol=1e-4,
                               atol=1e-5)


def test_lamella_writes_the_scoped_names_keras_writes(loaded, tmp_path):
    path = str(tmp_path / "nasnet.h5")
    loaded.save_weights(path)
    assert _file_weight_names(path) == _file_weight_names(WEIGHTS)
