"""What serialize writes is the name a plugin registered (issue 15, defect 1): a class registered
as ``Component("FancyScale", _Scale)`` saves as ``"FancyScale"`` and reloads with the plugin
installed, without ``custom_objects``."""

import json

import numpy as np

import lamella
from lamella.plugins import Component
from lamella.testing import PlainSGD, SeededDense, mean_squared_error, plugin_registered


class _Scale(lamella.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, inputs):
        return inputs * self.factor

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


class _Sgd(PlainSGD):
    pass


def _fancy_plugin():
    return {"lamella_layers": [Component("FancyScale", _Scale),
                               Component("SeededDense", SeededDense)],
            "lamella_optimizers": [Component("FancySGD", _Sgd)]}


def test_a_layer_saves_under_its_registered_name_and_reloads(tmp_path):
    with plugin_registered(_fancy_plugin()):
        inputs = lamella.Input(shape=(3,))
        model = lamella.Model(inputs, _Scale(3.0)(SeededDense(2)(inputs)))
        config = json.loads(model.to_json())
        assert [layer["class_name"] for layer in config["config"]["layers"]] == [
            "InputLayer", "SeededDense", "FancyScale"]
        again = lamella.models.model_from_json(model.to_json())
        again.set_weights(model.get_weights())
        x = np.ones((2, 3), "float32")
        np.testing.assert_allclose(again.predict(x), model.predict(x))

        sequential = lamella.Sequential([SeededDense(2, input_shape=(3,)), _Scale()])
        names = [layer["class_name"] for layer in json.loads(sequential.to_json())["config"]
                 ["layers"]]
        assert names == ["SeededDense", "FancyScale"]


def test_an_optimizer_serializes_under_its_registered_name():
    with plugin_registered(_fancy_plugin()):
        config = lamella.optimizers.serialize(_Sgd(0.5))
        assert config["class_name"] == "FancySGD"
        assert isinstance(lamella.optimizers.deserialize(config), _Sgd)


def test_an_unregistered_class_keeps_its_own_name():
    assert lamella.optimizers.serialize(PlainSGD(0.1))["class_name"] == "PlainSGD"
    model = lamella.Sequential([SeededDense(1, input_shape=(2,))])
    model.compile(PlainSGD(0.1), loss=mean_squared_error)
    assert json.loads(model.to_json())["config"]["layers"][0]["class_name"] == "SeededDense"
