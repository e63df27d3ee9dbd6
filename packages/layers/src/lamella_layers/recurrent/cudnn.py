"""Keras 2.3's ``CuDNNLSTM`` and ``CuDNNGRU`` (``keras.layers.cudnn_recurrent``).

The same arguments, config and weights as Keras 2.3.1's: ``kernel (input_dim, G*units)`` and
``recurrent_kernel (units, G*units)`` in Keras's CuDNN layout (each gate's block, read in
row-major order, is cuDNN's matrix) and one ``bias (2*G*units,)`` holding the input biases and
then the recurrent ones, with Keras's gate orders (``i, f, c, o``; ``z, r, h``). Weights files
of either family load into the other as Keras converts them (``LSTM`` <-> ``CuDNNLSTM``,
``GRU(reset_after=True)`` <-> ``CuDNNGRU``).

Unlike Keras, which needs a GPU for them, they run anywhere: ``torch.lstm``/``torch.gru`` are
cuDNN's kernels on CUDA and torch's own on a CPU, with the same results (``CuDNNLSTM`` computes
``LSTM(recurrent_activation='sigmoid')`` with a second bias; ``CuDNNGRU`` computes
``GRU(reset_after=True, recurrent_activation='sigmoid')``). As in Keras, masks are refused and
there is no dropout.

Example::

    import torch
    from lamella_layers.recurrent import CuDNNLSTM

    layer = CuDNNLSTM(4, return_sequences=True)
    layer(torch.randn(2, 5, 3)).shape                     # (2, 5, 4)
    [w.shape for w in layer.get_weights()]                # [(3, 16), (4, 16), (32,)]
"""

import numpy as np

from lamella import regularizers
from lamella.engine.base_layer import Layer
from lamella_layers.recurrent import fused
from lamella_layers.recurrent import weights_layout as layout
from lamella_layers.recurrent.gru import GRUCell
from lamella_layers.recurrent.lstm import LSTMCell
from lamella_layers.recurrent.rnn import RNN

_CELL_OPTIONS = ("kernel_initializer", "recurrent_initializer", "bias_initializer",
                 "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                 "kernel_constraint", "recurrent_constraint", "bias_constraint")


class _CuDNNLSTMCell(LSTMCell):
    """``LSTMCell`` with Keras's CuDNN layouts and a recurrent bias (the second half of
    ``bias``), which cuDNN adds to the input bias."""

    def _layouts(self):
        return layout.CuDNNKernel(4), layout.CuDNNKernel(4), layout.CuDNNBias(4)

    def build(self, input_shape):
        bias_init = None
        if self.unit_forget_bias:
            bias_init = self._cudnn_forget_bias_initializer()
        self._add_dense_kernels(input_shape, (8 * self.units,), bias_init, two_biases=True)
        self.built = True

    def _cudnn_forget_bias_initializer(self):
        # Keras 2.3.1's CuDNNLSTM puts the ones on the *recurrent* forget gate: block 6 of 8.
        base, units = self.bias_initializer, self.units

        def bias_init(shape, dtype=None):
            parts = [base((units * 5,), dtype=dtype), np.ones((units,), dtype="float32"),
                     base((units * 2,), dtype=dtype)]
            return np.concatenate([np.asarray(p, dtype="float32") for p in parts])
        return bias_init


class _CuDNNGRUCell(GRUCell):
    """``GRUCell(reset_after=True)`` with Keras's CuDNN layouts (``bias (6*units,)``)."""

    def _layouts(self):
        order = layout.GRU_ORDER
        return (layout.CuDNNKernel(3, order), layout.CuDNNKernel(3, order),
                layout.CuDNNBias(3, order))

    def build(self, input_shape):
        self._add_dense_kernels(input_shape, (6 * self.units,), two_biases=True)
        self.built = True


class _CuDNNRNN(RNN):
    """What ``CuDNNLSTM`` and ``CuDNNGRU`` share (Keras's ``_CuDNNRNN``): no masking, no
    dropout, no ``unroll``, and the fused kernel always."""

    _cell_class = None
    _cell_defaults = {}

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, activity_regularizer=None, **kwargs):
        options = {k: kwargs.pop(k) for k in _CELL_OPTIONS + tuple(self._cell_defaults)
                   if k in kwargs}
        for key in ("unroll", "dropout", "recurrent_dropout", "cell"):
            if key in kwargs:
                raise TypeError(f"{type(self).__name__}: keyword argument not understood: "
                                f"{key!r}")
        if kwargs.get("dtype") is not None:  # the cell's weights take the layer's dtype
            options["dtype"] = kwargs["dtype"]
        cell = self._cell_class(units, trainable=kwargs.get("trainable", True),
                                **{**self._cell_defaults, **options})
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.supports_masking = False
        self.activity_regularizer = regularizers.get(activity_regularizer)

    @property
    def units(self):
        return self.cell.units

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: masking is not supported "
                             f"for CuDNN RNNs (Keras 2.3 refuses it too); use LSTM/GRU.")
        return super().call(inputs, training=training, initial_state=initial_state)

    def get_config(self):
        cell = self.cell.get_config()
        config = {**Layer.get_config(self), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "units": self.units}
        for key in self._config_keys:
            config[key] = cell[key]
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        for key in ("kernel_constraint", "recurrent_constraint", "bias_constraint"):
            config[key] = cell[key]
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class CuDNNLSTM(_CuDNNRNN):
    """Keras 2.3's ``CuDNNLSTM``: an LSTM with cuDNN's equations and weights (two biases).

    Example: ``CuDNNLSTM(4, return_state=True)(torch.randn(2, 5, 3))`` gives ``[out, h, c]``,
    each ``(2, 4)``.
    """

    _cell_class = _CuDNNLSTMCell
    _cell_defaults = {"unit_forget_bias": True}
    _config_keys = ("kernel_initializer", "recurrent_initializer", "bias_initializer",
                    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                    "bias_regularizer")

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, stateful=False, **kwargs):
        super().__init__(
            units, return_sequences=return_sequences, return_state=return_state,
            stateful=stateful, activity_regularizer=activity_regularizer,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            **kwargs)

    def _fast_path(self, inputs, states, training):
        return fused.lstm(self, inputs, states, training)

    def _preprocess_loaded_weights(self, arrays):
        return layout.convert_keras_rnn_weights(self.name, "CuDNNLSTM", arrays)


class CuDNNGRU(_CuDNNRNN):
    """Keras 2.3's ``CuDNNGRU``: ``GRU(reset_after=True)``'s equations with cuDNN's weights.

    Example: ``CuDNNGRU(4, go_backwards=True)(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    _cell_class = _CuDNNGRUCell
    _cell_defaults = {"reset_after": True}
    _config_keys = ("kernel_initializer", "recurrent_initializer", "bias_initializer",
                    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer")

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False,
                 stateful=False, **kwargs):
        super().__init__(
            units, return_sequences=return_sequences, return_state=return_state,
            stateful=stateful, activity_regularizer=activity_regularizer,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, **kwargs)

    def _fast_path(self, inputs, states, training):
        return fused.gru(self, inputs, states, training)

    def _preprocess_loaded_weights(self, arrays):
        return layout.convert_keras_rnn_weights(self.name, "CuDNNGRU", arrays)
