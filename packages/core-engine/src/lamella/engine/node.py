"""Symbolic tensors and nodes: the functional API's graph.

Calling a layer on a :class:`SymbolicTensor` builds the layer, infers the output shape and
records a :class:`Node` (one call of one layer); the outputs remember which node made them
(``_keras_history = (layer, node_index, tensor_index)``), exactly as in Keras 2.3.
"""

from lamella.engine.dtypes import DType


class Dimension(int):
    """A known size in a :class:`TensorShape`: an ``int`` that also has TensorFlow 1's
    ``.value``, which Keras 2.3 scripts read (``x.shape[-1].value``).

    Example::

        lamella.Input(shape=(3,)).shape[-1].value     # 3
    """

    __slots__ = ()

    @property
    def value(self):
        return int(self)

    def __repr__(self):
        return int.__repr__(self)


class TensorShape(tuple):
    """A symbolic tensor's static shape: a tuple (``None`` for unknown sizes) that also answers
    TensorFlow's ``as_list()``, ``ndims``, ``dims``, ``is_fully_defined()`` and
    ``num_elements()``, which Keras 2.3 scripts call. An index gives a known size as a
    :class:`Dimension` (an ``int`` with ``.value``) and an unknown one as ``None`` (where
    TensorFlow 1 gives ``Dimension(None)``: ``x.shape[0] is None`` holds, as in TensorFlow 2).

    Example::

        shape = lamella.Input(shape=(3,)).shape
        shape.as_list(), shape[-1].value, shape[0]    # [None, 3], 3, None
    """

    def __getitem__(self, index):
        found = tuple.__getitem__(self, index)
        if isinstance(index, slice):
            return TensorShape(found)
        return found if found is None else Dimension(found)

    def as_list(self):
        return list(self)

    @property
    def ndims(self):
        return len(self)

    @property
    def rank(self):
        return len(self)

    @property
    def dims(self):
        return [self[i] for i in range(len(self))]

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def num_elements(self):
        """The number of elements, or ``None`` where a size is unknown (as TensorFlow)."""
        if not self.is_fully_defined():
            return None
        count = 1
        for d in self:
            count *= d
        return count


#: Records an operator applied to symbolic tensors as a graph node. Installed by
#: :mod:`lamella.engine.symbolic_ops` (which builds on layers, so this module cannot import it);
#: the input layer every graph starts from imports that module.
apply_operator_hook = [None]
apply_op_hook = [None]
#: Record a torch function or ``Tensor`` method called on symbolic tensors; installed by
#: :mod:`lamella.engine.symbolic_torch`.
torch_function_hook = [None]
tensor_method_hook = [None]


def _operator(name, reflected=False):
    def method(self, *other):
        operands = (other[0], self) if reflected else (self,) + other
        return apply_operator_hook[0](name, *operands)

    method.__name__ = f"__{'r' if reflected else ''}{name.rstrip('_')}__"
    return method


class SymbolicTensor:
    """A placeholder with a static shape (``None`` for unknown sizes) and its graph history.

    It behaves like a tensor: arithmetic, comparisons (``<``, ``<=``, ``>``, ``>=``; ``==`` is
    identity, as for Keras 2.3's TensorFlow tensors), indexing, ``lamella.backend`` functions
    and loss functions applied to it record graph nodes (see
    :mod:`lamella.engine.symbolic_ops`), and so do torch functions (``torch.cat``,
    ``F.softmax``) and ``Tensor`` methods (``x.permute(0, 2, 1)``; see
    :mod:`lamella.engine.symbolic_torch`), so the results can be a model's outputs or losses.
    ``bool(x)``, ``len(x)`` and iteration are refused, as TensorFlow refuses them in graph mode.

    Example::

        x = lamella.Input(shape=(4,))
        y = 2 * x[:, :2] + 1          # a SymbolicTensor of shape (None, 2)
        z = torch.sigmoid(y).sum(dim=-1)
    """

    # NumPy defers to our reflected operators instead of building object arrays.
    __array_ufunc__ = None

    def __init__(self, shape, dtype="float32", history=None, has_mask=False, name=None):
        self.shape = TensorShape(None if d is None else int(d) for d in shape)
        self.dtype = DType.of(dtype)
        self._keras_history = history
        self._keras_mask = True if has_mask else None
        self._name = name

    @property
    def name(self):
        """The name given (an input's is its layer's), else ``'<layer>/output:<index>'``, in
        TensorFlow's ``'<op>:<index>'`` form."""
        if self._name is None and self._keras_history:
            layer, _, index = self._keras_history
            return f"{layer.name}/output:{index}"
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def ndim(self):
        return len(self.shape)

    # Static answers of torch's shape methods: a PyTorch user's ``x.size(-1)``.
    def size(self, dim=None):
        if dim is None:
            return self.shape
        size = self.shape[dim]
        if size is None:
            raise ValueError(
                f"{self!r}: size({dim}) is unknown until the graph runs (it is the batch or "
                f"another free size). Write shapes with -1 (x.view(-1, 4)), or use "
                f"x.flatten(1) / lamella.backend.shape(x)."
            )
        return size

    def dim(self):
        return len(self.shape)

    ndimension = dim

    def is_floating_point(self):
        return self.dtype.is_floating

    # torch's transposing properties, recorded as the Tensor methods they stand for.
    @property
    def T(self):  # noqa: N802 - torch's name
        return self.permute(*reversed(range(len(self.shape))))

    @property
    def mT(self):  # noqa: N802 - torch's name
        return self.transpose(-2, -1)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return torch_function_hook[0](func, args, kwargs)

    def __getattr__(self, name):
        # Only reached for names the class lacks: Tensor methods (x.permute(0, 2, 1)).
        if name.startswith("_") or tensor_method_hook[0] is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return tensor_method_hook[0](self, name)

    @property
    def _keras_shape(self):
        return self.shape

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype} from={layer!r}>"

    def __len__(self):
        raise TypeError(
            "A symbolic tensor has no length; it stands for a batch of data. Use `.shape`."
        )

    def __bool__(self):
        raise TypeError(
            f"Using a symbolic tensor ({self.name}) as a Python bool is not allowed: it has no "
            f"value until the graph runs. Use `if x is not None:` to test that a tensor is "
            f"defined, or lamella.backend.switch for a condition on its values."
        )

    def __iter__(self):
        raise TypeError(
            "A symbolic tensor is not iterable: it has no values until the graph runs. Index "
            "it (x[:, 0]) or use lamella.backend functions."
        )

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"Cannot convert {self!r} to a NumPy array: a symbolic tensor has no values until "
            f"the graph runs. Evaluate it with lamella.backend.function([inputs], [tensor])."
        )

    def get_shape(self):
        return self.shape

    __add__, __radd__ = _operator("add"), _operator("add", True)
    __sub__, __rsub__ = _operator("sub"), _operator("sub", True)
    __mul__, __rmul__ = _operator("mul"), _operator("mul", True)
    __truediv__, __rtruediv__ = _operator("truediv"), _operator("truediv", True)
    __floordiv__, __rfloordiv__ = _operator("floordiv"), _operator("floordiv", True)
    __mod__, __rmod__ = _operator("mod"), _operator("mod", True)
    __pow__, __rpow__ = _operator("pow"), _operator("pow", True)
    __matmul__, __rmatmul__ = _operator("matmul"), _operator("matmul", True)
    __and__, __rand__ = _operator("and_"), _operator("and_", True)
    __or__, __ror__ = _operator("or_"), _operator("or_", True)
    __xor__, __rxor__ = _operator("xor"), _operator("xor", True)
    __neg__, __pos__ = _operator("neg"), _operator("pos")
    __abs__, __invert__ = _operator("abs"), _operator("invert")
    __lt__, __le__ = _operator("lt"), _operator("le")
    __gt__, __ge__ = _operator("gt"), _operator("ge")
    __getitem__ = _operator("getitem")
    # Defining comparisons must not make the tensor unhashable: it keys dicts by identity.
    __hash__ = object.__hash__


class Node:
    """One call of ``layer`` on ``input_tensors``, producing ``output_tensors``."""

    def __init__(self, layer, input_tensors, output_tensors, call_kwargs, single_input,
                 kwarg_tensors=None):
        self.outbound_layer = layer
        self.input_tensors = list(input_tensors)
        self.output_tensors = list(output_tensors)
        self.call_kwargs = dict(call_kwargs)
        # Symbolic tensors passed by keyword (``layer(x, mask=m)``): graph inputs of this call
        # that Keras 2.3's config cannot record.
        self.kwarg_tensors = dict(kwarg_tensors or {})
        self.single_input = single_input
        self.inbound_layers = [t._keras_history[0] for t in self.input_tensors]
        self.node_indices = [t._keras_history[1] for t in self.input_tensors]
        self.tensor_indices = [t._keras_history[2] for t in self.input_tensors]
        for inbound in self.inbound_layers:
            inbound._outbound_nodes.append(self)

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.input_tensors]
        return shapes[0] if self.single_input else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    def get_config(self):
        return {
            "outbound_layer": self.outbound_layer.name,
            "inbound_layers": [layer.name for layer in self.inbound_layers],
            "node_indices": list(self.node_indices),
            "tensor_indices": list(self.tensor_indices),
        }


def _flatten(inputs):
    if isinstance(inputs, (list, tuple)):
        return list(inputs), False
    return [inputs], True


def call_symbolic(layer, inputs, args, kwargs):
    """Record ``layer(inputs)`` in the graph and return symbolic outputs."""
    flat, single = _flatten(inputs)
    for tensor in flat:
        if not isinstance(tensor, SymbolicTensor) or tensor._keras_history is None:
            raise ValueError(
                f"Layer {layer.name!r} was called with {tensor!r}, which is not a symbolic tensor "
                f"from lamella.Input or another layer's output. All inputs of a layer in a "
                f"functional model must be symbolic."
            )
    if args:
        raise TypeError(
            f"Layer {layer.name!r}: extra positional arguments are not supported in the "
            f"functional API; pass them as keyword arguments."
        )
    kwarg_tensors = {k: v for k, v in kwargs.items() if isinstance(v, SymbolicTensor)}
    kwargs = {k: v for k, v in kwargs.items() if k not in kwarg_tensors}
    input_shape = flat[0].shape if single else [t.shape for t in flat]
    layer.assert_input_compatibility(flat)
    if not layer.built:
        layer._maybe_build(input_shape)
    output_shape = layer.compute_output_shape(input_shape)
    has_mask = _symbolic_mask(layer, inputs, flat, kwargs)
    multiple = isinstance(output_shape, list) and output_shape and isinstance(
        output_shape[0], (tuple, list))
    shapes = output_shape if multiple else [output_shape]
    for shape in shapes:
        if any(d is not None and d <= 0 for d in shape):
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) would produce an output of shape "
                f"{tuple(shape)} from an input of shape {input_shape}: the input is too small "
                f"for its kernel, pool size or strides."
            )
    node_index = len(layer._inbound_nodes)
    outputs = [
        SymbolicTensor(shape, layer.dtype if not isinstance(layer.dtype, dict) else "float32",
                       history=(layer, node_index, i), has_mask=has_mask)
        for i, shape in enumerate(shapes)
    ]
    node = Node(layer, flat, outputs, kwargs, single, kwarg_tensors)
    layer._inbound_nodes.append(node)
    return outputs if multiple else outputs[0]


def _symbolic_mask(layer, inputs, flat, kwargs):
    """Whether the layer's output carries a mask, asked of ``compute_mask`` symbolically."""
    masks = [t._keras_mask for t in flat]
    mask = masks[0] if len(flat) == 1 and not isinstance(inputs, (list, tuple)) else masks
    if all(m is None for m in masks) and not layer._overrides_compute_mask():
        return False
    try:
        return layer.compute_mask(inputs, mask) is not None
    except Exception:
        # compute_mask written for real tensors only: assume Keras's default behaviour, a mask
        # passes through a layer that supports masking and stops at one that does not.
        return bool(layer.supports_masking and any(m is not None for m in masks))

