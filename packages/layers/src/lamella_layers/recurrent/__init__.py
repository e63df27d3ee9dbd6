"""Keras 2.3's recurrent layers: ``RNN``, ``SimpleRNN``, ``GRU``, ``LSTM``, their cells and
``StackedRNNCells``.

Weights are Keras's: ``kernel (input_dim, k*units)``, ``recurrent_kernel (units, k*units)``,
``bias`` (``(k*units,)``, or ``(2, 3*units)`` for ``GRU(reset_after=True)``), with Keras's gate
orders (LSTM ``i, f, c, o``; GRU ``z, r, h``). The maths are Keras's cell by cell, including
masking (a masked step keeps the previous output and states) and the per-sequence dropout
masks.

Fast path: ``LSTM`` and ``GRU(reset_after=True)`` with ``tanh``/``sigmoid`` activations, and
``SimpleRNN`` with ``tanh``/``relu``, run through torch's fused RNN kernels (``torch.lstm``,
``torch.gru``, ``torch.rnn_tanh``/``rnn_relu``, cuDNN on a GPU) when no mask flows and there is
no recurrent dropout (input dropout with ``implementation=2`` is applied before the kernel, as
Keras applies one mask to every gate). ``GRU(reset_after=False)`` (Keras 2.3's default), custom
activations, masks and recurrent dropout run a stepped loop.

``CuDNNLSTM``/``CuDNNGRU`` (``cudnn``) are Keras 2.3's CuDNN layers, which run on a CPU too.

Weights are stored as torch's kernels and cuDNN want them (``weight_ih (G*units, input_dim)``,
``weight_hh``, biases; torch's gate order; one flat buffer on CUDA) and seen in Keras's layouts
through ``get_weights``/``set_weights``/files (``weights_layout``); ``cell.kernel`` and friends
are those Keras-layout views.

One concept per module: ``base_cell`` (what every cell shares, also ``ConvLSTM2DCell``),
``simple_rnn``, ``lstm``, ``gru`` (each cell with its layer), ``stacked_cells``, ``rnn`` (the
``RNN`` layer and the base of the three Keras layers), ``fused`` (the fused kernels),
``weights_layout`` (stored versus Keras layouts, cuDNN's flat buffer, Keras's conversions on
loading) and ``cudnn``.

Example::

    import torch
    from lamella_layers.recurrent import LSTM

    lstm = LSTM(8, return_sequences=True, return_state=True)
    seq, h, c = lstm(torch.randn(4, 10, 3))      # (4, 10, 8), (4, 8), (4, 8)
    [w.shape for w in lstm.get_weights()]        # [(3, 32), (8, 32), (32,)]
"""

from lamella_layers.recurrent import fused as fused
from lamella_layers.recurrent.base_cell import _accepts as _accepts
from lamella_layers.recurrent.base_cell import _CellBase as _CellBase
from lamella_layers.recurrent.base_cell import _DenseCell as _DenseCell
from lamella_layers.recurrent.base_cell import _dropout_masks as _dropout_masks
from lamella_layers.recurrent.base_cell import _output_size as _output_size
from lamella_layers.recurrent.base_cell import _state_sizes as _state_sizes
from lamella_layers.recurrent.cudnn import CuDNNGRU, CuDNNLSTM
from lamella_layers.recurrent.fused import _gru_reorder as _gru_reorder
from lamella_layers.recurrent.gru import GRU, GRUCell
from lamella_layers.recurrent.lstm import LSTM, LSTMCell
from lamella_layers.recurrent.rnn import _CELL_KEYS as _CELL_KEYS
from lamella_layers.recurrent.rnn import _LAYER_KEYS as _LAYER_KEYS
from lamella_layers.recurrent.rnn import RNN
from lamella_layers.recurrent.rnn import _KerasRNN as _KerasRNN
from lamella_layers.recurrent.simple_rnn import SimpleRNN, SimpleRNNCell
from lamella_layers.recurrent.stacked_cells import StackedRNNCells

__all__ = ["RNN", "SimpleRNN", "GRU", "LSTM", "SimpleRNNCell", "GRUCell", "LSTMCell",
           "StackedRNNCells", "CuDNNLSTM", "CuDNNGRU"]
