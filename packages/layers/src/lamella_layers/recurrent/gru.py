"""``GRU`` and its cell ``GRUCell`` (Keras's: gates ``z, r, h``; ``bias`` is ``(3*units,)``, or
``(2, 3*units)`` with ``reset_after=True``, torch's and cuDNN's variant with a recurrent bias).

Example::

    import torch
    from lamella_layers.recurrent import GRU

    gru = GRU(4, reset_after=True, return_sequences=True)
    gru(torch.randn(2, 5, 3)).shape                      # (2, 5, 4)
    [w.shape for w in gru.get_weights()]                 # [(3, 12), (4, 12), (2, 12)]
"""

from lamella_layers.recurrent import fused
from lamella_layers.recurrent.base_cell import _DenseCell
from lamella_layers.recurrent.rnn import _KerasRNN


class GRUCell(_DenseCell):
    """Keras's GRU cell (gates ``z, r, h``); ``reset_after`` applies the reset gate after the
    recurrent matmul (torch's / cuDNN's convention, with a separate recurrent bias).

    Example: ``RNN(GRUCell(4))(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=2,
                 reset_after=False, **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, **kwargs)
        if implementation not in (1, 2):
            raise ValueError(f"GRUCell: `implementation` must be 1 or 2; got "
                             f"{implementation!r}.")
        self.implementation = int(implementation)
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_dense_kernels(input_shape, shape)
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1 = states[0]
        count = 3 if self.implementation == 1 else 1
        dp, rec_dp = self._masks(inputs, h_tm1, training, count)
        u = self.units
        if self.bias is None:
            input_bias = recurrent_bias = None
        elif self.reset_after:
            input_bias, recurrent_bias = self.bias[0], self.bias[1]
        else:
            input_bias, recurrent_bias = self.bias, None
        xs = [inputs * dp[k] for k in range(3)] if dp is not None and count == 3 else \
            [inputs * dp[0]] * 3 if dp is not None else [inputs] * 3
        hs = [h_tm1 * rec_dp[k] for k in range(3)] if rec_dp is not None and count == 3 else \
            [h_tm1 * rec_dp[0]] * 3 if rec_dp is not None else [h_tm1] * 3
        if xs[0] is xs[1] is xs[2]:
            matrix_x = xs[0] @ self.kernel
            if input_bias is not None:
                matrix_x = matrix_x + input_bias
            x_z, x_r, x_h = matrix_x.split(u, dim=-1)
        else:
            x_z, x_r, x_h = [xs[k] @ self.kernel[:, k * u:(k + 1) * u]
                             + (input_bias[k * u:(k + 1) * u] if input_bias is not None else 0)
                             for k in range(3)]
        if self.reset_after:
            if hs[0] is hs[1] is hs[2]:
                inner = hs[0] @ self.recurrent_kernel
                if recurrent_bias is not None:
                    inner = inner + recurrent_bias
                rec_z, rec_r, rec_h = inner.split(u, dim=-1)
            else:
                rec_z, rec_r, rec_h = [
                    hs[k] @ self.recurrent_kernel[:, k * u:(k + 1) * u]
                    + (recurrent_bias[k * u:(k + 1) * u] if recurrent_bias is not None else 0)
                    for k in range(3)]
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            recurrent_h = r * rec_h
        else:
            if hs[0] is hs[1]:
                rec_z, rec_r = (hs[0] @ self.recurrent_kernel[:, :2 * u]).split(u, dim=-1)
            else:
                rec_z = hs[0] @ self.recurrent_kernel[:, :u]
                rec_r = hs[1] @ self.recurrent_kernel[:, u:2 * u]
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            recurrent_h = (r * hs[2]) @ self.recurrent_kernel[:, 2 * u:]
        hh = self.activation(x_h + recurrent_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def _extra_config(self):
        return {"implementation": self.implementation, "reset_after": self.reset_after}


class GRU(_KerasRNN):
    """Gated recurrent unit (Keras's ``GRU``; ``reset_after=True`` is torch's/cuDNN's variant).

    Example: ``GRU(4, reset_after=True, return_sequences=True)(torch.randn(2, 5, 3))`` has
    shape ``(2, 5, 4)``.
    """

    _cell_class = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=2, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 reset_after=False, **kwargs):
        # Keras 2.3.1's parameters in its order, so positional calls mean what they do there
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, implementation=implementation,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         reset_after=reset_after, **kwargs)

    def _fast_path(self, inputs, states, training):
        return fused.gru(self, inputs, states, training)
