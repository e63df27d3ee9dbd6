"""``StackedRNNCells``: several cells used as one cell (what ``RNN([cell, cell])`` builds).

Example::

    import torch
    from lamella_layers.recurrent import RNN, LSTMCell, StackedRNNCells

    cells = StackedRNNCells([LSTMCell(4), LSTMCell(2)])
    cells.state_size                                     # (4, 4, 2, 2)
    RNN(cells)(torch.randn(2, 5, 3)).shape               # (2, 2)
"""

import torch

from lamella.engine.base_layer import Layer
from lamella_layers.recurrent.base_cell import _accepts, _output_size, _state_sizes


class StackedRNNCells(Layer):
    """Several cells used as one: the output of each is the input of the next; the states are
    the cells' states in order.

    Example: ``RNN(StackedRNNCells([LSTMCell(4), LSTMCell(2)]))(torch.randn(2, 5, 3))`` has
    shape ``(2, 2)``.
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
