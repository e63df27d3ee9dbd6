"""Keras's graph mode on autograd: ``K.placeholder``, ``K.function`` and ``K.gradients``.

Keras 2.3 scripts for filter visualisation, deep dream, style transfer and gradient-based
attribution build a symbolic loss from a model's tensors, ask ``K.gradients`` for its gradient
with respect to an input (or a layer's output, or weights), and compile both into a callable
with ``K.function``. Here the symbolic graph is the functional API's; ``K.gradients`` records
a :class:`GradientOp` node whose value is computed with ``torch.autograd.grad`` when the graph
runs, and ``K.function`` runs the part of the graph between its inputs and outputs with torch
each time it is called with arrays.

Example (Keras 2.3's conv_filter_visualization.py)::

    loss = K.mean(layer_output[:, :, :, f])
    grads = K.gradients(loss, input_img)[0]
    grads = grads / (K.sqrt(K.mean(K.square(grads))) + K.epsilon())
    iterate = K.function([input_img], [loss, grads])
    for _ in range(20):
        loss_value, grads_value = iterate([img])
        img += grads_value * step
"""

import numpy as np
import torch

from lamella.engine import device as devices
from lamella.engine import functional, learning_phase, naming
from lamella.engine.base_layer import Layer
from lamella.engine.dtypes import as_torch_dtype
from lamella.engine.input_layer import InputLayer
from lamella.engine.node import Node, SymbolicTensor

#: ``floatx`` and ``learning_phase`` of ``lamella.backend``, handed over by it through
#: :func:`bind_backend` (it re-exports this module's functions, so this module cannot import it).
_backend = {"floatx": lambda: "float32", "learning_phase": lambda: 0}


def bind_backend(floatx, learning_phase):
    """Called by ``lamella.backend``: where the default float type and the global learning
    phase (``K.set_learning_phase``) come from."""
    _backend.update(floatx=floatx, learning_phase=learning_phase)


#: ``K.function`` keyword arguments of TensorFlow's session API that have a meaning here.
_FUNCTION_KWARGS = ("name", "feed_dict", "fetches")


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input to feed through :func:`function` (Keras's ``K.placeholder``).

    ``shape`` includes the batch axis (``(None, 3)``); ``ndim`` alone gives unknown sizes.

    Example::

        x = K.placeholder(shape=(None, 3))
        f = K.function([x], [K.sum(x * 2, axis=1)])
        f([np.ones((2, 3))])        # [array([6., 6.])]
    """
    if shape is None:
        if ndim is None:
            raise ValueError(
                "K.placeholder: pass `shape` (batch axis included, e.g. (None, 3)) or `ndim`; "
                "a tensor of unknown rank cannot be a graph input here."
            )
        shape = (None,) * int(ndim)
    if dtype is None:
        dtype = _backend["floatx"]()
    layer = InputLayer(batch_input_shape=tuple(shape), dtype=_dtype_name(dtype), sparse=sparse,
                       name=name or f"placeholder_{naming.get_uid('placeholder')}")
    tensor = layer._inbound_nodes[0].output_tensors[0]
    # Keras's K.placeholder is a TensorFlow placeholder, not a layer output.
    tensor._from_placeholder = True
    return tensor


def _dtype_name(dtype):
    return str(as_torch_dtype(dtype)).replace("torch.", "")


def is_placeholder(x):
    """Whether ``x`` is a graph input: from :func:`placeholder` or ``lamella.Input``.

    Example::

        K.is_placeholder(lamella.Input(shape=(2,)))     # True
    """
    return isinstance(x, SymbolicTensor) and x._keras_history is not None and isinstance(
        x._keras_history[0], InputLayer)


def is_keras_tensor(x):
    """Whether ``x`` is the output of a Keras layer (``Input`` included), as in Keras 2.3:
    a placeholder or the result of a backend op is a tensor but not a Keras tensor; anything
    that is not a tensor is an error.

    Example::

        K.is_keras_tensor(lamella.Input(shape=(2,)))    # True
        K.is_keras_tensor(K.placeholder(shape=(2,)))    # False
    """
    from lamella.engine.symbolic_ops import TensorOp

    if not (isinstance(x, SymbolicTensor) or torch.is_tensor(x)):
        raise ValueError(f"Unexpectedly found an instance of type `{type(x)}`. Expected a "
                         f"symbolic tensor instance.")
    if not isinstance(x, SymbolicTensor) or getattr(x, "_from_placeholder", False):
        return False
    return x._keras_history is not None and not isinstance(x._keras_history[0],
                                                           (TensorOp, GradientOp))


# --- gradients -----------------------------------------------------------------------------


class GradientOp(Layer):
    """The gradients of a symbolic loss with respect to symbolic tensors and weights, computed
    with ``torch.autograd.grad`` when the graph runs (recorded by :func:`gradients`).

    Its inputs are the loss followed by the symbolic variables; weights are held by reference.
    A variable the loss does not depend on gets a zero gradient.

    Example::

        grads = K.gradients(K.mean(model.output), [model.input])   # outputs of a GradientOp
    """

    #: Its symbolic inputs after the loss are differentiated: the model runs them with
    #: autograd on and as tensors that require gradients (engine/functional.py, device.py).
    differentiates_its_inputs = True

    def __init__(self, variables=None, **kwargs):
        super().__init__(**kwargs)
        # ``variables``: per gradient, an int (index among the symbolic inputs after the loss)
        # or a weight tensor held by reference.
        self._variables = list(variables or [])
        self.built = True

    def call(self, inputs):
        loss, symbolic = inputs[0], list(inputs[1:])
        targets = [symbolic[v] if isinstance(v, int) else v for v in self._variables]
        if not loss.requires_grad:
            # The loss does not depend on anything differentiable in this evaluation.
            grads = [torch.zeros_like(t) for t in targets]
            return grads if len(grads) > 1 else grads[0]
        wanted = [i for i, t in enumerate(targets) if t.requires_grad]
        found = torch.autograd.grad(
            loss.sum(), [targets[i] for i in wanted], allow_unused=True,
            retain_graph=True, create_graph=torch.is_grad_enabled())
        grads = [torch.zeros_like(t) for t in targets]
        for i, grad in zip(wanted, found):
            if grad is not None:
                grads[i] = grad
        # One output is returned bare: the graph executor unpacks only several.
        return grads if len(grads) > 1 else grads[0]

    def compute_output_shape(self, input_shape):
        shapes = list(input_shape[1:])
        return [shapes[v] if isinstance(v, int) else (tuple(v.shape))
                for v in self._variables]

    def _weight_variables(self):
        return [v for v in self._variables if not isinstance(v, int)]

    def get_config(self):
        if self._weight_variables():
            raise ValueError(
                f"GradientOp {self.name!r} cannot be saved: it takes gradients with respect to "
                f"weights, which a model config cannot refer to. Take gradients with respect "
                f"to symbolic tensors, or rebuild this part of the graph in code after loading."
            )
        config = super().get_config()
        config["variables"] = list(self._variables)
        return config


def gradients(loss, variables):
    """The gradients of ``loss`` with respect to each of ``variables`` (Keras's
    ``K.gradients``): symbolic tensors recorded in the graph when ``loss`` is symbolic (see
    :class:`GradientOp`), or computed at once with autograd on real tensors (``None`` where
    ``loss`` does not depend on a variable, as TensorFlow answers).

    Example::

        grads = K.gradients(loss, input_img)[0]       # symbolic, shape of input_img
    """
    variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    if not isinstance(loss, SymbolicTensor):
        if any(isinstance(v, SymbolicTensor) for v in variables):
            raise ValueError("K.gradients: the loss is a real tensor but some variables are "
                             "symbolic; both must come from the same graph.")
        if not torch.is_grad_enabled():
            raise devices.ForwardNeedsAutograd(
                "K.gradients was called with autograd off (inside torch.no_grad() or "
                "torch.inference_mode()), where no gradient can be taken; call it with "
                "autograd on (lamella's predict and evaluate switch it on by themselves).")
        if not torch.is_tensor(loss) or not loss.requires_grad:
            return [None] * len(variables)
        wanted = [i for i, v in enumerate(variables) if torch.is_tensor(v) and v.requires_grad]
        found = torch.autograd.grad(loss.sum(), [variables[i] for i in wanted],
                                    allow_unused=True, create_graph=True)
        result = [None] * len(variables)
        for i, grad in zip(wanted, found):
            result[i] = grad
        return result
    if loss._keras_history is None:
        raise ValueError(f"K.gradients: {loss!r} is not part of a graph.")
    symbolic, spec = [], []
    for index, variable in enumerate(variables):
        if isinstance(variable, SymbolicTensor):
            spec.append(len(symbolic))
            symbolic.append(variable)
        elif torch.is_tensor(variable):
            spec.append(variable)
        else:
            raise TypeError(f"K.gradients: variable {index} is {type(variable).__name__}; "
                            f"expected a symbolic tensor or a weight (torch tensor).")
    op = GradientOp(spec, name=naming.unique_name("gradients"))
    outputs = []
    for index, variable in enumerate(variables):
        dtype = variable.dtype if isinstance(variable, SymbolicTensor) else _dtype_name(
            variable.dtype)
        outputs.append(SymbolicTensor(tuple(variable.shape), dtype, history=(op, 0, index)))
    node = Node(op, [loss] + symbolic, outputs, {}, False)
    op._inbound_nodes.append(node)
    return outputs


# --- K.function ------------------------------------------------------------------------------


class _Steps:
    """What :func:`functional.execute` needs of a graph: the ordered steps."""

    def __init__(self, steps, uses_masks):
        self.steps = steps
        self.uses_masks = uses_masks


def _is_learning_phase(value):
    if value is _backend["learning_phase"]():
        return True
    if isinstance(value, (bool, int, np.integer)) and not isinstance(value, SymbolicTensor):
        return value in (0, 1)
    return torch.is_tensor(value) and value.dim() == 0


def plan(targets, fed_keys):
    """The graph steps computing ``targets`` from the tensors of ``fed_keys``, in order.

    Raises ``ValueError`` naming the input that the targets need but nobody feeds.
    """
    steps, done = [], set()
    stack = [(t, False) for t in reversed(targets)]
    visiting = set()
    while stack:
        tensor, expanded = stack.pop()
        key = functional.tensor_key(tensor)
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if key in fed_keys or id(node) in done:
            continue
        if isinstance(layer, InputLayer):
            raise ValueError(
                f"K.function: computing the outputs needs the value of input {layer.name!r}, "
                f"which is not among the function's inputs."
            )
        if expanded:
            visiting.discard(id(node))
            done.add(id(node))
            steps.append((node, [functional.tensor_key(t) for t in node.input_tensors],
                          [functional.tensor_key(t) for t in node.output_tensors],
                          {k: functional.tensor_key(t) for k, t in node.kwarg_tensors.items()}))
            continue
        if id(node) in visiting:
            raise ValueError(f"The graph has a cycle at layer {layer.name!r}.")
        visiting.add(id(node))
        stack.append((tensor, True))
        for inbound in reversed(node.input_tensors + list(node.kwarg_tensors.values())):
            stack.append((inbound, False))
    uses_masks = any(t._keras_mask is not None for node, *_ in steps for t in node.output_tensors)
    return _Steps(steps, uses_masks)


def _device_of(steps):
    for node, *_ in steps.steps:
        for tensor in node.outbound_layer.parameters():
            return tensor.device
        for tensor in node.outbound_layer.buffers():
            return tensor.device
    return torch.device("cpu")


class GraphFunction:
    """What :func:`function` returns: call it with a list of arrays, one per input, to get
    the outputs as NumPy arrays (and apply the updates).

    Example::

        f = K.function([model.input, K.learning_phase()], [model.layers[1].output])
        hidden = f([x, 0])[0]
    """

    def __init__(self, inputs, outputs, updates=None, name=None, feed_dict=None, fetches=None):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` to a Keras backend function should be a list or tuple.")
        self.name = name
        self.inputs = list(inputs)
        self._outputs_structure = outputs
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self.updates = list(updates or [])
        self._feed_dict = dict(feed_dict or {})
        self._fetches = list(fetches) if isinstance(fetches, (list, tuple)) else (
            [fetches] if fetches is not None else [])
        self._phase_index = None
        self._feeds = []  # (position, symbolic tensor)
        for position, tensor in enumerate(self.inputs):
            if isinstance(tensor, SymbolicTensor):
                self._feeds.append((position, tensor))
            elif _is_learning_phase(tensor) and self._phase_index is None:
                self._phase_index = position
            else:
                raise TypeError(f"K.function: input {position} is {tensor!r}; expected a "
                                f"symbolic tensor (placeholder, Input) or K.learning_phase().")
        for tensor in self._feed_dict:
            if not isinstance(tensor, SymbolicTensor):
                raise TypeError(f"K.function: feed_dict keys must be symbolic tensors, got "
                                f"{tensor!r}.")
        self._update_pairs, symbolic_updates = [], []
        for update in self.updates:
            if isinstance(update, (list, tuple)) and len(update) == 2:
                self._update_pairs.append(tuple(update))
            elif isinstance(update, SymbolicTensor):
                symbolic_updates.append(update)
            else:
                raise TypeError(f"K.function: an update must be a (variable, new_value) pair "
                                f"or a symbolic op, got {update!r}.")
        for variable, _ in self._update_pairs:
            if not torch.is_tensor(variable):
                raise TypeError(f"K.function: cannot update {variable!r}; the target of an "
                                f"update must be a variable (K.variable or a weight).")
        targets = [t for t in self.outputs if isinstance(t, SymbolicTensor)]
        targets += [v for _, v in self._update_pairs if isinstance(v, SymbolicTensor)]
        targets += symbolic_updates + [t for t in self._fetches if isinstance(t, SymbolicTensor)]
        for output in self.outputs:
            if not isinstance(output, SymbolicTensor) and not torch.is_tensor(output):
                raise TypeError(f"K.function: output {output!r} is not a tensor.")
        fed = [t for _, t in self._feeds] + list(self._feed_dict)
        self._fed_keys = [functional.tensor_key(t) for t in fed]
        self._steps = plan(targets, set(self._fed_keys))
        self._target_keys = [functional.tensor_key(t) for t in targets]
        self._needs_grad = any(isinstance(node.outbound_layer, GradientOp)
                               for node, *_ in self._steps.steps)

    def __call__(self, inputs):
        if isinstance(inputs, dict):
            inputs = [inputs[t.name] if t.name in inputs else inputs[t] for t in self.inputs]
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(inputs) != len(self.inputs):
            raise ValueError(f"K.function expects {len(self.inputs)} input(s), got "
                             f"{len(inputs)}.")
        phase = inputs[self._phase_index] if self._phase_index is not None else \
            _backend["learning_phase"]()
        device = _device_of(self._steps)
        fed = [self._as_tensor(inputs[position], tensor, device)
               for position, tensor in self._feeds]
        fed += [self._as_tensor(value, tensor, device) for tensor, value
                in self._feed_dict.items()]
        frozen = self._unfreeze_weight_variables()
        try:
            with learning_phase.learning_phase_scope(bool(_as_bool(phase))), \
                    torch.set_grad_enabled(self._needs_grad):
                if self._needs_grad:
                    fed = [t.detach().requires_grad_(True) if t.is_floating_point() else t
                           for t in fed]
                values, _ = functional.execute(self._steps, self._fed_keys, self._target_keys,
                                               fed)
        finally:
            for weight in frozen:
                weight.requires_grad_(False)
        by_key = dict(zip(self._target_keys, values))
        by_key.update(zip(self._fed_keys, fed))
        results = [self._value(t, by_key) for t in self.outputs]
        with torch.no_grad():
            for variable, new_value in self._update_pairs:
                value = self._value_tensor(new_value, by_key)
                variable.copy_(value.to(dtype=variable.dtype, device=variable.device))
        if isinstance(self._outputs_structure, (list, tuple)):
            return results
        return results[0]

    def _unfreeze_weight_variables(self):
        """Weights of frozen layers have ``requires_grad=False``; TensorFlow differentiates
        with respect to them all the same, so they are switched on for the call."""
        frozen = []
        for node, *_ in self._steps.steps:
            if isinstance(node.outbound_layer, GradientOp):
                for weight in node.outbound_layer._weight_variables():
                    if not weight.requires_grad and weight.is_leaf and \
                            weight.is_floating_point():
                        weight.requires_grad_(True)
                        frozen.append(weight)
        return frozen

    @staticmethod
    def _as_tensor(value, tensor, device):
        dtype = as_torch_dtype(tensor.dtype)
        if torch.is_tensor(value):
            return value.to(device=device, dtype=dtype)
        return torch.as_tensor(np.asarray(value), dtype=dtype, device=device)

    @staticmethod
    def _value_tensor(tensor, by_key):
        if isinstance(tensor, SymbolicTensor):
            return by_key[functional.tensor_key(tensor)]
        if torch.is_tensor(tensor):
            return tensor
        return torch.as_tensor(np.asarray(tensor))

    def _value(self, tensor, by_key):
        value = self._value_tensor(tensor, by_key)
        if isinstance(value, (list, tuple)):
            return [_numpy(v) for v in value]
        return _numpy(value)


def _numpy(tensor):
    # A scalar comes back as a NumPy scalar (np.float32), as TensorFlow's session returns it.
    array = tensor.detach().cpu().numpy()
    return array[()] if array.ndim == 0 else array


def _as_bool(phase):
    if torch.is_tensor(phase):
        return bool(phase.item())
    return bool(int(phase)) if not isinstance(phase, bool) else phase


def function(inputs, outputs, updates=None, **kwargs):
    """Keras's ``K.function``: a callable that evaluates ``outputs`` from arrays fed to
    ``inputs`` with torch (and applies ``updates``), returning NumPy arrays.

    ``inputs`` may include ``K.learning_phase()``, fed 0 (inference) or 1 (training); without
    it the current learning phase applies. ``updates`` holds ``(variable, new_value)`` pairs
    or symbolic ops. Of TensorFlow's session arguments, ``name``, ``feed_dict`` (more
    symbolic tensors to feed) and ``fetches`` (more tensors to evaluate) are understood.

    Example::

        get_hidden = K.function([model.input], [model.layers[1].output])
        hidden = get_hidden([x])[0]
    """
    unknown = [k for k in kwargs if k not in _FUNCTION_KWARGS]
    if unknown:
        raise ValueError(f"Invalid argument {unknown[0]!r} passed to K.function; the torch "
                         f"backend understands {', '.join(_FUNCTION_KWARGS)}.")
    return GraphFunction(inputs, outputs, updates=updates, **kwargs)
