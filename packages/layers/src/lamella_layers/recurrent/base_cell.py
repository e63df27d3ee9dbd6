"""What every recurrent cell shares: the options, the dropout masks, the weights and the config.

``_CellBase`` holds what Keras's three cells and ``ConvLSTM2DCell`` have in common (activations,
initializers, regularizers, constraints, ``dropout``/``recurrent_dropout`` and the per-sequence
dropout masks); ``_DenseCell`` adds the ``units``-wide kernels of ``SimpleRNNCell``,
``LSTMCell`` and ``GRUCell``. The cell-protocol helpers (``_state_sizes``, ``_output_size``,
``_accepts``) serve any object with ``call`` and ``state_size``, as Keras's ``RNN`` accepts.

Example::

    import torch
    from lamella_layers.recurrent import RNN, SimpleRNNCell

    cell = SimpleRNNCell(4, dropout=0.5)                 # a _DenseCell
    RNN(cell)(torch.randn(2, 5, 3)).shape                # (2, 4)
"""

import inspect

import numpy as np
import torch

from lamella import activations, constraints, initializers, regularizers
from lamella.engine.base_layer import Layer
from lamella_layers import _utils
from lamella_layers.recurrent import weights_layout as layout


def _dropout_masks(like, rate, count):
    """Keras's ``_generate_dropout_mask`` in the training phase."""
    masks = []
    for _ in range(count):
        keep = (torch.rand_like(like) >= rate).to(like.dtype)
        masks.append(keep / (1.0 - rate))
    return masks


def _block(tensor, k, size):
    """Block ``k`` (``size`` wide) of a gate-stacked tensor, or ``None`` for no tensor."""
    return None if tensor is None else tensor[k * size:(k + 1) * size]


def _state_sizes(cell):
    size = cell.state_size
    return list(size) if hasattr(size, "__len__") else [size]


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return _state_sizes(cell)[0]


def _accepts(obj, argument):
    """Whether ``obj.call`` takes ``argument`` (user cells may not take ``training``)."""
    try:
        return argument in inspect.signature(obj.call).parameters
    except (TypeError, ValueError):
        return False


class _CellBase(Layer):
    """The options, dropout masks, weights and config every recurrent cell shares.

    A subclass calls :meth:`_set_options` from its ``__init__`` after checking its own size
    arguments (so errors come in the order of the arguments), and :meth:`_add_kernels` from
    ``build``.

    Example: ``ConvLSTM2DCell`` and ``LSTMCell`` both build ``kernel``, ``recurrent_kernel`` and
    ``bias`` through ``_add_kernels``; ``LSTMCell(4).get_config()["recurrent_dropout"] == 0.0``.
    """

    _gates = 1

    def _set_options(self, activation, recurrent_activation, use_bias, kernel_initializer,
                     recurrent_initializer, bias_initializer, kernel_regularizer,
                     recurrent_regularizer, bias_regularizer, kernel_constraint,
                     recurrent_constraint, bias_constraint, dropout, recurrent_dropout):
        self.activation = _utils.get_activation(activation)
        self.recurrent_activation = _utils.get_activation(recurrent_activation)
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
        # Keras clips the rates instead of rejecting them.
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    # --- dropout ----------------------------------------------------------------------

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def _masks(self, inputs, h_tm1, training, count):
        """``count`` input and recurrent dropout masks, drawn once per sequence (the RNN resets
        them before each call), or ``None`` where that dropout is off."""
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

    # --- weights ----------------------------------------------------------------------

    def _add_kernels(self, kernel_shape, recurrent_shape, bias_shape, bias_initializer=None):
        """``kernel``, ``recurrent_kernel`` and (with ``use_bias``) ``bias``, in Keras's order,
        which is the order of the saved weights."""
        self.kernel = self.add_weight("kernel", kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", recurrent_shape,
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

    def _forget_bias_initializer(self, size):
        """Keras's ``unit_forget_bias``: the bias initializer, with the ``f`` gate's block (the
        second of four, ``size`` wide) set to 1."""
        base = self.bias_initializer

        def bias_init(shape, dtype=None):
            parts = [base((size,), dtype=dtype), np.ones((size,), dtype="float32"),
                     base((size * 2,), dtype=dtype)]
            return np.concatenate([np.asarray(p, dtype="float32") for p in parts])
        return bias_init

    # --- config -----------------------------------------------------------------------

    def _options_config(self, before_regularizers=None):
        """The shared options serialized, in the key order of Keras 2.3's configs;
        ``before_regularizers`` (e.g. ``unit_forget_bias``) goes where Keras puts it."""
        config = {"activation": activations.serialize(self.activation)}
        if self.recurrent_activation is not None:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            **(before_regularizers or {}),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        })
        return config


class _DenseCell(_CellBase):
    """Keras's three cells: ``units`` wide, with ``(input_dim, gates * units)`` kernels.

    Example: ``LSTMCell(4)`` builds ``kernel (3, 16)`` for 3 input features.
    """

    def __init__(self, units, activation="tanh", recurrent_activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units = _utils.positive_int(type(self).__name__, "units", units)
        self._set_options(
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout)
        if recurrent_activation is None:  # SimpleRNNCell has none (and no config key for it)
            self.recurrent_activation = None

    #: torch's block order as Keras's block indices (None: the same order, as for LSTM).
    _gate_order = None
    _two_biases = False

    def _layouts(self):
        """The (kernel, recurrent kernel, bias) layouts between Keras's and the stored weights
        (see :mod:`lamella_layers.recurrent.weights_layout`)."""
        bias = layout.Bias(self._gate_order) if self._gate_order is not None else None
        return layout.Kernel(self._gate_order), layout.Kernel(self._gate_order), bias

    def _add_dense_kernels(self, input_shape, bias_shape, bias_initializer=None,
                           two_biases=False):
        """``weight_ih``, ``weight_hh`` and (with ``use_bias``) ``bias_ih``, or with
        ``two_biases`` ``bias_ih_hh`` (rows: input, recurrent bias), in torch's layout, recorded
        as Keras's ``kernel``, ``recurrent_kernel`` and ``bias``."""
        n = self._gates * self.units
        kernel_layout, recurrent_layout, bias_layout = self._layouts()
        self.add_weight("kernel", (self._input_dim(input_shape), n), attr="weight_ih",
                        initializer=self.kernel_initializer, layout=kernel_layout,
                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.add_weight("recurrent_kernel", (self.units, n), attr="weight_hh",
                        initializer=self.recurrent_initializer, layout=recurrent_layout,
                        regularizer=self.recurrent_regularizer,
                        constraint=self.recurrent_constraint)
        self._two_biases = bool(two_biases)
        if self.use_bias:
            self.add_weight("bias", bias_shape, attr="bias_ih_hh" if two_biases else "bias_ih",
                            initializer=bias_initializer or self.bias_initializer,
                            layout=bias_layout, regularizer=self.bias_regularizer,
                            constraint=self.bias_constraint)
            if not two_biases:
                # The fused kernels take a recurrent bias too; Keras has none: zeros, kept out
                # of the state dict and of Keras's weights.
                self.register_buffer("_zero_bias_hh", torch.zeros_like(self.bias_ih),
                                     persistent=False)
        layout.flatten_weights(self)

    # --- the stored weights ------------------------------------------------------------

    def _keras_weight(self, name):
        for record in self._weight_records:
            if record.name == name:
                return record.tensor
        return None

    @property
    def kernel(self):
        """Keras's ``kernel (input_dim, G*units)``: a view of ``weight_ih`` (a reordered copy
        for GRU)."""
        return self._keras_weight("kernel")

    @property
    def recurrent_kernel(self):
        """Keras's ``recurrent_kernel (units, G*units)``, from ``weight_hh``."""
        return self._keras_weight("recurrent_kernel")

    @property
    def bias(self):
        """Keras's ``bias``, or ``None`` without ``use_bias``."""
        return self._keras_weight("bias")

    def _biases(self):
        """``(input bias, recurrent bias)`` in torch's layout; either may be ``None``."""
        if not self.use_bias:
            return None, None
        if self._two_biases:
            return self.bias_ih_hh[0], self.bias_ih_hh[1]
        return self.bias_ih, None

    def _cudnn_mode(self):
        """The fused kernel (a key of ``weights_layout.CUDNN_MODES``) or ``None``."""
        return None

    def _fused_weights(self):
        """``[weight_ih, weight_hh(, bias_ih, bias_hh)]``: what the fused kernels take."""
        weights = [self.weight_ih, self.weight_hh]
        if self.use_bias:
            b_ih, b_hh = self._biases()
            weights += [b_ih, b_hh if b_hh is not None else self._zero_bias_hh]
        return weights

    def _adopt_flat_weights(self, views):
        """Point the stored weights at ``views`` (slices of cuDNN's flat buffer)."""
        self.weight_ih.data = views[0]
        self.weight_hh.data = views[1]
        if not self.use_bias:
            return
        if not self._two_biases:
            self.bias_ih.data = views[2]
            self._buffers["_zero_bias_hh"] = views[3]
            return
        # One parameter for Keras's one bias weight: its two rows are cuDNN's two biases
        # (adjacent in cuDNN's layout; any gap becomes the row stride).
        width = views[2].numel()
        gap, rest = divmod(views[3].data_ptr() - views[2].data_ptr(), views[2].element_size())
        if not rest and gap >= width:
            self.bias_ih_hh.data = views[2].as_strided((2, width), (gap, 1))

    def _apply(self, fn, *args, **kwargs):
        # Moving (.to/.cuda) gives every parameter its own new storage: flatten again, as
        # nn.LSTM does.
        result = super()._apply(fn, *args, **kwargs)
        if self.built:
            layout.flatten_weights(self)
        return result

    def _input_dim(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(f"{type(self).__name__}: the last dimension of the inputs must be "
                             f"defined; got input_shape {tuple(input_shape)!r}.")
        return int(dim)

    def get_config(self):
        config = {"units": self.units,
                  **self._options_config(self._extra_config_before_regularizers()),
                  **self._extra_config()}
        return {**super().get_config(), **config}

    def _extra_config_before_regularizers(self):
        return {}

    def _extra_config(self):
        return {}

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)
