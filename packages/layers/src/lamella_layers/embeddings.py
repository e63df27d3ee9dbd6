"""Keras 2.3's ``Embedding`` layer.

The table is ``(input_dim, output_dim)`` (the same as ``nn.Embedding``'s weight); the default
initializer is ``'uniform'`` = ``RandomUniform(-0.05, 0.05)``. ``mask_zero=True`` makes index
0 a padding value: the output carries a mask that downstream RNNs and merges honour.

Example::

    import torch
    from lamella_layers.embeddings import Embedding

    layer = Embedding(10, 4, mask_zero=True)
    x = torch.tensor([[3, 1, 0]])
    layer(x).shape                     # (1, 3, 4)
    layer.compute_mask(x).tolist()     # [[True, True, False]]
"""

import torch
import torch.nn.functional as F

from lamella import constraints, initializers, regularizers
from lamella.engine.base_layer import Layer
from lamella_layers import _utils

__all__ = ["Embedding"]


class Embedding(Layer):
    """Turns positive integer indices into dense vectors of size ``output_dim``.

    Example: ``Embedding(10, 4)(torch.tensor([[1, 2]])).shape == (1, 2, 4)``.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            if input_length is not None:
                length = tuple(input_length) if isinstance(input_length, (list, tuple)) \
                    else (input_length,)
                kwargs["input_shape"] = length
            else:
                kwargs["input_shape"] = (None,)
        super().__init__(**kwargs)
        self.input_dim = _utils.positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _utils.positive_int("Embedding", "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    _keeps_integer_inputs = True

    def call(self, inputs):
        if inputs.dtype not in (torch.int64, torch.int32):
            inputs = inputs.to(torch.int64)  # Keras casts to int32 (truncation)
        try:
            return F.embedding(inputs, self.embeddings)
        except IndexError as exc:  # checked by torch on the CPU; checking here would sync a GPU
            raise IndexError(
                f"Embedding {self.name!r}: an input index is outside [0, {self.input_dim}) "
                f"(input_dim={self.input_dim}); indices must be smaller than input_dim."
            ) from exc

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        if not torch.is_tensor(inputs):
            return True  # symbolic: a mask flows
        return inputs != 0

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = tuple(self.input_length) if isinstance(self.input_length, (list, tuple)) \
            else (self.input_length,)
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f"Embedding: `input_length` is {self.input_length!r}, but the "
                             f"input has shape {input_shape!r}.")
        dims = tuple(d2 if d1 is None else d1 for d1, d2 in zip(lengths, input_shape[1:]))
        return (input_shape[0],) + dims + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        return {**config, "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero, "input_length": self.input_length}
