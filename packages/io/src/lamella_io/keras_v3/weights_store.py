"""Keras 3's weights store (``model.weights.h5`` in a ``.keras`` file, and ``x.weights.h5``).

Keras 3 (``saving_lib._save_state``) walks the model's object tree and stores each object's
own variables in the group named by its path: a Sequential or functional model's layers sit
under ``layers/<snake_case(class name)>`` (``dense``, ``dense_1``, ... counted per class in
``model.layers`` order, never by the layer's own name), a layer's own variables are the
datasets ``vars/0``, ``vars/1``, ... (created-trainable ones first), and the objects a layer
holds follow under their attribute names: ``<rnn>/cell``, ``<bidirectional>/forward_layer``
and ``backward_layer``, ``<time_distributed>/layer``, a nested model's ``layers/...``. Every
``vars`` group carries the object's ``name`` attribute. The optimizer's variables are the
datasets of ``optimizer/vars`` (see :mod:`lamella_io.keras_v3.optimizer_state`).

lamella's layers keep the same tree (``Layer._weight_records`` are a layer's own weights, its
torch submodules the objects it holds), so :func:`variable_groups` derives the paths from the
model itself; nothing here names a layer class.

Example::

    groups = variable_groups(model)      # {"layers/dense": [records], "layers/dense_1": ...}
    write_store(h5file, model)
    load_store(h5file, model, where="m.keras")
"""

import re

import numpy as np
import torch

from lamella_io.hdf5.files import HDF5FormatError, checked_dataset, read_dataset, refuse_links_out


def snake_case(name):
    """Keras 3's ``naming.to_snake_case`` (``"BatchNormalization"`` -> ``"batch_normalization"``,
    ``"Conv2D"`` -> ``"conv2d"``, ``"RMSprop"`` -> ``"rm_sprop"``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _class_path_name(obj):
    from lamella.engine.model import Model
    from lamella.engine.sequential import Sequential

    if isinstance(obj, Model) and not isinstance(obj, Sequential) \
            and type(obj).__name__ == "Model":
        return "functional"  # Keras 3 rebuilds a functional ``Model`` as ``Functional``
    return snake_case(type(obj).__name__)


def _own_records(layer):
    # Keras 3 stores ``_trainable_variables + _non_trainable_variables``: by how each weight
    # was created, whatever the layer's ``trainable`` flag is now.
    records = list(getattr(layer, "_weight_records", []))
    return [r for r in records if r.trainable] + [r for r in records if not r.trainable]


def _children(layer):
    """``(attribute, object)`` pairs of the objects ``layer`` holds, as Keras 3 walks them."""
    from lamella.engine.base_layer import Layer
    from lamella.engine.model import Model

    if isinstance(layer, Model):
        return [("layers", list(layer.layers))]
    children = []
    # Keras 3 visits public attributes before private ones (``saving_lib._name_key``).
    for attr, module in sorted(layer._modules.items(),
                               key=lambda item: ("~" + item[0]) if item[0][:1] == "_" else item[0]):
        if isinstance(module, Layer):
            children.append((attr, module))
        elif isinstance(module, (torch.nn.ModuleList, list, tuple)):
            children.append((attr, [m for m in module if isinstance(m, Layer)]))
    return children


def _named_groups(root, container):
    """``{name attribute: group name}`` of the groups in ``container`` of an open store."""
    named = {}
    group = root.get(container) if root is not None else None
    if group is None or not hasattr(group, "keys"):
        return named
    for key in group.keys():
        vars_group = group.get(f"{key}/vars")
        name = vars_group.attrs.get("name") if vars_group is not None else None
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        if isinstance(name, str):
            named.setdefault(name, []).append(key)
    return named


def _walk(obj, path, out, seen, by_name_in=None):
    if id(obj) in seen:
        return
    seen.add(id(obj))
    out[path] = (obj, _own_records(obj))
    for attr, child in _children(obj):
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, list):
            counts = {}
            named = _named_groups(by_name_in, child_path)
            for item in child:
                base = _class_path_name(item)
                index = counts.get(base, -1) + 1
                counts[base] = index
                key = f"{base}_{index}" if index else base
                match = named.get(getattr(item, "name", None), [])
                if by_name_in is not None:
                    if len(match) == 1:
                        key = match[0]
                    else:
                        out.setdefault(_UNMATCHED, []).append(item)
                _walk(item, f"{child_path}/{key}", out, seen, by_name_in)
        else:
            _walk(child, child_path, out, seen, by_name_in)


def variable_groups(model, by_name_in=None):
    """``{path: (object, records)}`` for every object of ``model``'s tree, root (``""``) first.

    Paths are Keras 3's (class-name counters in ``model.layers`` order). With ``by_name_in``
    (an open store), a model's layer goes to the group whose ``name`` attribute is the layer's
    name where there is exactly one (see :func:`plan_load`).
    """
    out = {}
    _walk(model, "", out, set(), by_name_in)
    out.pop(_UNMATCHED, None)
    return out


#: A key of ``_walk``'s output (never a path: paths are strings) listing the layers whose
#: name found no group of their own.
_UNMATCHED = ("unmatched",)


def _by_name_groups(model, root):
    """The groups by name, or ``None`` unless every layer found its own group by name."""
    out = {}
    _walk(model, "", out, set(), root)
    return None if out.pop(_UNMATCHED, None) else out


def _to_numpy(tensor):
    tensor = tensor.detach()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    return tensor.cpu().numpy()


def _vars_group(root, path):
    return f"{path}/vars" if path else "vars"


def write_store(root, model, optimizer_values=None, optimizer_name=None, optimizer_layout=None):
    """Write ``model``'s variables (and ``optimizer_values``, a list of arrays) into ``root``,
    an open ``h5py.File``, in Keras 3's layout (``optimizer_layout``: an attribute saying the
    optimizer's arrays are in another order, see :mod:`lamella_io.keras_v3.optimizer_state`)."""
    for path, (obj, records) in variable_groups(model).items():
        group = root.create_group(_vars_group(root, path))
        group.attrs["name"] = str(getattr(obj, "name", ""))
        for index, record in enumerate(records):
            value = _to_numpy(record.tensor)
            group.create_dataset(str(index), data=value)
    if optimizer_values is not None:
        group = root.create_group("optimizer/vars")
        group.attrs["name"] = optimizer_name or "optimizer"
        if optimizer_layout:
            group.attrs["lamella_layout"] = optimizer_layout
        for index, value in enumerate(optimizer_values):
            group.create_dataset(str(index), data=np.asarray(value))


def _stored(root, path, where):
    """The datasets of ``<path>/vars`` in index order (empty when the group is missing)."""
    name = _vars_group(root, path)
    if name not in root:
        return None
    group = root[name]
    keys = list(group.keys())
    if sorted(keys, key=lambda k: int(k) if k.isdigit() else -1) != \
            [str(i) for i in range(len(keys))]:
        raise HDF5FormatError(f"{where!r}: group {name!r} holds {sorted(keys)}, not the "
                              f"datasets '0'..'{len(keys) - 1}' of Keras 3's weights store.")
    return [checked_dataset(group, str(i), f"variable {name}/{i}") for i in range(len(keys))]


def is_keras3_store(root):
    """Whether an open HDF5 file is in Keras 3's layout (Keras 2.3's has ``layer_names``)."""
    from lamella_io.hdf5.saver import _keras3_layout

    return _keras3_layout(root)


def plan_load(root, model, where, skip_mismatch=False):
    """``[(record, dataset)]`` for every weight of ``model``, every shape checked against the
    file before anything is read; a missing group or a mismatch raises naming the file, the
    group and the layer (``skip_mismatch``: such layers are skipped with a warning)."""
    refuse_links_out(root.file if hasattr(root, "file") else root)
    # Keras 3 addresses layers by place. When every layer of the model finds a group whose
    # ``name`` attribute is its own name (a model rebuilt from the file's config, or a twin
    # named alike), names decide: the same pairs whenever both orders agree, and the right
    # ones should lamella's layer order differ from Keras 3's. Otherwise places decide.
    named = _by_name_groups(model, root)
    if named is not None:
        try:
            return _plan(root, named, where, skip_mismatch=False)
        except ValueError:
            pass
    return _plan(root, variable_groups(model), where, skip_mismatch=skip_mismatch)


def _plan(root, groups, where, skip_mismatch):
    import warnings

    pairs = []
    for path, (obj, records) in groups.items():
        if not records:
            continue
        label = f"layer {getattr(obj, 'name', path)!r} ({type(obj).__name__})"
        datasets = _stored(root, path, where)
        problem = None
        if datasets is None:
            problem = f"the file has no group {_vars_group(root, path)!r} for {label}"
        elif len(datasets) != len(records):
            problem = (f"{label} has {len(records)} weight(s), the file's group "
                       f"{_vars_group(root, path)!r} holds {len(datasets)}")
        else:
            for record, dataset in zip(records, datasets):
                if tuple(dataset.shape) != tuple(record.tensor.shape):
                    problem = (f"{label}: weight {record.keras_name!r} has shape "
                               f"{tuple(record.tensor.shape)}, the file's {dataset.name!r} has "
                               f"shape {tuple(dataset.shape)}")
                    break
        if problem is not None:
            if skip_mismatch:
                warnings.warn(f"{where!r}: skipping {label}: {problem}.", stacklevel=4)
                continue
            raise ValueError(f"{where!r}: cannot load the weights: {problem}.")
        pairs += list(zip(records, datasets))
    return pairs


def assign(pairs):
    """Read every planned dataset, then write them all (a damaged file changes nothing)."""
    values = [read_dataset(dataset, f"variable {dataset.name!r}") for _, dataset in pairs]
    for (record, _), value in zip(pairs, values):
        record.assign(value)


def load_store(root, model, where, skip_mismatch=False):
    """Load a Keras 3 weights store (an open ``h5py.File``) into ``model``."""
    if not getattr(model, "built", True):
        raise ValueError(f"Model {model.name!r} is not built yet, so it has no weights to load "
                         f"{where!r} into: build it first (give it an input shape or call it "
                         f"on data).")
    assign(plan_load(root, model, where, skip_mismatch=skip_mismatch))


def optimizer_datasets(root, where):
    """``(datasets, layout)`` of ``optimizer/vars`` (``(None, None)`` when the file has none);
    ``layout`` is its ``lamella_layout`` attribute."""
    datasets = _stored(root, "optimizer", where)
    if datasets is None:
        return None, None
    layout = root["optimizer/vars"].attrs.get("lamella_layout")
    return datasets, layout.decode() if isinstance(layout, bytes) else layout


__all__ = ["assign", "is_keras3_store", "load_store", "optimizer_datasets", "plan_load",
           "snake_case", "variable_groups", "write_store"]
