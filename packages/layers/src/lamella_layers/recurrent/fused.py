"""The fast path of ``SimpleRNN``, ``LSTM``, ``GRU`` (and ``CuDNNLSTM``/``CuDNNGRU``, which
always take it): torch's fused RNN kernels, fed the cell's own parameters (stored in their
layout, see :mod:`lamella_layers.recurrent.weights_layout`), never per-call copies.

``torch.rnn_tanh``/``rnn_relu``, ``torch.lstm`` and ``torch.gru`` (cuDNN on a GPU) run the
whole sequence in one call. They compute exactly Keras's cells when the activations are the
kernels' own (``tanh``/``sigmoid``; ``relu`` for ``SimpleRNN``), ``GRU`` has
``reset_after=True`` (torch's and cuDNN's variant), no mask flows and there is no recurrent
dropout; input dropout is applied to the whole sequence first, since Keras applies one mask to
every gate with ``implementation=2``. Each function returns ``(sequence, last_output, states)``
like ``RNN._loop``, or ``None`` when the configuration needs the stepped loop.

Example::

    import torch
    from lamella_layers.recurrent import LSTM, fused

    layer = LSTM(4, return_sequences=True)
    x = torch.randn(2, 5, 3)
    layer(x)                                             # builds the weights
    states = layer.get_initial_state(x)
    sequence, last, (h, c) = fused.lstm(layer, x, states, training=False)
"""

import torch

from lamella_layers.recurrent.base_cell import _dropout_masks


def _fused_ok(layer, training):
    cell = layer.cell
    if cell.recurrent_dropout > 0 and training:
        return False
    if cell.dropout > 0 and training and getattr(cell, "implementation", 2) == 1:
        return False  # one mask per gate: the kernels have one input for all gates
    return True


def _fused_inputs(layer, inputs, training):
    cell = layer.cell
    if cell.dropout > 0 and training and 0 < cell.dropout < 1:
        keep = _dropout_masks(torch.ones_like(inputs[:, 0]), cell.dropout, 1)[0]
        inputs = inputs * keep.unsqueeze(1)
    if layer.go_backwards:
        inputs = torch.flip(inputs, dims=(1,))
    return inputs


def _fused_call(fn, inputs, hx, cell):
    # The cell's own parameters, stored as the kernels want them (contiguous; on CUDA one flat
    # cuDNN buffer): no copies per call. Arguments after the weights: has_biases, num_layers,
    # dropout, train, bidirectional, batch_first.
    params = cell._fused_weights()
    return fn(inputs, hx, params, len(params) == 4, 1, 0.0, False, False, True)


def simple_rnn(layer, inputs, states, training):
    """``SimpleRNN`` through ``torch.rnn_tanh``/``rnn_relu``."""
    cell = layer.cell
    mode = cell._cudnn_mode()
    if mode is None or not _fused_ok(layer, training):
        return None
    fn = torch.rnn_tanh if mode == "rnn_tanh" else torch.rnn_relu
    x = _fused_inputs(layer, inputs, training)
    out, h = _fused_call(fn, x, states[0].unsqueeze(0).contiguous(), cell)
    h = h[0]
    return out, h, [h]


def lstm(layer, inputs, states, training):
    """``LSTM`` through ``torch.lstm`` (same gate order, ``i, f, c, o``)."""
    cell = layer.cell
    if cell._cudnn_mode() != "lstm" or not _fused_ok(layer, training):
        return None
    x = _fused_inputs(layer, inputs, training)
    hx = (states[0].unsqueeze(0).contiguous(), states[1].unsqueeze(0).contiguous())
    out, h, c = _fused_call(torch.lstm, x, hx, cell)
    h, c = h[0], c[0]
    return out, h, [h, c]


def _gru_reorder(matrix, units, dim):
    """Keras's ``z, r, h`` gate blocks to torch's ``r, z, n`` (and back: it is a swap)."""
    z, r, h = matrix.split(units, dim=dim)
    return torch.cat([r, z, h], dim=dim)


def gru(layer, inputs, states, training):
    """``GRU(reset_after=True)`` through ``torch.gru`` (the cell stores torch's gate order)."""
    cell = layer.cell
    if cell._cudnn_mode() != "gru" or not _fused_ok(layer, training):
        return None
    x = _fused_inputs(layer, inputs, training)
    out, h = _fused_call(torch.gru, x, states[0].unsqueeze(0).contiguous(), cell)
    h = h[0]
    return out, h, [h]
