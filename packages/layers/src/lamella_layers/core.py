"""Keras 2.3's core layers: ``Dense``, ``Activation``, ``Dropout``, ``Flatten``, ``Reshape``,
``Permute``, ``RepeatVector``, ``Lambda``, ``ActivityRegularization``, ``Masking`` and
``SpatialDropout1D/2D/3D``.

Example::

    import torch
    from lamella_layers.core import Dense, Dropout, Flatten

    x = torch.ones(8, 4, 4, 3)
    y = Dense(5, activation="relu")(Dropout(0.2)(Flatten()(x)))   # (8, 5)
"""

import numpy as np
import torch
import torch.nn.functional as F

from lamella import activations
from lamella import saving as lamella_saving
from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
           "Lambda", "ActivityRegularization", "Masking", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D"]


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
        _utils.set_kernel_bias_options(
            self, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
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
            **_utils.kernel_bias_config(self),
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


class Reshape(Layer):
    """Reshapes the non-batch axes to ``target_shape`` (one entry may be ``-1``).

    Example: ``Reshape((3, -1))(torch.zeros(2, 12)).shape == (2, 3, 4)``.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"Reshape: `target_shape` must be a tuple of integers; got "
                             f"{target_shape!r}.") from None
        if sum(d == -1 for d in target) > 1 or any(d == 0 or d < -1 for d in target):
            raise ValueError(f"Reshape: `target_shape` must hold positive integers and at most "
                             f"one -1; got {target_shape!r}.")
        self.target_shape = target

    def _fix(self, input_shape):
        target = list(self.target_shape)
        if any(d is None for d in input_shape):
            return tuple(None if d == -1 else d for d in target)
        total = int(np.prod(input_shape)) if input_shape else 1
        known = int(np.prod([d for d in target if d != -1])) if target else 1
        if -1 in target:
            if known == 0 or total % known:
                raise ValueError(f"Reshape: total size of the new array must be unchanged "
                                 f"(input {tuple(input_shape)}, target {self.target_shape}).")
            target[target.index(-1)] = total // known
        elif total != known:
            raise ValueError(f"Reshape: total size of the new array must be unchanged "
                             f"(input {tuple(input_shape)}, target {self.target_shape}).")
        return tuple(target)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._fix(tuple(input_shape[1:]))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` is 1-indexed (``(2, 1)`` swaps the first two).

    Example: ``Permute((2, 1))(torch.zeros(2, 3, 4)).shape == (2, 4, 3)``.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            raise ValueError(f"Permute: `dims` must be a tuple of integers; got {dims!r}.") \
                from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute: invalid permutation `dims`: {dims!r}. `dims` should "
                             f"contain consecutive integers starting from 1.")
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self.supports_masking = True

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    Example: ``RepeatVector(3)(torch.zeros(2, 4)).shape == (2, 3, 4)``.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = _utils.positive_int("RepeatVector", "n", n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(-1, self.n, -1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


# --- Lambda ---------------------------------------------------------------------------------

def _func_dump(func):
    """Keras's ``func_dump``: base64 marshal of the code, defaults and closure values."""
    import codecs
    import marshal

    raw_code = codecs.encode(marshal.dumps(func.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return raw_code, func.__defaults__, closure


def _func_load(code, globs):
    """Keras's ``func_load`` (only reached with ``safe_mode=False``)."""
    import codecs
    import marshal
    import types

    if isinstance(code, (tuple, list)):
        code, defaults, closure = (list(code) + [None, None])[:3]
        if isinstance(defaults, list):
            defaults = tuple(defaults)
    else:
        defaults = closure = None

    def cell(value):
        return (lambda: value).__closure__[0]

    raw = codecs.decode(code.encode("ascii"), "base64")
    code = marshal.loads(raw)
    if closure is not None:
        closure = tuple(cell(c) for c in closure)
    return types.FunctionType(code, globs, name=code.co_name, argdefs=defaults, closure=closure)


def _is_named_function(func):
    import types

    return (isinstance(func, types.FunctionType) and func.__name__ != "<lambda>"
            and "<locals>" not in func.__qualname__)


class Lambda(Layer):
    """Wraps an expression (a function of the input tensor(s)) as a layer.

    ``output_shape`` (a tuple without the batch axis, or a function of the input shape) is
    optional: by default the shape is found by running the function. ``mask`` is a tensor or
    a function ``(inputs, mask) -> mask``; ``arguments`` are extra keyword arguments.

    Serialization: a named module-level function is stored by name (resolved through
    ``custom_objects`` on loading); a lambda or closure is stored as Keras's marshalled
    bytecode, which ``from_config`` refuses unless the caller opted in with
    ``safe_mode=False``.

    Example: ``Lambda(lambda x: x ** 2)(torch.tensor([[3.0]]))`` is ``[[9.0]]``.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda: `function` must be callable; got {function!r}.")
        self.function = function
        self.arguments = dict(arguments) if arguments else {}
        self.supports_masking = mask is not None
        self.mask = mask
        if output_shape is None or callable(output_shape):
            self._output_shape = output_shape
        elif isinstance(output_shape, (tuple, list)):
            self._output_shape = tuple(output_shape)
        else:
            raise TypeError("Lambda: `output_shape` must be a list, a tuple, or a function.")
        import inspect

        try:
            self._takes_mask = "mask" in inspect.signature(function).parameters
        except (TypeError, ValueError):
            self._takes_mask = False

    def call(self, inputs, mask=None):
        arguments = dict(self.arguments)
        if self._takes_mask:
            arguments["mask"] = mask
        return self.function(inputs, **arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            from lamella.engine.base_layer import probe_output_shape

            return probe_output_shape(self, input_shape)
        if isinstance(self._output_shape, tuple):
            if isinstance(input_shape, list):
                batch = input_shape[0][0]
            else:
                batch = input_shape[0] if input_shape else None
            return (batch,) + self._output_shape
        shape = self._output_shape(input_shape)
        if not isinstance(shape, (list, tuple)):
            raise ValueError("Lambda: the `output_shape` function must return a tuple or a "
                             "list of tuples.")
        if isinstance(shape, list) and (not shape or isinstance(shape[0], int)
                                        or shape[0] is None):
            shape = tuple(shape)
        return shape

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    @staticmethod
    def _dump(func):
        if _is_named_function(func):
            return func.__name__, "function"
        return _func_dump(func), "lambda"

    def get_config(self):
        function, function_type = self._dump(self.function)
        if callable(self._output_shape):
            output_shape, output_shape_type = self._dump(self._output_shape)
        else:
            output_shape, output_shape_type = self._output_shape, "raw"
        arguments = {k: ({"type": "ndarray", "value": v.tolist()} if isinstance(v, np.ndarray)
                         else v) for k, v in self.arguments.items()}
        return {**super().get_config(), "function": function, "function_type": function_type,
                "output_shape": output_shape, "output_shape_type": output_shape_type,
                "arguments": arguments}

    @classmethod
    def _load(cls, value, kind, what, custom_objects, safe_mode):
        from lamella.plugins.custom_objects import get_custom_objects

        if kind == "function":
            lookup = dict(get_custom_objects())
            lookup.update(custom_objects or {})
            if value in lookup:
                return lookup[value]
            from lamella import activations

            try:
                return activations.get(value)
            except Exception:  # noqa: BLE001
                raise ValueError(
                    f"Lambda: unknown {what} {value!r}; pass it in `custom_objects`."
                ) from None
        if kind == "lambda":
            if safe_mode:
                raise ValueError(
                    f"Lambda: the config holds the {what} as Python bytecode, which is not "
                    f"loaded by default because it can run arbitrary code. If you trust its "
                    f"source, load it with safe_mode=False."
                )
            globs = dict(globals())
            globs.update(get_custom_objects())
            globs.update(custom_objects or {})
            return _func_load(value, globs)
        raise TypeError(f"Lambda: unknown {what} type {kind!r}.")

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        if safe_mode is None:  # the loader's setting: load_model(..., safe_mode=...)
            safe_mode = lamella_saving.safe_mode()
        safe_mode = lamella_saving.check_safe_mode(safe_mode)  # 0 is no "False"
        config["function"] = cls._load(config["function"], config.pop("function_type", "function"),
                                       "function", custom_objects, safe_mode)
        shape_type = config.pop("output_shape_type", "raw")
        if shape_type != "raw":
            config["output_shape"] = cls._load(config["output_shape"], shape_type,
                                               "output_shape function", custom_objects,
                                               safe_mode)
        arguments = dict(config.get("arguments") or {})
        for key, value in arguments.items():
            if isinstance(value, dict) and value.get("type") == "ndarray":
                arguments[key] = np.array(value["value"])
        config["arguments"] = arguments
        return cls(**config)


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x**2)`` of its input to the loss.

    Example: ``ActivityRegularization(l2=0.01)``.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        from lamella_layers.regularizers import L1L2

        super().__init__(**kwargs)
        self.supports_masking = True
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.activity_regularizer = L1L2(l1=self.l1, l2=self.l2)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


class Masking(Layer):
    """Masks the timesteps whose features all equal ``mask_value`` (and zeroes them).

    Example::

        x = torch.tensor([[[1.0], [0.0]]])
        Masking()(x)                              # [[[1.0], [0.0]]]
        Masking().compute_mask(x).tolist()        # [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        if not torch.is_tensor(inputs):
            return True  # symbolic: a mask flows
        return (inputs != self.mask_value).any(dim=-1)

    def call(self, inputs):
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


class SpatialDropout1D(Dropout):
    """Drops whole feature maps (channels) in training: one mask per (sample, channel).

    Example: ``SpatialDropout1D(0.5)`` on ``(batch, steps, channels)`` input.
    """

    _rank = 3

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        owner = type(self).__name__
        self.data_format = "channels_last" if self._rank == 3 else \
            _utils.normalize_data_format(owner, data_format)
        self.input_spec = InputSpec(ndim=self._rank)

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or not 0.0 < self.rate < 1.0:
            return inputs
        shape = [1] * inputs.dim()
        shape[0] = inputs.shape[0]
        channel = 1 if self.data_format == "channels_first" else inputs.dim() - 1
        shape[channel] = inputs.shape[channel]
        keep = (torch.rand(shape, device=inputs.device, dtype=inputs.dtype) >= self.rate)
        return inputs * keep.to(inputs.dtype) / (1.0 - self.rate)

    def get_config(self):
        config = {**super().get_config()}
        config.pop("noise_shape", None)
        config.pop("seed", None)
        if self._rank > 3:
            config["data_format"] = self.data_format
        return config


class SpatialDropout2D(SpatialDropout1D):
    """``SpatialDropout1D`` for images (``data_format`` chooses the channel axis).

    Example: ``SpatialDropout2D(0.2)(torch.ones(2, 4, 4, 3)).shape == (2, 4, 4, 3)``.
    """

    _rank = 4


class SpatialDropout3D(SpatialDropout1D):
    """``SpatialDropout1D`` for volumes (``data_format`` chooses the channel axis).

    Example: ``SpatialDropout3D(0.2)(torch.ones(1, 2, 2, 2, 3)).shape == (1, 2, 2, 2, 3)``.
    """

    _rank = 5
