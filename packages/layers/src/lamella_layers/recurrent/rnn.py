"""``RNN``, the recurrent layer around a cell, and ``_KerasRNN``, the base of ``SimpleRNN``,
``LSTM`` and ``GRU`` (an ``RNN`` whose cell is built from the layer's own arguments).

``RNN.call`` runs the layer's fast path (``_fast_path``: the fused kernels of
:mod:`lamella_layers.recurrent.fused`) when no mask flows, else the stepped loop, which follows
Keras's ``K.rnn``: a masked step keeps the previous output and states.

Example::

    import torch
    from lamella_layers.recurrent import RNN, GRUCell, LSTMCell

    layer = RNN([LSTMCell(4), GRUCell(3)], return_sequences=True)
    layer(torch.randn(2, 5, 3)).shape                    # (2, 5, 3)
"""

import numpy as np
import torch

from lamella import regularizers
from lamella.engine.base_layer import Layer
from lamella_layers.recurrent.base_cell import _accepts, _output_size, _state_sizes
from lamella_layers.recurrent.stacked_cells import StackedRNNCells


class RNN(Layer):
    """The recurrent layer around a cell (or a list of cells, stacked).

    ``call(inputs, mask=None, training=None, initial_state=None)``; ``initial_state`` may also
    be given when calling on symbolic tensors, as in Keras. ``stateful=True`` carries the last
    states into the next call until :meth:`reset_states`.

    Example: ``RNN([LSTMCell(4), GRUCell(3)], return_sequences=True)(torch.randn(2, 5, 3))``
    has shape ``(2, 5, 3)``.
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
                # (batch,) -> broadcastable to the step's output: (batch, 1) or, for a
                # convolutional cell, (batch, 1, 1, 1).
                keep = mask[:, t].reshape((-1,) + (1,) * (out.dim() - 1))
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
    """SimpleRNN / GRU / LSTM: an ``RNN`` whose cell is built from the layer's arguments.

    The cell's arguments read through the layer (``LSTM(4).units == 4``) and its config is
    flat, as Keras's: ``"cell"`` is not a key of ``LSTM(4).get_config()``.
    """

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
