"""``keras.utils.layer_utils``: counting weights, printing a summary, finding a tensor's
inputs, and converting Dense weights after a change of data format.

Example::

    from lamella.utils.layer_utils import count_params
    count_params(model.trainable_weights)
"""

import numpy as np


def count_params(weights):
    """The number of scalars in a list of weights (tensors, variables or arrays), each distinct
    weight counted once."""
    seen, total = set(), 0
    for weight in weights:
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
    from lamella import utils

    return utils.get_source_inputs(tensor, layer=layer, node_index=node_index)


def convert_dense_weights_data_format(dense, previous_feature_map_shape,
                                      target_data_format="channels_first"):
    """Reorder the rows of a ``Dense`` kernel that follows a ``Flatten``, so that the model
    keeps computing the same function after the data format of the layers before the
    ``Flatten`` changed to ``target_data_format``.

    ``previous_feature_map_shape``: the 3 integers of the feature map's shape before the
    ``Flatten`` (as Keras 2.3.1 reads them: ``(c, h, w)`` when converting to
    ``channels_first``, ``(h, w, c)`` when converting to ``channels_last``).
    """
    if target_data_format not in ("channels_first", "channels_last"):
        raise ValueError("convert_dense_weights_data_format: target_data_format must be "
                         f"'channels_first' or 'channels_last', got {target_data_format!r}")
    kernel, bias = dense.get_weights()
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
    dense.set_weights([kernel, bias])


def __getattr__(name):
    # convert_all_kernels_in_model is a registered utility (it rewrites stored kernels).
    if name.startswith("__"):
        raise AttributeError(name)
    from lamella import utils

    return getattr(utils, name)
