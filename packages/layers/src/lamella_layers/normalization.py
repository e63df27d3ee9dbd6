"""``BatchNormalization`` (Keras 2.3 semantics) and ``LayerNormalization`` (tf.keras's).

BatchNormalization keeps Keras's weights ``gamma, beta, moving_mean, moving_variance`` (the
moving statistics are non-trainable buffers) and Keras's maths: ``momentum`` is the decay of
the moving average (``moving = moving * momentum + batch * (1 - momentum)``, i.e. torch's
momentum ``1 - momentum``), ``epsilon=1e-3``, and the moving variance is updated with the
batch variance times ``n / (n - (1 + epsilon))`` as Keras does. The normalisation itself runs
through ``F.batch_norm`` on a view with the normalised axis second (no copy for channels-last
data).

Example::

    import torch
    from lamella_layers.normalization import BatchNormalization

    bn = BatchNormalization()
    bn.train()
    y = bn(torch.randn(8, 5))          # normalised with the batch statistics
    bn.eval()
    y = bn(torch.randn(8, 5))          # normalised with the moving statistics
"""

import torch
import torch.nn.functional as F

from lamella import constraints, initializers, regularizers
from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils

__all__ = ["BatchNormalization", "LayerNormalization"]


class BatchNormalization(Layer):
    """Normalises ``axis`` with batch statistics in training and moving ones in inference.

    Example: ``BatchNormalization(axis=1)(torch.randn(4, 3, 5, 5), training=True)``.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"BatchNormalization: `axis` must be one integer; got {axis!r}.")
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"BatchNormalization: `axis` must be an integer; got {axis!r}.")
        self.axis = axis
        self.momentum = _utils.number("BatchNormalization", "momentum", momentum, 0.0, 1.0)
        self.epsilon = _utils.number("BatchNormalization", "epsilon", epsilon, 0.0)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(f"BatchNormalization: `axis` {self.axis} is out of range for an "
                             f"input of shape {tuple(input_shape)!r}.")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"BatchNormalization: axis {self.axis} of the input should have a "
                             f"defined dimension but the layer received an input with shape "
                             f"{tuple(input_shape)!r}.")
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        shape = (dim,)
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        axis = self.axis % inputs.dim()
        x = inputs if axis == 1 else inputs.movedim(axis, 1)  # a view, no copy
        if not training:
            y = F.batch_norm(x, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                             False, 0.0, self.epsilon)
        else:
            y = F.batch_norm(x, None, None, self.gamma, self.beta, True, 0.0, self.epsilon)
            with torch.no_grad():
                dims = [d for d in range(x.dim()) if d != 1]
                var, mean = torch.var_mean(x.detach(), dim=dims, unbiased=False)
                n = x.numel() // x.shape[1]
                var = var * (n / (n - (1.0 + self.epsilon))) if n > 1 + self.epsilon else var
                decay = 1.0 - self.momentum
                self.moving_mean.sub_((self.moving_mean - mean.to(self.moving_mean.dtype))
                                      * decay)
                self.moving_variance.sub_((self.moving_variance
                                           - var.to(self.moving_variance.dtype)) * decay)
        return y if axis == 1 else y.movedim(1, axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class LayerNormalization(Layer):
    """Normalises each sample over ``axis`` (an int or a list; tf.keras's signature).

    Weights ``gamma`` then ``beta``, shaped like the normalised axes.

    Example: ``LayerNormalization()(torch.randn(2, 5))`` has mean 0 and variance ~1 per row.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ValueError(f"LayerNormalization: `axis` must be an integer or a list of "
                             f"integers; got {axis!r}.")
        self.axis = axes if isinstance(axis, (list, tuple)) else axis
        self._axes = axes
        self.epsilon = _utils.number("LayerNormalization", "epsilon", epsilon, 0.0)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        try:
            axes = sorted({a % ndim for a in self._axes})
        except ZeroDivisionError:
            axes = []
        if not axes or any(not -ndim <= a < ndim for a in self._axes) or 0 in axes:
            raise ValueError(f"LayerNormalization: invalid `axis` {self.axis!r} for input shape "
                             f"{tuple(input_shape)!r}.")
        self._norm_axes = axes
        shape = tuple(input_shape[a] for a in axes)
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.built = True

    def call(self, inputs):
        axes = self._norm_axes
        ndim = inputs.dim()
        if axes == list(range(ndim - len(axes), ndim)):
            return F.layer_norm(inputs, inputs.shape[ndim - len(axes):], self.gamma, self.beta,
                                self.epsilon)
        var, mean = torch.var_mean(inputs, dim=axes, unbiased=False, keepdim=True)
        y = (inputs - mean) * torch.rsqrt(var + self.epsilon)
        shape = [inputs.shape[d] if d in axes else 1 for d in range(ndim)]
        if self.gamma is not None:
            y = y * self.gamma.reshape(shape)
        if self.beta is not None:
            y = y + self.beta.reshape(shape)
        return y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}
