"""Keras 2.3's locally-connected layers: ``LocallyConnected1D`` and ``LocallyConnected2D``.

They work like ``Conv1D`` / ``Conv2D`` with unshared weights: every output position has its
own filters. Only ``padding='valid'`` is supported, as in Keras 2.3.1.

``implementation`` (``1`` by default) chooses the weight layout, as in ``tf.keras``
(Keras 2.3.1 itself only has the layout of ``implementation=1``). All three give the same
outputs for the same connections:

* ``1``: ``kernel`` ``(output_positions, kernel_positions * in_channels, filters)``; one batched
  matmul over the unfolded patches (a strided view of the input, no Python loop over
  positions). The patch features are ordered ``(k..., in)`` for ``channels_last`` and
  ``(in, k...)`` for ``channels_first``, as Keras's ``local_conv1d/2d`` slice them.
* ``2``: a dense ``kernel`` over every input/output pair (``(in_spatial..., in, out_spatial...,
  filters)`` for ``channels_last``, ``(in, in_spatial..., filters, out_spatial...)`` for
  ``channels_first``), multiplied by a fixed 0/1 connectivity mask, then one matmul.
* ``3``: a 1-D ``kernel`` holding only the connected entries, in the sorted order of
  ``tf.keras``'s ``conv_kernel_idxs`` ``(output_index, input_index)`` pairs; applied as one
  sparse matmul.

``bias`` is ``(output_positions..., filters)`` for every implementation; with
``channels_first`` it is reshaped (not transposed) to ``(1, filters, output_positions...)``,
exactly as Keras's ``bias_add`` does.

Config compatibility: ``get_config`` omits ``implementation`` when it is 1 and
``LocallyConnected1D`` omits ``data_format`` when it is ``channels_last``, so the default
configs are exactly Keras 2.3.1's. (Keras 2.3.1's ``LocallyConnected1D`` accepts
``data_format`` but always treats its input as ``channels_last``; lamella honours
``channels_first``, as ``tf.keras`` does.)

Example::

    import torch
    from lamella_layers.local import LocallyConnected2D

    layer = LocallyConnected2D(4, (3, 3), strides=2)
    layer(torch.zeros(2, 9, 9, 3)).shape          # (2, 4, 4, 4)
    [w.shape for w in layer.get_weights()]        # [(16, 27, 4), (4, 4, 4)]
"""

import math

import numpy as np
import torch

from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]


def _connectivity(length, kernel, stride, out_length):
    """``C[i, o]``: whether input position ``i`` feeds output position ``o`` ('valid')."""
    i = np.arange(length)[:, None]
    start = np.arange(out_length)[None, :] * stride
    return (i >= start) & (i < start + kernel)


def _spatial_connectivity(in_spatial, kernel_size, strides, out_spatial):
    """Boolean ``(in_spatial..., out_spatial...)`` connectivity of a 'valid' unshared conv."""
    rank = len(in_spatial)
    mask = np.ones((1,) * (2 * rank), dtype=bool)
    for d in range(rank):
        c = _connectivity(in_spatial[d], kernel_size[d], strides[d], out_spatial[d])
        shape = [1] * (2 * rank)
        shape[d], shape[rank + d] = c.shape
        mask = mask & c.reshape(shape)
    return mask


class _LocallyConnected(Layer):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.filters = _utils.positive_int(owner, "filters", filters)
        self.kernel_size = _utils.normalize_tuple(owner, "kernel_size", kernel_size, self.rank)
        self.strides = _utils.normalize_tuple(owner, "strides", strides, self.rank)
        self.padding = _utils.normalize_padding(owner, padding, ("valid",))
        self.data_format = self._normalize_data_format(data_format)
        _utils.set_kernel_bias_options(
            self, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        if isinstance(implementation, bool) or implementation not in (1, 2, 3):
            raise ValueError(f"{owner}: `implementation` must be 1, 2 or 3; got "
                             f"{implementation!r}.")
        self.implementation = int(implementation)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _normalize_data_format(self, value):
        return _utils.normalize_data_format(type(self).__name__, value)

    # --- shapes -----------------------------------------------------------------------

    def _split(self, shape):
        """``(spatial, channels)`` of a full input shape in this layer's data format."""
        shape = tuple(shape)
        if self.data_format == "channels_first":
            return tuple(shape[2:]), shape[1]
        return tuple(shape[1:-1]), shape[-1]

    def _out_spatial(self, in_spatial):
        return tuple(_utils.conv_output_length(n, k, "valid", s)
                     for n, k, s in zip(in_spatial, self.kernel_size, self.strides))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__}: expected input of rank {self.rank + 2}; "
                             f"got input_shape={input_shape!r}.")
        out = self._out_spatial(self._split(input_shape)[0])
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + out
        return (input_shape[0],) + out + (self.filters,)

    # --- weights ----------------------------------------------------------------------

    def build(self, input_shape):
        owner = type(self).__name__
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{owner}: expected input of rank {self.rank + 2}; got "
                             f"input_shape={input_shape!r}.")
        in_spatial, in_dim = self._split(input_shape)
        if in_dim is None:
            raise ValueError(f"{owner}: the channel dimension of the inputs should be defined; "
                             f"got input_shape={input_shape!r}.")
        if any(n is None for n in in_spatial):
            raise ValueError(f"{owner}: the spatial dimensions of the inputs should be fully "
                             f"defined; got input_shape={input_shape!r}.")
        in_spatial, in_dim = tuple(int(n) for n in in_spatial), int(in_dim)
        out_spatial = self._out_spatial(in_spatial)
        if any(n <= 0 for n in out_spatial):
            raise ValueError(f"{owner}: kernel_size {self.kernel_size} is larger than the "
                             f"input's spatial shape {in_spatial}.")
        self._in_spatial, self._in_dim, self._out_spatial_shape = in_spatial, in_dim, out_spatial
        channels_first = self.data_format == "channels_first"
        if self.implementation == 1:
            kernel_shape = (math.prod(out_spatial), math.prod(self.kernel_size) * in_dim,
                            self.filters)
        elif self.implementation == 2:
            kernel_shape = ((in_dim,) + in_spatial + (self.filters,) + out_spatial
                            if channels_first else
                            in_spatial + (in_dim,) + out_spatial + (self.filters,))
            mask = _spatial_connectivity(in_spatial, self.kernel_size, self.strides,
                                         out_spatial)
            r = self.rank
            if channels_first:
                mask = np.expand_dims(np.expand_dims(mask, 0), r + 1)
            else:
                mask = np.expand_dims(np.expand_dims(mask, r), -1)
            self.register_buffer("_kernel_mask", torch.as_tensor(mask.astype(np.float32)),
                                 persistent=False)
        else:
            idxs = self._sparse_indices(in_spatial, in_dim, out_spatial)
            self.register_buffer("_kernel_idxs", torch.as_tensor(idxs), persistent=False)
            kernel_shape = (len(idxs[0]),)
        self.kernel = self.add_weight("kernel", kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", out_spatial + (self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={1 if channels_first else -1: in_dim})
        self.built = True

    def _sparse_indices(self, in_spatial, in_dim, out_spatial):
        """``(rows, cols)`` of the connected entries of the ``(out_size, in_size)`` matrix, in
        ``tf.keras``'s ``sorted(conv_kernel_idxs(...))`` order (row-major)."""
        conn = _spatial_connectivity(in_spatial, self.kernel_size, self.strides, out_spatial)
        n_in, n_out = math.prod(in_spatial), math.prod(out_spatial)
        in_sp, out_sp = np.nonzero(conn.reshape(n_in, n_out))
        f_out = np.arange(self.filters)[None, :, None]
        f_in = np.arange(in_dim)[None, None, :]
        out_sp, in_sp = out_sp[:, None, None], in_sp[:, None, None]
        if self.data_format == "channels_first":
            rows = f_out * n_out + out_sp
            cols = f_in * n_in + in_sp
        else:
            rows = out_sp * self.filters + f_out
            cols = in_sp * in_dim + f_in
        rows, cols = np.broadcast_arrays(rows, cols)
        in_size = n_in * in_dim
        keys = np.sort((rows.astype(np.int64) * in_size + cols).ravel())
        return np.stack([keys // in_size, keys % in_size])

    # --- calling ----------------------------------------------------------------------

    def _patches(self, x):
        """``(batch, output_positions, features)`` in Keras's feature order (a strided view
        until the final reshape)."""
        r = self.rank
        if self.data_format == "channels_first":
            for d in range(r):
                x = x.unfold(2 + d, self.kernel_size[d], self.strides[d])
            # (B, C, o..., k...) -> (B, o..., C, k...)
            x = x.permute(0, *range(2, 2 + r), 1, *range(2 + r, 2 + 2 * r))
        else:
            for d in range(r):
                x = x.unfold(1 + d, self.kernel_size[d], self.strides[d])
            # (B, o..., C, k...) -> (B, o..., k..., C)
            x = x.permute(0, *range(1, 1 + r), *range(2 + r, 2 + 2 * r), 1 + r)
        return x.reshape(x.shape[0], math.prod(self._out_spatial_shape), -1)

    def _output_dims(self):
        if self.data_format == "channels_first":
            return (self.filters,) + self._out_spatial_shape
        return self._out_spatial_shape + (self.filters,)

    def call(self, inputs):
        batch = inputs.shape[0]
        if self.implementation == 1:
            patches = self._patches(inputs)                       # (B, L, F)
            y = torch.bmm(patches.transpose(0, 1), self.kernel)   # (L, B, filters)
            y = y.transpose(0, 1).reshape((batch,) + self._out_spatial_shape + (self.filters,))
            if self.data_format == "channels_first":
                y = y.permute(0, self.rank + 1, *range(1, self.rank + 1))
        elif self.implementation == 2:
            in_size = inputs[0].numel()
            w = (self.kernel * self._kernel_mask).reshape(in_size, -1)
            y = (inputs.reshape(batch, in_size) @ w).reshape((batch,) + self._output_dims())
        else:
            in_size = inputs[0].numel()
            out_size = math.prod(self._output_dims())
            w = torch.sparse_coo_tensor(self._kernel_idxs, self.kernel, (out_size, in_size),
                                        check_invariants=False, is_coalesced=True)
            y = torch.sparse.mm(w, inputs.reshape(batch, in_size).t()).t()
            y = y.reshape((batch,) + self._output_dims())
        if self.bias is not None:
            if self.data_format == "channels_first":
                y = y + self.bias.reshape((1, self.filters) + self._out_spatial_shape)
            else:
                y = y + self.bias
        return self.activation(y)

    # --- config -----------------------------------------------------------------------

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            **_utils.kernel_bias_config(self),
        }
        if self.implementation != 1:
            config["implementation"] = self.implementation
        return {**super().get_config(), **config}


class LocallyConnected1D(_LocallyConnected):
    """Locally-connected layer over ``(batch, steps, channels)``: a ``Conv1D`` whose weights
    differ at every output step.

    Example: ``LocallyConnected1D(4, 3)(torch.zeros(2, 10, 5)).shape == (2, 8, 4)``; kernel
    ``(8, 15, 4)``, bias ``(8, 4)``.
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)

    def _normalize_data_format(self, value):
        # Keras 2.3.1 never reads the global image data format for this layer.
        return _utils.normalize_data_format(type(self).__name__, value or "channels_last")

    def get_config(self):
        config = super().get_config()
        if self.data_format == "channels_last":  # Keras 2.3.1 does not write it
            config.pop("data_format")
        return config


class LocallyConnected2D(_LocallyConnected):
    """Locally-connected layer over images: a ``Conv2D`` whose weights differ at every output
    position.

    Example: ``LocallyConnected2D(2, (2, 3), data_format="channels_first")(torch.zeros(1, 3, 5,
    6)).shape == (1, 2, 4, 4)``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
