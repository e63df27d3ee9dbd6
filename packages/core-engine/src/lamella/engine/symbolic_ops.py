"""Operations on symbolic tensors: how ``K.mean(z)``, ``1 + z`` or ``x[:, 0]`` on functional-API
tensors become graph nodes.

In Keras 2.3 a functional-API tensor is a TensorFlow tensor, so scripts compute on it with
backend ops, operators and loss functions, and pass the result to ``Model(...)``, ``add_loss``
or another layer. Here such a call records a :class:`TensorOp`: a weightless layer that holds
the function's registered name (``"backend.mean"``, ``"operator.add"``,
``"losses.binary_crossentropy"``) and its constant arguments, with the symbolic tensors as its
inputs. Its output shape and dtype come from running the function on small example tensors
(on torch's ``meta`` device where the function allows, else on tiny CPU tensors). A
``TensorOp`` serialises to its name and its constants, so such models save and reload; an
argument that cannot be written to a config (a torch tensor, a Python function) is refused
when saving, naming the layer, the function and the argument.

:func:`symbolic_aware` makes one function accept symbolic tensors; :func:`wrap_namespace`
applies it to every public function of a module (``lamella.backend``) and :func:`wrap_facade`
to the functions of a facade (``lamella.losses``, ``lamella.metrics``).

Example::

    from lamella import backend as K

    inputs = lamella.Input(shape=(4,))
    z_mean, z_log_var = Dense(2)(inputs), Dense(2)(inputs)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    model = lamella.Model(inputs, [z_mean, kl])         # kl is a TensorOp's output
"""

import functools
import importlib
import inspect
import operator

import numpy as np
import torch

from lamella.engine import naming, symbolic_torch
from lamella.engine import node as node_module
from lamella.engine.base_layer import Layer
from lamella.engine.dtypes import as_torch_dtype
from lamella.engine.node import Node, SymbolicTensor

#: Registered name -> the plain (unwrapped) function a TensorOp calls.
_OPS = {}

#: The namespaces whose functions a saved TensorOp may name, by prefix.
_NAMESPACES = {"backend": "lamella.backend", "losses": "lamella.losses",
               "metrics": "lamella.metrics"}

#: Functions whose answer on a symbolic tensor is static (no graph node): Keras's
#: ``K.int_shape(x)`` is a tuple, not a tensor.
_STATIC = {
    "backend.int_shape": lambda x: tuple(x.shape),
    "backend.ndim": lambda x: len(x.shape),
    "backend.dtype": lambda x: x.dtype,
    "backend.is_tensor": lambda x: True,
    "backend.is_sparse": lambda x: False,
    "backend.is_variable": lambda x: False,
}

#: Operators recorded by :class:`SymbolicTensor`'s dunder methods; also the only functions of
#: the ``operator`` module a config may name.
def getitem(tensor, index):
    """``tensor[index]``, also with negative slice steps (``x[..., ::-1]``), which TensorFlow's
    strided slices take (Keras 2.3 scripts reverse channels so) and torch's indexing does not:
    those slices become an ``index_select`` of the same positions."""
    items = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(i, slice) and i.step is not None and i.step < 0 for i in items) \
            or any(torch.is_tensor(i) or isinstance(i, (list, np.ndarray)) for i in items):
        return tensor[index]
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    dim, plain = 0, []
    for item in items:
        if item is Ellipsis:
            dim += tensor.dim() - consumed
        elif isinstance(item, slice) and item.step is not None and item.step < 0:
            positions = torch.arange(tensor.shape[dim], device=tensor.device)[
                list(range(tensor.shape[dim]))[item]]
            tensor, item = tensor.index_select(dim, positions), slice(None)
        if item is not None and item is not Ellipsis:
            dim += 1
        plain.append(item)
    return tensor[tuple(plain)]


OPERATORS = {name: getattr(operator, name) for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "neg", "pos", "abs",
    "invert", "and_", "or_", "xor", "lt", "le", "gt", "ge")}
OPERATORS["getitem"] = getitem
for _name, _fn in OPERATORS.items():
    _OPS[f"operator.{_name}"] = _fn


class _Slot:
    """Where the ``index``-th symbolic input goes in a call's arguments."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"<input {self.index}>"


def register_op(name, fn):
    """Register ``fn`` under ``name`` so a saved :class:`TensorOp` can find it again.

    Example::

        register_op("mylib.soft_clip", soft_clip)
    """
    _OPS[name] = getattr(fn, "__lamella_raw__", fn)


def resolve_op(name, layer_name=None):
    """The function registered as ``name``; the facades and ``lamella.backend`` register theirs
    on first use, so a name of theirs is looked up there. A ``torch.*`` or ``Tensor.*`` name is
    looked up only in :mod:`lamella.engine.symbolic_torch`'s allow-list."""
    if symbolic_torch.is_torch_name(name):
        return symbolic_torch.resolve(name, layer_name)
    fn = _OPS.get(name)
    if fn is None and isinstance(name, str):
        prefix, _, short = name.partition(".")
        if prefix in _NAMESPACES and short and not short.startswith("_"):
            # The namespace registers its functions when imported (and a facade when one is
            # asked for): looked up by name, as the plugin loader finds plugins, since each of
            # these modules imports this one.
            namespace = importlib.import_module(_NAMESPACES[prefix])
            try:
                getattr(namespace, short)
            except (AttributeError, ImportError):
                pass
        fn = _OPS.get(name)
    if fn is None:
        where = f"TensorOp {layer_name!r}" if layer_name else "TensorOp"
        raise ValueError(
            f"{where}: unknown function {name!r}. Functions are found by their registered "
            f"name ('backend.mean', 'operator.add', 'losses.binary_crossentropy'); register "
            f"your own with lamella.engine.symbolic_ops.symbolic_aware(fn, name) before loading."
        )
    return fn


def _is_symbolic_tree(value, depth=0):
    if isinstance(value, SymbolicTensor):
        return True
    if depth < 3 and isinstance(value, (list, tuple)):
        return any(_is_symbolic_tree(v, depth + 1) for v in value)
    if depth < 3 and isinstance(value, dict):
        return any(_is_symbolic_tree(v, depth + 1) for v in value.values())
    return False


def has_symbolic(args, kwargs=None):
    """Whether ``args``/``kwargs`` hold a symbolic tensor (also inside lists, tuples, dicts).

    On the hot path of every backend call in a custom loss: two ``isinstance`` checks per
    argument for real tensors."""
    for value in args:
        if isinstance(value, SymbolicTensor) or (
                isinstance(value, _CONTAINERS) and _is_symbolic_tree(value)):
            return True
    if kwargs:
        for value in kwargs.values():
            if isinstance(value, SymbolicTensor) or (
                    isinstance(value, _CONTAINERS) and _is_symbolic_tree(value)):
                return True
    return False


_CONTAINERS = (list, tuple, dict)


def symbolic_aware(fn, name=None):
    """``fn``, accepting symbolic tensors: called on one it records a :class:`TensorOp`
    registered as ``name`` (default ``module.function``); on real tensors it is ``fn``.

    Example::

        soft_clip = symbolic_aware(lambda x, limit=3.0: limit * torch.tanh(x / limit),
                                   "mylib.soft_clip")
        y = soft_clip(lamella.Input(shape=(3,)), limit=2.0)    # a SymbolicTensor
    """
    raw = getattr(fn, "__lamella_raw__", fn)
    name = name or f"{raw.__module__}.{raw.__name__}"
    register_op(name, raw)
    static = _STATIC.get(name)

    @functools.wraps(raw)
    def wrapper(*args, **kwargs):
        if not has_symbolic(args, kwargs):
            return raw(*args, **kwargs)
        if static is not None and args and isinstance(args[0], SymbolicTensor):
            return static(args[0])
        return apply_op(name, raw, args, kwargs)

    wrapper.__lamella_op__ = name
    wrapper.__lamella_raw__ = raw
    return wrapper


def unwrap(fn):
    """The plain function behind a :func:`symbolic_aware` wrapper (anything else as is)."""
    return getattr(fn, "__lamella_raw__", fn)


def wrap_namespace(namespace, names=None, prefix=None, skip=()):
    """Make the public functions of a module's ``namespace`` (``globals()``) symbolic-aware,
    registered as ``<prefix>.<name>``.

    ``names`` defaults to every public function defined in that module or its submodules
    (imported helpers such as ``np`` stay untouched); ``skip`` lists names to leave alone
    (functions that already handle symbolic tensors themselves, such as ``K.function``).

    Example (the end of ``lamella/backend.py``)::

        wrap_namespace(globals(), prefix="backend", skip=("function", "gradients"))
    """
    module = namespace.get("__name__", "")
    prefix = prefix or module.rsplit(".", 1)[-1]
    if names is None:
        names = [
            key for key, value in namespace.items()
            if not key.startswith("_") and inspect.isfunction(value)
            and (value.__module__ == module or value.__module__.startswith(module + "."))
        ]
    for key in names:
        if key in skip or hasattr(namespace[key], "__lamella_op__"):
            continue
        namespace[key] = symbolic_aware(namespace[key], f"{prefix}.{key}")


def wrap_facade(namespace, kind):
    """Make the functions a facade module (``lamella.losses``) hands out symbolic-aware
    (``binary_crossentropy(inputs, outputs)`` on model tensors), while its ``get`` and
    ``serialize`` see the plain registered functions, so ``compile(loss=...)`` and configs
    keep naming them as before. Classes are returned as they are.

    Example (the end of ``lamella/losses.py``)::

        _symbolic_ops.wrap_facade(globals(), "losses")
    """
    lookup_attr, get, serialize = (namespace["__getattr__"], namespace["get"],
                                   namespace["serialize"])
    cache = {}

    def getattr_(name):
        obj = lookup_attr(name)
        if not inspect.isfunction(obj):
            return obj
        key = (name, id(obj))
        wrapped = cache.get(key)
        if wrapped is None or wrapped.__lamella_raw__ is not obj:
            wrapped = cache[key] = symbolic_aware(obj, f"{kind}.{name}")
        return wrapped

    def get_(identifier, custom_objects=None):
        return get(unwrap(identifier), custom_objects=custom_objects)

    def serialize_(obj):
        return serialize(unwrap(obj))

    functools.update_wrapper(get_, get)
    functools.update_wrapper(serialize_, serialize)
    namespace.update(__getattr__=getattr_, get=get_, serialize=serialize_)


# --- recording ---------------------------------------------------------------------------


def _template(value, tensors):
    """``value`` with each symbolic tensor replaced by a :class:`_Slot` (collected in order)."""
    if isinstance(value, SymbolicTensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if isinstance(value, list):
        return [_template(v, tensors) for v in value]
    if isinstance(value, tuple):
        return tuple(_template(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: _template(v, tensors) for k, v in value.items()}
    return value


def _fill(value, tensors, device, as_tensors=False):
    """The inverse of :func:`_template` on real ``tensors``; constant tensors follow the inputs'
    device (a model moved to the GPU after the op was recorded)."""
    if isinstance(value, _Slot):
        return tensors[value.index]
    if isinstance(value, list):
        return [_fill(v, tensors, device, as_tensors) for v in value]
    if isinstance(value, tuple):
        return tuple(_fill(v, tensors, device, as_tensors) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, tensors, device, as_tensors) for k, v in value.items()}
    if torch.is_tensor(value) and device is not None and value.device != device:
        return value.to(device)
    if as_tensors and isinstance(value, np.ndarray):
        return torch.as_tensor(value, device=device)
    return value


def apply_op(name, fn, args, kwargs):
    """Record ``fn(*args, **kwargs)`` (holding symbolic tensors) as a :class:`TensorOp` node and
    return its symbolic output (a list or tuple of them for a function returning several)."""
    tensors = []
    template = {"args": _template(list(args), tensors), "kwargs": _template(dict(kwargs),
                                                                           tensors)}
    for tensor in tensors:
        if tensor._keras_history is None:
            raise ValueError(f"{name}: {tensor!r} is not part of a graph (it has no history).")
    op = TensorOp._recorded(name, fn, template, [t.dtype for t in tensors])
    return op._connect(tensors)


def apply_operator(name, *operands):
    """``operator.<name>(*operands)`` with at least one symbolic operand, as a graph node."""
    return apply_op(f"operator.{name}", OPERATORS[name], operands, {})


node_module.apply_operator_hook[0] = apply_operator
node_module.apply_op_hook[0] = apply_op


# --- the layer -----------------------------------------------------------------------------

_PROBE_SIZES = ((3, 5), (4, 6))  # (batch, other unknown sizes) of the two example runs


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def _probe(shape, dtype, sizes, device):
    batch, free = sizes
    dims = [(batch if i == 0 else free) if d is None else d for i, d in enumerate(shape)]
    torch_dtype = as_torch_dtype(dtype)
    if device == "meta":
        return torch.empty(dims, dtype=torch_dtype, device="meta")
    # Ones rather than zeros: log, division and rsqrt stay finite on the example.
    return torch.ones(dims, dtype=torch_dtype)


class TensorOp(Layer):
    """A backend function, operator or loss function applied to symbolic tensors.

    ``function`` is the registered name (``"backend.mean"``), ``arguments`` the call's
    arguments with ``{"__tensor__": i}`` where the ``i``-th input goes. Recorded for you when
    such a function is called on functional-API tensors; weightless.

    Example::

        inputs = lamella.Input(shape=(3,))
        doubled = inputs * 2                       # a TensorOp 'operator_mul_1'
        op = doubled._keras_history[0]
        op.get_config()["function"]                # 'operator.mul'
    """

    def __init__(self, function, arguments=None, input_dtypes=None, **kwargs):
        if not isinstance(function, str):
            raise TypeError(f"TensorOp: `function` must be a registered function name, got "
                            f"{function!r}.")
        kwargs.setdefault("name", naming.unique_name(function.replace(".", "_")))
        super().__init__(**kwargs)
        self.function = function
        self._fn = resolve_op(function, self.name)
        arguments = arguments if arguments is not None else {"args": [], "kwargs": {}}
        if not isinstance(arguments, dict) or not isinstance(arguments.get("args", []), list) \
                or not isinstance(arguments.get("kwargs", {}), dict):
            raise ValueError(f"TensorOp {self.name!r}: `arguments` must be a dict with an "
                             f"'args' list and a 'kwargs' dict, got {arguments!r}.")
        self._template = {"args": _decode(arguments.get("args", []), self.name),
                          "kwargs": {k: _decode(v, self.name)
                                     for k, v in arguments.get("kwargs", {}).items()}}
        self._input_dtypes = list(input_dtypes or [])
        self.built = True

    @classmethod
    def _recorded(cls, name, fn, template, input_dtypes):
        op = cls.__new__(cls)
        Layer.__init__(op, name=naming.unique_name(name.replace(".", "_")))
        op.function, op._fn, op._template = name, fn, template
        op._input_dtypes = list(input_dtypes)
        op.built = True
        return op

    def __call__(self, inputs, *args, **kwargs):
        if not args and not kwargs and has_symbolic([inputs]):  # rebuilding a saved graph
            return self._connect([inputs] if isinstance(inputs, SymbolicTensor) else
                                 list(inputs))
        return super().__call__(inputs, *args, **kwargs)

    def _connect(self, tensors):
        """Record a call of this op on symbolic ``tensors``: a new node, whose outputs have the
        shapes and dtypes found by running the function on examples."""
        if not self._input_dtypes:
            self._input_dtypes = [t.dtype for t in tensors]
        specs, container = self._infer([t.shape for t in tensors])
        node_index = len(self._inbound_nodes)
        outputs = [SymbolicTensor(shape, dtype, history=(self, node_index, i))
                   for i, (shape, dtype) in enumerate(specs)]
        self._inbound_nodes.append(Node(self, tensors, outputs, {}, len(tensors) == 1))
        if container is None:
            return outputs[0]
        # torch's named results (x.max(dim=1).values) are rebuilt from the list of outputs.
        return container._make(outputs) if hasattr(container, "_make") else container(outputs)

    def _run(self, tensors):
        device = tensors[0].device if tensors and torch.is_tensor(tensors[0]) else None
        # Constants of operators and torch functions are tensors (NumPy arrays once reloaded).
        as_tensors = self.function.startswith("operator.") or symbolic_torch.is_torch_name(
            self.function)
        args = _fill(self._template["args"], tensors, device, as_tensors)
        kwargs = _fill(self._template["kwargs"], tensors, device, as_tensors)
        return self._fn(*args, **kwargs)

    def call(self, inputs):
        tensors = [inputs] if self._slot_count() == 1 else list(inputs)
        result = self._run(tensors)
        # One output is returned bare: the graph executor unpacks only several.
        if isinstance(result, (list, tuple)) and len(result) == 1:
            return result[0]
        return result

    def _slot_count(self):
        node = self._inbound_nodes[0] if self._inbound_nodes else None
        if node is not None:
            return len(node.input_tensors)
        return _count_slots(self._template)

    def _infer(self, input_shapes):
        """``([(shape, dtype), ...], container)`` of the outputs, from two example runs on
        inputs of ``input_shapes``; ``container`` is ``None`` for a single tensor."""
        dtypes = self._input_dtypes or ["float32"] * len(input_shapes)
        failure = None
        for device in ("meta", "cpu"):
            try:
                with torch.no_grad():
                    runs = [self._run([_probe(s, d, sizes, device)
                                       for s, d in zip(input_shapes, dtypes)])
                            for sizes in _PROBE_SIZES]
                break
            except Exception as exc:  # meta tensors cannot be read (.item()); try real ones
                failure = exc
        else:
            raise ValueError(
                f"{self.function} could not run on symbolic tensors of shapes "
                f"{list(input_shapes)}: {type(failure).__name__}: {failure}"
            ) from failure
        first, second = runs
        container = None
        if isinstance(first, (list, tuple)) and all(torch.is_tensor(t) for t in first) and first:
            container = type(first)
            pairs = list(zip(first, second))
        elif torch.is_tensor(first):
            pairs = [(first, second)]
        else:
            raise TypeError(
                f"{self.function} returns {type(first).__name__}, not a tensor, so it has no "
                f"value on symbolic tensors until the graph runs: evaluate it with "
                f"K.function([inputs], [outputs]) or inside a layer."
            )
        specs = []
        for a, b in pairs:
            if a.dim() != b.dim():
                raise ValueError(f"{self.function}: the rank of its output depends on the "
                                 f"input's unknown sizes, which a symbolic tensor cannot hold.")
            shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
            specs.append((shape, _dtype_name(a.dtype)))
        return specs, container

    def compute_output_shape(self, input_shape):
        shapes = input_shape if self._slot_count() != 1 else [input_shape]
        specs, container = self._infer([tuple(s) for s in shapes])
        return [s for s, _ in specs] if container is not None else specs[0][0]

    def get_config(self):
        config = super().get_config()
        config.pop("batch_input_shape", None)
        config.update(function=self.function,
                      arguments={"args": _encode(self._template["args"], self),
                                 "kwargs": {k: _encode(v, self, k) for k, v
                                            in self._template["kwargs"].items()}},
                      input_dtypes=list(self._input_dtypes))
        return config


def _count_slots(value):
    if isinstance(value, _Slot):
        return 1
    if isinstance(value, (list, tuple)):
        return sum(_count_slots(v) for v in value)
    if isinstance(value, dict):
        return sum(_count_slots(v) for v in value.values())
    return 0


# --- constants in configs --------------------------------------------------------------------

_MAX_ARRAY_ELEMENTS = 4096  # larger constants belong in a layer's weights, not its config


def _encode(value, op, where="arguments"):
    if isinstance(value, _Slot):
        return {"__tensor__": value.index}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_encode(v, op, where) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, op, where) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _encode(v, op, f"{where}.{k}") for k, v in value.items()}}
    if isinstance(value, slice):
        return {"__slice__": [_encode(v, op, where) for v in (value.start, value.stop,
                                                              value.step)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.dtype) or (isinstance(value, type) and issubclass(
            value, np.generic)) or isinstance(value, np.dtype):
        return {"__dtype__": _dtype_name(as_torch_dtype(value))}
    array = None
    if isinstance(value, np.ndarray):
        array = value
    elif torch.is_tensor(value) and not isinstance(value, torch.nn.Parameter) \
            and not value.requires_grad:
        array = value.detach().cpu().numpy()
    if array is not None and array.size <= _MAX_ARRAY_ELEMENTS and array.dtype.kind in "biuf":
        return {"__array__": array.tolist(), "dtype": array.dtype.name}
    raise ValueError(
        f"TensorOp {op.name!r} ({op.function}) cannot be saved: its argument {where} is "
        f"{_describe(value)}, which a model config cannot hold. Compute it inside a layer "
        f"(a custom layer owning the weight, or a Lambda) to save this model."
    )


def _describe(value):
    if isinstance(value, torch.nn.Parameter) or torch.is_tensor(value):
        return f"a torch tensor of shape {tuple(value.shape)} (a variable or weight)" \
            if isinstance(value, torch.nn.Parameter) or value.requires_grad else \
            f"a torch tensor of {value.numel()} elements"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of {value.size} elements ({value.dtype})"
    return f"a {type(value).__name__}"


def _decode(value, layer_name):
    if isinstance(value, list):
        return [_decode(v, layer_name) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__tensor__"}:
        index = value["__tensor__"]
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise ValueError(f"TensorOp {layer_name!r}: bad input index {index!r}.")
        return _Slot(index)
    if set(value) == {"__tuple__"}:
        return tuple(_decode(v, layer_name) for v in value["__tuple__"])
    if set(value) == {"__dict__"}:
        return {k: _decode(v, layer_name) for k, v in value["__dict__"].items()}
    if set(value) == {"__slice__"}:
        return slice(*[_decode(v, layer_name) for v in value["__slice__"]])
    if set(value) == {"__ellipsis__"}:
        return Ellipsis
    if set(value) == {"__dtype__"}:
        return as_torch_dtype(value["__dtype__"])
    if set(value) == {"__array__", "dtype"}:
        array = np.asarray(value["__array__"], dtype=np.dtype(value["dtype"]))
        if array.size > _MAX_ARRAY_ELEMENTS:
            raise ValueError(f"TensorOp {layer_name!r}: a constant of {array.size} elements is "
                             f"larger than the {_MAX_ARRAY_ELEMENTS} a config may hold.")
        return array
    raise ValueError(f"TensorOp {layer_name!r}: cannot decode the argument {value!r}.")
