"""``MultiHeadAttention`` (tf.keras's signature and weight layouts; beyond Keras 2.3).

Weights: ``query/kernel (dim, heads, key_dim)``, ``query/bias (heads, key_dim)``, the same for
``key`` and ``value`` (``value_dim``), then ``attention_output/kernel (heads, value_dim,
out_dim)`` and ``attention_output/bias (out_dim,)``. Attention runs over axis 1 of
``(batch, steps, features)`` inputs.

Example::

    import torch
    from lamella_layers.attention import MultiHeadAttention

    mha = MultiHeadAttention(num_heads=2, key_dim=4)
    q, v = torch.randn(3, 5, 8), torch.randn(3, 7, 8)
    mha([q, v]).shape                  # (3, 5, 8)
"""

import math

import torch
import torch.nn.functional as F

from lamella import constraints, initializers, regularizers
from lamella.engine.base_layer import Layer
from lamella_layers import _utils

__all__ = ["MultiHeadAttention"]


class MultiHeadAttention(Layer):
    """Scaled dot-product attention with ``num_heads`` heads.

    Call as ``mha([query, value])``, ``mha([query, value, key])`` or ``mha(query, value,
    key=None, attention_mask=None, return_attention_scores=False)`` on tensors.
    ``attention_mask`` is ``(batch, q_steps, kv_steps)`` with True where attention is allowed.

    Example: ``MultiHeadAttention(1, 2)([torch.ones(1, 2, 3), torch.ones(1, 4, 3)]).shape ==
    (1, 2, 3)``.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_heads = _utils.positive_int("MultiHeadAttention", "num_heads", num_heads)
        self.key_dim = _utils.positive_int("MultiHeadAttention", "key_dim", key_dim)
        self.value_dim = _utils.positive_int("MultiHeadAttention", "value_dim", value_dim) \
            if value_dim is not None else self.key_dim
        self.dropout = _utils.rate("MultiHeadAttention", "dropout", dropout)
        self.use_bias = bool(use_bias)
        if output_shape is not None and not isinstance(output_shape, (list, tuple)):
            output_shape = (output_shape,)
        self._output_shape = tuple(output_shape) if output_shape is not None else None
        if attention_axes not in (None, 1, (1,), [1]):
            raise ValueError("MultiHeadAttention: only attention over axis 1 is supported; got "
                             f"attention_axes={attention_axes!r}.")
        self.attention_axes = attention_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _dense(self, prefix, kernel_shape, bias_shape):
        kernel = self.add_weight(f"{prefix}/kernel", kernel_shape,
                                 initializer=self.kernel_initializer,
                                 regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        bias = None
        if self.use_bias:
            bias = self.add_weight(f"{prefix}/bias", bias_shape,
                                   initializer=self.bias_initializer,
                                   regularizer=self.bias_regularizer,
                                   constraint=self.bias_constraint)
        return kernel, bias

    def build(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) and input_shape and \
            isinstance(input_shape[0], (tuple, list)) else [input_shape, input_shape]
        query_shape, value_shape = shapes[0], shapes[1]
        key_shape = shapes[2] if len(shapes) > 2 else value_shape
        h = self.num_heads
        self.query_kernel, self.query_bias = self._dense(
            "query", (query_shape[-1], h, self.key_dim), (h, self.key_dim))
        self.key_kernel, self.key_bias = self._dense(
            "key", (key_shape[-1], h, self.key_dim), (h, self.key_dim))
        self.value_kernel, self.value_bias = self._dense(
            "value", (value_shape[-1], h, self.value_dim), (h, self.value_dim))
        out = self._output_shape or (query_shape[-1],)
        self.output_kernel, self.output_bias = self._dense(
            "attention_output", (h, self.value_dim) + tuple(out), tuple(out))
        self.built = True

    @staticmethod
    def _project(x, kernel, bias):
        y = torch.einsum("bsd,dhk->bshk", x, kernel)
        return y + bias if bias is not None else y

    def call(self, inputs, value=None, key=None, attention_mask=None,
             return_attention_scores=False, training=None):
        if isinstance(inputs, (list, tuple)):
            query, value = inputs[0], inputs[1]
            key = inputs[2] if len(inputs) > 2 else key
        else:
            query = inputs
        if value is None:
            value = query
        if key is None:
            key = value
        if training is None:
            training = self.training
        q = self._project(query, self.query_kernel, self.query_bias) / math.sqrt(self.key_dim)
        k = self._project(key, self.key_kernel, self.key_bias)
        v = self._project(value, self.value_kernel, self.value_bias)
        scores = torch.einsum("bshk,bthk->bhst", q, k)
        if attention_mask is not None:
            mask = attention_mask.to(torch.bool).unsqueeze(1)
            scores = scores.masked_fill(~mask, -1e9)
        probs = torch.softmax(scores, dim=-1)
        dropped = F.dropout(probs, self.dropout, training=bool(training)) \
            if self.dropout > 0 else probs
        context = torch.einsum("bhst,bthv->bshv", dropped, v)
        out = torch.einsum("bshv,hvo->bso", context,
                           self.output_kernel.reshape(self.num_heads, self.value_dim, -1))
        out = out.reshape(out.shape[:2] + tuple(self.output_kernel.shape[2:]))
        if self.output_bias is not None:
            out = out + self.output_bias
        if return_attention_scores:
            return out, probs
        return out

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) and input_shape and \
            isinstance(input_shape[0], (tuple, list)) else [input_shape]
        query_shape = tuple(shapes[0])
        out = self._output_shape or (query_shape[-1],)
        return query_shape[:-1] + tuple(out)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self._output_shape, "attention_axes": self.attention_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}
