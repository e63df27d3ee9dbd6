"""Keras 2.3's layer wrappers: ``TimeDistributed`` and ``Bidirectional``.

Example::

    import torch
    from lamella_layers.core import Dense
    from lamella_layers.recurrent import LSTM
    from lamella_layers.wrappers import Bidirectional, TimeDistributed

    TimeDistributed(Dense(4))(torch.randn(2, 5, 3)).shape                   # (2, 5, 4)
    Bidirectional(LSTM(4, return_sequences=True))(torch.randn(2, 5, 3)).shape  # (2, 5, 8)
"""

import torch

from lamella.engine.base_layer import Layer

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]


def _deserialize(config, custom_objects=None):
    from lamella import layers as layers_facade

    return layers_facade.deserialize(config, custom_objects)


class Wrapper(Layer):
    """A layer around another layer (``self.layer``).

    Example: ``TimeDistributed(Dense(2)).layer`` is the Dense layer````.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: `layer` must be a Layer instance; got "
                             f"{layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        return {**super().get_config(),
                "layer": {"class_name": type(self.layer).__name__,
                          "config": self.layer.get_config()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` to every temporal slice (axis 1) of the input.

    Example: ``TimeDistributed(Dense(4))(torch.randn(2, 5, 3)).shape == (2, 5, 4)``.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed {self.name!r}: the input should be at least 3D "
                             f"(batch, time, ...); got input_shape {input_shape!r}.")
        self._build_sublayer(self.layer, (input_shape[0],) + input_shape[2:])
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        child = self.layer.compute_output_shape((input_shape[0],) + input_shape[2:])
        return (child[0], input_shape[1]) + tuple(child[1:])

    def call(self, inputs, mask=None, training=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {}
        if self.layer._call_accepts("training") and training is not None:
            kwargs["training"] = training
        if mask is not None and self.layer._call_accepts("mask"):
            kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        out = self.layer(flat, **kwargs)
        return out.reshape((batch, steps) + tuple(out.shape[1:]))

    def _preprocess_loaded_weights(self, arrays):
        # Keras converts the wrapped layer's weights (e.g. a CuDNNLSTM's for an LSTM).
        return self.layer._preprocess_loaded_weights(arrays)

    def compute_mask(self, inputs, mask=None):
        if not torch.is_tensor(inputs):
            return mask
        inner_mask = None
        batch, steps = inputs.shape[0], inputs.shape[1]
        if mask is not None:
            inner_mask = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        output_mask = self.layer.compute_mask(flat, inner_mask) \
            if type(self.layer).compute_mask is not Layer.compute_mask or \
            self.layer.supports_masking else None
        if output_mask is None:
            if mask is None:
                return None
            output_mask = mask
            while output_mask.dim() > 2:
                output_mask = output_mask.any(dim=-1)
            return output_mask
        return output_mask.reshape((batch, steps) + tuple(output_mask.shape[1:]))


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Runs a recurrent layer forwards and backwards and merges the two outputs.

    ``merge_mode`` is ``'concat'`` (default), ``'sum'``, ``'mul'``, ``'ave'`` or ``None`` (a list
    of both outputs). The wrapped copies are named ``forward_<name>`` and ``backward_<name>``;
    their weights are the forward layer's then the backward layer's, as in Keras.

    Example: ``Bidirectional(GRU(4), merge_mode='sum')(torch.randn(2, 5, 3)).shape == (2, 4)``.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, **kwargs):
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: invalid `merge_mode` {merge_mode!r}; merge mode "
                             f"should be one of {{'sum', 'mul', 'ave', 'concat', None}}.")
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(f"Bidirectional: `layer` must be a recurrent layer; got {layer!r}.")
        Layer.__init__(self, **kwargs)
        self._layer_class = type(layer)
        self._layer_config = layer.get_config()
        config = dict(self._layer_config)
        config["go_backwards"] = not config["go_backwards"]
        backward = type(layer).from_config(config)
        layer.name = "forward_" + layer.name
        backward.name = "backward_" + backward.name
        self.forward_layer = layer
        self.backward_layer = backward
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self.supports_masking = True
        if weights:
            half = len(weights) // 2
            self._bidirectional_weights = (weights[:half], weights[half:])
        else:
            self._bidirectional_weights = None

    @property
    def layer(self):
        return self.forward_layer

    def build(self, input_shape):
        self._build_sublayer(self.forward_layer, input_shape, nested_scope=True)
        self._build_sublayer(self.backward_layer, input_shape, nested_scope=True)
        if self._bidirectional_weights is not None:
            self.forward_layer.set_weights(self._bidirectional_weights[0])
            self.backward_layer.set_weights(self._bidirectional_weights[1])
            self._bidirectional_weights = None
        self.built = True

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)):
                initial_state = [initial_state]
            inputs = [inputs] + list(initial_state)
        return super().__call__(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        state_shapes = []
        if self.return_state:
            state_shapes = output_shape[1:]
            output_shape = output_shape[0]
        output_shape = tuple(output_shape)
        if self.merge_mode == "concat":
            last = None if output_shape[-1] is None else output_shape[-1] * 2
            output_shape = output_shape[:-1] + (last,)
            result = [output_shape]
        elif self.merge_mode is None:
            result = [output_shape, output_shape]
        else:
            result = [output_shape]
        if self.return_state:
            return result + list(state_shapes) + list(state_shapes)
        return result if len(result) > 1 else result[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else [mask]
        else:
            output_mask = [None, None] if not self.merge_mode else [None]
        if self.return_state:
            n = len(self.forward_layer._state_sizes)
            return output_mask + [None] * (2 * n)
        return output_mask if len(output_mask) > 1 else output_mask[0]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):
            inputs, extra = inputs[0], list(inputs[1:])
            if extra:
                initial_state = extra
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        kwargs = {"mask": mask, "training": training}
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
            y = self.forward_layer.call(inputs, initial_state=forward_state, **kwargs)
            y_rev = self.backward_layer.call(inputs, initial_state=backward_state, **kwargs)
        else:
            y = self.forward_layer.call(inputs, **kwargs)
            y_rev = self.backward_layer.call(inputs, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, dims=(1,))
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def reset_states(self, states=None):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def _preprocess_loaded_weights(self, arrays):
        # Keras's convert_nested_bidirectional: each half as its own layer's weights.
        half = len(arrays) // 2
        return (self.forward_layer._preprocess_loaded_weights(list(arrays[:half]))
                + self.backward_layer._preprocess_loaded_weights(list(arrays[half:])))

    def get_config(self):
        config = Layer.get_config(self)
        config["layer"] = {"class_name": self._layer_class.__name__,
                           "config": self._layer_config}
        config["merge_mode"] = self.merge_mode
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)
