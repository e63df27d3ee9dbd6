"""``GRU`` and its cell ``GRUCell`` (Keras's: gates ``z, r, h``; ``bias`` is ``(3*units,)``, or
``(2, 3*units)`` with ``reset_after=True``, torch's and cuDNN's variant with a recurrent bias).
The cell stores them in torch's layout and gate order ``r, z, n`` (``weight_ih``, ``weight_hh``,
``bias_ih`` or ``bias_ih_hh``); ``get_weights`` and ``cell.kernel`` give Keras's.

Example::

    import torch
    from lamella_layers.recurrent import GRU

    gru = GRU(4, reset_after=True, return_sequences=True)
    gru(torch.randn(2, 5, 3)).shape                      # (2, 5, 4)
    [w.shape for w in gru.get_weights()]                 # [(3, 12), (4, 12), (2, 12)]
"""

import torch.nn.functional as F

from lamella_layers import activations as act
from lamella_layers.recurrent import fused
from lamella_layers.recurrent import weights_layout as layout
from lamella_layers.recurrent.base_cell import _block, _DenseCell
from lamella_layers.recurrent.rnn import _KerasRNN

#: the torch block holding each of Keras's gates z, r, h.
_TORCH_BLOCK = (1, 0, 2)


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

    _gate_order = layout.GRU_ORDER

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_dense_kernels(input_shape, shape, two_biases=self.reset_after)
        self.built = True

    def call(self, inputs, states, training=None):
        # Weights in torch's layout and gate order r, z, n: Keras's z, r, h are blocks 1, 0, 2.
        h_tm1 = states[0]
        count = 3 if self.implementation == 1 else 1
        dp, rec_dp = self._masks(inputs, h_tm1, training, count)
        u = self.units
        w_ih, w_hh = self.weight_ih, self.weight_hh
        b_ih, b_hh = self._biases()
        # Keras's masks are per Keras gate (z, r, h).
        xs = [inputs * dp[k] for k in range(3)] if dp is not None and count == 3 else \
            [inputs * dp[0]] * 3 if dp is not None else [inputs] * 3
        hs = [h_tm1 * rec_dp[k] for k in range(3)] if rec_dp is not None and count == 3 else \
            [h_tm1 * rec_dp[0]] * 3 if rec_dp is not None else [h_tm1] * 3
        if xs[0] is xs[1] is xs[2]:
            x_r, x_z, x_h = F.linear(xs[0], w_ih, b_ih).split(u, dim=-1)
        else:
            x_z, x_r, x_h = [F.linear(xs[k], _block(w_ih, g, u), _block(b_ih, g, u))
                             for k, g in enumerate(_TORCH_BLOCK)]
        if self.reset_after:
            if hs[0] is hs[1] is hs[2]:
                rec_r, rec_z, rec_h = F.linear(hs[0], w_hh, b_hh).split(u, dim=-1)
            else:
                rec_z, rec_r, rec_h = [F.linear(hs[k], _block(w_hh, g, u), _block(b_hh, g, u))
                                       for k, g in enumerate(_TORCH_BLOCK)]
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            recurrent_h = r * rec_h
        else:
            if hs[0] is hs[1]:
                rec_r, rec_z = F.linear(hs[0], w_hh[:2 * u]).split(u, dim=-1)
            else:
                rec_z = F.linear(hs[0], _block(w_hh, _TORCH_BLOCK[0], u))
                rec_r = F.linear(hs[1], _block(w_hh, _TORCH_BLOCK[1], u))
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            recurrent_h = F.linear(r * hs[2], _block(w_hh, _TORCH_BLOCK[2], u))
        hh = self.activation(x_h + recurrent_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def _cudnn_mode(self):
        if (self.reset_after and self.activation is act.tanh
                and self.recurrent_activation is act.sigmoid):
            return "gru"
        return None

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

    def _preprocess_loaded_weights(self, arrays):
        # A CuDNNGRU's weights load into GRU(reset_after=True) as Keras converts them.
        target = f"GRU(reset_after={self.cell.reset_after})"
        return layout.convert_keras_rnn_weights(self.name, target, arrays)
