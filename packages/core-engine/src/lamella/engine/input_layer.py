"""``Input`` and ``InputLayer``: where a functional graph starts."""

import numbers

from lamella.engine import (
    naming,
    symbolic_ops,  # noqa: F401 - symbolic tensors' operators need it
)
from lamella.engine.base_layer import Layer
from lamella.engine.node import Node, SymbolicTensor


class InputLayer(Layer):
    """The layer behind :func:`Input`; it passes its input through.

    Example::

        layer = InputLayer(input_shape=(4,), name="features")
        x = layer.output          # SymbolicTensor of shape (None, 4)
    """

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None, **kwargs):
        if "batch_shape" in kwargs:  # Keras 3 spelling, read from its files
            batch_input_shape = kwargs.pop("batch_shape")
        for keras3_key in ("ragged", "optional"):
            kwargs.pop(keras3_key, None)
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError(
                    "InputLayer needs `input_shape` or `batch_input_shape` (or Input(shape=...))."
                )
            batch_input_shape = (batch_size,) + tuple(input_shape)
        if name is None:
            name = f"input_{naming.get_uid('input')}"
        batch_input_shape = _checked_shape(name, batch_input_shape)
        super().__init__(dtype=dtype or "float32", name=name, **kwargs)
        self._batch_input_shape = batch_input_shape
        self.sparse = bool(sparse)
        self.is_placeholder = True
        self.built = True
        tensor = SymbolicTensor(self._batch_input_shape, self.dtype, history=(self, 0, 0),
                                name=self.name)
        node = Node(self, [], [tensor], {}, True)
        self._inbound_nodes.append(node)

    @property
    def input_shape(self):
        return self._batch_input_shape

    @property
    def output_shape(self):
        return self._batch_input_shape

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            "batch_input_shape": list(self._batch_input_shape),
            "dtype": self.dtype,
            "sparse": self.sparse,
            "name": self.name,
        }


#: torch's sizes are int64.
_MAX_DIM = 2**63 - 1


def _checked_shape(name, batch_input_shape):
    """The batch shape as a tuple of ``None`` or ints in ``[0, 2**63 - 1]``.

    Stricter than Keras 2.3, which accepted ``Input((-1,))`` and failed later in TensorFlow: a
    negative, fractional or non-numeric dimension (from a typo or a hostile file) is refused
    here, naming the input.
    """
    try:
        dims = tuple(batch_input_shape)
    except TypeError:
        dims = None
    ok = dims is not None and all(
        d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool)
                      and 0 <= int(d) <= _MAX_DIM)
        for d in dims)
    if not ok:
        raise ValueError(
            f"Input {name!r}: the shape {batch_input_shape!r} (batch axis first) must be a "
            f"sequence of sizes, each None or an integer between 0 and 2**63 - 1."
        )
    return tuple(None if d is None else int(d) for d in dims)


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None,
          batch_size=None):
    """A symbolic input for the functional API (Keras's ``Input``).

    Example::

        inputs = lamella.Input(shape=(20,), name="features")
        outputs = lamella.layers.Dense(1)(inputs)
        model = lamella.Model(inputs, outputs)
    """
    if isinstance(shape, int):
        shape = (shape,)
    if tensor is not None:
        return _existing_tensor(tensor, shape, batch_shape)
    if shape is None and batch_shape is None:
        raise ValueError(
            "Input() needs `shape` (without the batch axis) or `batch_shape`, e.g. "
            "Input(shape=(20,))."
        )
    layer = InputLayer(
        input_shape=tuple(shape) if shape is not None else None,
        batch_size=batch_size,
        batch_input_shape=tuple(batch_shape) if batch_shape is not None else None,
        dtype=dtype,
        sparse=sparse,
        name=name or None,
    )
    return layer._inbound_nodes[0].output_tensors[0]


def _existing_tensor(tensor, shape, batch_shape):
    """``Input(tensor=t)``: the model starts at ``t``, which stays connected to what it was
    computed from, as the TensorFlow graph keeps it in Keras 2.3 (neural style transfer feeds
    ``VGG19(input_tensor=K.concatenate([base, style, K.placeholder(...)]))`` and takes
    ``K.gradients`` with respect to the placeholder). A model built on it takes that tensor's
    sources (``get_source_inputs``) as its inputs, as ``keras.applications`` does."""
    if not isinstance(tensor, SymbolicTensor) or tensor._keras_history is None:
        raise TypeError(
            f"Input(tensor=...) takes a symbolic tensor (an Input, K.placeholder, a layer's "
            f"output or a backend op on them); got {type(tensor).__name__}. Feed real data to "
            f"the model instead."
        )
    expected = tuple(batch_shape) if batch_shape is not None else (
        (None,) + tuple(shape) if shape is not None else None)
    if expected is not None and len(expected) != len(tensor.shape):
        raise ValueError(
            f"Input(tensor=...): the tensor has shape {tuple(tensor.shape)} but `shape`/"
            f"`batch_shape` asks for rank {len(expected)} ({expected})."
        )
    return tensor
