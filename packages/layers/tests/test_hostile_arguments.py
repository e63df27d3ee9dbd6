"""Layer arguments no torch tensor can have, as a hostile or careless config carries them:
refused by the shared number helpers with a ``ValueError`` naming the layer and the argument
(not torch's "Overflow when unpacking long long" from deep inside ``build``)."""

import json

import pytest

from lamella import layers
from lamella.engine.serialization import ConfigError
from lamella.models import Sequential, model_from_json
from lamella_layers import _utils


@pytest.mark.parametrize("units", [10**30, 2**63, float("inf"), float("nan"), 1e30])
def test_dense_units_torch_cannot_take(units):
    with pytest.raises(ValueError, match=r"Dense: `units` must be a positive integer no larger "
                                         r"than 2\*\*63 - 1"):
        layers.Dense(units)


def test_units_10_to_the_30_through_model_from_json():
    model = Sequential([layers.Dense(2, input_shape=(3,)), layers.Dense(4)])
    config = json.loads(model.to_json())
    config["config"]["layers"][-1]["config"]["units"] = 10**30
    with pytest.raises(ConfigError, match=r"model_from_json: cannot decode field "
                                          r"'config.layers\[\d\]'.*Dense: `units`") as info:
        model_from_json(json.dumps(config))
    assert "C++" not in str(info.value)


def test_number_helper_with_an_int_beyond_a_float():
    with pytest.raises(ValueError, match="ReLU: `max_value` must be a number >= 0"):
        _utils.number("ReLU", "max_value", 10**400, low=0)
    assert _utils.positive_int("Dense", "units", 2**63 - 1) == 2**63 - 1
    assert _utils.positive_int("Dense", "units", 3.0) == 3
