"""``lamella.utils.layer_utils``: Keras 2.3.1's module of that name.

Example::

    from lamella.utils.layer_utils import count_params
    count_params(model.trainable_weights)
"""

import numpy as np

from lamella.utils.generic_utils import as_list

__all__ = ["convert_all_kernels_in_model", "convert_dense_weights_data_format",
           "convert_kernel", "count_params", "get_source_inputs", "print_summary"]

#: The layers whose kernels ``convert_all_kernels_in_model`` flips (Keras's list).
_CONV_CLASSES = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose")


def count_params(weights):
    """The number of scalars in a list of weights (tensors, variables or arrays), each distinct
    weight counted once (Keras counts ``set(weights)``)."""
    seen, total = set(), 0
    for weight in as_list(weights):
        if id(weight) in seen:
            continue
        seen.add(id(weight))
        total += int(np.prod(tuple(weight.shape)))
    return total


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """The same table as ``model.summary()``."""
    model.summary(line_length=line_length, positions=positions, print_fn=print_fn)


def get_source_inputs(tensor, layer=None, node_index=None):
    """The ``Input`` tensors a symbolic tensor was computed from."""
    from lamella.utils import get_source_inputs as source_inputs

    return source_inputs(tensor, layer, node_index)


def convert_kernel(kernel):
    """A convolution kernel flipped along its spatial axes (Theano <-> TensorFlow), as
    Keras's ``convert_kernel``: ``kernel[::-1, ::-1, :, :]`` for a 2D kernel."""
    kernel = np.asarray(kernel)
    if kernel.ndim not in (3, 4, 5):
        raise ValueError(f"convert_kernel expects a 1D, 2D or 3D convolution kernel (3 to 5 "
                         f"dimensions), got shape {kernel.shape}.")
    slices = [slice(None, None, -1)] * (kernel.ndim - 2) + [slice(None), slice(None)]
    return np.copy(kernel[tuple(slices)])


def convert_all_kernels_in_model(model):
    """Flip every convolution kernel of ``model`` in place (Theano <-> TensorFlow kernels),
    for ``Conv1D``, ``Conv2D``, ``Conv3D`` and ``Conv2DTranspose`` layers, as Keras does.

    Example::

        model.load_weights("theano_weights.h5")
        convert_all_kernels_in_model(model)
    """
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ not in _CONV_CLASSES:
            continue
        weights = layer.get_weights()
        weights[0] = convert_kernel(weights[0])  # the kernel comes first (Keras's order)
        layer.set_weights(weights)


def convert_dense_weights_data_format(dense, previous_feature_map_shape,
                                      target_data_format="channels_first"):
    """Reorder a ``Dense`` layer's kernel rows after a ``Flatten`` whose input changed data
    format (Keras's utility for moving weights between channels_first and channels_last).

    # Arguments
        dense: the ``Dense`` layer after the ``Flatten``.
        previous_feature_map_shape: the feature map's shape before ``Flatten``, without the
            batch axis, in the data format the kernel was trained with, e.g. ``(512, 7, 7)``.
        target_data_format: the data format to convert to.
    """
    if target_data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"target_data_format must be 'channels_first' or 'channels_last', "
                         f"got {target_data_format!r}.")
    kernel, *rest = dense.get_weights()
    for i in range(kernel.shape[1]):
        if target_data_format == "channels_first":
            c, h, w = previous_feature_map_shape
            original_fm_shape = (h, w, c)
            ki = kernel[:, i].reshape(original_fm_shape)
            ki = np.transpose(ki, (2, 0, 1))  # last -> first
        else:
            h, w, c = previous_feature_map_shape
            original_fm_shape = (c, h, w)
            ki = kernel[:, i].reshape(original_fm_shape)
            ki = np.transpose(ki, (1, 2, 0))  # first -> last
        kernel[:, i] = np.reshape(ki, (np.prod(previous_feature_map_shape),))
    dense.set_weights([kernel, *rest])


