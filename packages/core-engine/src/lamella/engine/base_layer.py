"""``Layer``: Keras's layer contract on a ``torch.nn.Module``.

A layer creates its weights lazily in ``build(input_shape)`` on its first call, holds them in
Keras's array layouts (a Dense kernel is ``(in, out)``), and computes in ``call``. Called on a
symbolic tensor (``lamella.Input``) it records a node of the functional graph instead of
computing.
"""

import dataclasses
import inspect
import threading
import weakref

import numpy as np
import torch
from torch import nn

from lamella import constraints, initializers, regularizers
from lamella.engine import device as devices
from lamella.engine import layer_members, learning_phase, naming
from lamella.engine.dtypes import as_torch_dtype
from lamella.engine.layer_members import LayerGraphMembers
from lamella.engine.node import Node, SymbolicTensor, call_symbolic
from lamella.utils.generic_utils import to_list

_BASE_KWARGS = frozenset(
    {"input_shape", "batch_input_shape", "batch_size", "dtype", "name", "trainable", "weights",
     "input_dtype"}
)

# Building creates weights; two threads making a layer's first call must not build it twice
# (the second build's weights would be named ``kernel_1``). Re-entrant: a model's build builds
# its sublayers.
_BUILD_LOCK = threading.RLock()

#: Bumped whenever a layer gains a loss source (``add_loss``, a weight regularizer, an activity
#: regularizer) so models re-scan for them; see ``Trainer._uses_call_losses``.
_loss_sources_version = [0]
#: bumped whenever any layer's ``trainable`` is set: a compiled model then re-applies the
#: ``requires_grad`` flags of the weights it collected at compile time before it trains
#: (see ``Trainer._sync_grad_flags``)
trainable_version = [0]

# Shared with the graph members' module: see there.
_symbolic_extras_version = layer_members.symbolic_extras_version
_added_metrics_in_use = layer_members.added_metrics_in_use


@dataclasses.dataclass
class InputSpec:
    """The rank, dtype or axis sizes a layer accepts (Keras's ``InputSpec``)."""

    dtype: object = None
    shape: tuple = None
    ndim: int = None
    max_ndim: int = None
    min_ndim: int = None
    axes: dict = None


@dataclasses.dataclass
class WeightRecord:
    """One weight of a layer: its Keras name and where the tensor lives on the module."""

    layer: "Layer"
    name: str  # Keras's short name, e.g. "kernel"
    attr: str  # attribute on the module holding the Parameter or buffer
    trainable: bool
    regularizer: object = None
    constraint: object = None
    #: ``None`` when the stored tensor is in Keras's layout; else an object whose
    #: ``to_keras(stored)`` gives Keras's layout (a view where one exists) and whose
    #: ``from_keras(value)`` gives the stored layout (RNN weights kept as cuDNN wants them).
    layout: object = None

    @property
    def variable(self):
        """The stored ``Parameter`` or buffer (what optimizers update)."""
        return getattr(self.layer, self.attr)

    @property
    def tensor(self):
        """The weight in Keras's layout (``get_weights``, files, regularizers, constraints)."""
        stored = self.variable
        return stored if self.layout is None else self.layout.to_keras(stored)

    def assign(self, value):
        """Write ``value`` (a tensor in Keras's layout) into the stored weight, in place."""
        stored = self.variable
        value = torch.as_tensor(value, dtype=stored.dtype, device=stored.device)
        if self.layout is not None:
            value = self.layout.from_keras(value)
        with torch.no_grad():
            stored.copy_(value)

    @property
    def keras_name(self):
        """Keras's variable name, e.g. ``lstm_1/kernel:0`` (before TF's ``_1`` de-duplication)."""
        return f"{self.layer._weight_scope()}/{self.name}:0"


def _to_numpy(tensor):
    # A copy, as Keras returns: on the CPU .numpy() would share memory with the live weight.
    return tensor.detach().cpu().numpy().copy()


def _shape_of(value):
    return tuple(value.shape)


def _is_symbolic(inputs):
    if isinstance(inputs, SymbolicTensor):
        return True
    if isinstance(inputs, (list, tuple)):
        return any(isinstance(x, SymbolicTensor) for x in inputs)
    if isinstance(inputs, dict):
        return any(isinstance(x, SymbolicTensor) for x in inputs.values())
    return False


class Layer(LayerGraphMembers, nn.Module):
    """The base class of every lamella layer; a ``torch.nn.Module``.

    Subclasses implement ``build(input_shape)`` (create weights with :meth:`add_weight`),
    ``call(inputs, training=None)`` and ``compute_output_shape(input_shape)``; and
    ``get_config()`` when they take constructor arguments.

    Example::

        class Scale(lamella.layers.Layer):
            def build(self, input_shape):
                self.scale = self.add_weight("scale", (input_shape[-1],), initializer="ones")

            def call(self, inputs):
                return inputs * self.scale

            def compute_output_shape(self, input_shape):
                return input_shape

        y = Scale()(torch.ones(2, 3))
    """

    #: True on ``Model`` and its subclasses. Code that treats a nested model specially (Keras's
    #: config numbers its nodes from 1, diagrams expand it) reads this flag rather than
    #: ``isinstance(layer, Model)``, so that it need not import the model module.
    _is_model = False

    #: True on layers whose integer inputs are indices to keep as they are (``Embedding``):
    #: ``fit``/``predict`` then leave integer data integer instead of casting it to the input's
    #: float dtype as Keras's placeholders do.
    _keeps_integer_inputs = False

    def __init__(self, **kwargs):
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: keyword argument not understood: {sorted(unknown)[0]!r}"
            )
        super().__init__()
        self.name = kwargs.get("name") or naming.unique_name(type(self).__name__)
        self._trainable = kwargs.get("trainable", True)
        self.dtype = kwargs.get("dtype") or kwargs.get("input_dtype") or "float32"
        if isinstance(self.dtype, dict):  # Keras 3 writes a DTypePolicy
            self.dtype = self.dtype.get("config", {}).get("name", "float32")
        self._batch_input_shape = None
        if kwargs.get("batch_input_shape") is not None:
            self._batch_input_shape = tuple(kwargs["batch_input_shape"])
        elif kwargs.get("input_shape") is not None:
            shape = kwargs["input_shape"]
            if isinstance(shape, int):
                shape = (shape,)
            self._batch_input_shape = (kwargs.get("batch_size"),) + tuple(shape)
        self._initial_weights = kwargs.get("weights")
        self.built = False
        self.supports_masking = False
        self.input_spec = None
        self.stateful = False
        self._weight_records = []
        self._call_losses = []
        self._uses_add_loss = False
        self.activity_regularizer = None
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._build_device = None
        # add_loss/add_metric/add_update of functional-API tensors (computed by the model),
        # the Mean behind each added metric, and the values added during the last call.
        self._symbolic_losses = []
        self._symbolic_metrics = []
        self._symbolic_updates = []
        self._metric_objects = {}
        self._metric_values = {}
        self._updates = []
        # (inputs, value) of the losses and updates added conditional on some inputs
        # (Keras's per-input losses/updates, read by get_losses_for/get_updates_for).
        self._conditional_losses = []
        self._conditional_updates = []

    # --- weights -----------------------------------------------------------------------

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        trainable_version[0] += 1
        trainable, frozen = self._split_weight_records()
        for records, flag in ((trainable, True), (frozen, False)):
            for record in records:
                if isinstance(record.variable, nn.Parameter):
                    record.variable.requires_grad_(flag)

    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, layout=None, attr=None):
        """Create a weight, register it on the module, and return the tensor.

        As in Keras 2.3.1, ``shape=None`` is a scalar ``()`` and ``name=None`` is TensorFlow's
        default variable name, ``"Variable"``.

        Trainable weights are ``nn.Parameter``; non-trainable ones (BatchNormalization's moving
        statistics) are buffers, as torch users expect. ``initializer``, ``regularizer`` and
        ``constraint`` accept anything their facades' ``get`` accepts. ``shape`` is Keras's;
        with a ``layout`` (see :class:`WeightRecord`) the initial value is drawn in Keras's
        layout and stored in the layout's, under the attribute ``attr`` (default: ``name``).
        """
        shape = () if shape is None else tuple(int(d) for d in shape)
        name = "Variable" if name is None else name
        initializer = initializers.get(initializer if initializer is not None else "glorot_uniform")
        value = initializer(shape, dtype=dtype or self.dtype)
        value = torch.as_tensor(np.asarray(value) if not torch.is_tensor(value) else value)
        value = value.to(dtype=as_torch_dtype(dtype or self.dtype), device=self._build_device)
        if layout is not None:
            value = layout.from_keras(value).contiguous()
        attr = (attr or name).replace("/", "_").replace(":", "_")
        while attr in self.__dict__ or attr in self._parameters or attr in self._buffers or \
                attr in self._modules:
            attr += "_"
        if trainable:
            setattr(self, attr, nn.Parameter(value, requires_grad=self.trainable))
        else:
            self.register_buffer(attr, value)
        record = WeightRecord(self, name, attr, bool(trainable),
                              regularizers.get(regularizer), constraints.get(constraint),
                              layout=layout)
        if record.regularizer is not None:
            _loss_sources_version[0] += 1
        self._weight_records.append(record)
        return getattr(self, attr)

    def _sublayers(self):
        return [m for m in self._modules.values() if isinstance(m, Layer)]

    def _split_weight_records(self):
        """(trainable, non-trainable) records in Keras's order: own first, then sublayers'.

        A weight trains only if it was created trainable and its layer and every layer above it
        (up to this one) are trainable.
        """
        trainable, frozen = [], []
        self._collect_weight_records(True, trainable, frozen)
        return trainable, frozen

    def _collect_weight_records(self, parent_trainable, trainable, frozen):
        active = parent_trainable and self.trainable
        for record in self._weight_records:
            (trainable if active and record.trainable else frozen).append(record)
        for layer in self._sublayers():
            layer._collect_weight_records(active, trainable, frozen)

    @property
    def trainable_weights(self):
        return [r.variable for r in self._split_weight_records()[0]]

    @property
    def non_trainable_weights(self):
        return [r.variable for r in self._split_weight_records()[1]]

    @property
    def weights(self):
        trainable, frozen = self._split_weight_records()
        return [r.variable for r in trainable + frozen]

    def _ordered_weight_records(self):
        """The records behind :meth:`get_weights`, in its order."""
        trainable, frozen = self._split_weight_records()
        return trainable + frozen

    def get_weights(self):
        """The weights as NumPy arrays in Keras's layouts and order."""
        return [_to_numpy(r.tensor) for r in self._ordered_weight_records()]

    def set_weights(self, weights):
        """Load NumPy arrays (Keras's layouts, :meth:`get_weights`'s order) into the weights."""
        records = self._ordered_weight_records()
        if len(weights) != len(records):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects {len(records)} weight "
                f"arrays, but set_weights received {len(weights)}."
            )
        for record, value in zip(records, weights):
            target = record.tensor
            value = np.asarray(value)
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(
                    f"Layer {self.name!r}: weight {record.name!r} has shape {tuple(target.shape)}, "
                    f"but the array given has shape {tuple(value.shape)}."
                )
            record.assign(value)

    def _preprocess_loaded_weights(self, arrays):
        """Keras's ``preprocess_weights_for_loading`` for this layer: ``arrays`` (NumPy, in a
        file's order and layouts, perhaps written by a related layer, e.g. ``CuDNNLSTM``'s for
        an ``LSTM``) converted to this layer's Keras layouts. The default keeps them."""
        return arrays

    def _build_sublayer(self, sublayer, input_shape, nested_scope=False):
        """Build a sublayer the way Keras builds one inside this layer's name scope.

        Its weights are then named ``<this layer's scope>/<weight>:0`` (an LSTM's cell:
        ``lstm_1/kernel:0``), or with ``nested_scope=True`` ``<this scope>/<sublayer>/<weight>:0``
        (Bidirectional's halves: ``bidirectional_1/forward_lstm_1/kernel:0``), as Keras 2.3.1
        writes them to HDF5 files.
        """
        # Plain __dict__ entries: a module attribute would register the parent as a child.
        sublayer.__dict__["_scope_parent"] = weakref.ref(self)
        sublayer.__dict__["_scope_nested"] = bool(nested_scope)
        sublayer._maybe_build(input_shape, self._build_device)

    def _weight_scope(self):
        parent_ref = self.__dict__.get("_scope_parent")
        parent = parent_ref() if parent_ref is not None else None
        if parent is None:  # TensorFlow prefixes the name scopes open when it was built
            return self.__dict__.get("_built_in_scope", "") + self.name
        if self.__dict__.get("_scope_nested"):
            return f"{parent._weight_scope()}/{self.name}"
        return parent._weight_scope()

    def keras_weight_names(self):
        """Keras's names of :meth:`get_weights`'s arrays (``dense_1/kernel:0``, ...)."""
        return keras_weight_names(self._ordered_weight_records())

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call count_params on layer {self.name!r}, but the layer isn't "
                f"built. Build it first by calling it on data or with build(input_shape)."
            )
        return int(sum(t.numel() for t in self.weights))

    # --- losses ----------------------------------------------------------------------

    def add_loss(self, losses, inputs=None):
        """Add a scalar (or list of scalars) to the training loss of the model holding this
        layer.

        Called inside ``call`` with real tensors, the values count for that call. Given
        functional-API tensors (Keras 2.3's ``vae.add_loss(K.mean(xent + kl))``), the loss is
        part of the graph: a model holding this layer (or this model) computes it from its
        inputs at every step.
        """
        if losses is None:
            return
        if not self._uses_add_loss:
            self._uses_add_loss = True
            _loss_sources_version[0] += 1
        values = to_list(losses, allow_tuple=True)
        self._record_conditional(self._conditional_losses, values, inputs)
        symbolic = [v for v in values if isinstance(v, SymbolicTensor)]
        if symbolic:
            self._symbolic_losses.extend(symbolic)
            _symbolic_extras_version[0] += 1
        self._call_losses.extend(v for v in values if not isinstance(v, SymbolicTensor))

    @property
    def losses(self):
        """Weight-regularization penalties plus the losses added during the last call."""
        result = []
        for record in self._weight_records:
            if record.regularizer is not None:
                result.append(record.regularizer(record.tensor))
        result.extend(self._call_losses)
        for layer in self._sublayers():
            result.extend(layer.losses)
        return result

    def _clear_call_losses(self):
        self._call_losses = []
        if self._conditional_losses:  # the last call's real tensors (and their inputs) go too
            self._conditional_losses = [(inputs, value) for inputs, value
                                        in self._conditional_losses
                                        if isinstance(value, SymbolicTensor)]
        for layer in self._sublayers():
            layer._clear_call_losses()

    def _has_loss_sources(self):
        if self._uses_add_loss or self.activity_regularizer is not None:
            return True
        if any(r.regularizer is not None for r in self._weight_records):
            return True
        return any(layer._has_loss_sources() for layer in self._sublayers())

    def _apply_constraints(self):
        for record in self._weight_records:
            if record.constraint is not None:
                with torch.no_grad():
                    record.assign(record.constraint(record.tensor))
        for layer in self._sublayers():
            layer._apply_constraints()

    def _has_constraints(self):
        return any(r.constraint is not None for r in self._weight_records) or any(
            layer._has_constraints() for layer in self._sublayers()
        )

    # --- building and calling -----------------------------------------------------------

    def build(self, input_shape):
        """Create the weights; ``input_shape`` has ``None`` for the batch axis."""
        self.built = True

    def _maybe_build(self, input_shape, device=None):
        if self.built:
            return
        with _BUILD_LOCK:
            if self.built:  # another thread built it while this one waited
                return
            self._build_device = device
            self.__dict__["_built_in_scope"] = naming.current_name_scope()
            self.build(input_shape)
            self._build_device = None
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None
            self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation on real tensors; the identity by default."""
        return inputs

    def forward(self, inputs, *args, **kwargs):
        return self.call(inputs, *args, **kwargs)

    def __call__(self, inputs, *args, **kwargs):
        if _is_symbolic(inputs):
            return call_symbolic(self, inputs, args, kwargs)
        if not self.built:
            self._maybe_build(_real_input_shape(inputs), _device_of(inputs))
        if not args and "training" not in kwargs and self._call_accepts("training"):
            phase = learning_phase.current()
            if phase is not None:
                kwargs["training"] = phase
        outputs = super().__call__(inputs, *args, **kwargs)
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            # Keras 2.3's Layer.__call__ unpacks a one-element list (`unpack_singleton`): a
            # Lambda returning `K.gradients(...)` gives the tensor its one output shape promises.
            outputs = outputs[0]
        if self.activity_regularizer is not None:
            # Conditional on this call's inputs, as in Keras (get_losses_for(inputs)).
            self.add_loss(self.activity_regularizer(outputs), inputs)
        return outputs

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (``None`` batch), found by running the layer.

        Layers with a cheap closed form override this; the default probes the layer with a
        small zero tensor on its own device, which is exact for any shape-polymorphic module.
        """
        return probe_output_shape(self, input_shape)

    def compute_mask(self, inputs, mask=None):
        if not self.supports_masking:
            return None
        return mask

    def _overrides_compute_mask(self):
        """Whether this layer's class defines its own ``compute_mask``, which may create a mask
        where none comes in (Embedding's ``mask_zero``), so callers must ask it even then."""
        return type(self).compute_mask is not Layer.compute_mask

    @property
    def _call_signature(self):
        cls = type(self)
        cached = cls.__dict__.get("_lamella_call_params")
        if cached is None:
            cached = frozenset(inspect.signature(self.call).parameters)
            setattr(cls, "_lamella_call_params", cached)
        return cached

    def _call_accepts(self, argument):
        return argument in self._call_signature

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            # torch reports a property that raised AttributeError (``layer.output`` of a layer
            # never called) as a missing attribute; give Keras's explanation instead.
            member = getattr(type(self), name, None)
            if isinstance(member, property):
                member.fget(self)
            raise

    def _mask_tensor(self, tensor):
        return mask_tensor(tensor)

    # --- configuration ------------------------------------------------------------------

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def reset_states(self):
        for layer in self._sublayers():
            layer.reset_states()

    def extra_repr(self):
        return f"name={self.name!r}"


def keras_weight_names(records):
    """Keras's variable names for ``records``, de-duplicated as TensorFlow does: a second
    ``rnn_1/kernel`` (StackedRNNCells) becomes ``rnn_1/kernel_1:0``."""
    names, seen = [], {}
    for record in records:
        base = record.keras_name[: -len(":0")]
        count = seen.get(base, 0)
        seen[base] = count + 1
        names.append(f"{base}_{count}:0" if count else f"{base}:0")
    return names


def _real_input_shape(inputs):
    if isinstance(inputs, (list, tuple)):
        return [_real_input_shape(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _real_input_shape(v) for k, v in inputs.items()}
    shape = _shape_of(inputs)
    return (None,) + shape[1:] if shape else shape


def _device_of(inputs):
    if isinstance(inputs, (list, tuple)):
        return _device_of(inputs[0]) if inputs else None
    if isinstance(inputs, dict):
        return _device_of(next(iter(inputs.values()))) if inputs else None
    return inputs.device if torch.is_tensor(inputs) else None


_PROBE_BATCH = 2
_PROBE_FREE_DIM = 7


def _probe_tensor(shape, dtype, device):
    dims = [_PROBE_BATCH if i == 0 and d is None else (_PROBE_FREE_DIM if d is None else d)
            for i, d in enumerate(shape)]
    return torch.zeros(dims, dtype=as_torch_dtype(dtype), device=device)


def _differentiable(tensor):
    return tensor.requires_grad_(True) if tensor.is_floating_point() else tensor


def probe_output_shape(layer, input_shape):
    """Run ``layer`` on zeros of ``input_shape`` and read the output's shape back."""
    device = next((t.device for t in layer.parameters()), None)
    nested = (isinstance(input_shape, list) and input_shape
              and isinstance(input_shape[0], (tuple, list)))
    if nested:
        probe = [_probe_tensor(s, layer.dtype, device) for s in input_shape]
        free = any(d is None for s in input_shape for d in s[1:])
    else:
        probe = _probe_tensor(input_shape, layer.dtype, device)
        free = any(d is None for d in input_shape[1:])
    was_training = layer.training
    layer.eval()
    try:
        try:
            with torch.no_grad():
                output = nn.Module.__call__(layer, probe)
        except devices.ForwardNeedsAutograd:  # the layer takes K.gradients in its call
            probe = ([_differentiable(t) for t in probe] if nested else _differentiable(probe))
            with torch.enable_grad():
                output = nn.Module.__call__(layer, probe)
    finally:
        layer.train(was_training)

    def shape_of(tensor):
        dims = list(tensor.shape)
        if dims:
            dims[0] = None
        if free:
            dims = [None if d == _PROBE_FREE_DIM and i else d for i, d in enumerate(dims)]
        return tuple(dims)

    if isinstance(output, (list, tuple)):
        if len(output) == 1:  # one tensor, as Layer.__call__ unpacks it
            return shape_of(output[0])
        return [shape_of(t) for t in output]
    return shape_of(output)


class MaskOf(Layer):
    """The Keras mask a tensor carries, as a tensor of its own (``layer.output_mask``).

    Example::

        embedded = Embedding(10, 4, mask_zero=True)(tokens)
        mask = embedded._keras_history[0].output_mask     # bool, shape (None, timesteps)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is None:  # nothing masked in this batch
            return torch.ones(inputs.shape[:-1], dtype=torch.bool, device=inputs.device)
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])

    def compute_mask(self, inputs, mask=None):
        return None


def mask_tensor(tensor):
    """The mask ``tensor`` carries as a symbolic tensor (the same one each time), or ``None``
    when it carries none."""
    if tensor._keras_mask is None:
        return None
    found = tensor.__dict__.get("_mask_tensor")
    if found is None:
        layer = MaskOf(name=naming.unique_name("mask_of"))
        found = SymbolicTensor(tensor.shape[:-1], "bool", history=(layer, 0, 0))
        layer._inbound_nodes.append(Node(layer, [tensor], [found], {}, True))
        tensor._mask_tensor = found
    return found
