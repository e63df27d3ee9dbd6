"""Keras 2.3's core layers: ``Dense``, ``Activation``, ``Dropout``, ``Flatten``.

Example::

    import torch
    from lamella_layers.core import Dense, Dropout, Flatten

    x = torch.ones(8, 4, 4, 3)
    y = Dense(5, activation="relu")(Dropout(0.2)(Flatten()(x)))   # (8, 5)
"""

import numpy as np
import torch
import torch.nn.functional as F

from lamella import activations, constraints, initializers, regularizers
from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils

__all__ = ["Dense", "Activation", "Dropout", "Flatten"]


class Dense(Layer):
    """A densely connected layer: ``activation(inputs @ kernel + bias)``.

    The kernel is stored in Keras's layout ``(input_dim, units)``. On input of rank > 2 it
    applies to the last axis. ``input_dim=n`` is Keras's shorthand for ``input_shape=(n,)``.

    Example::

        layer = Dense(3, activation="relu", kernel_regularizer="l2")
        y = layer(torch.ones(2, 4))          # shape (2, 3)
        layer.get_weights()[0].shape         # (4, 3)
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        if "input_shape" not in kwargs and "input_dim" in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_dim"),)
        kwargs.pop("input_dim", None)
        super().__init__(**kwargs)
        self.units = _utils.positive_int("Dense", "units", units)
        self.activation = _utils.get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"Dense: the last dimension of the input must be defined and the input must "
                f"have rank >= 2; got input_shape={tuple(input_shape)!r}."
            )
        input_dim = int(input_shape[-1])
        self.kernel = self.add_weight("kernel", (input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        output = F.linear(inputs, self.kernel.t(), self.bias)
        return self.activation(output)

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"Dense: expected an input shape of rank >= 2 with a defined last dimension; "
                f"got {tuple(input_shape)!r}."
            )
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}


class Activation(Layer):
    """Applies an activation function (a name such as ``'relu'`` or a callable).

    Example: ``Activation("tanh")(torch.zeros(2, 3))`` is all zeros.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = _utils.get_activation(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Sets a fraction ``rate`` of the inputs to 0 in training and scales the rest by
    ``1 / (1 - rate)``; the identity in inference.

    ``noise_shape`` (the full shape including the batch axis, ``None`` for "as the input")
    shares one mask along the axes of size 1. ``seed`` makes the masks reproducible. As in
    Keras 2.3, ``rate`` 0 or 1 leaves the input unchanged.

    Example::

        layer = Dropout(0.5, noise_shape=(None, 1, 4))
        layer.train()
        y = layer(torch.ones(2, 3, 4))       # each (sample, feature) column kept or dropped
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _utils.rate("Dropout", "rate", rate)
        if noise_shape is not None:
            try:
                items = tuple(noise_shape)
            except TypeError:
                items = None
            if items is None or not all(d is None or (isinstance(d, (int, np.integer)) and d > 0)
                                        for d in items):
                raise ValueError(
                    f"Dropout: `noise_shape` must be None or a tuple of positive integers or "
                    f"None; got {noise_shape!r}."
                )
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True
        self._generators = {}

    def _generator(self, device):
        generator = self._generators.get(device)
        if generator is None:
            generator = torch.Generator(device=device)
            generator.manual_seed(int(self.seed))
            self._generators[device] = generator
        return generator

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or not 0.0 < self.rate < 1.0:
            return inputs
        if self.noise_shape is None and self.seed is None:
            return F.dropout(inputs, self.rate, training=True)
        if self.noise_shape is None:
            shape = inputs.shape
        else:
            if len(self.noise_shape) != inputs.dim():
                raise ValueError(
                    f"Dropout: `noise_shape` {tuple(self.noise_shape)!r} does not match the "
                    f"rank of the input (shape {tuple(inputs.shape)!r})."
                )
            shape = tuple(inputs.shape[i] if d is None else d
                          for i, d in enumerate(self.noise_shape))
        generator = self._generator(inputs.device) if self.seed is not None else None
        uniform = torch.rand(shape, generator=generator, device=inputs.device, dtype=inputs.dtype)
        keep = (uniform >= self.rate).to(inputs.dtype)
        return inputs * keep / (1.0 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Flatten(Layer):
    """Flattens every axis but the batch axis.

    With ``data_format='channels_first'`` the input is first transposed to channels_last
    order, so the flattened order is always Keras's ``(H, W, C)``.

    Example: ``Flatten()(torch.ones(2, 3, 4)).shape == (2, 12)``.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=3)
        self.data_format = _utils.normalize_data_format("Flatten", data_format)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.permute(0, *range(2, inputs.dim()), 1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        if not all(input_shape[1:]):
            raise ValueError(
                f"Flatten: the shape of the input is not fully defined (got "
                f"{tuple(input_shape[1:])!r}). Make sure to pass a complete `input_shape` or "
                f"`batch_input_shape` argument to the first layer in your model."
            )
        return (input_shape[0], int(np.prod(input_shape[1:])))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
