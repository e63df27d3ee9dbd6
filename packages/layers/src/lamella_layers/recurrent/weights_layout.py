"""Recurrent weights stored as torch's fused kernels and cuDNN want them, seen in Keras's layouts.

A cell stores ``weight_ih (G*units, input_dim)``, ``weight_hh (G*units, units)`` and its biases
in torch's gate order (LSTM ``i, f, g, o``; GRU ``r, z, n``), contiguous, so ``torch.lstm`` /
``torch.gru`` / ``torch.rnn_*`` take the parameters themselves, with no per-call copy. On CUDA
they are moreover views of one flat buffer (:func:`flatten_weights`, what
``nn.LSTM.flatten_parameters`` does), re-made after every move (``.to()``, ``.cuda()``).

Each stored weight carries a *layout* (see ``lamella.engine.base_layer.WeightRecord``):
``to_keras`` gives Keras's tensor (``kernel (input_dim, G*units)``, Keras's gate order; a plain
transposed view where no reordering is needed) for ``get_weights``, HDF5 files, regularizers
and constraints; ``from_keras`` turns Keras's arrays back (``set_weights``, loading).

Keras 2.3's ``CuDNNLSTM``/``CuDNNGRU`` have their own layout (:class:`CuDNNKernel`,
:class:`CuDNNBias`: each gate's block of the kernel is cuDNN's matrix in row-major order, and
the bias holds the input and the recurrent biases), and :func:`convert_keras_rnn_weights` is
Keras's ``_convert_rnn_weights``, which converts between the two families on loading.

Example::

    import torch
    from lamella_layers.recurrent import GRU

    gru = GRU(4, reset_after=True)
    gru(torch.randn(2, 5, 3))
    gru.cell.weight_ih.shape               # (12, 3): torch's r, z, n blocks
    gru.get_weights()[0].shape             # (3, 12): Keras's z, r, h blocks
"""

import numpy as np
import torch

#: torch's block index -> Keras's block index (GRU: torch ``r, z, n`` are Keras's blocks 1, 0, 2).
GRU_ORDER = (1, 0, 2)
#: cuDNN's RNN modes (``torch.backends.cudnn.rnn.get_cudnn_mode``).
CUDNN_MODES = {"rnn_relu": 0, "rnn_tanh": 1, "lstm": 2, "gru": 3}


def _reorder(tensor, order, dim):
    """Blocks of ``tensor`` along ``dim`` in ``order`` (a permutation that is its own inverse,
    as GRU's swap of the first two gates is, so the same call converts both ways)."""
    if order is None:
        return tensor
    blocks = tensor.chunk(len(order), dim=dim)
    return torch.cat([blocks[k] for k in order], dim=dim)


class Kernel:
    """Keras's ``kernel (n, G*units)`` <-> torch's ``(G*units, n)``: a transposed view, with the
    gate blocks reordered where the orders differ (GRU).

    Example: ``Kernel().to_keras(torch.zeros(8, 3)).shape == (3, 8)``.
    """

    def __init__(self, order=None):
        self.order = order

    def to_keras(self, stored):
        return _reorder(stored, self.order, 0).t()

    def from_keras(self, value):
        return _reorder(value, self.order, 1).t()


class Bias:
    """Keras's bias (``(G*units,)``, or GRU's ``(2, G*units)``) with torch's gate order.

    Example: ``Bias(GRU_ORDER).from_keras(torch.arange(3.))`` is ``[1, 0, 2]``.
    """

    def __init__(self, order):
        self.order = order

    def to_keras(self, stored):
        return _reorder(stored, self.order, -1)

    def from_keras(self, value):
        return _reorder(value, self.order, -1)


class CuDNNKernel:
    """Keras's ``CuDNNLSTM``/``CuDNNGRU`` kernel ``(n, G*units)``: each gate's ``(n, units)``
    block, read in row-major order, *is* cuDNN's ``(units, n)`` matrix (Keras hands cuDNN the
    blocks flattened), so the recurrent kernel's blocks are not transposed at all.

    Example: ``CuDNNKernel(4).to_keras(torch.zeros(8, 3)).shape == (3, 8)``.
    """

    def __init__(self, gates, order=None):
        self.gates = gates
        self.order = order

    def to_keras(self, stored):
        units, n = stored.shape[0] // self.gates, stored.shape[1]
        blocks = [b.reshape(n, units) for b in _reorder(stored, self.order, 0).split(units, 0)]
        return torch.cat(blocks, dim=1)

    def from_keras(self, value):
        n, units = value.shape[0], value.shape[1] // self.gates
        blocks = [b.contiguous().reshape(units, n) for b in value.split(units, dim=1)]
        return _reorder(torch.cat(blocks, dim=0), self.order, 0)


class CuDNNBias:
    """Keras's ``CuDNNLSTM``/``CuDNNGRU`` bias ``(2*G*units,)`` (input biases, then recurrent)
    <-> torch's ``(2, G*units)`` (rows ``bias_ih``, ``bias_hh``, torch's gate order).

    Example: ``CuDNNBias(3).from_keras(torch.zeros(12)).shape == (2, 6)``.
    """

    def __init__(self, gates, order=None):
        self.gates = gates
        self.order = order

    def to_keras(self, stored):
        return _reorder(stored, self.order, -1).reshape(-1)

    def from_keras(self, value):
        return _reorder(value.reshape(2, -1), self.order, -1)


def flatten_weights(cell):
    """On CUDA with cuDNN, make the cell's fused-kernel weights views of one flat buffer in
    cuDNN's layout (``nn.LSTM.flatten_parameters``); elsewhere do nothing (the contiguous
    parameters are what the CPU kernels take)."""
    mode = cell._cudnn_mode()
    weights = cell._fused_weights() if mode is not None else None
    if not weights:
        return
    first = weights[0]
    if not all(isinstance(w, torch.Tensor) and w.is_cuda and w.dtype == first.dtype
               for w in weights) or not torch.backends.cudnn.is_acceptable(first):
        return
    if not torch._use_cudnn_rnn_flatten_weight():
        return
    with torch.cuda.device_of(first), torch.no_grad():
        # Fresh tensors, which cuDNN re-points into its buffer; the cell then adopts them.
        views = [w.detach().clone() for w in weights]
        torch._cudnn_rnn_flatten_weight(views, len(views), first.shape[1], CUDNN_MODES[mode],
                                        cell.units, 0, 1, True, False)
        cell._adopt_flat_weights(views)


# --- Keras's conversions on loading -------------------------------------------------------------

def _transform_kernels(kernels, func, gates):
    return np.hstack([func(k) for k in np.hsplit(kernels, gates)])


def _transpose_input(from_cudnn):
    order = "F" if from_cudnn else "C"

    def transform(kernel):
        return kernel.T.reshape(kernel.shape, order=order)
    return transform


def convert_keras_rnn_weights(layer_name, target, weights):
    """Keras 2.3.1's ``saving._convert_rnn_weights``: ``weights`` (NumPy) as a file holds them,
    perhaps written by the other family, converted for ``target``: ``"LSTM"``, ``"CuDNNLSTM"``,
    ``"CuDNNGRU"``, ``"GRU(reset_after=True)"`` or ``"GRU(reset_after=False)"``.

    Example: a ``CuDNNLSTM``'s ``(2*4*units,)`` bias loads into an ``LSTM`` as the sum of its
    halves; an ``LSTM``'s into a ``CuDNNLSTM`` as half of it twice.
    """
    if len(weights) != 3:
        return weights
    units = weights[1].shape[0]
    bias_shape = tuple(weights[2].shape)
    if target in ("LSTM", "CuDNNLSTM"):
        gates = 4
        if bias_shape == (2 * units * gates,):
            source = "CuDNNLSTM"
        elif bias_shape == (units * gates,):
            source = "LSTM"
        else:
            raise ValueError(f"Layer {layer_name!r} ({target}): invalid bias shape {bias_shape} "
                             f"in the file; expected {(units * gates,)} (LSTM) or "
                             f"{(2 * units * gates,)} (CuDNNLSTM).")
        if source == target:
            return weights
        from_cudnn = source == "CuDNNLSTM"
        kernels = _transform_kernels(weights[0], _transpose_input(from_cudnn), gates)
        recurrent = _transform_kernels(weights[1], lambda k: k.T, gates)
        if from_cudnn:
            biases = np.sum(np.split(weights[2], 2, axis=0), axis=0)
        else:
            biases = np.tile(0.5 * weights[2], 2)
        return [kernels, recurrent, biases]
    gates = 3
    if bias_shape == (2 * units * gates,):
        source = "CuDNNGRU"
    elif bias_shape == (2, units * gates):
        source = "GRU(reset_after=True)"
    elif bias_shape == (units * gates,):
        source = "GRU(reset_after=False)"
    else:
        raise ValueError(f"Layer {layer_name!r} ({target}): invalid bias shape {bias_shape} in "
                         f"the file; expected {(units * gates,)}, {(2, units * gates)} or "
                         f"{(2 * units * gates,)}.")
    if source == target:
        return weights
    if "GRU(reset_after=False)" in (source, target):
        raise ValueError(f"Layer {layer_name!r}: {source} weights are not compatible with "
                         f"{target} (Keras converts only between CuDNNGRU and "
                         f"GRU(reset_after=True)).")
    from_cudnn = source == "CuDNNGRU"
    kernels = _transform_kernels(weights[0], _transpose_input(from_cudnn), gates)
    recurrent = _transform_kernels(weights[1], lambda k: k.T, gates)
    biases = np.array(weights[2]).reshape((2, -1) if from_cudnn else -1)
    return [kernels, recurrent, biases]
