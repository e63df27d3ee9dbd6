"""Keras's legacy HDF5 weights layout: writing and reading a model's weights in a group.

The layout (``keras/engine/saving.py@2.3.1``): the group's ``layer_names`` attribute lists every
layer of ``model.layers``; each layer has a subgroup with a ``weight_names`` attribute, and each
weight is the dataset at that (relative) name, e.g. ``dense_1/dense_1/kernel:0``. Readers go
through the attributes, never the tree. Attributes over 64512 bytes are split into
``<name>0``, ``<name>1``, ... as Keras splits them.

Everything here is generic over ``layer._ordered_weight_records()``, so a new layer type needs
no change in lamella-io as long as its records carry Keras's names and layouts.
"""

import warnings

import numpy as np
import torch

from lamella.engine.base_layer import Layer, keras_weight_names
from lamella_io.hdf5.files import (
    HDF5FormatError,
    checked_dataset,
    describe,
    read_dataset,
    refuse_links_out,
)

#: HDF5 keeps attributes in the object header, which holds at most this many bytes.
HDF5_OBJECT_HEADER_LIMIT = 64512


# --- attributes ---------------------------------------------------------------------------------

def save_attributes(group, name, data):
    """Write a list of strings as a byte-string array attribute, chunked as Keras chunks it.

    Example::

        save_attributes(f, "layer_names", ["dense_1", "dense_2"])
    """
    data = [item.encode("utf8") if isinstance(item, str) else bytes(item) for item in data]
    too_long = [item for item in data if len(item) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(
            f"The following attributes cannot be saved to HDF5 because they are larger than "
            f"{HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long[:3]}"
        )
    for key in [k for k in group.attrs if k == name or
                (k.startswith(name) and k[len(name):].isdigit())]:
        del group.attrs[key]
    array = np.asarray(data)
    chunks = 1
    split = np.array_split(array, chunks)
    while any(chunk.nbytes > HDF5_OBJECT_HEADER_LIMIT for chunk in split):
        chunks += 1
        split = np.array_split(array, chunks)
    if chunks > 1:
        for index, chunk in enumerate(split):
            group.attrs[f"{name}{index}"] = chunk
    else:
        group.attrs[name] = array


def load_attributes(group, name):
    """Read a string-list attribute written by :func:`save_attributes` (or ``None`` if absent)."""
    if name in group.attrs:
        raw = group.attrs[name]
        items = [raw] if isinstance(raw, (str, bytes)) else list(np.atleast_1d(raw))
    elif f"{name}0" in group.attrs:
        items, index = [], 0
        while f"{name}{index}" in group.attrs:
            items.extend(np.atleast_1d(group.attrs[f"{name}{index}"]))
            index += 1
    else:
        return None
    return [item.decode("utf8") if hasattr(item, "decode") else str(item) for item in items]


def read_text_attribute(group, name):
    """A scalar string attribute as ``str`` (h5py 2 gives bytes, h5py 3 may give str)."""
    if name not in group.attrs:
        return None
    value = group.attrs[name]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return value.decode("utf8") if hasattr(value, "decode") else str(value)


def write_text_attribute(group, name, text):
    """Write ``text`` as a fixed-length byte string, the type Keras 2.3.1 expects to decode."""
    group.attrs[name] = np.bytes_(text.encode("utf8"))


# --- which weights a layer stores ---------------------------------------------------------------

def layer_weight_records(layer):
    """The records a layer's group holds, in file order.

    A nested model is one group holding *all trainable weights of its layers, then all
    non-trainable ones* (Keras's ``Network.weights``), unlike ``get_weights``'s layer-by-layer
    order; any other layer stores ``_ordered_weight_records()`` (trainable, then non-trainable).
    """
    from lamella.engine.model import Model

    if isinstance(layer, Model):
        trainable, frozen = layer._split_weight_records()
        return trainable + frozen
    return layer._ordered_weight_records()


def _to_numpy(tensor):
    tensor = tensor.detach()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    return tensor.cpu().numpy()


# --- writing ------------------------------------------------------------------------------------

def save_weights_to_group(group, layers, keras_version, backend="pytorch"):
    """Write ``layers``' weights into ``group`` in Keras's layout."""
    from lamella_io.hdf5.files import is_group

    save_attributes(group, "layer_names", [layer.name for layer in layers])
    write_text_attribute(group, "backend", backend)
    write_text_attribute(group, "keras_version", keras_version)
    for layer in layers:
        if layer.name in group and is_group(group[layer.name]):
            del group[layer.name]
        layer_group = group.create_group(layer.name)
        records = layer_weight_records(layer)
        names = keras_weight_names(records)
        for name, record in zip(names, records):
            value = _to_numpy(record.tensor)
            dataset = layer_group.create_dataset(name, value.shape, dtype=value.dtype)
            if value.shape:
                dataset[:] = value
            else:
                dataset[()] = value
        save_attributes(layer_group, "weight_names", names)


# --- reading ------------------------------------------------------------------------------------

def weights_group(root):
    """The group holding ``layer_names``: the root of a weights file, or a model file's
    ``model_weights`` group."""
    if load_attributes(root, "layer_names") is not None:
        return root
    if ("model_weights" in root
            and load_attributes(root["model_weights"], "layer_names") is not None):
        return root["model_weights"]
    raise HDF5FormatError(
        f"{describe(root)!r} holds no weights: it has no 'layer_names' attribute (a Keras weights "
        f"file) and no 'model_weights' group (a Keras model file). Top-level keys: "
        f"{sorted(root.keys())}, attributes: {sorted(root.attrs.keys())}."
    )


def read_layer_weights(group, layer_name):
    """The datasets stored for ``layer_name``, in ``weight_names`` order, unread.

    Each is checked (:func:`~lamella_io.hdf5.files.checked_dataset`: a numeric dataset kept in
    this file) but none of its data is read: ``.shape`` and ``.dtype`` come from the header, so
    a small file declaring a huge dataset costs nothing until its shape has been compared with
    the model's. :func:`read_dataset` reads one.
    """
    where = describe(group.file) if hasattr(group, "file") else describe(group)
    if layer_name not in group:
        raise HDF5FormatError(f"{where!r}: 'layer_names' lists {layer_name!r} but there is no "
                              f"group of that name.")
    layer_group = group[layer_name]
    names = load_attributes(layer_group, "weight_names") or []
    datasets = []
    for name in names:
        if name not in layer_group:
            raise HDF5FormatError(f"{where!r}: layer {layer_name!r} lists weight {name!r} in "
                                  f"'weight_names' but the file has no such dataset (truncated?).")
        datasets.append(checked_dataset(layer_group, name,
                                        f"weight {name!r} of layer {layer_name!r}"))
    return names, datasets


#: the layers whose kernel ``load_weights(reshape=True)`` reshapes (Keras 2.3.1's list)
RESHAPED_KERNELS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D")


def _reshaped_kernel(where, layer, value, expected):
    """Keras 2.3.1's ``reshape=True``: a convolution kernel stored with another shape but as
    many values is reshaped (C order) to the layer's; any other size is an error."""
    size = int(np.prod(expected))
    if int(np.prod(value.shape)) != size:
        raise ValueError(f"{where!r}: weights must be of equal size to apply a reshape "
                         f"operation. Layer {layer.name!r}'s weights have shape {expected} and "
                         f"size {size}. The weights for loading have shape "
                         f"{tuple(value.shape)} and size {int(np.prod(value.shape))}.")
    return expected


def _plan_layer(where, layer, file_layer, names, values, *, records, skip_mismatch,
                reshape=False, convert=None):
    """Triples (record, value, shape to reshape to or None) for one layer, or [] when skipped;
    raises on a mismatch."""
    if convert is None and (type(layer)._preprocess_loaded_weights
                            is not Layer._preprocess_loaded_weights):
        convert = type(layer)._preprocess_loaded_weights
    if convert is not None:
        # Keras converts first (CuDNNLSTM <-> LSTM weights, Bidirectional halves), then checks;
        # converting needs the data, so these layers' weights are read here, once their declared
        # sizes are known to be in proportion to the layer's (a hostile header costs nothing).
        limit = 2 * sum(int(np.prod(r.tensor.shape)) for r in records)
        for name, value in zip(names, values):
            if int(np.prod(value.shape)) > limit:
                raise ValueError(f"{where!r}: weight {name!r} of layer {file_layer!r} has shape "
                                 f"{tuple(value.shape)} in the file, far more than model layer "
                                 f"{layer.name!r} ({type(layer).__name__}) holds.")
        values = convert(layer, [read_dataset(v, f"weight {n!r} of layer {file_layer!r}")
                                 for n, v in zip(names, values)])
    if len(values) != len(records):
        message = (f"{where!r}: layer #{file_layer!r} in the file has {len(values)} weight(s) "
                   f"{names}, but model layer {layer.name!r} ({type(layer).__name__}) expects "
                   f"{len(records)} ({[r.keras_name for r in records]}).")
        if skip_mismatch:
            warnings.warn(f"Skipping loading of weights for layer {layer.name!r}: {message}",
                          stacklevel=4)
            return []
        raise ValueError(message)
    pairs = []
    for index, (record, name, value) in enumerate(zip(records, names, values)):
        expected = tuple(record.tensor.shape)
        if (reshape and index == 0 and type(layer).__name__ in RESHAPED_KERNELS
                and tuple(value.shape) != expected):
            pairs.append((record, value, _reshaped_kernel(where, layer, value, expected)))
            continue
        if tuple(value.shape) != expected:
            message = (f"{where!r}: weight {name!r} of layer {file_layer!r} has shape "
                       f"{tuple(value.shape)} in the file, but model layer {layer.name!r} "
                       f"({type(layer).__name__}) expects {record.name!r} with shape {expected}.")
            if skip_mismatch:
                warnings.warn(f"Skipping loading of weights for layer {layer.name!r}: {message}",
                              stacklevel=4)
                continue
            raise ValueError(message)
        pairs.append((record, value, None))
    return pairs


def _assign(pairs):
    # Every dataset is read before any weight is written: a damaged one leaves the model as is.
    values = [dataset if isinstance(dataset, np.ndarray)  # already read and converted
              else read_dataset(dataset, f"weight {dataset.name!r}") for _, dataset, _ in pairs]
    for (record, _, shape), value in zip(pairs, values):
        record.assign(value if shape is None else np.reshape(value, shape))


def _check_built(model):
    if not getattr(model, "built", True):
        raise ValueError(
            f"Model {model.name!r} is not built yet, so it has no weights to load into: build it "
            f"first (call it on data, give the first layer an input_shape, or call "
            f"model.build(input_shape)), then load the weights."
        )


def load_weights_from_group(root, model, by_name=False, skip_mismatch=False, reshape=False):
    """Load the weights in ``root`` (a weights file or a model file) into ``model``.

    Every check runs before any weight is written, so a failed load leaves ``model`` as it was,
    and every declared shape and dtype is compared with the model before any data is read (a
    small hostile file cannot make lamella allocate what it declares). Links out of the file
    are refused first (:func:`~lamella_io.hdf5.files.refuse_links_out`).
    """
    _check_built(model)
    load_weights_into_layers(root, list(model.layers), by_name=by_name,
                             skip_mismatch=skip_mismatch, reshape=reshape)


def load_weights_into_layers(root, layers, by_name=False, skip_mismatch=False, reshape=False,
                             convert=None):
    """:func:`load_weights_from_group` for a list of layers (Keras's ``load_weights_from_hdf5_
    group[_by_name](f, layers)``). ``convert(layer, arrays)``, when given, turns every layer's
    stored arrays into its layouts first (Keras's ``preprocess_weights_for_loading``)."""
    refuse_links_out(root.file if hasattr(root, "file") else root)
    group = weights_group(root)
    where = describe(root)
    file_layers = load_attributes(group, "layer_names")
    layers = list(layers)
    pairs = []
    if by_name:
        index = {}
        for layer in layers:
            index.setdefault(layer.name, []).append(layer)
        for file_layer in file_layers:
            if file_layer not in index:
                continue
            names, values = read_layer_weights(group, file_layer)
            for layer in index[file_layer]:
                pairs += _plan_layer(where, layer, file_layer, names, values,
                                     records=layer_weight_records(layer),
                                     skip_mismatch=skip_mismatch, reshape=reshape,
                                     convert=convert)
    else:
        with_weights = [l for l in layers if layer_weight_records(l)]
        stored = []
        for file_layer in file_layers:
            names, values = read_layer_weights(group, file_layer)
            if values:
                stored.append((file_layer, names, values))
        if len(stored) != len(with_weights):
            raise ValueError(
                f"{where!r}: You are trying to load a weight file containing {len(stored)} "
                f"layers with weights ({[s[0] for s in stored]}) into a model with "
                f"{len(with_weights)} layers with weights ({[l.name for l in with_weights]})."
            )
        for layer, (file_layer, names, values) in zip(with_weights, stored):
            pairs += _plan_layer(where, layer, file_layer, names, values,
                                 records=layer_weight_records(layer), skip_mismatch=skip_mismatch,
                                 reshape=reshape, convert=convert)
    _assign(pairs)
