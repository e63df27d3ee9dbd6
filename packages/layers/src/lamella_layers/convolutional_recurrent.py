"""Keras 2.3's convolutional recurrent layers: ``ConvRNN2D`` (the layer around a
convolutional cell), ``ConvLSTM2D`` and its cell ``ConvLSTM2DCell``.

Weights are Keras's: ``kernel (kh, kw, in, 4*filters)``, ``recurrent_kernel (kh, kw, filters,
4*filters)`` and ``bias (4*filters,)``, gates in Keras's order ``i, f, c, o``
(``unit_forget_bias`` initialises the ``f`` block of the bias to 1). The input convolution uses
the layer's ``strides``, ``padding`` (TF's ``'same'`` rule, odd extra cell bottom/right) and
``dilation_rate``; the recurrent convolution is always stride 1, ``'same'``, no dilation.
``recurrent_activation`` defaults to ``'hard_sigmoid'``, as in Keras 2.3.

Speed: the layer runs the input convolution for every time step at once (one ``conv2d`` over
``batch * time`` images, or one per gate when input dropout gives each gate its own mask), then
loops over time with one recurrent ``conv2d`` per step (four with recurrent dropout). The
states stay in torch's ``(batch, filters, rows, cols)`` layout inside the loop; channels_last
inputs are read through a permuted view with torch's channels_last memory format.

Masking (a ``(batch, time)`` mask) keeps the previous output and states at masked steps, as
Keras's ``K.rnn`` does. Dropout masks are drawn once per sequence and per gate.

Example::

    import torch
    from lamella_layers.convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D

    layer = ConvLSTM2D(4, (3, 3), padding="same", return_sequences=True)
    layer(torch.randn(2, 5, 8, 8, 3)).shape      # (2, 5, 8, 8, 4)
    [w.shape for w in layer.get_weights()]       # [(3, 3, 3, 16), (3, 3, 4, 16), (16,)]
    cell = ConvLSTM2DCell(4, 3, padding="same")
    ConvRNN2D(cell)(torch.randn(2, 5, 8, 8, 3)).shape    # (2, 8, 8, 4): the last step
"""

import numpy as np
import torch
import torch.nn.functional as F

from lamella import regularizers
from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils
from lamella_layers.recurrent import RNN, _CellBase

__all__ = ["ConvLSTM2DCell", "ConvLSTM2D", "ConvRNN2D"]


def _pad_same(x, kernel_size, strides, dilation):
    """Pad ``x`` (channels-first) by TF's 'SAME' rule; returns ``(x, torch_padding)``."""
    pads = [_utils.same_padding(n, k, s, d) for n, k, s, d in
            zip(x.shape[-2:], kernel_size, strides, dilation)]
    if all(before == after for before, after in pads):
        return x, tuple(before for before, _ in pads)
    (top, bottom), (left, right) = pads
    return F.pad(x, (left, right, top, bottom)), 0


class ConvLSTM2DCell(_CellBase):
    """One step of a convolutional LSTM (Keras's ``ConvLSTM2DCell``).

    ``call(inputs, states, training=None)`` takes one time step ``(batch, rows, cols,
    channels)`` (or channels-first) and ``states = [h, c]`` in the same data format, and
    returns ``h, [h, c]``. ``state_size == (filters, filters)``. The options, dropout masks
    and weights are the recurrent cells' (``_CellBase``).

    Example::

        cell = ConvLSTM2DCell(2, 3, padding="same")
        cell.build((1, 6, 6, 1))
        h = c = torch.zeros(1, 6, 6, 2)
        out, (h, c) = cell.call(torch.randn(1, 6, 6, 1), [h, c])     # out: (1, 6, 6, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.filters = _utils.positive_int(owner, "filters", filters)
        self.kernel_size = _utils.normalize_tuple(owner, "kernel_size", kernel_size, 2)
        self.strides = _utils.normalize_tuple(owner, "strides", strides, 2)
        self.padding = _utils.normalize_padding(owner, padding)
        self.data_format = _utils.normalize_data_format(owner, data_format)
        self.dilation_rate = _utils.normalize_tuple(owner, "dilation_rate", dilation_rate, 2)
        self.unit_forget_bias = bool(unit_forget_bias)
        self._set_options(
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout)
        self.state_size = (self.filters, self.filters)

    # --- weights ----------------------------------------------------------------------

    def build(self, input_shape):
        owner = type(self).__name__
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        if len(input_shape) != 4:
            raise ValueError(f"{owner}: expected one time step of rank 4; got input_shape="
                             f"{input_shape!r}.")
        channel_axis = 1 if self.data_format == "channels_first" else -1
        input_dim = input_shape[channel_axis]
        if input_dim is None:
            raise ValueError(f"{owner}: the channel dimension of the inputs should be defined. "
                             f"Found `None`.")
        input_dim = int(input_dim)
        n = 4 * self.filters
        self.kernel_shape = self.kernel_size + (input_dim, n)
        bias_init = None
        if self.use_bias and self.unit_forget_bias:
            bias_init = self._forget_bias_initializer(self.filters)
        self._add_kernels(self.kernel_shape, self.kernel_size + (self.filters, n), (n,),
                          bias_init)
        self.built = True

    def _torch_kernel(self, kernel, gate=None):
        """``(kh, kw, in, 4f)`` -> torch's ``(out, in, kh, kw)``, one gate or all four."""
        if gate is not None:
            f = self.filters
            kernel = kernel[..., gate * f:(gate + 1) * f]
        return kernel.permute(3, 2, 0, 1)

    def _gate_bias(self, gate=None):
        if self.bias is None or gate is None:
            return self.bias
        f = self.filters
        return self.bias[gate * f:(gate + 1) * f]

    # --- the maths (channels-first tensors) --------------------------------------------

    def _input_conv(self, x, gate=None):
        """The input convolution of ``x`` ``(N, C, H, W)``: all gates (``4f`` channels) or
        one."""
        if self.padding == "same":
            x, padding = _pad_same(x, self.kernel_size, self.strides, self.dilation_rate)
        else:
            padding = 0
        return F.conv2d(x, self._torch_kernel(self.kernel, gate), self._gate_bias(gate),
                        self.strides, padding, self.dilation_rate)

    def _recurrent_conv(self, h, gate=None):
        h, padding = _pad_same(h, self.kernel_size, (1, 1), (1, 1))
        return F.conv2d(h, self._torch_kernel(self.recurrent_kernel, gate), None, 1, padding)

    def _input_part(self, x, dp):
        """``x`` ``(N, C, H, W)`` -> the four gates' input terms ``(N, 4f, H', W')``. ``dp``:
        four input dropout masks broadcastable to ``x`` (or ``None``)."""
        if dp is None:
            return self._input_conv(x)
        return torch.cat([self._input_conv(x * dp[k], k) for k in range(4)], dim=1)

    def _step(self, x_part, h_tm1, c_tm1, rec_dp):
        """One LSTM step from the precomputed input terms; channels-first tensors."""
        if rec_dp is None:
            h_part = self._recurrent_conv(h_tm1)
        else:
            h_part = torch.cat([self._recurrent_conv(h_tm1 * rec_dp[k], k) for k in range(4)],
                               dim=1)
        z0, z1, z2, z3 = (x_part + h_part).chunk(4, dim=1)
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, c

    def _cf(self, x):
        return x.permute(0, 3, 1, 2) if self.data_format == "channels_last" else x

    def _from_cf(self, x):
        return x.permute(0, 2, 3, 1) if self.data_format == "channels_last" else x

    def call(self, inputs, states, training=None):
        x, h_tm1, c_tm1 = self._cf(inputs), self._cf(states[0]), self._cf(states[1])
        dp, rec_dp = self._masks(x, h_tm1, training, 4)  # one mask per gate, as Keras
        h, c = self._step(self._input_part(x, dp), h_tm1, c_tm1, rec_dp)
        h, c = self._from_cf(h), self._from_cf(c)
        return h, [h, c]

    # --- shapes and config -------------------------------------------------------------

    def _output_spatial(self, rows, cols):
        return tuple(_utils.conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                     zip((rows, cols), self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + self._output_spatial(*input_shape[2:4])
        return (input_shape[0],) + self._output_spatial(*input_shape[1:3]) + (self.filters,)

    def _cell_config(self):
        shape = {"filters": self.filters, "kernel_size": self.kernel_size,
                 "strides": self.strides, "padding": self.padding,
                 "data_format": self.data_format, "dilation_rate": self.dilation_rate}
        return {**shape, **self._options_config({"unit_forget_bias": self.unit_forget_bias})}

    def get_config(self):
        return {**super().get_config(), **self._cell_config()}


_CELL_KEYS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout")


class ConvRNN2D(RNN):
    """The recurrent layer around a convolutional cell (Keras 2.3's ``ConvRNN2D``), over
    ``(batch, time, rows, cols, channels)`` (or ``(batch, time, channels, rows, cols)`` with the
    cell's ``data_format='channels_first'``).

    ``ConvRNN2D(cell, return_sequences=False, return_state=False, go_backwards=False,
    stateful=False, unroll=False, **kwargs)``, as Keras: ``unroll=True`` and a list of cells
    are refused (Keras cannot unroll or stack convolutional cells either). The cell is a
    :class:`ConvLSTM2DCell` (run with one input convolution over every time step at once), or
    any cell with Keras's convolutional-cell attributes (``filters``, ``kernel_size``,
    ``strides``, ``padding``, ``dilation_rate``, ``data_format``, ``state_size``) and a
    ``call(inputs, states)`` on one time step, run step by step. The initial states are zeros of
    the cell's output shape; ``initial_state`` may be given when calling.

    Example::

        cell = ConvLSTM2DCell(filters=4, kernel_size=3, padding="same")
        layer = ConvRNN2D(cell, return_sequences=True)
        layer(torch.randn(2, 5, 8, 8, 3)).shape      # (2, 5, 8, 8, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if unroll:
            raise TypeError(f"{type(self).__name__}: unrolling isn't possible with "
                            f"convolutional RNNs.")
        if isinstance(cell, (list, tuple)):
            raise TypeError(f"{type(self).__name__}: it is not possible at the moment to stack "
                            f"convolutional cells (Keras 2.3 cannot either).")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=False, **kwargs)
        # One spec for the sequence; initial states (extra inputs) are not checked.
        self.input_spec = InputSpec(ndim=5)
        self._step_shape = None

    # --- shapes -----------------------------------------------------------------------

    def _state_shape(self, input_shape):
        """The full shape of one state for a ``(batch, time, ...)`` input shape (Keras's
        convolution arithmetic on the cell's attributes)."""
        cell = self.cell
        first = getattr(cell, "data_format", "channels_last") == "channels_first"
        rows, cols = input_shape[3:5] if first else input_shape[2:4]
        rows, cols = (_utils.conv_output_length(n, k, cell.padding, s, d) for n, k, s, d in
                      zip((rows, cols), cell.kernel_size, cell.strides, cell.dilation_rate))
        if first:
            return (input_shape[0], cell.filters, rows, cols)
        return (input_shape[0], rows, cols, cell.filters)

    @staticmethod
    def _sequence_shape(input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0],
                                                                        (tuple, list)):
            input_shape = input_shape[0]
        return tuple(input_shape)

    def _check_rank(self, input_shape):
        if len(input_shape) != 5:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected an input of rank 5 "
                             f"(batch, time, rows, cols, channels); got input_shape "
                             f"{input_shape!r}.")

    def compute_output_shape(self, input_shape):
        input_shape = self._sequence_shape(input_shape)
        self._check_rank(input_shape)
        state = self._state_shape(input_shape)
        output = (state[:1] + (input_shape[1],) + state[1:]) if self.return_sequences \
            else state
        if self.return_state:
            return [output] + [state] * len(self._state_sizes)
        return output

    def build(self, input_shape):
        input_shape = self._sequence_shape(input_shape)
        self._check_rank(input_shape)
        if self.stateful and input_shape[0] is None and self._batch_input_shape is not None:
            input_shape = (self._batch_input_shape[0],) + input_shape[1:]
        self._step_shape = (input_shape[0],) + input_shape[2:]
        if isinstance(self.cell, Layer):
            self._build_sublayer(self.cell, self._step_shape)
        else:
            self.cell.build(self._step_shape)
        self.built = True

    # --- calling ----------------------------------------------------------------------

    def _zero_states(self, inputs):
        shape = self._state_shape(tuple(inputs.shape))
        return [inputs.new_zeros(shape) for _ in self._state_sizes]

    def _loop(self, inputs, states, mask, training):
        if isinstance(self.cell, ConvLSTM2DCell):
            return self._conv_lstm_loop(inputs, states, mask, training)
        return super()._loop(inputs, states, mask, training)

    def _conv_lstm_loop(self, inputs, states, mask, training):
        cell = self.cell
        batch, steps = inputs.shape[0], inputs.shape[1]
        if cell.data_format == "channels_last":
            x = inputs.permute(0, 1, 4, 2, 3)  # (B, T, C, H, W), a view
        else:
            x = inputs
        h, c = cell._cf(states[0]), cell._cf(states[1])
        dp, rec_dp = cell._masks(x[:, 0], h, training, 4)
        flat = x.reshape((batch * steps,) + tuple(x.shape[2:]))
        if dp is None:
            x_part = cell._input_conv(flat)
        else:  # the same mask at every step: repeat it along time
            x_part = torch.cat([cell._input_conv(
                (x * dp[k].unsqueeze(1)).reshape(flat.shape), k) for k in range(4)], dim=1)
        x_part = x_part.reshape((batch, steps) + tuple(x_part.shape[1:]))
        if mask is not None:
            mask = mask.to(torch.bool)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = []
        prev = None
        for t in order:
            new_h, new_c = cell._step(x_part[:, t], h, c, rec_dp)
            if mask is not None:
                keep = mask[:, t].reshape(batch, 1, 1, 1)
                if prev is None:
                    prev = torch.zeros_like(new_h)
                out = torch.where(keep, new_h, prev)
                new_h = torch.where(keep, new_h, h)
                new_c = torch.where(keep, new_c, c)
            else:
                out = new_h
            prev = out
            h, c = new_h, new_c
            outputs.append(out)
        last = cell._from_cf(outputs[-1])
        sequence = None
        if self.return_sequences:
            sequence = torch.stack(outputs, dim=1)
            if cell.data_format == "channels_last":
                sequence = sequence.permute(0, 1, 3, 4, 2)
        return sequence, last, [cell._from_cf(h), cell._from_cf(c)]

    # --- state ------------------------------------------------------------------------

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        count = len(self._state_sizes)
        batch = self._batch_input_shape[0] if self._batch_input_shape is not None else None
        if batch is None and self._states is not None:
            batch = self._states[0].shape[0]
        shape = None
        if batch is not None and self._step_shape is not None:
            shape = self._state_shape((batch, None) + tuple(self._step_shape[1:]))
            if None in shape:
                shape = None
        device = next((p.device for p in self.parameters()), None)
        if states is None:
            self._states = None if shape is None else [
                torch.zeros(shape, device=device) for _ in range(count)]
            return
        if not isinstance(states, (list, tuple)):
            states = [states]
        if len(states) != count:
            raise ValueError(f"Layer {self.name!r} expects {count} states, but it received "
                             f"{len(states)} state values.")
        new = []
        for index, value in enumerate(states):
            value = torch.as_tensor(np.asarray(value), dtype=torch.float32, device=device)
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise ValueError(f"State {index} is incompatible with layer {self.name!r}: "
                                 f"expected shape={tuple(shape)}, found shape="
                                 f"{tuple(value.shape)}.")
            new.append(value)
        self._states = new


class ConvLSTM2D(ConvRNN2D):
    """Convolutional LSTM over ``(batch, time, rows, cols, channels)`` (or ``(batch, time,
    channels, rows, cols)`` with ``data_format='channels_first'``), Keras's ``ConvLSTM2D``.

    Arguments as Keras 2.3 (``filters, kernel_size, strides=(1, 1), padding='valid',
    data_format=None, dilation_rate=(1, 1), activation='tanh',
    recurrent_activation='hard_sigmoid', use_bias=True, ..., unit_forget_bias=True, ...,
    return_sequences=False, go_backwards=False, stateful=False, dropout=0.0,
    recurrent_dropout=0.0``), plus ``return_state`` (which Keras passes through to its RNN
    base). ``initial_state=[h, c]`` may be given when calling, in the layer's data format.

    Example: ``ConvLSTM2D(2, 3)(torch.randn(1, 4, 6, 6, 1)).shape == (1, 4, 4, 2)``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 go_backwards=False, stateful=False, dropout=0.0, recurrent_dropout=0.0,
                 return_state=False, unroll=False, **kwargs):
        if unroll:
            raise TypeError("ConvLSTM2D: unrolling isn't possible with convolutional RNNs.")
        cell_kwargs = {}
        if kwargs.get("dtype") is not None:
            cell_kwargs["dtype"] = kwargs["dtype"]
        cell_kwargs["trainable"] = kwargs.get("trainable", True)
        cell = ConvLSTM2DCell(
            filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=False, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def __getattr__(self, name):
        if name in _CELL_KEYS:
            return getattr(self._modules["cell"], name)
        return super().__getattr__(name)

    # --- config -----------------------------------------------------------------------

    def get_config(self):
        config = {**Layer.get_config(self), **self._rnn_config(), **self.cell._cell_config()}
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("cell", None)
        return cls(**config)
