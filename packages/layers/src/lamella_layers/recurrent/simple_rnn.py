"""``SimpleRNN`` and its cell ``SimpleRNNCell`` (Keras's, weights ``kernel (input_dim, units)``,
``recurrent_kernel (units, units)``, ``bias (units,)``).

Example::

    import torch
    from lamella_layers.recurrent import SimpleRNN

    layer = SimpleRNN(4, activation="relu", return_sequences=True)
    layer(torch.randn(2, 5, 3)).shape                    # (2, 5, 4)
"""

import warnings

import torch.nn.functional as F

from lamella_layers import activations as act
from lamella_layers.recurrent import fused
from lamella_layers.recurrent.base_cell import _DenseCell
from lamella_layers.recurrent.rnn import _KerasRNN


class SimpleRNNCell(_DenseCell):
    """``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Example: ``RNN(SimpleRNNCell(4))(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=None, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, **kwargs)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_dense_kernels(input_shape, (self.units,))
        self.built = True

    def call(self, inputs, states, training=None):
        prev_output = states[0]
        dp, rec_dp = self._masks(inputs, prev_output, training, 1)
        if dp is not None:
            inputs = inputs * dp[0]
        h = F.linear(inputs, self.weight_ih, self._biases()[0])
        if rec_dp is not None:
            prev_output = prev_output * rec_dp[0]
        output = self.activation(h + F.linear(prev_output, self.weight_hh))
        return output, [output]

    def _cudnn_mode(self):
        if self.activation is act.tanh:
            return "rnn_tanh"
        if self.activation is act.relu:
            return "rnn_relu"
        return None


class SimpleRNN(_KerasRNN):
    """A fully-connected RNN whose output is fed back as its input (Keras's ``SimpleRNN``).

    Example: ``SimpleRNN(4)(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    _cell_class = SimpleRNNCell

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        if "implementation" in kwargs:  # Keras 2.3 accepts it, ignores it and warns
            kwargs.pop("implementation")
            warnings.warn("The `implementation` argument in `SimpleRNN` has been deprecated. "
                          "Please remove it from your layer call.", stacklevel=2)
        # Keras 2.3.1's parameters in its order, so positional calls mean what they do there
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful,
                         unroll=unroll, **kwargs)

    def _fast_path(self, inputs, states, training):
        return fused.simple_rnn(self, inputs, states, training)
