"""``Model``: the functional model (``Model(inputs, outputs)``) and the base of subclassed ones.

A model is a :class:`~lamella.engine.base_layer.Layer` and so a ``torch.nn.Module``: its layers
are registered submodules (``state_dict`` keys read ``dense_1.kernel``), and ``parameters()``,
``.to(device)`` and ``torch.compile(model)`` behave as torch users expect.
"""

import contextlib
import json

import torch

from lamella import saving
from lamella._version import __version__
from lamella.engine import base_layer, functional, learning_phase, serialization
from lamella.engine.base_layer import Layer
from lamella.engine.node import SymbolicTensor
from lamella.engine.summary import print_summary
from lamella.engine.trainer import Trainer
from lamella.utils.generic_utils import as_list


class _OwnNode:
    """A functional model's own inputs-to-outputs node (Keras's node 0 of a model)."""

    def __init__(self, model):
        self.input_tensors, self.output_tensors = list(model.inputs), list(model.outputs)

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.input_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes


class Model(Trainer, Layer):
    """A model: functional (``Model(inputs, outputs)``) or subclassed (override ``call``).

    Example (functional)::

        inputs = lamella.Input(shape=(4,), name="inp")
        hidden = lamella.layers.Dense(8, activation="relu")(inputs)
        model = lamella.Model(inputs, [lamella.layers.Dense(3, name="a")(hidden),
                                       lamella.layers.Dense(1, name="b")(hidden)])

    Example (subclassed)::

        class TwoLayer(lamella.Model):
            def __init__(self):
                super().__init__()
                self.hidden = lamella.layers.Dense(8, activation="relu")
                self.out = lamella.layers.Dense(1)

            def call(self, inputs, training=None):
                return self.out(self.hidden(inputs))
    """

    _is_model = True
    #: Sequential sets this: Keras prints its summary in the short, sequential layout.
    _is_sequential = False

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        Layer.__init__(self, name=name, **kwargs)
        Trainer.__init__(self)
        self._graph = None
        self._is_graph_network = False
        self._extras_key, self._extras_graph = None, None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError(
                    "Model(inputs, outputs): both `inputs` and `outputs` are required.")
            self._init_graph_network(inputs, outputs)

    # --- the functional graph -------------------------------------------------------------

    def _init_graph_network(self, inputs, outputs):
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = as_list(inputs), as_list(outputs)
        for tensor in self.inputs + self.outputs:
            if not isinstance(tensor, SymbolicTensor):
                raise ValueError(
                    f"Model {self.name!r}: inputs and outputs must be symbolic tensors from "
                    f"lamella.Input and layer calls, got {tensor!r}."
                )
        self._graph = functional.analyse(self.inputs, self.outputs)
        self._is_graph_network = True
        self._input_keys = [functional.tensor_key(t) for t in self.inputs]
        self._output_keys = [functional.tensor_key(t) for t in self.outputs]
        self._register_layers(self._graph.layers)
        self.input_names = [h[0].name for h in self._graph.input_layers]
        self.output_names = [h[0].name for h in self._graph.output_layers]
        self.built = True

    def _register_layers(self, layers):
        for index, layer in enumerate(layers):
            if layer is not self:
                self._register_layer(layer, fallback=f"layer_{index}")

    def _register_layer(self, layer, fallback):
        """Register ``layer`` as a submodule under its name (``state_dict`` keys read
        ``dense_1.kernel``), or under ``fallback`` when the name is taken by an attribute."""
        key = layer.name.replace(".", "_")
        if key in self._modules or (hasattr(self, key) and key not in self._modules):
            key = fallback
        self.add_module(key, layer)

    @property
    def layers(self):
        if self._graph is not None:
            return list(self._graph.layers)
        return [m for m in self._modules.values() if isinstance(m, Layer)]

    @property
    def input(self):
        """The input tensor (a list for several), as transfer-learning scripts use it:
        ``Model(base.input, head(base.output))``."""
        if not self._is_graph_network:
            return Layer.input.fget(self)
        self._single_node("input", "get_input_at")
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        """The output tensor (a list for several)."""
        if not self._is_graph_network:
            return Layer.output.fget(self)
        self._single_node("output", "get_output_at")
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    def _single_node(self, readable, method):
        # Keras counts a model's own inputs-to-outputs node as node 0: once the model is called
        # on other tensors, it has several and ``model.output`` is ambiguous.
        if self._is_graph_network and self._inbound_nodes:
            raise AttributeError(
                f'Layer {self.name} has multiple inbound nodes, hence the notion of '
                f'"layer {readable}" is ill-defined. Use `{method}(node_index)` instead.')
        Layer._single_node(self, readable, method)

    def _node_at(self, node_index, readable):
        """Keras's node numbering: node 0 is the model's own graph, its calls follow."""
        if not self._is_graph_network:
            return Layer._node_at(self, node_index, readable)
        nodes = [_OwnNode(self)] + list(self._inbound_nodes)
        if not len(nodes) > node_index:
            raise ValueError(f"Asked to get {readable} at node {node_index}, but the layer has "
                             f"only {len(nodes)} inbound nodes.")
        return nodes[node_index]

    @property
    def input_shape(self):
        if not self._is_graph_network:
            return Layer.input_shape.fget(self)
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        if not self._is_graph_network:
            return Layer.output_shape.fget(self)
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _flatten_inputs(self, inputs):
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model {self.name!r}: no data for input(s) {missing}; the dict has keys "
                    f"{sorted(inputs)} and the model's inputs are {self.input_names}."
                )
            return [inputs[n] for n in self.input_names]
        flat = as_list(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self.inputs)} input(s) {self.input_names}, "
                f"but received {len(flat)}."
            )
        return flat

    def call(self, inputs, training=None, mask=None):
        if not self._is_graph_network:
            raise NotImplementedError(
                f"{type(self).__name__} is a subclassed Model without a call() method: define "
                f"call(self, inputs, training=None) or build the model with Model(inputs, outputs)."
            )
        flat = self._flatten_inputs(inputs)
        masks = as_list(mask) if mask is not None else None
        outputs, _ = self._execute(flat, masks)
        return outputs[0] if len(outputs) == 1 else outputs

    # --- losses, metrics and updates computed from the graph's tensors ---------------------------

    def _execute(self, flat, masks=None):
        """Run the graph on ``flat`` inputs: ``(outputs, output masks)``; the symbolic losses,
        metrics and updates added to the model (or its layers) are computed on the way."""
        if self._extras_key != base_layer._symbolic_extras_version[0]:
            self._refresh_extras()
        if self._extras_graph is None:
            return functional.execute(self._graph, self._input_keys, self._output_keys, flat,
                                      masks)
        keys = self._output_keys + self._extra_keys
        grad = torch.enable_grad() if self._extras_need_grad else contextlib.nullcontext()
        with grad:
            if self._extras_need_grad:  # K.gradients of an added loss, even in evaluate()
                flat = [x.detach().requires_grad_(True)
                        if torch.is_tensor(x) and x.is_floating_point() and not x.requires_grad
                        else x for x in flat]
            values, value_masks = functional.execute(self._extras_graph, self._input_keys, keys,
                                                     flat, masks)
        n = len(self._output_keys)
        for (kind, _, extra), value in zip(self._extras, values[n:]):
            if kind == "loss":
                self._call_losses.append(value.mean() if value.dim() else value)
            elif kind == "metric":
                owner, name = extra
                owner._metric_values[name] = value
            elif learning_phase.current():  # an update, applied while training only
                with torch.no_grad():
                    extra.copy_(value.to(dtype=extra.dtype, device=extra.device))
        return values[:n], value_masks[:n] if value_masks is not None else None

    def _collect_extras(self):
        """``[(kind, tensor, extra)]``: this model's symbolic losses, metrics and updates, and
        those of its layers that its inputs can compute."""
        from lamella.engine.graph_function import plan

        own = self._own_extras(self)
        if own and not self._is_graph_network:
            raise ValueError(
                f"Model {self.name!r}: add_loss/add_metric/add_update of a functional-API "
                f"tensor needs a functional or Sequential model; a subclassed model adds real "
                f"tensors inside call()."
            )
        if not self._is_graph_network:
            return []
        fed = {functional.tensor_key(t) for t in self.inputs}
        found = list(own)
        for layer in self.layers:
            if layer is self or layer._is_model:
                continue  # a nested model computes its own when it runs
            for entry in self._own_extras(layer):
                try:
                    plan([entry[1]], fed)
                except ValueError:
                    continue  # computed from tensors of another model
                found.append(entry)
        return found

    @staticmethod
    def _own_extras(layer):
        return ([("loss", t, None) for t in layer._symbolic_losses]
                + [("metric", t, (layer, name)) for t, name in layer._symbolic_metrics]
                + [("update", value, variable) for variable, value in layer._symbolic_updates])

    def _refresh_extras(self):
        from lamella.engine.graph_function import GradientOp

        self._extras_key = base_layer._symbolic_extras_version[0]
        self._extras = self._collect_extras()
        if not self._extras:
            self._extras_graph = None
            return
        tensors = [tensor for _, tensor, _ in self._extras]
        self._extras_graph = functional.analyse(self.inputs, self.outputs + tensors)
        self._extra_keys = [functional.tensor_key(t) for t in tensors]
        self._extras_need_grad = any(isinstance(layer, GradientOp)
                                     for layer in self._extras_graph.layers)

    def add_loss(self, losses, inputs=None):
        Layer.add_loss(self, losses, inputs)
        if self._symbolic_losses:
            self._refresh_extras()  # fail now, not at the first step, on a foreign tensor

    def add_metric(self, value, name=None, aggregation=None):
        Layer.add_metric(self, value, name=name, aggregation=aggregation)
        if self._symbolic_metrics:
            self._refresh_extras()

    def _metric_children(self):
        return [layer for layer in self.layers if layer is not self]

    def _produces_masks(self):
        """Whether an output carries a Keras mask (known from the graph when it was built)."""
        return self._is_graph_network and any(t._keras_mask is not None for t in self.outputs)

    def _outputs_and_masks(self, inputs):
        """The outputs as a list and, when the graph produces them, their masks (else None).

        The training loop weights the loss and metrics by these masks, as Keras does.
        """
        if not self._produces_masks():
            return as_list(self(inputs)), None
        flat = self._flatten_inputs(inputs)
        return self._execute(flat)

    def forward(self, inputs, *args, **kwargs):
        if self._is_graph_network:
            kwargs.pop("training", None)
        return self.call(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._is_graph_network:
            expected = [t.shape[1:] for t in self.inputs]
            shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            given = [tuple(s)[1:] for s in shapes]
            if given == expected:
                return self.output_shape
        return super().compute_output_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    # --- layers and weights ------------------------------------------------------------------

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` (``model.layers`` order)."""
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        if not name:
            raise ValueError("get_layer: provide either a layer name or a layer index.")
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Model {self.name!r} has layers "
                         f"{[layer.name for layer in self.layers]}.")

    def _ordered_weight_records(self):
        # Keras's Model.get_weights goes layer by layer, unlike Model.weights.
        records = []
        for layer in self.layers:
            records.extend(layer._ordered_weight_records())
        return records

    def reset_states(self):
        for layer in self.layers:
            if hasattr(layer, "reset_states") and getattr(layer, "stateful", False):
                layer.reset_states()

    @property
    def state_updates(self):
        return []

    def summary(self, line_length=None, positions=None, print_fn=None):
        """Print Keras's summary table (or pass each line to ``print_fn``)."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    # --- configuration ------------------------------------------------------------------------

    def get_config(self):
        if not self._is_graph_network:
            raise NotImplementedError(
                f"{type(self).__name__} is a subclassed Model: its architecture is Python code "
                f"in call(), so it has no config. Save its weights with save_weights(), or "
                f"build it with the functional API or Sequential to use get_config/to_json/save."
            )
        return serialization.functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return serialization.functional_from_config(cls, config, custom_objects)

    def _model_json_dict(self):
        return {"class_name": type(self).__name__ if type(self).__name__ in ("Model", "Sequential")
                else "Model", "config": self.get_config(), "keras_version": __version__,
                "backend": "pytorch"}

    def to_json(self, **kwargs):
        """The architecture as Keras 2.3's JSON."""
        return json.dumps(self._model_json_dict(), default=serialization.json_default, **kwargs)

    def to_yaml(self, **kwargs):
        """The architecture as YAML (needs PyYAML, which lamella-io installs)."""
        return saving.to_yaml(self._model_json_dict(), **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Save architecture, weights and training state through the file-format plugin.

        Under a distribution strategy only the chief (rank 0) writes."""
        if not self._strategy.is_chief:
            return
        saving.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        if not self._strategy.is_chief:  # one writer under a distribution strategy
            return
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, reshape=False):
        """Load weights saved by ``save_weights`` (or a whole-model file), in layer order or
        ``by_name``; ``skip_mismatch`` (with ``by_name``) skips layers whose weights do not
        fit; ``reshape`` reshapes a convolution kernel stored with another shape but the same
        number of values, as Keras 2.3.1 does."""
        saving.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch,
                            reshape=reshape)
