"""A Keras 2.3.1 model file with CuDNNLSTM and Bidirectional(CuDNNGRU) loads and predicts
what Keras's equivalent LSTM/GRU model predicts (fixture: tools/keras231/make_cudnn_fixtures.py;
Keras itself needs a GPU to run it, lamella runs it anywhere), and its weights load into that
plain model through Keras's conversion."""

import pathlib

import numpy as np

import lamella
from lamella import layers

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "packages/io/tests/fixtures/keras231"
EXPECTED = np.load(FIXTURES / "cudnn_model.npz")


def test_load_cudnn_model_file():
    model = lamella.models.load_model(str(FIXTURES / "cudnn_model.h5"))
    assert [type(layer).__name__ for layer in model.layers[1:]] == [
        "CuDNNLSTM", "Bidirectional", "Dense"]
    np.testing.assert_allclose(model.predict(EXPECTED["x"]), EXPECTED["y"], atol=1e-5)


def test_cudnn_weights_load_into_plain_layers(tmp_path):
    lamella.backend.clear_session()
    inp = lamella.Input((5, 3))
    r = layers.LSTM(4, return_sequences=True, recurrent_activation="sigmoid", name="lstm")(inp)
    r = layers.Bidirectional(layers.GRU(3, reset_after=True, recurrent_activation="sigmoid"),
                             name="bigru")(r)
    plain = lamella.Model(inp, layers.Dense(2, name="dense")(r))
    plain.load_weights(str(FIXTURES / "cudnn_model.h5"))
    np.testing.assert_allclose(plain.predict(EXPECTED["x"]), EXPECTED["y"], atol=1e-5)
    # and back: the plain model's file loads into the CuDNN model, by name too
    path = tmp_path / "plain.h5"
    plain.save_weights(str(path))
    cudnn = lamella.models.load_model(str(FIXTURES / "cudnn_model.h5"))
    cudnn.set_weights([np.zeros_like(w) for w in cudnn.get_weights()])
    cudnn.load_weights(str(path), by_name=True)
    np.testing.assert_allclose(cudnn.predict(EXPECTED["x"]), EXPECTED["y"], atol=1e-5)
