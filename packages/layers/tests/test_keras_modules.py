"""Keras 2.3.1's module paths (``lamella.layers.convolutional``, ``lamella.layers.recurrent``,
...) expose Keras's names there, resolved through the registry to what lamella-layers
registered."""

import importlib
import textwrap

import numpy as np
import pytest

import lamella
from lamella import layers
from lamella.layers._keras_modules import KERAS_MODULES, MODULE_ONLY, PACKAGE_ONLY, RENAMED

# Keras 2.3.1 names that no lamella package implements yet, and why. They stay in the table so
# that ported code gets the facade's clear error; a test below fails once one is registered,
# so that this list is kept honest.
NOT_IMPLEMENTED = {
    # Keras 1 layers Keras 2.3.1 keeps in keras.legacy.layers (deprecated there)
    "Recurrent": "recurrent",
    "ConvRecurrent2D": "convolutional_recurrent",
    "AtrousConvolution1D": "convolutional",
    "AtrousConvolution2D": "convolutional",
    "AtrousConv1D": "convolutional",
    "AtrousConv2D": "convolutional",
}

PAIRS = [(module, name) for module, names in sorted(KERAS_MODULES.items()) for name in names]


@pytest.mark.parametrize("module, name", [p for p in PAIRS if p[1] not in NOT_IMPLEMENTED])
def test_keras_module_names_resolve_to_the_registered_objects(module, name):
    keras_module = importlib.import_module(f"lamella.layers.{module}")
    obj = getattr(keras_module, name)
    registered = RENAMED.get(name, name)
    assert obj is getattr(layers, registered) is layers.get(registered)
    namespace = {}
    exec(f"from lamella.layers.{module} import {name}", namespace)
    assert namespace[name] is obj
    # the class lamella-layers defines in its module of the same Keras name, where it has one
    try:
        own = importlib.import_module(f"lamella_layers.{module}")
    except ImportError:
        return
    if hasattr(own, name):
        assert getattr(own, name) is obj


@pytest.mark.parametrize("name, module", sorted(NOT_IMPLEMENTED.items()))
def test_not_implemented_names_raise_the_facade_error(name, module):
    assert name in KERAS_MODULES[module]
    keras_module = importlib.import_module(f"lamella.layers.{module}")
    with pytest.raises(AttributeError, match=rf"lamella\.layers\.{module}.*{name}"):
        getattr(keras_module, name)
    with pytest.raises(ImportError, match=name):
        exec(f"from lamella.layers.{module} import {name}", {})
    assert name not in dir(keras_module)


def test_the_examples_of_the_brief():
    from lamella.layers import recurrent
    from lamella.layers.convolutional import Conv2D, Cropping2D, MaxPooling2D

    assert Conv2D is layers.Conv2D and MaxPooling2D is layers.MaxPooling2D
    assert Cropping2D is layers.Cropping2D
    assert recurrent.LSTM is layers.LSTM
    assert isinstance(recurrent.LSTM(2), layers.Layer)


def test_module_paths_are_attributes_of_the_package_without_an_import():
    for module in KERAS_MODULES:
        assert getattr(lamella.layers, module) is importlib.import_module(
            f"lamella.layers.{module}")
    assert set(KERAS_MODULES) <= set(dir(lamella.layers))


def test_names_keras_does_not_have_in_a_module_are_attribute_errors():
    from lamella.layers import convolutional, core

    with pytest.raises(AttributeError, match="'lamella.layers.core' has no attribute 'Conv2D'"):
        core.Conv2D  # noqa: B018 (Keras has Conv2D in convolutional only)
    with pytest.raises(ImportError):
        exec("from lamella.layers.convolutional import Dense", {})
    assert convolutional.Deconv2D is layers.Conv2DTranspose
    # Keras has Deconv2D in keras.layers.convolutional only, not in keras.layers
    with pytest.raises(AttributeError):
        layers.Deconv2D  # noqa: B018


def test_star_import_and_dir_give_what_is_installed():
    namespace = {}
    exec("from lamella.layers.recurrent import *", namespace)
    names = {n for n in namespace if not n.startswith("__")}
    assert names == set(KERAS_MODULES["recurrent"]) - set(NOT_IMPLEMENTED)
    from lamella.layers import cudnn_recurrent, recurrent

    listed = dir(recurrent)
    assert listed == sorted(listed) and {"LSTM", "Layer", "InputSpec"} <= set(listed)
    assert {"CuDNNLSTM", "CuDNNGRU", "RNN"} <= set(dir(cudnn_recurrent))
    assert cudnn_recurrent.CuDNNLSTM is layers.CuDNNLSTM
    assert recurrent.Layer is layers.Layer and recurrent.InputSpec is layers.InputSpec


def test_star_import_of_the_package_gives_keras_names_only():
    # cifar10_cnn_capsule.py: ``from keras.layers import *`` then Conv2D, Reshape, Lambda, Input
    namespace = {}
    exec("from lamella.layers import *", namespace)
    names = {n for n in namespace if not n.startswith("__")}
    keras_names = {n for ns in KERAS_MODULES.values() for n in ns} - MODULE_ONLY
    assert names == (keras_names | set(PACKAGE_ONLY)) - set(NOT_IMPLEMENTED) - {
        "Highway", "MaxoutDense"}
    for name in ("Conv2D", "AveragePooling2D", "Reshape", "Lambda", "add", "concatenate"):
        assert namespace[name] is getattr(layers, name)
    assert namespace["Input"] is lamella.Input and namespace["Layer"] is lamella.layers.Layer
    # the registry's other spellings and Keras's module-only aliases stay out of the script
    assert not names & {"dense", "lambda", "get", "Deconv2D", "Wrapper", "conv2d", "core"}


def test_star_imported_names_build_a_model_with_a_custom_layer():
    namespace = {}
    exec(textwrap.dedent("""
        from lamella.layers import *
        from lamella.models import Model

        class Double(Layer):
            def call(self, inputs):
                return inputs * 2

        image = Input(shape=(6, 6, 1))
        x = Conv2D(2, (3, 3))(image)
        x = Reshape((-1, 2))(Double()(x))
        model = Model(image, Lambda(lambda z: z[:, 0])(x))
    """), namespace)
    model = namespace["model"]
    assert model.output_shape == (None, 2)
    out = model.predict(np.ones((1, 6, 6, 1), "float32"))
    conv = model.layers[1]
    expected = 2 * (np.ones(9) @ conv.get_weights()[0].reshape(9, 2) + conv.get_weights()[1])
    np.testing.assert_allclose(out[0], expected, rtol=1e-5)
