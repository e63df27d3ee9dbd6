"""Keras 2.3 arguments as scripts pass them: Embedding indices (integer data stays integer, an
index past ``input_dim`` names the layer and the bound) and SimpleRNN's deprecated argument."""

import numpy as np
import pytest

import lamella
from lamella import layers
from lamella.testing import PlainSGD, mean_squared_error


def _model():
    model = lamella.Sequential([layers.Embedding(10, 3, input_length=4, name="words"),
                                layers.Flatten(), layers.Dense(1)])
    model.compile(PlainSGD(0.01), loss=mean_squared_error)
    return model


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float32"])
def test_indices_of_any_numeric_dtype_work(dtype):
    x = (np.arange(8).reshape(2, 4) % 10).astype(dtype)
    model = _model()
    assert model.predict(x).shape == (2, 1)
    assert np.isfinite(model.fit(x, np.ones((2, 1)), verbose=0).history["loss"][0])


def test_integer_data_reaches_the_embedding_as_integers():
    from lamella.engine import data_adapter

    xs = data_adapter.standardize_inputs(_model(), np.arange(8).reshape(2, 4))
    assert not xs[0].is_floating_point()


def test_an_index_past_input_dim_names_the_layer_and_the_bound():
    with pytest.raises(IndexError, match=r"Embedding 'words'.*\[0, 10\)"):
        _model().predict(np.array([[1, 2, 3, 12]]))


def test_simple_rnn_accepts_keras_deprecated_implementation_argument():
    with pytest.warns(UserWarning, match="`implementation` argument in `SimpleRNN`"):
        layer = layers.SimpleRNN(4, implementation=1)
    assert layer.get_config() == layers.SimpleRNN(4, name=layer.name).get_config()
