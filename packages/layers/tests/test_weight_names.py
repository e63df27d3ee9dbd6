"""Weight names equal the ones real Keras 2.3.1 gives (and writes into HDF5 files).

Expected names printed by Keras 2.3.1 / TensorFlow 1.15.5 for the same model:
LSTM, Bidirectional(GRU), TimeDistributed(Dense) and RNN([LSTMCell, GRUCell]).
"""

import lamella
from lamella import backend as K
from lamella import layers

KERAS_231 = {
    "lstm_1": ["lstm_1/kernel:0", "lstm_1/recurrent_kernel:0", "lstm_1/bias:0"],
    "bidirectional_1": [
        "bidirectional_1/forward_gru_1/kernel:0",
        "bidirectional_1/forward_gru_1/recurrent_kernel:0",
        "bidirectional_1/forward_gru_1/bias:0", "bidirectional_1/backward_gru_1/kernel:0",
        "bidirectional_1/backward_gru_1/recurrent_kernel:0",
        "bidirectional_1/backward_gru_1/bias:0"],
    "time_distributed_1": ["time_distributed_1/kernel:0", "time_distributed_1/bias:0"],
    "rnn_1": ["rnn_1/kernel:0", "rnn_1/recurrent_kernel:0", "rnn_1/bias:0", "rnn_1/kernel_1:0",
              "rnn_1/recurrent_kernel_1:0", "rnn_1/bias_1:0"],
}


def test_weight_names_match_keras_231():
    K.clear_session()
    model = lamella.Sequential([
        layers.LSTM(2, return_sequences=True, input_shape=(3, 4)),
        layers.Bidirectional(layers.GRU(2, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2)),
        layers.RNN([layers.LSTMCell(2), layers.GRUCell(3)]),
    ])
    assert {layer.name: layer.keras_weight_names() for layer in model.layers} == KERAS_231
