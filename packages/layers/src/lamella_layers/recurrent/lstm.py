"""``LSTM`` and its cell ``LSTMCell`` (Keras's: gates ``i, f, c, o``, like torch's; weights
``kernel (input_dim, 4*units)``, ``recurrent_kernel (units, 4*units)``, ``bias (4*units,)``),
stored transposed as torch's ``weight_ih``/``weight_hh``/``bias_ih`` (see ``weights_layout``).

Example::

    import torch
    from lamella_layers.recurrent import LSTM

    lstm = LSTM(8, return_sequences=True, return_state=True)
    seq, h, c = lstm(torch.randn(4, 10, 3))      # (4, 10, 8), (4, 8), (4, 8)
"""

import torch.nn.functional as F

from lamella_layers import activations as act
from lamella_layers.recurrent import fused
from lamella_layers.recurrent import weights_layout as layout
from lamella_layers.recurrent.base_cell import _block, _DenseCell
from lamella_layers.recurrent.rnn import _KerasRNN


class LSTMCell(_DenseCell):
    """Keras's LSTM cell (gates ``i, f, c, o``; ``unit_forget_bias`` sets the forget bias to 1).

    Example: ``RNN(LSTMCell(4), return_state=True)(torch.randn(2, 5, 3))`` gives ``[out, h, c]``.
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=2, **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        if implementation not in (1, 2):
            raise ValueError(f"LSTMCell: `implementation` must be 1 or 2; got "
                             f"{implementation!r}.")
        self.implementation = int(implementation)
        self.state_size = (self.units, self.units)
        self.output_size = self.units

    def build(self, input_shape):
        bias_init = None
        if self.use_bias and self.unit_forget_bias:
            bias_init = self._forget_bias_initializer(self.units)
        self._add_dense_kernels(input_shape, (4 * self.units,), bias_init)
        self.built = True

    def call(self, inputs, states, training=None):
        # torch's layout: x @ kernel is F.linear(x, weight_ih), no transposed copy per step.
        h_tm1, c_tm1 = states[0], states[1]
        count = 4 if self.implementation == 1 else 1
        dp, rec_dp = self._masks(inputs, h_tm1, training, count)
        u = self.units
        b_ih, b_hh = self._biases()
        if self.implementation == 1 and (dp is not None or rec_dp is not None):
            xs = [inputs * dp[k] if dp is not None else inputs for k in range(4)]
            hs = [h_tm1 * rec_dp[k] if rec_dp is not None else h_tm1 for k in range(4)]
            z = [F.linear(xs[k], self.weight_ih[k * u:(k + 1) * u], _block(b_ih, k, u))
                 + F.linear(hs[k], self.weight_hh[k * u:(k + 1) * u], _block(b_hh, k, u))
                 for k in range(4)]
            z0, z1, z2, z3 = z
        else:
            if dp is not None:
                inputs = inputs * dp[0]
            if rec_dp is not None:
                h_tm1 = h_tm1 * rec_dp[0]
            z = F.linear(inputs, self.weight_ih, b_ih) + F.linear(h_tm1, self.weight_hh, b_hh)
            z0, z1, z2, z3 = z.split(u, dim=-1)
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def _cudnn_mode(self):
        if self.activation is act.tanh and self.recurrent_activation is act.sigmoid:
            return "lstm"
        return None

    def _extra_config_before_regularizers(self):
        return {"unit_forget_bias": self.unit_forget_bias}

    def _extra_config(self):
        return {"implementation": self.implementation}


class LSTM(_KerasRNN):
    """Long short-term memory (Keras's ``LSTM``; gates ``i, f, c, o`` like torch's).

    Example: ``LSTM(4, go_backwards=True)(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    _cell_class = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=2, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, **kwargs):
        # Keras 2.3.1's parameters in its order, so positional calls mean what they do there
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, implementation=implementation,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)

    def _fast_path(self, inputs, states, training):
        return fused.lstm(self, inputs, states, training)

    def _preprocess_loaded_weights(self, arrays):
        # A CuDNNLSTM's weights load as Keras converts them.
        return layout.convert_keras_rnn_weights(self.name, "LSTM", arrays)
