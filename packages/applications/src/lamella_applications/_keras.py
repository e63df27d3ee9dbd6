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

import lamella

_KWARGS = ("backend", "layers", "models", "utils")


def get_submodules_from_kwargs(kwargs):
    """``(backend, layers, models, utils)``: those in ``kwargs``, else lamella's."""
    for key in kwargs:
        if key not in _KWARGS:
            raise TypeError(f"Invalid keyword argument: {key!r} (the applications accept "
                            f"{', '.join(_KWARGS)} besides their documented arguments)")
    return (kwargs.get("backend", lamella.backend), kwargs.get("layers", lamella.layers),
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
