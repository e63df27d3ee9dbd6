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

Example::

    import torch
    from lamella_layers.recurrent import LSTM

    lstm = LSTM(8, return_sequences=True, return_state=True)
    seq, h, c = lstm(torch.randn(4, 10, 3))      # (4, 10, 8), (4, 8), (4, 8)
    [w.shape for w in lstm.get_weights()]        # [(3, 32), (8, 32), (32,)]
"""

import warnings

import numpy as np
import torch

from lamella import activations, constraints, initializers, regularizers
from lamella.engine.base_layer import Layer
from lamella_layers import _utils
from lamella_layers import activations as _act

__all__ = ["RNN", "SimpleRNN", "GRU", "LSTM", "SimpleRNNCell", "GRUCell", "LSTMCell",
           "StackedRNNCells"]


def _dropout_masks(like, rate, count):
    """Keras's ``_generate_dropout_mask`` in the training phase."""
    masks = []
    for _ in range(count):
        keep = (torch.rand_like(like) >= rate).to(like.dtype)
        masks.append(keep / (1.0 - rate))
    return masks


def _state_sizes(cell):
    size = cell.state_size
    return list(size) if hasattr(size, "__len__") else [size]


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return _state_sizes(cell)[0]


class _CellBase(Layer):
    """What the three Keras cells share: argument checks, dropout masks and config."""

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.units = _utils.positive_int(owner, "units", units)
        self.activation = _utils.get_activation(activation)
        self.recurrent_activation = (_utils.get_activation(recurrent_activation)
                                     if recurrent_activation is not None else None)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def _masks(self, inputs, h_tm1, training, count):
        dp = rec_dp = None
        if training and 0 < self.dropout < 1:
            if self._dropout_mask is None:
                self._dropout_mask = _dropout_masks(torch.ones_like(inputs), self.dropout, count)
            dp = self._dropout_mask
        if training and 0 < self.recurrent_dropout < 1:
            if self._recurrent_dropout_mask is None:
                self._recurrent_dropout_mask = _dropout_masks(torch.ones_like(h_tm1),
                                                              self.recurrent_dropout, count)
            rec_dp = self._recurrent_dropout_mask
        return dp, rec_dp

    def _add_kernels(self, input_dim, bias_shape, bias_initializer=None):
        n = self._gates * self.units
        self.kernel = self.add_weight("kernel", (input_dim, n),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, n),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", bias_shape,
                                        initializer=bias_initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None

    def _input_dim(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(f"{type(self).__name__}: the last dimension of the inputs must be "
                             f"defined; got input_shape {tuple(input_shape)!r}.")
        return int(dim)

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
        }
        if self.recurrent_activation is not None:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        })
        config.update(self._extra_config_before_regularizers())
        config.update({
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        })
        config.update(self._extra_config())
        return {**super().get_config(), **config}

    def _extra_config_before_regularizers(self):
        return {}

    def _extra_config(self):
        return {}

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)


class SimpleRNNCell(_CellBase):
    """``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Example: ``RNN(SimpleRNNCell(4))(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(units, activation, None, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         **kwargs)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape), (self.units,))
        self.built = True

    def call(self, inputs, states, training=None):
        prev_output = states[0]
        dp, rec_dp = self._masks(inputs, prev_output, training, 1)
        if dp is not None:
            inputs = inputs * dp[0]
        h = inputs @ self.kernel
        if self.bias is not None:
            h = h + self.bias
        if rec_dp is not None:
            prev_output = prev_output * rec_dp[0]
        output = self.activation(h + prev_output @ self.recurrent_kernel)
        return output, [output]


class LSTMCell(_CellBase):
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
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         **kwargs)
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
            base = self.bias_initializer
            units = self.units

            def bias_init(shape, dtype=None):
                parts = [np.asarray(base((units,), dtype=dtype)),
                         np.ones((units,), dtype="float32"),
                         np.asarray(base((units * 2,), dtype=dtype))]
                return np.concatenate([np.asarray(p, dtype="float32") for p in parts])
        self._add_kernels(self._input_dim(input_shape), (4 * self.units,), bias_init)
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        count = 4 if self.implementation == 1 else 1
        dp, rec_dp = self._masks(inputs, h_tm1, training, count)
        u = self.units
        if self.implementation == 1 and (dp is not None or rec_dp is not None):
            xs = [inputs * dp[k] if dp is not None else inputs for k in range(4)]
            hs = [h_tm1 * rec_dp[k] if rec_dp is not None else h_tm1 for k in range(4)]
            z = [xs[k] @ self.kernel[:, k * u:(k + 1) * u]
                 + hs[k] @ self.recurrent_kernel[:, k * u:(k + 1) * u] for k in range(4)]
            if self.bias is not None:
                z = [z[k] + self.bias[k * u:(k + 1) * u] for k in range(4)]
            z0, z1, z2, z3 = z
        else:
            if dp is not None:
                inputs = inputs * dp[0]
            if rec_dp is not None:
                h_tm1 = h_tm1 * rec_dp[0]
            z = inputs @ self.kernel + h_tm1 @ self.recurrent_kernel
            if self.bias is not None:
                z = z + self.bias
            z0, z1, z2, z3 = z.split(u, dim=-1)
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def _extra_config_before_regularizers(self):
        return {"unit_forget_bias": self.unit_forget_bias}

    def _extra_config(self):
        return {"implementation": self.implementation}


class GRUCell(_CellBase):
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
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         **kwargs)
        if implementation not in (1, 2):
            raise ValueError(f"GRUCell: `implementation` must be 1 or 2; got "
                             f"{implementation!r}.")
        self.implementation = int(implementation)
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_kernels(self._input_dim(input_shape), shape)
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


class StackedRNNCells(Layer):
    """Several cells used as one: the output of each is the input of the next; the states are
    the cells' states in order.

    Example: ``RNN(StackedRNNCells([LSTMCell(4), LSTMCell(2)]))(torch.randn(2, 5, 3)).shape == (2, 2)``.
    """

    def __init__(self, cells, **kwargs):
        kwargs.pop("reverse_state_order", None)
        super().__init__(**kwargs)
        cells = list(cells)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells: every cell needs a `call` method and a "
                                 f"`state_size` attribute; got {cell!r}.")
        self.cells = torch.nn.ModuleList(c for c in cells if isinstance(c, torch.nn.Module)) \
            if all(isinstance(c, torch.nn.Module) for c in cells) else cells
        self._cells = cells

    def _sublayers(self):
        return [c for c in self._cells if isinstance(c, Layer)]

    @property
    def state_size(self):
        sizes = []
        for cell in self._cells:
            sizes += _state_sizes(cell)
        return tuple(sizes)

    @property
    def output_size(self):
        return _output_size(self._cells[-1])

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        for cell in self._cells:
            if isinstance(cell, Layer):
                self._build_sublayer(cell, tuple(input_shape))
            input_shape = (input_shape[0], _output_size(cell))
        self.built = True

    def call(self, inputs, states, training=None):
        new_states = []
        states = list(states)
        for cell in self._cells:
            n = len(_state_sizes(cell))
            cell_states, states = states[:n], states[n:]
            kwargs = {"training": training} if _accepts(cell, "training") else {}
            inputs, cell_new = cell.call(inputs, cell_states, **kwargs)
            new_states += list(cell_new) if isinstance(cell_new, (list, tuple)) else [cell_new]
        return inputs, new_states

    def reset_dropout_mask(self):
        for cell in self._cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        for cell in self._cells:
            if hasattr(cell, "reset_recurrent_dropout_mask"):
                cell.reset_recurrent_dropout_mask()

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_size)

    def get_config(self):
        cells = [{"class_name": type(c).__name__, "config": c.get_config()} for c in self._cells]
        return {**super().get_config(), "cells": cells}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamella import layers as layers_facade

        config = dict(config)
        cells = [layers_facade.deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _accepts(obj, argument):
    import inspect

    try:
        return argument in inspect.signature(obj.call).parameters
    except (TypeError, ValueError):
        return False


class RNN(Layer):
    """The recurrent layer around a cell (or a list of cells, stacked).

    ``call(inputs, mask=None, training=None, initial_state=None)``; ``initial_state`` may also
    be given when calling on symbolic tensors, as in Keras. ``stateful=True`` carries the last
    states into the next call until :meth:`reset_states`.

    Example: ``RNN([LSTMCell(4), GRUCell(3)], return_sequences=True)(torch.randn(2, 5, 3)).shape == (2, 5, 3)``.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"{type(self).__name__}: `cell` should have a `call` method and a "
                             f"`state_size` attribute; got {cell!r}.")
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs and (
                "input_dim" in kwargs or "input_length" in kwargs):
            kwargs["input_shape"] = (kwargs.pop("input_length", None),
                                     kwargs.pop("input_dim", None))
        kwargs.pop("input_dim", None)
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.supports_masking = True
        self._states = None

    # --- shapes -------------------------------------------------------------------------

    @property
    def _state_sizes(self):
        return _state_sizes(self.cell)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0],
                                                                        (tuple, list)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        out_dim = _output_size(self.cell)
        if self.return_sequences:
            output = (input_shape[0], input_shape[1], out_dim)
        else:
            output = (input_shape[0], out_dim)
        if self.return_state:
            return [output] + [(input_shape[0], s) for s in self._state_sizes]
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self._state_sizes)
        return output_mask

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0],
                                                                        (tuple, list)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected an input of rank "
                             f">= 3 (batch, timesteps, features); got input_shape "
                             f"{input_shape!r}.")
        if self.stateful and input_shape[0] is None and self._batch_input_shape is not None:
            input_shape = (self._batch_input_shape[0],) + input_shape[1:]
        step_shape = (input_shape[0],) + input_shape[2:]
        if isinstance(self.cell, Layer):
            self._build_sublayer(self.cell, step_shape)
        elif hasattr(self.cell, "build"):
            self.cell.build(step_shape)
        self.built = True

    # --- calling ------------------------------------------------------------------------

    def __call__(self, inputs, *args, initial_state=None, constants=None, **kwargs):
        if constants is not None:
            raise ValueError(f"{type(self).__name__}: `constants` are not supported.")
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)):
                initial_state = [initial_state]
            inputs = [inputs] + list(initial_state)
        return super().__call__(inputs, *args, **kwargs)

    def _zero_states(self, inputs):
        batch = inputs.shape[0]
        return [inputs.new_zeros((batch, s)) for s in self._state_sizes]

    def get_initial_state(self, inputs):
        return self._zero_states(inputs)

    def _initial_states(self, inputs, initial_state):
        if initial_state is not None:
            states = list(initial_state)
            if len(states) != len(self._state_sizes):
                raise ValueError(f"Layer {self.name!r} has {len(self._state_sizes)} states but "
                                 f"was passed {len(states)} initial states.")
            return [s.to(inputs.dtype) for s in states]
        if self.stateful:
            if self._states is None or self._states[0].shape[0] != inputs.shape[0]:
                self._states = self._zero_states(inputs)
            return list(self._states)
        return self._zero_states(inputs)

    def _fast_path(self, inputs, states, training):
        """Run the fused torch kernel; ``None`` when the configuration rules it out."""
        return None

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):
            inputs, extra = inputs[0], list(inputs[1:])
            if extra:
                initial_state = extra
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if training is None:
            training = self.training
        states = self._initial_states(inputs, initial_state)
        if hasattr(self.cell, "reset_dropout_mask"):
            self.cell.reset_dropout_mask()
        if hasattr(self.cell, "reset_recurrent_dropout_mask"):
            self.cell.reset_recurrent_dropout_mask()
        result = None
        if mask is None:
            result = self._fast_path(inputs, states, training)
        if result is None:
            result = self._loop(inputs, states, mask, training)
        outputs, last_output, states = result
        if self.stateful:
            self._states = [s.detach() for s in states]
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(states)
        return output

    def _loop(self, inputs, states, mask, training):
        cell = self.cell
        kwargs = {"training": training} if _accepts(cell, "training") else {}
        steps = inputs.shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        if mask is not None:
            mask = mask.to(torch.bool)
        outputs = []
        prev = None
        for t in order:
            out, new_states = cell.call(inputs[:, t], states, **kwargs)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            if mask is not None:
                keep = mask[:, t].unsqueeze(-1)
                if prev is None:
                    prev = torch.zeros_like(out)
                out = torch.where(keep, out, prev)
                new_states = [torch.where(keep, n, s) for n, s in zip(new_states, states)]
            prev = out
            states = list(new_states)
            outputs.append(out)
        last = outputs[-1]
        sequence = torch.stack(outputs, dim=1) if self.return_sequences else None
        return sequence, last, states

    # --- state --------------------------------------------------------------------------

    @property
    def states(self):
        if self._states is None:
            return [None] * len(self._state_sizes)
        return list(self._states)

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        batch = None
        if self._batch_input_shape is not None:
            batch = self._batch_input_shape[0]
        if batch is None and self._states is not None:
            batch = self._states[0].shape[0]
        device = next((p.device for p in self.parameters()), None)
        if states is None:
            if batch is None:
                self._states = None
                return
            self._states = [torch.zeros((batch, s), device=device) for s in self._state_sizes]
            return
        if not isinstance(states, (list, tuple)):
            states = [states]
        if len(states) != len(self._state_sizes):
            raise ValueError(f"Layer {self.name!r} expects {len(self._state_sizes)} states, but "
                             f"it received {len(states)} state values.")
        new = []
        for value, size in zip(states, self._state_sizes):
            value = torch.as_tensor(np.asarray(value), dtype=torch.float32, device=device)
            if batch is not None and tuple(value.shape) != (batch, size):
                raise ValueError(f"State has shape {tuple(value.shape)}, expected "
                                 f"{(batch, size)}.")
            new.append(value)
        self._states = new

    # --- config -------------------------------------------------------------------------

    def _rnn_config(self):
        return {"return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll}

    def get_config(self):
        cell = {"class_name": type(self.cell).__name__, "config": self.cell.get_config()}
        return {**super().get_config(), "cell": cell, **self._rnn_config()}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamella import layers as layers_facade

        config = dict(config)
        config.pop("num_constants", None)
        cell = layers_facade.deserialize(config.pop("cell"), custom_objects)
        return cls(cell, **config)


_CELL_KEYS = ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "implementation", "reset_after")
_LAYER_KEYS = ("name", "trainable", "dtype", "input_shape", "batch_input_shape", "batch_size",
               "weights", "input_dtype", "input_dim", "input_length")


class _KerasRNN(RNN):
    """SimpleRNN / GRU / LSTM: an ``RNN`` whose cell is built from the layer's arguments."""

    _cell_class = None

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, activity_regularizer=None, **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k not in _LAYER_KEYS}
        cell_kwargs.setdefault("dtype", kwargs.get("dtype"))
        if cell_kwargs["dtype"] is None:
            cell_kwargs.pop("dtype")
        cell_kwargs.setdefault("trainable", kwargs.get("trainable", True))
        cell = self._cell_class(units, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def __getattr__(self, name):
        if name in _CELL_KEYS:
            return getattr(self._modules["cell"], name)
        return super().__getattr__(name)

    def get_config(self):
        cell_config = dict(self.cell.get_config())
        for key in ("name", "trainable", "dtype", "batch_input_shape"):
            cell_config.pop(key, None)
        config = {**Layer.get_config(self), **{k: cell_config[k] for k in _CELL_KEYS
                                               if k in cell_config}}
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return {**config, **self._rnn_config()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("cell", None)
        return cls(**config)

    # --- fused kernels --------------------------------------------------------------------

    def _fused_ok(self, training):
        cell = self.cell
        if cell.recurrent_dropout > 0 and training:
            return False
        if cell.dropout > 0 and training and getattr(cell, "implementation", 2) == 1:
            return False
        return True

    def _fused_inputs(self, inputs, training):
        cell = self.cell
        if cell.dropout > 0 and training and 0 < cell.dropout < 1:
            keep = _dropout_masks(torch.ones_like(inputs[:, 0]), cell.dropout, 1)[0]
            inputs = inputs * keep.unsqueeze(1)
        if self.go_backwards:
            inputs = torch.flip(inputs, dims=(1,))
        return inputs

    def _fused_call(self, fn, inputs, hx, params, has_bias):
        if inputs.is_cuda:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(inputs, hx, params, has_bias, 1, 0.0, False, False, True)
        return fn(inputs, hx, params, has_bias, 1, 0.0, False, False, True)


class SimpleRNN(_KerasRNN):
    """A fully-connected RNN whose output is fed back as its input (Keras's ``SimpleRNN``).

    Example: ``SimpleRNN(4)(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    _cell_class = SimpleRNNCell

    def _fast_path(self, inputs, states, training):
        cell = self.cell
        if cell.activation is _act.tanh:
            fn = torch.rnn_tanh
        elif cell.activation is _act.relu:
            fn = torch.rnn_relu
        else:
            return None
        if not self._fused_ok(training):
            return None
        x = self._fused_inputs(inputs, training)
        params = [cell.kernel.t(), cell.recurrent_kernel.t()]
        if cell.bias is not None:
            params += [cell.bias, torch.zeros_like(cell.bias)]
        out, h = self._fused_call(fn, x, states[0].unsqueeze(0).contiguous(), params,
                                  cell.bias is not None)
        h = h[0]
        return out, h, [h]


class LSTM(_KerasRNN):
    """Long short-term memory (Keras's ``LSTM``; gates ``i, f, c, o`` like torch's).

    Example: ``LSTM(4, go_backwards=True)(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    _cell_class = LSTMCell

    def _fast_path(self, inputs, states, training):
        cell = self.cell
        if cell.activation is not _act.tanh or cell.recurrent_activation is not _act.sigmoid:
            return None
        if not self._fused_ok(training):
            return None
        x = self._fused_inputs(inputs, training)
        params = [cell.kernel.t(), cell.recurrent_kernel.t()]
        if cell.bias is not None:
            params += [cell.bias, torch.zeros_like(cell.bias)]
        hx = (states[0].unsqueeze(0).contiguous(), states[1].unsqueeze(0).contiguous())
        out, h, c = self._fused_call(torch.lstm, x, hx, params, cell.bias is not None)
        h, c = h[0], c[0]
        return out, h, [h, c]


def _gru_reorder(matrix, units, dim):
    """Keras's ``z, r, h`` gate blocks to torch's ``r, z, n``."""
    z, r, h = matrix.split(units, dim=dim)
    return torch.cat([r, z, h], dim=dim)


class GRU(_KerasRNN):
    """Gated recurrent unit (Keras's ``GRU``; ``reset_after=True`` is torch's/cuDNN's variant).

    Example: ``GRU(4, reset_after=True, return_sequences=True)(torch.randn(2, 5, 3)).shape == (2, 5, 4)``.
    """

    _cell_class = GRUCell

    def _fast_path(self, inputs, states, training):
        cell = self.cell
        if not cell.reset_after:
            return None
        if cell.activation is not _act.tanh or cell.recurrent_activation is not _act.sigmoid:
            return None
        if not self._fused_ok(training):
            return None
        x = self._fused_inputs(inputs, training)
        u = cell.units
        params = [_gru_reorder(cell.kernel, u, 1).t(),
                  _gru_reorder(cell.recurrent_kernel, u, 1).t()]
        if cell.bias is not None:
            params += [_gru_reorder(cell.bias[0], u, 0), _gru_reorder(cell.bias[1], u, 0)]
        out, h = self._fused_call(torch.gru, x, states[0].unsqueeze(0).contiguous(), params,
                                  cell.bias is not None)
        h = h[0]
        return out, h, [h]
