"""Hostile or careless configs: every loader fails with a ``ValueError`` naming the source and
the field, the original exception kept as ``__cause__`` (never a bare ``KeyError``,
``RecursionError``, ``JSONDecodeError`` or a torch error from deep inside)."""

import json

import pytest

import lamella
from lamella.engine.serialization import MAX_CONFIG_DEPTH, ConfigError
from lamella.models import Model, Sequential, model_from_config, model_from_json
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import toy_functional, toy_sequential


def functional_json():
    return json.loads(toy_functional().to_json())


def sequential_json():
    return json.loads(toy_sequential().to_json())


def fails(text_or_config, match, loader=model_from_json, cause=None):
    with pytest.raises(ValueError, match=match) as info:
        loader(text_or_config, custom_objects=CUSTOM)
    assert isinstance(info.value, ConfigError)
    if cause is not None:
        assert isinstance(info.value.__cause__, cause)
    return str(info.value)


def test_not_json():
    fails("{nope", r"^model_from_json: cannot decode the config: JSONDecodeError",
          cause=json.JSONDecodeError)


def test_nested_100k_deep_json():
    fails("[" * 100_000 + "]" * 100_000, "model_from_json: .*nested too deeply",
          cause=RecursionError)
    deep = '{"class_name": "Sequential", "config": {"layers": ' + "[" * 100_000 + \
        "]" * 100_000 + "}}"
    fails(deep, "nested too deeply", cause=RecursionError)


def test_nested_deeper_than_the_limit_but_parseable():
    # Deep enough to overflow the recursive code that walks configs, shallow enough to parse.
    depth = MAX_CONFIG_DEPTH + 50
    config = {"class_name": "Sequential",
              "config": {"name": "s", "layers": json.loads("[" * depth + "]" * depth)}}
    message = fails(config, rf"field 'config.layers\[0\]\[0\].*more than "
                            rf"{MAX_CONFIG_DEPTH} levels", loader=model_from_config)
    assert len(message) < 600


def test_missing_keys_name_the_field():
    config = functional_json()
    del config["config"]["layers"]
    fails(json.dumps(config), r"field 'config': missing key 'layers'", cause=KeyError)
    config = functional_json()
    del config["config"]["output_layers"]
    fails(json.dumps(config), r"field 'config.output_layers': missing key 'output_layers'")
    config = functional_json()
    del config["config"]["layers"][2]["class_name"]
    fails(json.dumps(config), r"field 'config.layers\[2\]': missing key 'class_name'")
    config = sequential_json()
    del config["config"]["layers"]
    fails(json.dumps(config), r"field 'config': missing key 'layers'")


def test_a_node_naming_no_layer():
    config = functional_json()
    config["config"]["layers"][3]["inbound_nodes"] = [[["nope", 0, 0, {}]]]
    fails(json.dumps(config), r"field 'config.layers\[3\].inbound_nodes'.*'nope'")


def test_values_of_the_wrong_kind():
    config = sequential_json()
    config["config"]["layers"] = 7
    fails(json.dumps(config), r"field 'config': TypeError", cause=TypeError)
    config = sequential_json()
    config["config"]["layers"][1] = 7  # a number where a layer's config belongs
    fails(json.dumps(config), r"field 'config.layers\[1\]'")
    fails('"just a string"', r"expected a dict with 'class_name'")


def test_a_size_torch_cannot_take_names_the_layer():
    config = sequential_json()
    config["config"]["layers"][1]["config"]["units"] = 10**30
    message = fails(json.dumps(config), r"field 'config.layers\[1\]'")
    assert "C++" not in message and "\n" not in message


def test_negative_input_dimension_from_a_config():
    config = functional_json()
    config["config"]["layers"][0]["config"]["batch_input_shape"] = [None, -1]
    fails(json.dumps(config), r"field 'config.layers\[0\].config'.*Input 'in_a'.*None, -1")


def test_keras3_lambda_through_model_from_json():
    config = sequential_json()
    config["config"]["layers"].append({"class_name": "Lambda", "config": {
        "name": "fn", "function": {"class_name": "__lambda__",
                                   "config": {"code": "4wEAAAAA", "defaults": None,
                                              "closure": None}}}})
    fails(json.dumps(config), r"field 'config.layers\[2\].config.function'.*Keras 3")


def test_model_and_sequential_from_config_name_themselves():
    config = functional_json()["config"]
    del config["input_layers"]
    with pytest.raises(ConfigError, match=r"^Model.from_config: .*'input_layers'"):
        Model.from_config(config, custom_objects=CUSTOM)
    with pytest.raises(ConfigError, match=r"^Sequential.from_config: .*'layers\[0\]'"):
        Sequential.from_config({"name": "s", "layers": [1]})


def test_a_type_error_stays_a_type_error():
    config = sequential_json()
    config["config"]["layers"][1]["config"]["no_such_argument"] = 1
    with pytest.raises(TypeError, match="no_such_argument") as info:
        model_from_json(json.dumps(config), custom_objects=CUSTOM)
    assert isinstance(info.value, ValueError)


def test_good_configs_still_load():
    for model in (toy_functional(), toy_sequential()):
        again = model_from_json(model.to_json(), custom_objects=CUSTOM)
        assert again.get_config() == model.get_config()


@pytest.mark.parametrize("shape", [(-1,), (3, -2), (2.5,), ("a",), (True,), (2**63,)])
def test_input_refuses_impossible_dimensions(shape):
    with pytest.raises(ValueError, match=r"Input 'bad'.*between 0 and 2\*\*63 - 1"):
        lamella.Input(shape, name="bad")
    with pytest.raises(ValueError, match="Input 'bad'"):
        lamella.layers.InputLayer(batch_input_shape=(None,) + shape, name="bad")


def test_input_accepts_none_zero_and_numpy_sizes():
    import numpy as np

    assert lamella.Input((None, 0, np.int64(3))).shape == (None, None, 0, 3)
