"""Every application against Keras 2.3.1: layer names, classes, output shapes, weight names and
shapes, parameter counts (fixtures: ``tools/keras231/make_application_fixtures.py``).

Equal names, order and shapes are what make the ImageNet files Keras publishes load by topology
and by name. Each model is built once, with ``weights=None`` on a small input, on the meta device.
"""

import json
import pathlib

import pytest
import torch

import lamella
from lamella import applications

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
CASES = json.loads((FIXTURES / "architectures.json").read_text())["cases"]


def _kwargs(record):
    kwargs = dict(record["kwargs"])
    kwargs["input_shape"] = tuple(kwargs["input_shape"])
    return kwargs


def _shape(shape):
    return [list(s) for s in shape] if shape and isinstance(shape[0], (list, tuple)) else list(
        shape)


@pytest.mark.parametrize("case", sorted(CASES))
def test_architecture_matches_keras(case):
    record = CASES[case]
    lamella.backend.clear_session()  # auto-named layers (input_1, ...) count from 1, as there
    # On torch's meta device: weights get their shapes but no values, so the big models build
    # in a fraction of the time (initialising ~500M parameters is what costs); the structure
    # compared here does not depend on values. test_weights.py runs real models.
    with torch.device("meta"):
        model = getattr(applications, record["function"])(weights=None, **_kwargs(record))
    assert model.weights[0].device.type == "meta"
    assert model.name == record["model_name"]
    assert len(model.layers) == len(record["layers"])
    for layer, expected in zip(model.layers, record["layers"]):
        where = f"{case}: layer {expected['name']}"
        assert layer.name == expected["name"], where
        assert type(layer).__name__ == expected["class_name"], where
        assert _shape(layer.output_shape) == _shape(expected["output_shape"]), where
        found = [[name, list(w.shape)] for name, w in zip(layer.keras_weight_names(),
                                                           layer.weights)]
        # NASNet's weight names carry TensorFlow's name scopes (normal_A_block_5/block_1/...),
        # as its published files list them: equal here too.
        assert found == [[name, shape] for name, shape in expected["weights"]], where
    assert model.count_params() == record["count_params"]
    assert sum(w.numel() for w in model.trainable_weights) == record["trainable_params"]
    assert list(model.output_shape) == record["output_shape"]


def test_every_keras_application_has_a_case():
    functions = {record["function"] for record in CASES.values()}
    assert functions == set(applications.MODELS)
    assert isinstance(lamella.applications.VGG16(weights=None, include_top=False,
                                                 input_shape=(32, 32, 3)), lamella.Model)
