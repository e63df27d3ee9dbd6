"""How lamella.applications reaches this package, and ``preprocess_input``'s three modes."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import lamella
import lamella_applications
from lamella import applications
from lamella_applications import _plugin


def test_module_paths_are_the_plugin_modules():
    import lamella.applications.resnet50 as resnet50
    from lamella.applications.vgg16 import VGG16, preprocess_input

    assert resnet50 is sys.modules["lamella_applications.resnet50"]
    assert VGG16 is lamella_applications.VGG16 is applications.VGG16
    assert preprocess_input is lamella_applications.vgg16.preprocess_input
    for name in _plugin.SUBMODULES:
        module = getattr(__import__(f"lamella.applications.{name}").applications, name)
        assert module.__name__ == f"lamella_applications.{name}"
    assert sorted(applications.MODELS) == sorted(lamella_applications.__all__)
    with pytest.raises(AttributeError, match="NoSuchNet"):
        applications.NoSuchNet  # noqa: B018


def test_without_the_package_the_error_names_the_distribution():
    # A fresh interpreter with every plugin but this one: the hint names what to install.
    code = ("import lamella\n"
            "try:\n"
            "    from lamella.applications import VGG16\n"
            "except ImportError as e:\n"
            "    print(type(e).__name__, e)\n"
            "try:\n"
            "    import lamella.applications.vgg16\n"
            "except ImportError as e:\n"
            "    print(type(e).__name__, e)\n")
    env = dict(os.environ, LAMELLA_LOAD_PLUGINS="lamella-layers,lamella-io")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120).stdout.splitlines()
    assert len(out) == 2, out
    for line in out:
        assert line.startswith("MissingPluginError") and "lamella-applications" in line


def test_preprocess_input_modes_match_keras():
    from lamella.applications import inception_v3, resnet50
    from lamella.applications.densenet import preprocess_input as torch_mode

    x = np.arange(2 * 2 * 2 * 3, dtype="float32").reshape(2, 2, 2, 3) * 10
    caffe = resnet50.preprocess_input(x.copy())
    np.testing.assert_allclose(caffe, x[..., ::-1] - [103.939, 116.779, 123.68], rtol=1e-6)
    np.testing.assert_allclose(inception_v3.preprocess_input(x.copy()), x / 127.5 - 1.0,
                               rtol=1e-6)
    expected = (x / 255.0 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    np.testing.assert_allclose(torch_mode(x.copy()), expected, rtol=1e-5)
    first = resnet50.preprocess_input(np.moveaxis(x, -1, 1).copy(),
                                      data_format="channels_first")
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), caffe, rtol=1e-6)
    # integer images are converted to floats first, as Keras does
    assert resnet50.preprocess_input(x.astype("uint8")).dtype == np.float32


def test_preprocess_input_on_a_tensor():
    from lamella.applications import densenet, resnet50

    x = np.random.RandomState(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    for module in (resnet50, densenet):
        tensor = torch.from_numpy(x.copy())
        out = module.preprocess_input(tensor)
        np.testing.assert_allclose(out.numpy(), module.preprocess_input(x.copy()), rtol=1e-5,
                                   atol=1e-4)
        np.testing.assert_array_equal(tensor.numpy(), x)  # the caller's tensor is unchanged
    # on a symbolic tensor: the first layer of a model
    inputs = lamella.Input(shape=(4, 4, 3))
    model = lamella.Model(inputs, resnet50.preprocess_input(inputs))
    np.testing.assert_allclose(model.predict(x), resnet50.preprocess_input(x.copy()),
                               rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("call, match", [
    (lambda: applications.VGG16(weights="imagenet", classes=10), "classes"),
    (lambda: applications.ResNet50(weights=None, input_shape=(16, 16, 3), include_top=False),
     "at least 32"),
    (lambda: applications.MobileNet(weights=None, input_shape=(32, 32, 3), pooling="sum",
                                    include_top=False, alpha=0.25), None),
    (lambda: applications.MobileNet(weights=None, bogus=1), "Invalid keyword argument"),
    # the generic builders: Keras published weights only for its named layouts (keras_applications
    # failed with an UnboundLocalError for DenseNet)
    (lambda: lamella_applications.densenet.DenseNet(
        [1, 1, 1, 1], include_top=False, weights="imagenet", input_shape=(32, 32, 3)),
     "DenseNet121, DenseNet169 and DenseNet201"),
    (lambda: lamella_applications.nasnet.NASNet(
        (32, 32, 3), penultimate_filters=96, num_blocks=1, stem_block_filters=8,
        weights="imagenet", default_size=32), "NASNetLarge or NASNetMobile"),
])
def test_bad_arguments_are_refused_as_keras_refuses_them(call, match):
    if match is None:  # Keras ignores an unknown pooling name: no pooling layer is added
        model = call()
        assert len(model.output_shape) == 4
        return
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_input_tensor_and_transfer_learning():
    inputs = lamella.Input(shape=(32, 32, 3), name="image")
    base = applications.MobileNetV2(input_tensor=inputs, include_top=False, weights=None,
                                    alpha=0.35, pooling="avg")
    assert base.inputs[0] is inputs
    out = lamella.layers.Dense(2, name="head")(base.output)
    model = lamella.Model(base.input, out)
    y = model.predict(np.zeros((3, 32, 32, 3), "float32"))
    assert y.shape == (3, 2)
