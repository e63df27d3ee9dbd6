"""Which Keras modules the applications build with: lamella's, by default.

The application modules are keras_applications 1.0.8's (MIT licence, see ``NOTICE``), which
take the Keras modules to build with as keyword arguments (``backend``, ``layers``, ``models``,
``utils``), as ``keras.applications`` injects them. Here they default to lamella's facades, so
``VGG16(weights=None)`` builds a lamella model; passing them explicitly still works.

Example::

    >>> backend, layers, models, utils = get_submodules_from_kwargs({})
    >>> layers.Conv2D.__name__
    'Conv2D'
"""

import contextlib
import types

import numpy as np
import torch

import lamella
from lamella import backend as _lamella_backend
from lamella.engine.node import SymbolicTensor

_KWARGS = ("backend", "layers", "models", "utils")


def _is_keras_tensor(x):
    # Keras raises for non-tensors; the applications only ask about what they were given.
    if not isinstance(x, (SymbolicTensor, torch.Tensor, np.ndarray)):
        raise ValueError(f"Unexpectedly found an instance of type `{type(x)}`. "
                         f"Expected a symbolic tensor instance.")
    return isinstance(x, SymbolicTensor)


def _name_scope(name):
    # lamella has no graph name scopes; layer names are the same without them (NASNet uses
    # scopes only around blocks whose layers have explicit names).
    return contextlib.nullcontext(name)


def _dtype(x):
    dtype = x.dtype
    return str(dtype).replace("torch.", "")


def _bias_add(x, bias, data_format=None):
    # preprocess_input on a tensor: a per-channel offset along the channel axis.
    bias = torch.as_tensor(bias, dtype=x.dtype, device=x.device)
    if data_format == "channels_first":
        return x + bias.reshape((1, -1) + (1,) * (x.ndim - 2))
    return x + bias


def _backend_namespace():
    """lamella.backend with the four functions the applications need where it lacks them."""
    namespace = types.SimpleNamespace()
    for name in dir(_lamella_backend):
        if not name.startswith("__"):
            setattr(namespace, name, getattr(_lamella_backend, name))
    for name, fallback in (("is_keras_tensor", _is_keras_tensor), ("name_scope", _name_scope),
                           ("dtype", _dtype), ("bias_add", _bias_add)):
        if getattr(namespace, name, None) is None:
            setattr(namespace, name, fallback)
    return namespace


_BACKEND = None


def get_submodules_from_kwargs(kwargs):
    """``(backend, layers, models, utils)``: those in ``kwargs``, else lamella's."""
    global _BACKEND
    for key in kwargs:
        if key not in _KWARGS:
            raise TypeError(f"Invalid keyword argument: {key!r} (the applications accept "
                            f"{', '.join(_KWARGS)} besides their documented arguments)")
    if _BACKEND is None:
        _BACKEND = _backend_namespace()
    return (kwargs.get("backend", _BACKEND), kwargs.get("layers", lamella.layers),
            kwargs.get("models", lamella.models), kwargs.get("utils", lamella.utils))


def correct_pad(backend, inputs, kernel_size):
    """The zero-padding of a strided 2D convolution that matches TensorFlow's ``'same'``.

    # Arguments
        inputs: the (symbolic) input tensor.
        kernel_size: an integer or a tuple/list of 2 integers.

    # Returns
        ``((top, bottom), (left, right))``.
    """
    img_dim = 2 if backend.image_data_format() == "channels_first" else 1
    input_size = backend.int_shape(inputs)[img_dim:(img_dim + 2)]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    if input_size[0] is None:
        adjust = (1, 1)
    else:
        adjust = (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]),
            (correct[1] - adjust[1], correct[1]))
