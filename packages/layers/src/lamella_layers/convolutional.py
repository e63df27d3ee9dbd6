"""Keras 2.3's convolution layers: ``Conv1D/2D/3D`` (``padding='causal'`` for 1-D),
``SeparableConv1D/2D``, ``DepthwiseConv2D``, ``Conv2DTranspose``, ``Conv3DTranspose``. The shape
layers ``Cropping1D/2D/3D``, ``UpSampling1D/2D/3D``, ``ZeroPadding1D/2D/3D`` live in
:mod:`lamella_layers.reshaping` and are re-exported here, where Keras 2.3 has them.

Kernels are stored in Keras's layouts (``Conv2D``: ``(kh, kw, in, out)``; transposed
convolutions ``(kh, kw, out, in)``; depthwise ``(kh, kw, in, depth_multiplier)``).
channels_last input ``(N, H, W, C)`` is convolved through a permuted view ``(N, C, H, W)`` that
already has torch's ``channels_last`` memory format, so no copy of the activations is made per
call; the output is permuted back the same way. ``padding='same'`` follows TF's rule: with an
odd total the extra row/column goes to the bottom/right.

Example::

    import torch
    from lamella_layers.convolutional import Conv2D

    conv = Conv2D(8, 3, strides=2, padding="same", activation="relu")
    y = conv(torch.ones(2, 32, 32, 3))       # (2, 16, 16, 8)
    conv.get_weights()[0].shape              # (3, 3, 3, 8)
"""

import warnings

import torch.nn.functional as F

from lamella import constraints, initializers, regularizers
from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils
from lamella_layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)

__all__ = ["Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
           "DepthwiseConv2D", "Conv2DTranspose", "Conv3DTranspose", "Cropping1D", "Cropping2D",
           "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D",
           "ZeroPadding2D", "ZeroPadding3D"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


class _Conv(Layer):
    """The N-D convolution base (Keras's ``_Conv``): ``rank`` spatial axes, Keras's kernel layout.

    Example: ``Conv2D(8, 3).build((None, 5, 5, 2))`` makes ``kernel (3, 3, 2, 8)``, ``bias (8,)``.
    """

    rank = 2
    _paddings = ("valid", "same")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.filters = _utils.positive_int(owner, "filters", filters) \
            if filters is not None else None
        self.kernel_size = _utils.normalize_tuple(owner, "kernel_size", kernel_size, self.rank)
        self.strides = _utils.normalize_tuple(owner, "strides", strides, self.rank)
        self.padding = _utils.normalize_padding(owner, padding, self._paddings)
        self.data_format = _utils.normalize_data_format(owner, data_format)
        self.dilation_rate = _utils.normalize_tuple(owner, "dilation_rate", dilation_rate,
                                                    self.rank)
        _utils.set_kernel_bias_options(
            self, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape):
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
        return int(input_dim)

    def _kernel_shape(self, input_dim):
        return self.kernel_size + (input_dim, self.filters)

    def build(self, input_shape):
        input_dim = self._input_channels(input_shape)
        self.kernel = self.add_weight("kernel", self._kernel_shape(input_dim),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: input_dim})
        self.built = True

    def _add_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight("bias", (size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None

    def _pad(self, x):
        """Pad ``x`` (channels-first) for TF's padding; returns ``(x, torch_padding)``."""
        if self.padding == "valid":
            return x, 0
        if self.padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            return F.pad(x, (left, 0)), 0
        pads = [_utils.same_padding(length, k, s, d) for length, k, s, d in
                zip(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)]
        if all(before == after for before, after in pads):
            return x, tuple(before for before, _ in pads)
        return F.pad(x, _utils.pad_pairs(pads)), 0

    def _torch_kernel(self):
        r = self.rank  # (k..., in, out) -> (out, in, k...)
        return self.kernel.permute(r + 1, r, *range(r))

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        x, padding = self._pad(x)
        y = _CONV[self.rank](x, self._torch_kernel(), self.bias, self.strides, padding,
                             self.dilation_rate)
        return self.activation(_utils.from_channels_first(y, self.data_format))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        space = _utils.spatial_of(input_shape, self.data_format)
        new_space = tuple(
            _utils.conv_output_length(length, k, self.padding, s, d)
            for length, k, s, d in zip(space, self.kernel_size, self.strides, self.dilation_rate)
        )
        return _utils.with_spatial(input_shape, self.data_format, new_space, self._out_channels(
            input_shape))

    def _out_channels(self, input_shape):
        return self.filters

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **_utils.kernel_bias_config(self),
        }
        return {**super().get_config(), **config}


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)``; ``padding='causal'`` pads only the
    past, so output ``t`` sees inputs ``<= t``.

    Example: ``Conv1D(4, 3, padding="causal")(torch.zeros(2, 10, 3)).shape == (2, 10, 4)``.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


class Conv2D(_Conv):
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
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


class Conv3D(_Conv):
    """3-D convolution over volumes; kernel ``(kd, kh, kw, in, out)``.

    Example: ``Conv3D(2, 3, padding="same")(torch.zeros(1, 4, 4, 4, 1)).shape == (1, 4, 4, 4, 2)``.
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


# --- depthwise and separable ----------------------------------------------------------------

def _depthwise_torch_kernel(kernel, rank):
    """``(k..., in, dm)`` -> torch's grouped ``(in * dm, 1, k...)`` (channel ``c*dm + q``)."""
    in_dim, dm = kernel.shape[rank], kernel.shape[rank + 1]
    w = kernel.permute(rank, rank + 1, *range(rank))
    return w.reshape((in_dim * dm, 1) + tuple(kernel.shape[:rank]))


class DepthwiseConv2D(Conv2D):
    """A convolution per input channel, ``depth_multiplier`` outputs each.

    Example: ``DepthwiseConv2D(3, depth_multiplier=2)(torch.zeros(1, 5, 5, 4)).shape ==
    (1, 3, 3, 8)``.
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = _utils.positive_int("DepthwiseConv2D", "depth_multiplier",
                                                    depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        input_dim = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._add_bias(input_dim * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: input_dim})
        self.built = True

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        x, padding = self._pad(x)
        y = _CONV[self.rank](x, _depthwise_torch_kernel(self.depthwise_kernel, self.rank),
                             self.bias, self.strides, padding, self.dilation_rate,
                             groups=x.shape[1])
        return self.activation(_utils.from_channels_first(y, self.data_format))

    def _out_channels(self, input_shape):
        return input_shape[self._channel_axis] * self.depth_multiplier

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = initializers.serialize(self.depthwise_initializer)
        config["depthwise_regularizer"] = regularizers.serialize(self.depthwise_regularizer)
        config["depthwise_constraint"] = constraints.serialize(self.depthwise_constraint)
        return config


class _SeparableConv(_Conv):
    """Depthwise convolution then a pointwise (1x1) one; the bias belongs to the pointwise.

    Example: ``SeparableConv2D(4, 3, depth_multiplier=2)`` on 3 channels has weights
    ``(3, 3, 3, 2)``, ``(1, 1, 6, 4)`` and ``(4,)``.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        owner = type(self).__name__
        self.depth_multiplier = _utils.positive_int(owner, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        input_dim = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self.rank + (input_dim * self.depth_multiplier,
                                                    self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: input_dim})
        self.built = True

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        x, padding = self._pad(x)
        conv = _CONV[self.rank]
        y = conv(x, _depthwise_torch_kernel(self.depthwise_kernel, self.rank), None,
                 self.strides, padding, self.dilation_rate, groups=x.shape[1])
        r = self.rank
        pointwise = self.pointwise_kernel.permute(r + 1, r, *range(r))
        y = conv(y, pointwise, self.bias)
        return self.activation(_utils.from_channels_first(y, self.data_format))

    def get_config(self):
        config = super().get_config()
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        for part in ("depthwise", "pointwise"):
            config[f"{part}_initializer"] = initializers.serialize(
                getattr(self, f"{part}_initializer"))
            config[f"{part}_regularizer"] = regularizers.serialize(
                getattr(self, f"{part}_regularizer"))
            config[f"{part}_constraint"] = constraints.serialize(
                getattr(self, f"{part}_constraint"))
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution.

    Example: ``SeparableConv1D(4, 3)(torch.zeros(2, 10, 3)).shape == (2, 8, 4)``.
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution.

    Example: ``SeparableConv2D(4, 3, padding="same")(torch.zeros(1, 5, 5, 3)).shape ==
    (1, 5, 5, 4)``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


# --- transposed -------------------------------------------------------------------------------

def deconv_output_length(length, kernel, padding, output_padding, stride, dilation=1):
    """Keras's ``conv_utils.deconv_output_length``."""
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        if padding == "full":
            return length * stride - (stride + kernel - 2)
        return length * stride
    pad = {"same": kernel // 2, "valid": 0, "full": kernel - 1}[padding]
    return (length - 1) * stride + kernel - 2 * pad + output_padding


class _ConvTranspose(_Conv):
    """The gradient of a convolution: kernel ``(k..., filters, in)``, TF's output lengths.

    Example: ``Conv2DTranspose(2, 3, strides=2, padding="same")`` doubles rows and columns.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        owner = type(self).__name__
        if output_padding is not None:
            output_padding = tuple(int(p) for p in (
                output_padding if isinstance(output_padding, (list, tuple))
                else (output_padding,) * self.rank))
            if len(output_padding) != self.rank:
                raise ValueError(f"{owner}: `output_padding` must be an integer or a tuple of "
                                 f"{self.rank} integers; got {output_padding!r}.")
            for stride, pad in zip(self.strides, output_padding):
                if pad >= stride:
                    raise ValueError(f"{owner}: stride {self.strides} must be greater than "
                                     f"output padding {output_padding}.")
        self.output_padding = output_padding

    def _kernel_shape(self, input_dim):
        return self.kernel_size + (self.filters, input_dim)

    def _out_lengths(self, space):
        pads = self.output_padding or (None,) * self.rank
        return tuple(deconv_output_length(length, k, self.padding, p, s, d) for
                     length, k, p, s, d in zip(space, self.kernel_size, pads, self.strides,
                                               self.dilation_rate))

    def call(self, inputs):
        x = _utils.to_channels_first(inputs, self.data_format)
        r = self.rank
        weight = self.kernel.permute(r + 1, r, *range(r))  # (k..., out, in) -> (in, out, k...)
        full = _CONV_T[r](x, weight, None, self.strides, 0, 0, 1, self.dilation_rate)
        out_lengths = self._out_lengths(x.shape[2:])
        slices = [slice(None), slice(None)]
        extra = []
        for axis, (out, k, s, d) in enumerate(zip(out_lengths, self.kernel_size, self.strides,
                                                  self.dilation_rate)):
            before = _utils.same_padding(out, k, s, d)[0] if self.padding == "same" else 0
            have = full.shape[2 + axis]
            stop = min(before + out, have)
            slices.append(slice(before, stop))
            extra.append((0, before + out - stop))
        y = full[tuple(slices)]
        if any(after for _, after in extra):
            y = F.pad(y, _utils.pad_pairs(extra))
        if self.bias is not None:
            y = y + self.bias.reshape((1, -1) + (1,) * r)
        return self.activation(_utils.from_channels_first(y, self.data_format))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        space = self._out_lengths(_utils.spatial_of(input_shape, self.data_format))
        return _utils.with_spatial(input_shape, self.data_format, space, self.filters)

    def get_config(self):
        return {**super().get_config(), "output_padding": self.output_padding}


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"); kernel ``(kh, kw, filters, in)``.

    Example: ``Conv2DTranspose(3, 3, strides=2, padding="same")(torch.zeros(1, 4, 4, 5)).shape
    == (1, 8, 8, 3)``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution; kernel ``(kd, kh, kw, filters, in)`` (no ``dilation_rate``,
    as in Keras 2.3).

    Example: ``Conv3DTranspose(2, 2, strides=2)(torch.zeros(1, 2, 2, 2, 3)).shape ==
    (1, 4, 4, 4, 2)``.
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        # Keras 2.3.1 accepts dilation_rate here (its Conv3D base takes it) and ignores it: the
        # transposed 3-D convolution is never dilated, and the config leaves it out.
        dilation_rate = kwargs.pop("dilation_rate", 1)
        if dilation_rate not in (1, (1, 1, 1), [1, 1, 1]):
            warnings.warn(f"Conv3DTranspose: dilation_rate={dilation_rate!r} is ignored, as in "
                          "Keras 2.3.1 (a transposed 3-D convolution is not dilated).",
                          stacklevel=2)
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         dilation_rate=1, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")
        return config


# Keras's aliases
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
Convolution2DTranspose = Deconvolution2D = Conv2DTranspose
Convolution3DTranspose = Deconvolution3D = Conv3DTranspose
