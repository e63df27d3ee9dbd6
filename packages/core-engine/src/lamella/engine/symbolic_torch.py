"""torch functions and ``Tensor`` methods on symbolic tensors: ``torch.cat([a, b], dim=1)``,
``F.softmax(x, dim=-1)`` or ``x.permute(0, 2, 1)`` on functional-API tensors become graph nodes.

A PyTorch user computes on ``lamella.Input(...)`` and layer outputs with torch's own functions.
:class:`~lamella.engine.node.SymbolicTensor` implements ``__torch_function__``, so torch hands
such a call here, and its ``__getattr__`` hands over ``Tensor`` methods (``x.view(-1, 4)``,
``x.float()``, ``x.sum(dim=1)``); both record a :class:`~lamella.engine.symbolic_ops.TensorOp`
named by the function's public path (``"torch.cat"``, ``"torch.nn.functional.softmax"``,
``"torch.linalg.norm"``, ``"Tensor.permute"``), with its output shape and dtype inferred as for
backend ops (on the ``meta`` device).

A saved model names the function; loading looks that name up in a table built once from torch's
own list of overridable functions (:func:`torch.overrides.get_overridable_functions`) restricted
to the namespaces ``torch``, ``torch.nn.functional``, ``torch.linalg``, ``torch.special``,
``torch.fft`` and ``Tensor`` methods, less in-place functions and those that reach memory,
autograd hooks or Python values (:data:`DENIED`). A name from a file is only ever a key in that
table: nothing is imported or looked up by attribute on its account, so ``torch.load``,
``torch.hub.load``, ``torch.ops.aten.add`` or ``torch.utils...`` are refused.

Example::

    import torch
    import torch.nn.functional as F

    x = lamella.Input(shape=(5, 3))
    h = torch.cat([x, torch.sigmoid(x)], dim=-1).permute(0, 2, 1)    # (None, 6, 5)
    model = lamella.Model(x, F.softmax(h.sum(dim=1), dim=-1))         # trains, saves, reloads
"""

import functools

import torch
import torch.nn.functional

from lamella.engine import node as node_module
from lamella.engine.dtypes import DType, as_torch_dtype

#: The namespaces a recorded (and a saved) torch function may come from, by the prefix its
#: name carries.
NAMESPACES = (
    ("torch", torch),
    ("torch.nn.functional", torch.nn.functional),
    ("torch.linalg", torch.linalg),
    ("torch.special", torch.special),
    ("torch.fft", torch.fft),
    ("Tensor", torch.Tensor),
)

#: Overridable functions of those namespaces that are never recorded nor loaded: they touch
#: storage, memory sharing, autograd hooks or devices' internals, return Python values, or are
#: torch internals (quantisation, vendor kernels, symbolic-shape helpers). In-place functions
#: (a name ending in ``_``) are refused as well: a graph node makes a new tensor.
DENIED = frozenset({
    "backward", "register_hook", "register_post_accumulate_grad_hook", "retain_grad",
    "numpy", "tolist", "item", "storage", "untyped_storage", "storage_type", "storage_offset",
    "data_ptr", "is_shared", "is_set_to", "module_load", "pin_memory", "is_pinned",
    "record_stream", "dim_order", "autocast", "get_device", "as_strided", "as_strided_copy",
    "as_strided_scatter", "set_", "share_memory_", "apply_", "map_", "map2_", "nonzero_static",
})
_DENIED_PREFIXES = ("fbgemm_", "miopen_", "quantize", "q_", "sym_", "is_", "_")


@functools.lru_cache(maxsize=None)
def _tables():
    """``({name: function}, {id(function): name})`` of the functions that may be recorded."""
    overridable = {id(fn) for fns in torch.overrides.get_overridable_functions().values()
                   for fn in fns}
    by_name, by_id = {}, {}
    for prefix, namespace in NAMESPACES:
        # dir(): Tensor methods include those torch.Tensor inherits from torch._C.TensorBase.
        for attr in sorted(dir(namespace)):
            if attr in DENIED or attr.endswith("_") or attr.startswith(_DENIED_PREFIXES):
                continue
            fn = getattr(namespace, attr, None)
            if fn is None or not callable(fn) or id(fn) not in overridable:
                continue
            by_name[f"{prefix}.{attr}"] = fn
            by_id.setdefault(id(fn), f"{prefix}.{attr}")  # the first path: torch.cat, not .concat
    return by_name, by_id


def is_torch_name(name):
    """Whether ``name`` belongs to the torch namespaces (and so is looked up only here)."""
    return isinstance(name, str) and (name.startswith("torch.") or name.startswith("Tensor."))


def resolve(name, layer_name=None):
    """The torch function saved as ``name``; a name outside the allow-list is refused."""
    fn = _tables()[0].get(name)
    if fn is None:
        where = f"TensorOp {layer_name!r}" if layer_name else "TensorOp"
        raise ValueError(
            f"{where}: function {name!r} is not one a model may name. A saved model may call "
            f"functions of torch, torch.nn.functional, torch.linalg, torch.special, torch.fft "
            f"and Tensor methods that compute a new tensor; file, process, import, hook and "
            f"in-place functions are refused."
        )
    return fn


def name_of(fn):
    """The public name recorded for torch function ``fn``, or ``None`` if it is not allowed."""
    return _tables()[1].get(id(fn))


def _public_path(fn):
    try:
        return torch.overrides.resolve_name(fn) or repr(fn)
    except Exception:  # resolve_name reads attributes a foreign callable may lack
        return repr(fn)


def _torch_dtypes(value):
    """``value`` with symbolic tensors' dtypes (``x.to(y.dtype)``) as torch dtypes, which torch
    functions take (a plain string would mean a device to ``Tensor.to``)."""
    if isinstance(value, DType):
        return as_torch_dtype(str(value))
    if isinstance(value, list):
        return [_torch_dtypes(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_torch_dtypes(v) for v in value)
    if isinstance(value, dict):
        return {k: _torch_dtypes(v) for k, v in value.items()}
    return value


def _record(name, fn, args, kwargs):
    # symbolic_ops.apply_op, installed by that module (which imports this one).
    return node_module.apply_op_hook[0](name, fn, _torch_dtypes(list(args)),
                                        _torch_dtypes(dict(kwargs)))


def torch_function(func, args, kwargs):
    """What ``SymbolicTensor.__torch_function__`` answers: the call recorded as a graph node.

    Python operators (``torch.ones(3) @ x``) return ``NotImplemented``, so the symbolic
    tensor's reflected operator records them as ``operator.*`` nodes, as for NumPy operands."""
    if getattr(func, "__name__", "").startswith("__"):
        return NotImplemented
    name = name_of(func)
    if name is None:
        raise TypeError(
            f"{_public_path(func)} cannot be applied to a symbolic tensor: only functions of "
            f"torch, torch.nn.functional, torch.linalg, torch.special, torch.fft and Tensor "
            f"methods that compute a new tensor become graph nodes (in-place, hook, storage "
            f"and Python-value functions do not). Compute it inside a layer (a Lambda or a "
            f"custom layer) instead."
        )
    return _record(name, func, args, kwargs or {})


def tensor_method(tensor, attr):
    """``tensor.<attr>`` for a ``Tensor`` method: a callable recording it as a graph node."""
    name = f"Tensor.{attr}"
    fn = _tables()[0].get(name)
    if fn is None:
        if callable(getattr(torch.Tensor, attr, None)):
            raise AttributeError(
                f"{tensor!r}: Tensor.{attr} cannot be applied to a symbolic tensor (it has no "
                f"values until the graph runs, and in-place, hook, storage and Python-value "
                f"methods make no graph node). Use it inside a layer (a Lambda or a custom "
                f"layer), or evaluate the tensor with lamella.backend.function."
            )
        raise AttributeError(f"{type(tensor).__name__!r} object has no attribute {attr!r}")

    @functools.wraps(fn)
    def method(*args, **kwargs):
        return _record(name, fn, (tensor,) + args, kwargs)

    return method


node_module.torch_function_hook[0] = torch_function
node_module.tensor_method_hook[0] = tensor_method
