"""A saved file records which distribution provided each layer and the optimizer, so loading it
without that plugin says what to install (issue 15, defect 5)."""

import json

import h5py
import numpy as np
import pytest

import lamella
from lamella.plugins import Component, UnknownComponentError
from lamella.testing import (
    CUSTOM_OBJECTS,
    PlainSGD,
    SeededDense,
    mean_squared_error,
    plugin_registered,
)


class ScaleNorm(lamella.layers.Layer):
    def call(self, inputs):
        return inputs / (inputs.pow(2).mean(-1, keepdim=True) + 1e-6).sqrt()

    def compute_output_shape(self, input_shape):
        return input_shape


class Lookahead(PlainSGD):
    pass


def _plugin():
    return {"lamella_layers": [Component("ScaleNorm", ScaleNorm)],
            "lamella_optimizers": [Component("Lookahead", Lookahead)]}


def _saved(path, with_norm=True):
    with plugin_registered(_plugin(), name="lamella-rmsnorm"):
        stack = [SeededDense(3, input_shape=(4,))] + ([ScaleNorm()] if with_norm else [])
        model = lamella.Sequential(stack)
        model.compile(Lookahead(0.1), loss=mean_squared_error)
        model.fit(np.ones((4, 4)), np.ones((4, 3)), verbose=0)
        model.save(str(path))
        with h5py.File(path, "r") as f:
            recorded = json.loads(f.attrs["lamella_plugins"])
    return recorded


def test_the_file_records_each_provider(tmp_path):
    recorded = _saved(tmp_path / "m.h5")
    assert recorded["layers"]["ScaleNorm"]["distribution"] == "lamella-rmsnorm"
    assert recorded["optimizers"]["Lookahead"]["distribution"] == "lamella-rmsnorm"


def test_a_missing_layer_names_the_distribution_that_provided_it(tmp_path):
    _saved(tmp_path / "m.h5")
    with pytest.raises(UnknownComponentError, match=r"'ScaleNorm' came from the distribution "
                                                     r"'lamella-rmsnorm'.*pip install"):
        lamella.models.load_model(str(tmp_path / "m.h5"), custom_objects=CUSTOM_OBJECTS)


def test_a_missing_optimizer_says_compile_false_loads_the_model(tmp_path):
    _saved(tmp_path / "m.h5", with_norm=False)
    with pytest.raises(UnknownComponentError, match="'Lookahead' came from.*compile=False"):
        lamella.models.load_model(str(tmp_path / "m.h5"), custom_objects=CUSTOM_OBJECTS)
    model = lamella.models.load_model(str(tmp_path / "m.h5"), custom_objects=CUSTOM_OBJECTS,
                                      compile=False)
    assert model.predict(np.ones((1, 4))).shape == (1, 3)
