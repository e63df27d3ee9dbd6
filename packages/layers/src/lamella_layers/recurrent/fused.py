"""The fast path of ``SimpleRNN``, ``LSTM`` and ``GRU``: torch's fused RNN kernels.

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

import warnings

import torch

from lamella_layers import activations as _act
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


def _fused_call(fn, inputs, hx, params, has_bias):
    # Arguments: has_biases, num_layers, dropout, train, bidirectional, batch_first.
    if inputs.is_cuda:
        # cuDNN copies each weight into its flat buffer with ``view``, which a transposed
        # Keras-layout weight cannot give ("view size is not compatible..."): hand it
        # contiguous copies (gradients flow back through them). It then warns, once per call,
        # that the weights are not one chunk; storing them flat is the GPU issue's next step.
        params = [p.contiguous() for p in params]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(inputs, hx, params, has_bias, 1, 0.0, False, False, True)
    return fn(inputs, hx, params, has_bias, 1, 0.0, False, False, True)


def _bias_params(cell):
    # Keras has one bias; torch adds an input and a recurrent bias, so the second is zero.
    return [cell.bias, torch.zeros_like(cell.bias)] if cell.bias is not None else []


def simple_rnn(layer, inputs, states, training):
    """``SimpleRNN`` through ``torch.rnn_tanh``/``rnn_relu``."""
    cell = layer.cell
    if cell.activation is _act.tanh:
        fn = torch.rnn_tanh
    elif cell.activation is _act.relu:
        fn = torch.rnn_relu
    else:
        return None
    if not _fused_ok(layer, training):
        return None
    x = _fused_inputs(layer, inputs, training)
    params = [cell.kernel.t(), cell.recurrent_kernel.t()] + _bias_params(cell)
    out, h = _fused_call(fn, x, states[0].unsqueeze(0).contiguous(), params,
                         cell.bias is not None)
    h = h[0]
    return out, h, [h]


def lstm(layer, inputs, states, training):
    """``LSTM`` through ``torch.lstm`` (same gate order, ``i, f, c, o``)."""
    cell = layer.cell
    if cell.activation is not _act.tanh or cell.recurrent_activation is not _act.sigmoid:
        return None
    if not _fused_ok(layer, training):
        return None
    x = _fused_inputs(layer, inputs, training)
    params = [cell.kernel.t(), cell.recurrent_kernel.t()] + _bias_params(cell)
    hx = (states[0].unsqueeze(0).contiguous(), states[1].unsqueeze(0).contiguous())
    out, h, c = _fused_call(torch.lstm, x, hx, params, cell.bias is not None)
    h, c = h[0], c[0]
    return out, h, [h, c]


def _gru_reorder(matrix, units, dim):
    """Keras's ``z, r, h`` gate blocks to torch's ``r, z, n``."""
    z, r, h = matrix.split(units, dim=dim)
    return torch.cat([r, z, h], dim=dim)


def gru(layer, inputs, states, training):
    """``GRU(reset_after=True)`` through ``torch.gru`` (gates reordered to torch's)."""
    cell = layer.cell
    if not cell.reset_after:
        return None
    if cell.activation is not _act.tanh or cell.recurrent_activation is not _act.sigmoid:
        return None
    if not _fused_ok(layer, training):
        return None
    x = _fused_inputs(layer, inputs, training)
    u = cell.units
    params = [_gru_reorder(cell.kernel, u, 1).t(),
              _gru_reorder(cell.recurrent_kernel, u, 1).t()]
    if cell.bias is not None:
        params += [_gru_reorder(cell.bias[0], u, 0), _gru_reorder(cell.bias[1], u, 0)]
    out, h = _fused_call(torch.gru, x, states[0].unsqueeze(0).contiguous(), params,
                         cell.bias is not None)
    h = h[0]
    return out, h, [h]
