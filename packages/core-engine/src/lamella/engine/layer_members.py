"""The members of a layer that Keras 2.3 scripts read from the functional graph and use to
report metrics and updates: ``input``, ``output``, their shapes and masks, the ``get_*_at``
accessors (with Keras's errors for a layer called several times), ``add_metric``/``metrics``
and ``add_update``/``updates``.

:class:`LayerGraphMembers` is a mixin of :class:`~lamella.engine.base_layer.Layer`.

Example::

    hidden = model.layers[1].output           # a symbolic tensor: the layer's only call's
    features = lamella.Model(model.input, hidden)
"""

import torch

from lamella.engine import learning_phase
from lamella.engine.node import SymbolicTensor
from lamella.utils.generic_utils import to_list

#: Bumped whenever a layer gains a symbolic loss, metric or update (``add_loss`` of a
#: functional-API tensor), so models re-collect what they compute beside their outputs.
symbolic_extras_version = [0]

#: Set once any layer calls ``add_metric``: until then the training step never looks for
#: added metrics (no per-step cost for models without them).
added_metrics_in_use = [False]


def _condition(inputs):
    """The inputs a loss or update depends on, as a tuple (``None``: unconditional)."""
    if inputs is None:
        return None
    inputs = tuple(to_list(inputs, allow_tuple=True))
    return inputs or None


def _same_inputs(a, b):
    # By identity, as Keras's object_list_uid: tensors compare elementwise under ==.
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _check_one_input(layer, index, x, spec):
    shape = tuple(x.shape)
    ndim = len(shape)

    def incompatible(expected, found=None):
        found = f"{found} (shape {shape})" if found else f"shape {shape}"
        return ValueError(f"Input {index} of layer {layer.name!r} ({type(layer).__name__}) is "
                          f"incompatible: expected {expected}, found {found}.")

    if spec.ndim is not None and ndim != spec.ndim:
        raise incompatible(f"ndim={spec.ndim}", f"ndim={ndim}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise incompatible(f"max_ndim={spec.max_ndim}", f"ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise incompatible(f"min_ndim={spec.min_ndim}", f"ndim={ndim}")
    if spec.dtype is not None:
        dtype = str(getattr(x, "dtype", "")).replace("torch.", "")
        if dtype != str(spec.dtype).replace("torch.", ""):
            raise incompatible(f"dtype={spec.dtype}", f"dtype={dtype}")
    for axis, size in (spec.axes or {}).items():
        if size is not None and shape[int(axis)] not in (size, None):
            raise incompatible(f"axis {axis} to have size {size}")
    if spec.shape is not None:
        for expected, found in zip(spec.shape, shape):
            if expected is not None and found is not None and expected != found:
                raise incompatible(f"shape={tuple(spec.shape)}")


class LayerGraphMembers:
    """Keras 2.3's graph members of a layer (see the module's docstring).

    Example::

        layer = model.get_layer("embedding")
        layer.output_mask          # the mask it produces, as a symbolic tensor (or None)
    """

    def add_metric(self, value, name=None, aggregation=None):
        """Report the mean of ``value`` as a metric named ``name`` in ``fit``'s logs and
        ``History`` (Keras 2.3's ``add_metric(value, name=None)``; tf.keras's
        ``aggregation`` may be ``None`` or ``'mean'``).

        ``value`` is a functional-API tensor (computed by the model at each step) or, inside
        ``call``, a real tensor. A second metric of the same name is ignored, as in Keras.

        Example::

            model.add_metric(K.mean(encoded), name="mean_code")
        """
        if aggregation not in (None, "mean"):
            raise ValueError(f"We currently support only `mean` sample-wise metric aggregation. "
                             f"You provided aggregation=`{aggregation}`")
        name = name or "mean"
        added_metrics_in_use[0] = True
        if name not in self._metric_objects:
            from lamella.base.metric import Mean

            self._metric_objects[name] = Mean(name=name)
            if isinstance(value, SymbolicTensor):
                self._symbolic_metrics.append((value, name))
                symbolic_extras_version[0] += 1
        if not isinstance(value, SymbolicTensor):
            self._metric_values[name] = value

    @property
    def metrics(self):
        """The metrics added with :meth:`add_metric` (this layer's sublayers' first)."""
        found = []
        for layer in self._metric_children():
            found.extend(layer.metrics if not layer._is_model else layer._added_metrics())
        found.extend(self._metric_objects.values())
        return found

    def _added_metrics(self):
        return LayerGraphMembers.metrics.fget(self)

    def _metric_children(self):
        return self._sublayers()

    def _update_added_metrics(self):
        """Fold the values added during the last call into their metrics (then forget them)."""
        for layer in self._metric_children():
            layer._update_added_metrics()
        values, self._metric_values = self._metric_values, {}
        for name, value in values.items():
            metric = self._metric_objects[name]
            value = torch.as_tensor(value).detach()
            if metric.total.device != value.device:
                metric.to(value.device)
            metric.update_state(value)

    def add_update(self, updates, inputs=None):
        """Keras 2.3's ``add_update``: ``(variable, new_value)`` pairs or update ops.

        A pair of real tensors (inside ``call``) is applied at once in the training phase and
        skipped in inference, as Keras runs updates only while training; a pair whose new value
        is a functional-API tensor is computed and applied by the model at each training step.
        Ops that already ran (``K.update_add(...)`` on real tensors) are only recorded.

        Example::

            self.add_update((self.moving_max, K.maximum(self.moving_max, K.max(inputs))))
        """
        updates = to_list(updates, allow_tuple=False)
        self._record_conditional(self._conditional_updates, updates, inputs)
        for update in updates:
            self._updates.append(update)
            pair = isinstance(update, (list, tuple)) and len(update) == 2
            if pair and isinstance(update[1], SymbolicTensor):
                self._symbolic_updates.append(tuple(update))
                symbolic_extras_version[0] += 1
            elif pair and learning_phase.current():
                variable, value = update
                with torch.no_grad():
                    variable.copy_(torch.as_tensor(value).to(variable.dtype))

    @property
    def updates(self):
        """The updates added with :meth:`add_update`, with those of the sublayers."""
        found = list(self._updates)
        for layer in self._metric_children():
            found.extend(layer.updates)
        return found

    # --- input checks -------------------------------------------------------------------

    def assert_input_compatibility(self, inputs):
        """Check ``inputs`` (a tensor or a list of them, symbolic or real) against the
        layer's ``input_spec`` (rank, dtype, shape, axis sizes), raising a ``ValueError`` that
        names the layer, the input and what was expected (Keras 2.3's method; a functional-API
        call runs it too).

        Example::

            layer = lamella.layers.Conv2D(4, 3)
            layer.build((None, 8, 8, 3))
            layer.assert_input_compatibility(lamella.Input((8, 8, 3)))     # passes
            layer.assert_input_compatibility(lamella.Input((8, 3)))        # ValueError: ndim
        """
        inputs = to_list(inputs, allow_tuple=True)
        for x in inputs:
            if not hasattr(x, "shape"):
                raise ValueError(f"Layer {self.name} was called with an input that isn't a "
                                 f"tensor. Received type: {type(x)}. Full input: {inputs}. All "
                                 f"inputs to the layer should be tensors.")
        spec = self.input_spec
        if not spec:
            return
        specs = to_list(spec, allow_tuple=True)
        if isinstance(spec, (list, tuple)) and len(inputs) != len(specs):
            raise ValueError(f"Layer {self.name} expects {len(specs)} inputs, but it received "
                             f"{len(inputs)} input tensors. Input received: {inputs}")
        for index, (x, one) in enumerate(zip(inputs, specs)):
            if one is not None:
                _check_one_input(self, index, x, one)

    # --- losses and updates by the inputs they depend on --------------------------------

    @staticmethod
    def _record_conditional(store, values, inputs):
        """Note ``values`` as conditional on ``inputs`` (Keras's ``add_loss(losses, inputs)``);
        ``None`` or ``[]`` means unconditional, which is what is not noted here."""
        inputs = _condition(inputs)
        if inputs is not None:
            store.extend((inputs, value) for value in values)

    def _unconditional_losses(self):
        conditional = {id(value) for _, value in self._conditional_losses}
        penalties = [record.regularizer(record.tensor) for record in self._weight_records
                     if record.regularizer is not None]
        added = self._call_losses + self._symbolic_losses
        return penalties + [v for v in added if id(v) not in conditional]

    def get_losses_for(self, inputs):
        """The losses of this layer (and its sublayers) conditional on ``inputs``; with
        ``inputs=None``, the unconditional ones: weight-regularization penalties and losses
        added without inputs (Keras 2.3's ``get_losses_for``).

        An activity regularizer's loss is conditional on the inputs of the call that
        produced it; ``add_loss(loss, inputs=x)`` makes ``loss`` conditional on ``x``.

        Example::

            penalties = model.get_losses_for(None)      # e.g. the kernel_regularizer terms
            from_call = layer.get_losses_for(x)          # what layer(x) added for x
        """
        key = _condition(inputs)
        if key is None:
            found = self._unconditional_losses()
        else:
            found = [v for given, v in self._conditional_losses if _same_inputs(given, key)]
        for layer in self._sublayers():
            if layer is not self:
                found.extend(layer.get_losses_for(inputs))
        return found

    def get_updates_for(self, inputs):
        """The updates of this layer (and its sublayers) conditional on ``inputs``; with
        ``inputs=None``, those added without inputs (Keras 2.3's ``get_updates_for``). A
        layer that is neither trainable nor stateful has none, as in Keras.

        Example::

            layer.add_update((layer.total, layer.total + 1))       # unconditional
            assert layer.get_updates_for(None) == layer.updates
        """
        if not self.trainable and not getattr(self, "stateful", False):
            return []
        key = _condition(inputs)
        if key is None:
            conditional = {id(value) for _, value in self._conditional_updates}
            found = [u for u in self._updates if id(u) not in conditional]
        else:
            found = [u for given, u in self._conditional_updates if _same_inputs(given, key)]
        for layer in self._sublayers():
            if layer is not self:
                found.extend(layer.get_updates_for(inputs))
        return found

    # --- graph introspection ------------------------------------------------------------

    def _node_attribute(self, attribute, readable):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer has never been called and thus has no defined "
                                 f"{readable}.")
        values = [getattr(node, attribute) for node in self._inbound_nodes]
        if all(v == values[0] for v in values):
            return values[0]
        raise AttributeError(
            f'The layer "{self.name} has multiple inbound nodes, with different '
            f'{readable}s. Hence the notion of "{readable}" is ill-defined for the layer. '
            f"Use `get_{attribute}_at(node_index)` instead."
        )

    @property
    def input_shape(self):
        if not self._inbound_nodes and self._batch_input_shape is not None:
            return self._batch_input_shape
        return self._node_attribute("input_shape", "input shape")

    @property
    def output_shape(self):
        return self._node_attribute("output_shape", "output shape")

    def _single_node(self, readable, method):
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f'Layer {self.name} has multiple inbound nodes, hence the notion of "layer '
                f'{readable}" is ill-defined. Use `{method}(node_index)` instead.'
            )

    @property
    def input(self):
        """The input tensor(s) of the layer's only call (Keras's ``layer.input``)."""
        self._single_node("input", "get_input_at")
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no input to return.")
        return self.get_input_at(0)

    @property
    def output(self):
        """The output tensor(s) of the layer's only call (Keras's ``layer.output``)."""
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has no inbound nodes.")
        self._single_node("output", "get_output_at")
        return self.get_output_at(0)

    @property
    def input_mask(self):
        """The mask of the input of the layer's only call (a symbolic tensor, or ``None``)."""
        self._single_node("input mask", "get_input_mask_at")
        return self.get_input_mask_at(0)

    @property
    def output_mask(self):
        """The mask of the output of the layer's only call (a symbolic tensor, or ``None``)."""
        self._single_node("output mask", "get_output_mask_at")
        return self.get_output_mask_at(0)

    def _node_at(self, node_index, readable):
        if not self._inbound_nodes:
            raise RuntimeError(f"The layer has never been called and thus has no defined "
                               f"{readable}.")
        if not len(self._inbound_nodes) > node_index:
            raise ValueError(f"Asked to get {readable} at node {node_index}, but the layer has "
                             f"only {len(self._inbound_nodes)} inbound nodes.")
        return self._inbound_nodes[node_index]

    @staticmethod
    def _unpack(values):
        values = list(values)
        return values[0] if len(values) == 1 else values

    def get_input_at(self, node_index):
        return self._unpack(self._node_at(node_index, "input").input_tensors)

    def get_output_at(self, node_index):
        return self._unpack(self._node_at(node_index, "output").output_tensors)

    def get_input_shape_at(self, node_index):
        return self._node_at(node_index, "input shape").input_shape

    def get_output_shape_at(self, node_index):
        return self._node_at(node_index, "output shape").output_shape

    def get_input_mask_at(self, node_index):
        node = self._node_at(node_index, "input mask")
        return self._unpack(self._mask_tensor(t) for t in node.input_tensors)

    def get_output_mask_at(self, node_index):
        node = self._node_at(node_index, "output mask")
        return self._unpack(self._mask_tensor(t) for t in node.output_tensors)
