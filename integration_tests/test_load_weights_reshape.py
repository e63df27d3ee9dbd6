"""``model.load_weights(filepath, reshape=True)`` as in Keras 2.3.1: a convolution kernel stored
with another shape but as many values is reshaped (C order) to the layer's (issue 14, item 11);
without ``reshape`` (or with another size) the mismatch is an error naming the layer."""

import warnings

import numpy as np
import pytest

import lamella
from lamella import layers


def conv_model(channels, filters, name="conv"):
    inputs = lamella.Input(shape=(5, 5, channels))
    outputs = layers.Conv2D(filters, 3, use_bias=False, name=name)(inputs)
    return lamella.Model(inputs, outputs)


def test_reshape_fits_a_kernel_of_equal_size(tmp_path):
    source = conv_model(channels=2, filters=1)           # kernel (3, 3, 2, 1)
    path = str(tmp_path / "w.h5")
    source.save_weights(path)
    target = conv_model(channels=1, filters=2)           # kernel (3, 3, 1, 2), same 18 values
    target.load_weights(path, reshape=True)
    expected = np.reshape(source.get_weights()[0], (3, 3, 1, 2))
    np.testing.assert_array_equal(target.get_weights()[0], expected)
    # by_name too
    other = conv_model(channels=1, filters=2)
    other.load_weights(path, by_name=True, reshape=True)
    np.testing.assert_array_equal(other.get_weights()[0], expected)


def test_without_reshape_or_with_another_size_it_is_an_error(tmp_path):
    path = str(tmp_path / "w.h5")
    conv_model(channels=2, filters=1).save_weights(path)
    target = conv_model(channels=1, filters=2)
    before = target.get_weights()[0].copy()
    with pytest.raises(ValueError, match="'conv'"):
        target.load_weights(path)
    with pytest.raises(ValueError, match="equal size to apply a reshape"):
        conv_model(channels=1, filters=3).load_weights(path, reshape=True)
    np.testing.assert_array_equal(target.get_weights()[0], before)  # nothing was written


def test_reshape_leaves_dense_layers_alone(tmp_path):
    def dense(units):
        inputs = lamella.Input(shape=(4,))
        return lamella.Model(inputs, layers.Dense(units, use_bias=False, name="d")(inputs))

    path = str(tmp_path / "w.h5")
    source = dense(2)
    source.save_weights(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        twin = dense(2)
        twin.load_weights(path, reshape=True)
    np.testing.assert_array_equal(twin.get_weights()[0], source.get_weights()[0])
