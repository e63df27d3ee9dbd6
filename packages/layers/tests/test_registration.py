"""The components lamella-layers registers resolve through the core's facades."""

import pytest
import torch

import lamella
import lamella.plugins.lookup
import lamella_layers
from lamella_layers import (
    activations,
    constraints,
    convolutional,
    core,
    initializers,
    pooling,
    regularizers,
)


@pytest.mark.parametrize("name, obj", [
    ("Dense", core.Dense), ("dense", core.Dense), ("Activation", core.Activation),
    ("Dropout", core.Dropout), ("Flatten", core.Flatten), ("Conv2D", convolutional.Conv2D),
    ("Convolution2D", convolutional.Conv2D), ("conv2d", convolutional.Conv2D),
    ("MaxPooling2D", pooling.MaxPooling2D), ("MaxPool2D", pooling.MaxPooling2D),
    ("max_pooling2d", pooling.MaxPooling2D),
])
def test_layers_resolve(name, obj):
    assert lamella.plugins.lookup.resolve("layers", name) is obj


def test_facade_attributes_are_the_registered_classes():
    assert lamella.layers.Dense is core.Dense
    from lamella.layers import Conv2D, Convolution2D, MaxPool2D
    assert Conv2D is Convolution2D is convolutional.Conv2D
    assert MaxPool2D is pooling.MaxPooling2D
    assert isinstance(lamella.layers.Dense(2), lamella.layers.Layer)
    assert lamella.initializers.VarianceScaling is initializers.VarianceScaling
    assert issubclass(initializers.VarianceScaling, lamella.initializers.Initializer)
    assert issubclass(regularizers.L1L2, lamella.regularizers.Regularizer)
    assert issubclass(constraints.MaxNorm, lamella.constraints.Constraint)
    assert lamella.regularizers.l2 is regularizers.l2
    assert lamella.constraints.max_norm is constraints.MaxNorm


def test_string_resolution():
    assert lamella.activations.get("relu") is activations.relu
    init = lamella.initializers.get("glorot_uniform")
    assert isinstance(init, initializers.VarianceScaling)
    assert init.get_config() == {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform",
                                 "seed": None}
    assert isinstance(lamella.regularizers.get("l2"), regularizers.L1L2)
    assert isinstance(lamella.constraints.get("max_norm"), constraints.MaxNorm)


def test_layer_config_dicts_resolve():
    layer = lamella.layers.deserialize({"class_name": "Dense", "config": {"units": 3}})
    assert isinstance(layer, core.Dense) and layer.units == 3


def test_unknown_names_suggest_close_ones():
    with pytest.raises(ValueError, match="relu"):
        lamella.activations.get("reluu")
    with pytest.raises(AttributeError):
        lamella.layers.Denes  # noqa: B018


def test_plugin_module_imports_nothing_heavy():
    import importlib
    import sys

    plugin = importlib.import_module("lamella_layers._plugin")
    for hook in ("lamella_layers", "lamella_activations", "lamella_initializers",
                 "lamella_regularizers", "lamella_constraints"):
        for component in getattr(plugin, hook)():
            assert isinstance(component.obj, str), component
            module, _, attr = component.obj.partition(":")
            assert module.startswith("lamella_layers.") and attr
    assert "lamella_layers._plugin" in sys.modules


def test_every_public_class_has_an_example_docstring():
    import importlib

    extra = [importlib.import_module(f"lamella_layers.{name}") for name in (
        "advanced_activations", "attention", "embeddings", "merge", "noise", "normalization",
        "recurrent", "torch_module", "wrappers")]
    for module in (activations, initializers, regularizers, constraints, core, convolutional,
                   pooling, *extra):
        assert "Example" in (module.__doc__ or ""), module.__name__
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                assert "Example" in (obj.__doc__ or ""), f"{module.__name__}.{name}"


def test_version():
    assert lamella_layers.__version__ == lamella.__version__


def test_end_to_end_small_convnet():
    from lamella.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D

    layers = [Conv2D(4, 3, padding="same", activation="relu"), MaxPooling2D(),
              Conv2D(8, 3, strides=2, padding="same"), Flatten(), Dropout(0.5),
              Dense(3, activation="softmax")]
    x = torch.randn(5, 8, 8, 1)
    for layer in layers:
        x = layer(x)
    assert x.shape == (5, 3)
    assert torch.allclose(x.sum(dim=1), torch.ones(5))
    x.sum().backward()


def test_new_layer_families_resolve_through_the_facade():
    from lamella_layers import merge, pooling, recurrent, wrappers

    assert lamella.layers.LSTM is recurrent.LSTM
    assert lamella.layers.Bidirectional is wrappers.Bidirectional
    assert lamella.layers.GlobalAvgPool2D is pooling.GlobalAveragePooling2D
    assert (lamella.plugins.lookup.resolve("layers", "Deconvolution2D")
            is convolutional.Conv2DTranspose)
    assert lamella.layers.concatenate is merge.concatenate
    assert lamella.plugins.lookup.resolve("layers", "Concatenate") is merge.Concatenate
    a, b = lamella.Input(shape=(3,)), lamella.Input(shape=(2,))
    assert lamella.layers.concatenate([a, b]).shape == (None, 5)
