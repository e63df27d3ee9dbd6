"""Keras 2.3.1 members that scripts use and lamella had missing: Sequential.model (deprecated),
Layer.assert_input_compatibility (the functional API's input_spec check, public)."""

import numpy as np
import pytest
import torch

import lamella
from lamella.engine.base_layer import InputSpec, Layer
from lamella.testing import SeededDense


class Rank3(Layer):
    def build(self, input_shape):
        self.input_spec = InputSpec(ndim=3, axes={-1: input_shape[-1]})


def test_sequential_model_is_the_model_itself_with_keras_warning():
    model = lamella.Sequential([SeededDense(2, input_shape=(3,))])
    with pytest.warns(UserWarning, match=r"`Sequential.model` is deprecated"):
        assert model.model is model
    with pytest.warns(UserWarning):
        out = model.model.predict(np.ones((2, 3), "float32"), verbose=0)   # old Keras 1 code
    assert out.shape == (2, 2)


def test_assert_input_compatibility_checks_symbolic_and_real_inputs():
    layer = Rank3(name="rank3")
    layer.build((None, 4, 5))
    layer.assert_input_compatibility(lamella.Input((4, 5)))
    layer.assert_input_compatibility(torch.zeros(2, 7, 5))
    with pytest.raises(ValueError,
                       match=r"Input 0 of layer 'rank3' .*expected ndim=3, found ndim=2"):
        layer.assert_input_compatibility(lamella.Input((5,)))
    with pytest.raises(ValueError, match=r"expected axis -1 to have size 5"):
        layer.assert_input_compatibility(torch.zeros(2, 7, 6))
    with pytest.raises(ValueError, match=r"isn't a tensor"):
        layer.assert_input_compatibility([[1, 2]])


def test_assert_input_compatibility_input_count_dtype_and_shape():
    layer = Layer(name="pair")
    layer.input_spec = [InputSpec(dtype="int64"), InputSpec(shape=(None, 3))]
    layer.assert_input_compatibility([torch.zeros(2, dtype=torch.int64), torch.zeros(2, 3)])
    with pytest.raises(ValueError, match="expects 2 inputs, but it received 1"):
        layer.assert_input_compatibility(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"Input 0 .*dtype=int64, found dtype=float32"):
        layer.assert_input_compatibility([torch.zeros(2), torch.zeros(2, 3)])
    with pytest.raises(ValueError, match=r"Input 1 .*expected shape=\(None, 3\)"):
        layer.assert_input_compatibility([torch.zeros(2, dtype=torch.int64), torch.zeros(2, 4)])


def test_functional_call_runs_the_same_check(monkeypatch):
    layer = Rank3(name="checked")
    seen = []
    original = Rank3.assert_input_compatibility

    def spy(self, inputs):
        seen.append(inputs)
        return original(self, inputs)

    monkeypatch.setattr(Rank3, "assert_input_compatibility", spy)
    inputs = lamella.Input((4, 5))
    layer(inputs)
    assert seen and seen[0][0] is inputs
    with pytest.raises(ValueError, match=r"layer 'checked' .*expected ndim=3"):
        layer(lamella.Input((5,)))


def test_vis_utils_model_is_the_engine_model():
    # Keras scripts (and Keras's own vis_utils) do `from keras.utils.vis_utils import Model`.
    from lamella.utils.vis_utils import Model, is_model

    assert Model is lamella.Model
    model = lamella.Sequential([SeededDense(1, input_shape=(2,))])
    assert isinstance(model, Model) and is_model(model)
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        from lamella.utils import vis_utils

        vis_utils.Nothing


@pytest.mark.parametrize("name", ["load_attributes_from_hdf5_group",
                                  "save_attributes_to_hdf5_group",
                                  "load_weights_from_hdf5_group",
                                  "load_weights_from_hdf5_group_by_name",
                                  "save_weights_to_hdf5_group",
                                  "preprocess_weights_for_loading"])
def test_engine_saving_hdf5_group_helpers_name_lamella_io_when_missing(plugin_sandbox, name):
    # Only lamella-core loaded (the sandbox): the helpers belong to the HDF5 plugin.
    from lamella.engine import saving
    from lamella.plugins import MissingPluginError

    with pytest.raises(MissingPluginError, match="lamella-io"):
        getattr(saving, name)
    with pytest.raises(ImportError, match="distribution .lamella-io."):
        exec(f"from lamella.engine.saving import {name}", {})
