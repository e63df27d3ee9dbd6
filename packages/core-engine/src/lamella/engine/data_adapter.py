"""Turning what users pass to ``fit``/``evaluate``/``predict`` into lists of tensors.

In-memory data (NumPy arrays, lists, dicts, torch tensors) becomes tensors on the model's
device once (:func:`standardize_data`) and is sliced per batch with an index tensor
(:func:`batch_indices`, :func:`take`): no per-sample Python. Sample weights and class weights
become one weight tensor per output, as Keras 2.3 computes them. Iterating over epochs lives
in :mod:`lamella.engine.epoch_iterator`.
"""

import numpy as np
import torch

from lamella.engine import device as devices
from lamella.engine.dtypes import as_torch_dtype
from lamella.utils.data_utils import Sequence
from lamella.utils.generic_utils import as_list


def _as_tensor(value, name, device):
    if torch.is_tensor(value):
        tensor = value
    else:
        array = np.asarray(value)
        if array.dtype == object:
            raise ValueError(f"{name}: could not convert the data to a numeric array "
                             f"(found Python objects of mixed shapes or types).")
        if array.dtype.kind in "USV":
            raise ValueError(
                f"{name}: expected numbers, but the array holds {array.dtype} values (text or "
                f"bytes); turn text into numbers first, e.g. with "
                f"lamella.preprocessing.text.Tokenizer.")
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.dtype == torch.float64:
        tensor = tensor.float()
    return devices.move(tensor, device)


def standardize(data, names, kind, device, shapes=None):
    """Arrays, a list or a dict by name → a list of tensors in ``names`` order."""
    if data is None:
        return None
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(
                f"No data provided for {kind} {missing}. The dict has keys {sorted(data)}; the "
                f"model expects {kind}s {names}."
            )
        # Keras 2.3.1 takes the model's names from the dict and ignores other keys (image_ocr.py
        # yields {'the_input': ..., 'source_str': [...words...]}); a misspelt key still fails
        # above, as the name it was meant for is then missing
        data = [data[n] for n in names]
    flat = as_list(data)
    if len(flat) != len(names):
        raise ValueError(
            f"The model expects {len(names)} {kind} array(s) {names}, but received {len(flat)}."
        )
    tensors = [_as_tensor(v, f"{kind} {n!r}", device) for v, n in zip(flat, names)]
    if shapes is not None:
        for tensor, name, shape in zip(tensors, names, shapes):
            if shape is not None:
                _check_shape(tensor, name, shape, kind)
    return tensors


def _check_shape(tensor, name, shape, kind):
    if tensor.dim() != len(shape):
        raise ValueError(
            f"Error when checking {kind} {name!r}: expected {len(shape)} dimensions "
            f"(shape {shape}), but got an array with shape {tuple(tensor.shape)}."
        )
    for expected, got in zip(shape[1:], tensor.shape[1:]):
        if expected is not None and expected != got:
            raise ValueError(
                f"Error when checking {kind} {name!r}: expected shape {shape}, but got "
                f"an array with shape {tuple(tensor.shape)}."
            )


def is_generator_like(x):
    """Whether ``x`` yields its own batches (a generator, ``Sequence``, dataset or loader)."""
    if isinstance(x, (Sequence, torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        return True
    return hasattr(x, "__next__") and not isinstance(x, (np.ndarray, torch.Tensor))


def check_lengths(groups):
    """All arrays of x, y and sample weights must hold the same number of samples."""
    lengths = {}
    for label, tensors in groups:
        for i, tensor in enumerate(tensors or []):
            if tensor is not None:
                lengths[f"{label}[{i}]"] = tensor.shape[0]
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise ValueError(f"All input arrays (x) and target arrays (y) must have the same number "
                         f"of samples; got {detail}.")
    return next(iter(lengths.values()), 0)


def split_validation(arrays, split):
    """Keras's rule: the *last* ``split`` fraction, taken before any shuffling."""
    n = arrays[0][0].shape[0] if arrays and arrays[0] else 0
    split_at = int(n * (1.0 - split))
    train = [None if g is None else [t[:split_at] for t in g] for g in arrays]
    val = [None if g is None else [t[split_at:] for t in g] for g in arrays]
    return train, val


def split_validation_data(model, *, x, y, sample_weight, class_weight, split):
    """Keras's ``validation_split``: ``((xs, ys, sws, None), (vx, vy, vsw))``, the validation
    part being the last ``split`` fraction of the in-memory data, taken before shuffling;
    class weights are folded into the training part's sample weights."""
    if is_generator_like(x):
        raise ValueError("`validation_split` is only supported for in-memory data "
                         "(arrays, tensors), not for generators or Sequences.")
    if not 0.0 < split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {split}")
    xs, ys, sws = standardize_data(model, x, y, sample_weight)
    (xs, ys, sws), (vx, vy, vsw) = split_validation([xs, ys, sws], split)
    if xs[0].shape[0] == 0 or vx[0].shape[0] == 0:
        raise ValueError(
            f"validation_split={split} of {xs[0].shape[0] + vx[0].shape[0]} samples leaves "
            f"{xs[0].shape[0]} for training and {vx[0].shape[0]} for validation; both "
            f"need at least one.")
    if class_weight is not None:
        sws = standardize_sample_weights(
            model, sws[0] if sws and len(sws) == 1 else sws, ys, class_weight)
    return (xs, ys, sws, None), (vx, vy, vsw)


def batch_indices(n, batch_size, shuffle, device):
    """The index tensors of one epoch's batches (``shuffle`` True, False or ``'batch'``)."""
    if shuffle == "batch":
        n_batches = n // batch_size
        order = np.arange(n)
        head = order[: n_batches * batch_size].reshape(n_batches, batch_size)
        np.random.shuffle(head)
        order = np.concatenate([head.ravel(), order[n_batches * batch_size:]])
        perm = torch.from_numpy(order).to(device)
    elif shuffle:
        perm = torch.from_numpy(np.random.permutation(n)).to(device)
    else:
        return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    return [perm[i:i + batch_size] for i in range(0, n, batch_size)]


def take(tensors, index):
    if tensors is None:
        return None
    return [t[index] for t in tensors]


# --- the model's side: names, shapes and weighting modes of its inputs and outputs -------------


def input_names_and_shapes(model, count=None):
    """The model's input names and static shapes (``None`` shapes for a subclassed model)."""
    if getattr(model, "_is_graph_network", False):
        return model.input_names, [t.shape for t in model.inputs]
    names = getattr(model, "input_names", None) or [f"input_{i + 1}" for i in range(count or 1)]
    return names, None


def output_names_for(model, y):
    """The output names targets are matched to (known once compiled, else taken from ``y``)."""
    if getattr(model, "_is_graph_network", False):
        return model.output_names
    objectives = model._objectives
    if objectives is not None and objectives.built:
        return objectives.output_names
    if isinstance(y, dict):
        return list(y)
    return [f"output_{i + 1}" for i in range(len(as_list(y)))]


def _sample_weight_modes(model, n):
    objectives = model._objectives
    if objectives is not None and objectives.built:
        return objectives.sample_weight_modes
    spec = objectives.sample_weight_mode_spec if objectives is not None else None
    if isinstance(spec, (list, tuple)):
        return list(spec)
    return [spec if not isinstance(spec, dict) else None] * n


def _input_dtype_rules(model, count):
    """Per input: its declared dtype (``None`` for a subclassed model, which declares none)
    and whether its consumers take integers as they are (an ``Embedding``'s indices)."""
    if not getattr(model, "_is_graph_network", False):
        return [(None, True)] * count
    rules = []
    for tensor in model.inputs:
        consumers = [node.outbound_layer for node in tensor._keras_history[0]._outbound_nodes]
        keeps = bool(consumers) and all(c._keeps_integer_inputs for c in consumers)
        rules.append((as_torch_dtype(tensor.dtype), keeps))
    return rules


def _cast_input(tensor, declared, keeps_integers):
    """Keras feeds data through a placeholder of the input's dtype, so uint8 images, bool
    one-hot arrays and float16 data all arrive as float32; integer indices meant for an
    ``Embedding`` stay integer (exact, and no cast back)."""
    integer = not tensor.is_floating_point() and tensor.dtype != torch.bool
    if declared is None:  # a subclassed model: only bool has an obvious meaning
        return tensor.float() if tensor.dtype == torch.bool else tensor
    if integer and keeps_integers and declared.is_floating_point:
        return tensor
    return tensor if tensor.dtype == declared else tensor.to(declared)


def _standardize_x(model, x, device):
    count = None if isinstance(x, dict) else len(as_list(x))
    names, shapes = input_names_and_shapes(model, count)
    xs = standardize(x, names, "input", device, shapes)
    rules = _input_dtype_rules(model, len(xs))
    return [_cast_input(t, declared, keeps) for t, (declared, keeps) in zip(xs, rules)]


def standardize_inputs(model, x, keep_on_host=False):
    """``x`` → the model's inputs as a list of tensors on its device (``predict``'s data).

    ``keep_on_host=True`` leaves them where they are (NumPy data on the host): ``predict``
    then moves them batch by batch with :func:`lamella.engine.device.move`.
    """
    xs = _standardize_x(model, x, None if keep_on_host else devices.data_device(model))
    check_lengths([("x", xs)])
    return xs


def standardize_data(model, x, y=None, sample_weight=None, class_weight=None):
    """``(x, y, sample_weight, class_weight)`` → ``(xs, ys, sws)``: lists of tensors on the
    model's device, targets and weights one per output (``ys``/``sws`` may be ``None``)."""
    device = devices.data_device(model)
    xs = _standardize_x(model, x, device)
    if y is None and getattr(model, "_target_tensors", None) is not None:
        y = model._target_tensors
    ys = None
    if y is not None:
        ys = standardize(y, output_names_for(model, y), "target", device)
        # Integer class-index targets stay integer (sparse losses); one-hot or multi-column
        # integer targets become float as Keras feeds them.
        ys = [t.float() if not t.is_floating_point() and t.dim() > 1 else t for t in ys]
    sws = standardize_sample_weights(model, sample_weight, ys, class_weight)
    check_lengths([("x", xs), ("y", ys), ("sample_weight", sws)])
    return xs, ys, sws


def standardize_sample_weights(model, sample_weight, ys, class_weight=None):
    """One weight tensor per output (or ``None``): ``sample_weight`` times ``class_weight``."""
    if ys is None or (sample_weight is None and class_weight is None):
        return None
    n = len(ys)
    device = ys[0].device
    names = output_names_for(model, ys if n > 1 else ys[0])
    if sample_weight is None:
        weights = [None] * n
    elif isinstance(sample_weight, dict):
        weights = [sample_weight.get(name) for name in names]
    else:
        weights = as_list(sample_weight) if n > 1 else [sample_weight]
    weights = [None if w is None else _as_tensor(w, "sample_weight", device).float()
               for w in weights]
    for weight, mode in zip(weights, _sample_weight_modes(model, n)):
        if weight is not None:
            _check_sample_weight_rank(weight, mode)
    if class_weight is not None:
        per_output = (
            [class_weight.get(name) for name in names]
            if isinstance(class_weight, dict) and any(name in class_weight for name in names)
            else [class_weight] * n
        )
        for i, (table, target) in enumerate(zip(per_output, ys)):
            if table is not None:
                factor = class_weights_for(target, table)
                weights[i] = factor if weights[i] is None else weights[i] * factor
    if all(w is None for w in weights):
        return None
    return [w if w is not None else torch.ones(ys[i].shape[0], device=device)
            for i, w in enumerate(weights)]


def _check_sample_weight_rank(weight, mode):
    if mode == "temporal" and weight.dim() != 2:
        raise ValueError(
            f"Found a sample_weight array with shape {tuple(weight.shape)}. In order to use "
            f"timestep-wise sample weighting, you should pass a 2D sample_weight array."
        )
    if mode is None and weight.dim() != 1:
        raise ValueError(
            f"Found a sample_weight array with shape {tuple(weight.shape)}; per-sample "
            f"weights must be 1D. For timestep-wise weights, compile the model with "
            f"sample_weight_mode='temporal'."
        )


def class_weights_for(target, class_weight):
    """Each sample's weight from its class (the argmax of a one-hot target)."""
    if target.dim() > 2:
        raise ValueError("class_weight is not supported for 3+ dimensional targets.")
    if target.dim() == 2 and target.shape[1] > 1:
        classes = target.argmax(dim=1)
    else:
        classes = target.reshape(-1)
    present = set(np.unique(classes.detach().cpu().numpy()).tolist())
    missing = {c for c in present if c not in class_weight and int(c) not in class_weight}
    if missing:
        raise ValueError(
            f"`class_weight` must contain all classes in the data. The classes {missing} exist "
            f"in the data but not in `class_weight`."
        )
    table = torch.zeros(int(max(present)) + 1 if present else 1, device=target.device)
    for c in present:
        table[int(c)] = float(class_weight.get(c, class_weight.get(int(c))))
    return table[classes.long()]
