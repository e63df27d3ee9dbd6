"""Keras 2.3.1's HDF5-group helpers of ``keras.engine.saving``, on h5py groups: the pieces a
script uses to write or read weights inside an HDF5 file of its own.

``lamella.engine.saving`` answers these names from here (lamella-io registers them through the
``lamella_utils`` hook; the core never imports lamella-io). They share lamella-io's reader and
writer (:mod:`lamella_io.hdf5.weights`): the same checks before any weight is written, the
same refusal of links out of the file. Loading goes through Keras's
:func:`preprocess_weights_for_loading`, so Keras 1 layouts and Theano-trained kernels convert
as Keras 2.3.1 converts them.

Example::

    import h5py
    from lamella.engine.saving import (load_weights_from_hdf5_group,
                                       save_weights_to_hdf5_group)

    with h5py.File("bundle.h5", "w") as f:
        save_weights_to_hdf5_group(f.create_group("encoder"), encoder.layers)
    with h5py.File("bundle.h5", "r") as f:
        load_weights_from_hdf5_group(f["encoder"], encoder.layers)
"""

import functools

import numpy as np

from lamella.utils.conv_utils import convert_kernel
from lamella_io.hdf5 import weights as _weights

__all__ = ["load_attributes_from_hdf5_group", "load_weights_from_hdf5_group",
           "load_weights_from_hdf5_group_by_name", "preprocess_weights_for_loading",
           "save_attributes_to_hdf5_group", "save_weights_to_hdf5_group"]

#: The layers whose first weight is a convolution kernel (Keras 2.3.1's list).
_CONV_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D")
#: Backends whose "convolution" is a correlation; Theano's flips the kernel, as torch's doesn't.
_USES_CORRELATION = {"tensorflow": True, "theano": False, "cntk": True}


def save_attributes_to_hdf5_group(group, name, data):
    """Write ``data`` (a list of ``str`` or ``bytes``) as the attribute ``name`` of ``group``,
    split into ``name0``, ``name1``, ... past HDF5's 64512-byte header limit, as Keras does."""
    _weights.save_attributes(group, name, data)


def load_attributes_from_hdf5_group(group, name):
    """The attribute ``name`` of ``group`` as a list of ``str`` (joining Keras's chunks);
    ``[]`` when the group has none, as in Keras."""
    return _weights.load_attributes(group, name) or []


def save_weights_to_hdf5_group(group, layers):
    """Write ``layers``' weights into ``group`` in Keras's layout (``layer_names``, one subgroup
    per layer with its ``weight_names``, ``backend`` and ``keras_version`` attributes)."""
    from lamella_io.hdf5.model_file import _version

    _weights.save_weights_to_group(group, list(layers), _version())


def _file_origin(group):
    """``(keras_version, backend)`` as the file states them (Keras: no version means Keras 1)."""
    group = _weights.weights_group(group)
    version = _weights.read_text_attribute(group, "keras_version") or "1"
    return version, _weights.read_text_attribute(group, "backend")


def _converter(group, reshape):
    version, backend = _file_origin(group)
    return lambda layer, arrays: preprocess_weights_for_loading(
        layer, arrays, original_keras_version=version, original_backend=backend,
        reshape=reshape)


def load_weights_from_hdf5_group(f, layers, reshape=False):
    """Load the weights in the group ``f`` into ``layers``, in order: the n-th layer with
    weights receives the n-th stored layer that has some (Keras's topological loading).
    ``reshape=True`` reshapes a convolution kernel stored with another shape but as many
    values. A count or shape mismatch raises a ``ValueError`` before any weight changes."""
    _weights.load_weights_into_layers(f, layers, by_name=False, reshape=reshape,
                                      convert=_converter(f, reshape))


def load_weights_from_hdf5_group_by_name(f, layers, skip_mismatch=False, reshape=False):
    """Load the weights in the group ``f`` into the layers of ``layers`` with the same names;
    other layers are left alone. ``skip_mismatch=True`` skips (with a warning) a layer whose
    weight count, or a weight whose shape, differs, instead of raising."""
    _weights.load_weights_into_layers(f, layers, by_name=True, skip_mismatch=skip_mismatch,
                                      reshape=reshape, convert=_converter(f, reshape))


# --- Keras's preprocess_weights_for_loading --------------------------------------------------

def preprocess_weights_for_loading(layer, weights, original_keras_version=None,
                                   original_backend=None, reshape=False):
    """``weights`` (NumPy arrays as a file stores them) converted to ``layer``'s layouts, as
    Keras 2.3.1 converts them: the halves of a ``Bidirectional``, the layer inside a
    ``TimeDistributed`` and the layers of a nested model one by one; Keras 1 layouts
    (``original_keras_version='1'``: convolution kernels, LSTM/GRU/ConvLSTM2D's per-gate
    weights); kernels trained with a backend that flips them (``original_backend='theano'``);
    a convolution kernel of another shape (``reshape=True``: same size, reshaped; otherwise
    Keras's channels-first transpose); CuDNNLSTM/CuDNNGRU weights for LSTM/GRU and back.

    Example::

        arrays = [f["conv2d_1"]["conv2d_1/kernel:0"][()], f["conv2d_1"]["conv2d_1/bias:0"][()]]
        layer.set_weights(preprocess_weights_for_loading(layer, arrays, "2.3.1", "theano"))
    """
    weights = [np.asarray(w) for w in weights]
    name = type(layer).__name__
    nested = functools.partial(preprocess_weights_for_loading,
                               original_keras_version=original_keras_version,
                               original_backend=original_backend)
    if name == "Bidirectional":
        half = len(weights) // 2
        weights = (nested(layer.forward_layer, weights[:half])
                   + nested(layer.backward_layer, weights[half:]))
    if name == "TimeDistributed":
        weights = nested(layer.layer, weights)
    elif getattr(layer, "_is_model", False):
        weights = _convert_nested_model(layer, weights, nested)
    if original_keras_version == "1":
        weights = _from_keras1(layer, name, weights, nested)
    if name in _CONV_LAYERS:
        weights = _convert_conv_kernel(layer, name, weights, original_backend, reshape)
    if name not in ("Bidirectional", "TimeDistributed") and not getattr(layer, "_is_model",
                                                                        False):
        # The layer's own conversions (lamella-layers: CuDNN <-> LSTM/GRU, as Keras's
        # _convert_rnn_weights); the identity for every other layer.
        weights = list(layer._preprocess_loaded_weights(weights))
    return weights


def _convert_nested_model(model, weights, nested):
    """A nested model's group holds its layers' trainable weights, then the non-trainable
    ones; each layer's part is converted as that layer's."""
    converted = []
    for trainable in (True, False):
        for sublayer in model.layers:
            count = len(sublayer.trainable_weights if trainable
                        else sublayer.non_trainable_weights)
            if count:
                converted.extend(nested(sublayer, weights[:count]))
                weights = weights[count:]
    return converted


def _gates(weights, order):
    """Keras 1's per-gate LSTM/ConvLSTM2D/GRU weights joined into Keras 2's three arrays."""
    return [np.concatenate([weights[i] for i in indices], axis=-1) for indices in order]


_LSTM_GATES = ((0, 6, 3, 9), (1, 7, 4, 10), (2, 8, 5, 11))  # i, f, c, o in Keras 1's file order
_GRU_GATES = ((0, 3, 6), (1, 4, 7), (2, 5, 8))


def _from_keras1(layer, name, weights, nested):
    if name == "TimeDistributed":
        weights = nested(layer.layer, weights)
    data_format = getattr(layer, "data_format", None)
    if name == "Conv1D":
        shape = weights[0].shape
        if shape[:2] != (layer.kernel_size[0], 1) or shape[3] != layer.filters:
            if not (shape[0] == layer.filters and shape[2:] == (layer.kernel_size[0], 1)):
                raise ValueError(f"Layer {layer.name!r} (Conv1D): a Keras 1 kernel of shape "
                                 f"{shape} does not fit kernel_size={layer.kernel_size} and "
                                 f"filters={layer.filters}.")
            weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
        weights[0] = weights[0][:, 0, :, :]
    if name == "Conv2D" and data_format == "channels_first":
        weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
    if name == "Conv2DTranspose":
        if data_format == "channels_last":
            weights[0] = np.transpose(weights[0], (0, 1, 3, 2))
        if data_format == "channels_first":
            weights[0] = np.transpose(weights[0], (2, 3, 0, 1))
    if name == "Conv3D" and data_format == "channels_first":
        weights[0] = np.transpose(weights[0], (2, 3, 4, 1, 0))
    if name == "GRU" and len(weights) == 9:
        weights = _gates(weights, _GRU_GATES)
    if name in ("LSTM", "ConvLSTM2D") and len(weights) == 12:
        weights = _gates(weights, _LSTM_GATES)
        if name == "ConvLSTM2D" and data_format == "channels_first":
            weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
            weights[1] = np.transpose(weights[1], (2, 3, 1, 0))
    return weights


def _convert_conv_kernel(layer, name, weights, original_backend, reshape):
    expected = tuple(layer.weights[0].shape)
    flips = (original_backend in _USES_CORRELATION
             and not _USES_CORRELATION[original_backend])  # torch correlates, as TensorFlow
    if flips:
        weights[0] = convert_kernel(weights[0])
        if name == "ConvLSTM2D":
            weights[1] = convert_kernel(weights[1])
    if reshape and expected != weights[0].shape:
        if weights[0].size != int(np.prod(expected)):
            raise ValueError(f"Weights must be of equal size to apply a reshape operation. Layer "
                             f"{layer.name}'s weights have shape {expected} and size "
                             f"{int(np.prod(expected))}. The weights for loading have shape "
                             f"{weights[0].shape} and size {weights[0].size}.")
        weights[0] = np.reshape(weights[0], expected)
    elif expected != weights[0].shape and weights[0].ndim == 4:
        # Keras's guess for a 2-D kernel of another shape: a channels-first (Theano) layout.
        weights[0] = np.transpose(weights[0], (3, 2, 0, 1))
        if name == "ConvLSTM2D":
            weights[1] = np.transpose(weights[1], (3, 2, 0, 1))
    return weights
