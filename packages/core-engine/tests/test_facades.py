"""The facade modules (``lamella.layers``, ``lamella.optimizers``, ...)."""

import importlib
import importlib.util

import pytest
import torch

import lamella
from lamella import activations, initializers, layers, losses, optimizers
from lamella.plugins import Component, UnknownComponentError, loader

FACADES = [
    "layers",
    "activations",
    "initializers",
    "regularizers",
    "constraints",
    "optimizers",
    "schedules",
    "losses",
    "metrics",
    "callbacks",
    "datasets",
]


def _fn(name):
    def fn(x):
        return x

    fn.__name__ = fn.__qualname__ = name
    return fn


class ZqProbeLayer:
    def __init__(self, units=1, name=None):
        self.units, self.name = units, name

    def get_config(self):
        return {"units": self.units, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ZqInit:
    def __init__(self, scale=1.0):
        self.scale = scale

    def get_config(self):
        return {"scale": self.scale}


@pytest.mark.parametrize("module", FACADES)
def test_every_facade_has_keras_functions(module):
    facade = importlib.import_module(f"lamella.{module}")
    assert facade._facade.kind == module
    for name in ("get", "serialize", "deserialize"):
        assert callable(getattr(facade, name))
    assert getattr(lamella, module) is facade


@pytest.mark.parametrize(
    "module, base, origin",
    [
        ("layers", "Layer", "lamella.engine.base_layer"),
        ("optimizers", "Optimizer", "lamella.base.optimizer"),
        ("losses", "Loss", None),
        ("metrics", "Metric", None),
        ("callbacks", "Callback", None),
    ],
)
def test_base_classes_are_plain_attributes(plugin_sandbox, module, base, origin):
    loader.reset()
    facade = importlib.import_module(f"lamella.{module}")
    cls = getattr(facade, base)
    assert isinstance(cls, type)
    assert base in vars(facade)  # an ordinary attribute, not a registry lookup
    assert not loader.is_loaded()  # ... so reading it loaded no plugin
    if origin:
        assert cls is getattr(importlib.import_module(origin), base)


def test_layer_base_class():
    from lamella.layers import Layer

    assert issubclass(Layer, torch.nn.Module)
    assert Layer is lamella.engine.base_layer.Layer


def test_facade_returns_the_registered_object(plugin_sandbox):
    plugin_sandbox.register({"layers": [Component("ZqProbeLayer", ZqProbeLayer)]})
    assert layers.ZqProbeLayer is ZqProbeLayer
    from lamella.layers import ZqProbeLayer as imported

    assert imported is ZqProbeLayer
    assert layers.zq_probe_layer is ZqProbeLayer
    assert layers.get("ZqProbeLayer") is ZqProbeLayer


def test_unknown_attribute_is_attribute_error_with_suggestions(plugin_sandbox):
    plugin_sandbox.register({"layers": [Component("ZqProbeLayer", ZqProbeLayer)]})
    with pytest.raises(AttributeError) as info:
        layers.ZqProbeLayr  # noqa: B018
    message = str(info.value)
    assert message.startswith(
        "module 'lamella.layers' has no attribute 'ZqProbeLayr'. Did you mean: 'ZqProbeLayer'"
    )
    assert message.endswith("?")
    assert not isinstance(info.value, ImportError)
    with pytest.raises(ImportError):  # from-import of an unknown name is an ImportError, as usual
        from lamella.layers import ZqProbeLayr  # noqa: F401
    assert not hasattr(layers, "QqqqqqqqqqNothing")
    with pytest.raises(
        AttributeError, match=r"^module 'lamella.losses' has no attribute 'qqqqqqqqq'\.$"
    ):
        losses.qqqqqqqqq  # noqa: B018


def test_dunder_lookups_do_not_load_plugins(plugin_sandbox):
    loader.reset()
    # lamella.layers is a package (it holds Keras's module paths), so it has a __path__; the
    # import system probes __path__ on the module facades.
    for name in ("__wrapped__", "__custom_thing__"):
        assert not hasattr(layers, name)
    assert not hasattr(optimizers, "__path__") and not hasattr(optimizers, "__all__")
    assert not loader.is_loaded()
    # but ``from lamella.layers import *`` reads __all__, which lists the installed layers
    assert "Input" in layers.__all__ and loader.is_loaded()


def test_dir_lists_registered_names(plugin_sandbox):
    plugin_sandbox.register(
        {
            "layers": [Component("ZqProbeLayer", ZqProbeLayer, aliases=("ZqProbeAlias",))],
            "activations": [Component("zq_probe_act", _fn("zq_probe_act"))],
        }
    )
    listed = dir(layers)
    assert {"ZqProbeLayer", "zq_probe_layer", "ZqProbeAlias", "Layer", "get", "serialize"} <= set(
        listed
    )
    assert "InputLayer" in listed
    assert listed == sorted(listed)
    assert not [n for n in listed if n.startswith("_")]
    assert "zq_probe_act" in dir(activations) and "zq_probe_act" not in listed


def test_get_accepts_names_dicts_instances_and_callables(plugin_sandbox):
    fn = _fn("zq_get_act")
    plugin_sandbox.register(
        {
            "activations": [Component("zq_get_act", fn)],
            "initializers": [Component("ZqInit", ZqInit)],
        }
    )
    assert activations.get("zq_get_act") is fn
    assert activations.get(fn) is fn
    lam = lambda x: x  # noqa: E731
    assert activations.get(lam) is lam
    init = initializers.get("zq_init")
    assert type(init) is ZqInit and init.scale == 1.0  # instantiating kinds build an instance
    assert initializers.get(init) is init
    built = initializers.get({"class_name": "ZqInit", "config": {"scale": 3.0}})
    assert type(built) is ZqInit and built.scale == 3.0
    for bad in (3, 2.5, True, [1], (1,)):
        with pytest.raises(ValueError, match="Could not interpret"):
            activations.get(bad)
    with pytest.raises(ValueError, match="Could not deserialize"):
        activations.deserialize({"config": {}})


def test_serialize(plugin_sandbox):
    assert activations.serialize(None) is None
    assert activations.serialize(_fn("zq_named")) == "zq_named"
    assert layers.serialize(ZqProbeLayer(units=4, name="p")) == {
        "class_name": "ZqProbeLayer",
        "config": {"units": 4, "name": "p"},
    }
    assert layers.serialize(ZqProbeLayer) == "ZqProbeLayer"
    with pytest.raises(ValueError, match="no get_config"):
        layers.serialize(object())


def test_get_none_for_activations_needs_linear(plugin_sandbox):
    with pytest.raises(UnknownComponentError, match="'linear'"):
        activations.get(None)
    linear = _fn("linear")
    plugin_sandbox.register({"activations": [Component("linear", linear)]})
    assert activations.get(None) is linear
    assert optimizers.get(None) is None  # other kinds: None stays None


@pytest.mark.skipif(
    importlib.util.find_spec("lamella_layers") is None, reason="lamella-layers is not installed"
)
def test_get_none_is_lamella_layers_linear(plugin_sandbox):
    plugin_sandbox.all_plugins()
    linear = activations.get(None)
    assert linear is activations.get("linear")
    x = torch.randn(3, 4)
    assert torch.equal(linear(x), x)


def test_keras3_style_dicts(plugin_sandbox):
    act = _fn("zq_k3_act")
    plugin_sandbox.register(
        {
            "layers": [Component("ZqProbeLayer", ZqProbeLayer)],
            "activations": [Component("zq_k3_act", act)],
        }
    )
    built = layers.deserialize(
        {
            "module": "keras.layers",
            "class_name": "ZqProbeLayer",
            "config": {"units": 7, "name": "k3"},
            "registered_name": None,
            "build_config": {"input_shape": [None, 3]},
        }
    )
    assert type(built) is ZqProbeLayer and built.units == 7 and built.name == "k3"
    custom = layers.deserialize(
        {
            "module": None,
            "class_name": "SomethingElse",
            "config": {"units": 2},
            "registered_name": "MyPackage>ZqProbeLayer",
        }
    )
    assert type(custom) is ZqProbeLayer and custom.units == 2
    assert (
        activations.deserialize(
            {
                "module": "keras.activations",
                "class_name": "function",
                "config": "zq_k3_act",
                "registered_name": "zq_k3_act",
            }
        )
        is act
    )
    assert activations.get({"class_name": "function", "config": "zq_k3_act"}) is act
    # Keras 2 style still works
    assert type(layers.deserialize({"class_name": "ZqProbeLayer", "config": {}})) is ZqProbeLayer


def test_deserialize_with_custom_objects(plugin_sandbox):
    config = {"class_name": "ZqOnlyMine", "config": {"units": 9}}
    with pytest.raises(UnknownComponentError):
        layers.deserialize(config)
    obj = layers.deserialize(config, custom_objects={"ZqOnlyMine": ZqProbeLayer})
    assert type(obj) is ZqProbeLayer and obj.units == 9


def test_star_import_of_layers_gives_keras_names_that_resolve():
    # ``from keras.layers import *`` (cifar10_cnn_capsule.py): Keras 2.3.1's names of the package
    # that are installed - with only the core, its engine names - never the registry's
    # lower-case spellings, which would shadow a script's own names
    from lamella.layers._keras_modules import KERAS_MODULES, PACKAGE_ONLY

    namespace = {}
    exec("from lamella.layers import *", namespace)
    names = {n for n in namespace if not n.startswith("__")}
    assert {"Input", "InputLayer", "InputSpec", "Layer", "serialize", "deserialize"} <= names
    assert names <= {n for ns in KERAS_MODULES.values() for n in ns} | set(PACKAGE_ONLY)
    assert namespace["Input"] is lamella.Input and namespace["Layer"] is layers.Layer
    assert not names & {"get", "dense", "input_layer", "lambda"}
    for name in names:
        assert namespace[name] is getattr(layers, name)
