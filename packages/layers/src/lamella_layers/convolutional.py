"""Keras 2.3's 2-D convolution layer, ``Conv2D`` (alias ``Convolution2D``).

The kernel is stored in Keras's layout ``(kh, kw, in, out)``. channels_last input
``(N, H, W, C)`` is convolved through a permuted view ``(N, C, H, W)`` that already has torch's
``channels_last`` memory format, so no copy of the activations is made per call; the output is
permuted back the same way. ``padding='same'`` follows TF's rule: with an odd total the extra
row/column goes to the bottom/right.

Example::

    import torch
    from lamella_layers.convolutional import Conv2D

    conv = Conv2D(8, 3, strides=2, padding="same", activation="relu")
    y = conv(torch.ones(2, 32, 32, 3))       # (2, 16, 16, 8)
    conv.get_weights()[0].shape              # (3, 3, 3, 8)
"""

import torch.nn.functional as F

from lamella import activations, constraints, initializers, regularizers
from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils

__all__ = ["Conv2D"]


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in Keras and torch) over images.

    Arguments as Keras 2.3: ``filters``, ``kernel_size`` (int or pair), ``strides=(1, 1)``,
    ``padding='valid'|'same'``, ``data_format=None`` (``'channels_last'``),
    ``dilation_rate=(1, 1)``, ``activation``, ``use_bias``, initializers, regularizers,
    ``activity_regularizer`` and constraints for ``kernel`` and ``bias``.

    Example::

        conv = Conv2D(4, (3, 2), padding="same")
        conv(torch.zeros(1, 5, 5, 3)).shape      # (1, 5, 5, 4)
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.filters = _utils.positive_int(owner, "filters", filters)
        self.kernel_size = _utils.normalize_tuple(owner, "kernel_size", kernel_size, self.rank)
        self.strides = _utils.normalize_tuple(owner, "strides", strides, self.rank)
        self.padding = _utils.normalize_padding(owner, padding)
        self.data_format = _utils.normalize_data_format(owner, data_format)
        self.dilation_rate = _utils.normalize_tuple(owner, "dilation_rate", dilation_rate,
                                                    self.rank)
        self.activation = _utils.get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape):
        owner = type(self).__name__
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{owner}: expected input of rank {self.rank + 2}; got input_shape="
                f"{tuple(input_shape)!r}."
            )
        input_dim = input_shape[self._channel_axis]
        if input_dim is None:
            raise ValueError(
                f"{owner}: the channel dimension of the inputs should be defined. Found `None`."
            )
        input_dim = int(input_dim)
        self.kernel = self.add_weight("kernel", self.kernel_size + (input_dim, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: input_dim})
        self.built = True

    def _padding_for(self, spatial):
        """torch's ``padding`` argument, and the ``F.pad`` amounts when TF pads asymmetrically."""
        if self.padding == "valid":
            return (0, 0), None
        pads = [_utils.same_padding(length, k, s, d) for length, k, s, d in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if all(before == after for before, after in pads):
            return tuple(before for before, _ in pads), None
        # F.pad lists the last axis first: (left, right, top, bottom).
        return (0, 0), (pads[1][0], pads[1][1], pads[0][0], pads[0][1])

    def call(self, inputs):
        channels_last = self.data_format == "channels_last"
        x = inputs.permute(0, 3, 1, 2) if channels_last else inputs  # NCHW view, no copy
        padding, explicit = self._padding_for(x.shape[2:])
        if explicit is not None:
            x = F.pad(x, explicit)
        kernel = self.kernel.permute(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)
        y = F.conv2d(x, kernel, self.bias, self.strides, padding, self.dilation_rate)
        if channels_last:
            y = y.permute(0, 2, 3, 1)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            space = input_shape[1:-1]
        else:
            space = input_shape[2:]
        new_space = tuple(
            _utils.conv_output_length(length, k, self.padding, s, d)
            for length, k, s, d in zip(space, self.kernel_size, self.strides, self.dilation_rate)
        )
        if self.data_format == "channels_last":
            return (input_shape[0],) + new_space + (self.filters,)
        return (input_shape[0], self.filters) + new_space

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
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
