"""``Sequential``: a linear stack of layers."""

import warnings

from lamella import layers as layers_facade
from lamella.engine import base_layer, functional, naming, serialization
from lamella.engine.base_layer import Layer
from lamella.engine.input_layer import InputLayer
from lamella.engine.model import Model
from lamella.engine.node import SymbolicTensor
from lamella.plugins import lookup


class Sequential(Model):
    """A model that applies its layers one after another.

    The first layer's ``input_shape`` (or a leading ``Input``) builds it at once; otherwise it
    builds on its first call or ``fit``.

    Example::

        model = lamella.Sequential([
            lamella.layers.Dense(32, activation="relu", input_shape=(16,)),
            lamella.layers.Dense(1),
        ])
    """

    _is_sequential = True

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._stack = []
        self._stack_outputs = []  # each stacked layer's output tensor in this model's graph
        self._input_layer = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        """Append a layer (or a leading ``Input`` tensor)."""
        if isinstance(layer, SymbolicTensor):
            origin = layer._keras_history[0]
            if not isinstance(origin, InputLayer) or self._stack:
                raise TypeError("Sequential.add: only a leading lamella.Input tensor may be added.")
            self._set_input(origin)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add: the added layer must be an instance of lamella.layers.Layer, "
                f"found {layer!r}. Wrap a torch.nn.Module with lamella.layers.TorchModule."
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("Sequential.add: an InputLayer may only come first.")
            self._set_input(layer)
            return
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model."
            )
        self._stack.append(layer)
        self._register_layer(layer, fallback=f"layer_{len(self._stack)}")
        first = self._input_layer is None and not self._stack[:-1]
        if first and layer._batch_input_shape is not None:
            self._set_input(InputLayer(batch_input_shape=layer._batch_input_shape,
                                       dtype=layer.dtype, name=f"{layer.name}_input"))
        elif self._input_layer is not None:
            self._extend_graph(layer)

    def _set_input(self, input_layer):
        self._input_layer = input_layer
        self._rebuild_graph()

    def pop(self):
        """Remove the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        if len(self._stack_outputs) > len(self._stack):
            self._stack_outputs.pop()
        for key, module in list(self._modules.items()):
            if module is layer:
                del self._modules[key]
        if self._stack and self._input_layer is not None:
            # As Keras: the previous layer's output becomes the model's output again.
            self._set_graph_endpoints(self._stack_outputs[-1])
        else:
            self.outputs = []

    def _rebuild_graph(self):
        """Call every layer on the (new) input: once per input layer, so that each layer's
        ``output`` is its only node's (``Model(model.input, model.layers[2].output)``)."""
        tensor = self._input_layer._inbound_nodes[0].output_tensors[0]
        self._stack_outputs = []
        for layer in list(self._stack):
            tensor = self._call_stacked(layer, tensor)
        self._set_graph_endpoints(tensor)

    def _extend_graph(self, layer):
        """Call only the newly added ``layer`` on the current output."""
        tensor = self._stack_outputs[-1] if self._stack_outputs else \
            self._input_layer._inbound_nodes[0].output_tensors[0]
        self._set_graph_endpoints(self._call_stacked(layer, tensor))

    def _call_stacked(self, layer, tensor):
        try:
            output = layer(tensor)
        except Exception:
            self._drop(layer)
            raise
        if isinstance(output, (list, tuple)):
            self._drop(layer)
            raise TypeError(
                f"All layers in a Sequential model should have a single output tensor; "
                f"{layer.name!r} ({type(layer).__name__}) has {len(output)}. For multi-output "
                f"layers, use the functional API."
            )
        self._stack_outputs.append(output)
        return output

    def _drop(self, layer):
        if self._stack and self._stack[-1] is layer:
            self._stack.pop()
            for key, module in list(self._modules.items()):
                if module is layer:
                    del self._modules[key]

    def _set_graph_endpoints(self, output):
        inputs = self._input_layer._inbound_nodes[0].output_tensors[0]
        self.inputs, self.outputs = [inputs], [output]
        self._is_graph_network = True
        self._input_keys = [functional.tensor_key(inputs)]
        self._output_keys = [functional.tensor_key(output)]
        self.input_names = [self._input_layer.name]
        self.output_names = [self._stack[-1].name] if self._stack else []
        self.built = all(layer.built for layer in self._stack)
        self._extras_key = None  # symbolic losses are re-planned for the new output

    def build(self, input_shape=None):
        """Build from ``input_shape`` (with the batch axis) when the first layer had none."""
        if input_shape is None:
            raise ValueError("Sequential.build needs input_shape, e.g. model.build((None, 20)).")
        if self._input_layer is None:
            self._build_input_shape = tuple(input_shape)
            self._set_input(InputLayer(batch_input_shape=tuple(input_shape),
                                       name=f"{self._stack[0].name}_input" if self._stack
                                       else f"input_{naming.get_uid('input')}"))

    def _maybe_build(self, input_shape, device=None):
        if self._input_layer is None and not isinstance(input_shape, list):
            self._set_input(InputLayer(batch_input_shape=(None,) + tuple(input_shape[1:]),
                                       name=f"{self._stack[0].name}_input"))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._has_extras():
            outputs, _ = self._execute([inputs], [mask] if mask is not None else None)
            return outputs[0]
        return self._run(inputs, mask)[0]

    def _has_extras(self):
        if self._extras_key != base_layer._symbolic_extras_version[0]:
            self._refresh_extras()
        return self._extras_graph is not None

    def _run(self, inputs, mask=None):
        """The stack's output and output mask."""
        x = inputs
        for layer in self._stack:
            if mask is not None and layer._call_accepts("mask"):
                out = layer(x, mask=mask)
            else:
                out = layer(x)
            if mask is not None or layer._overrides_compute_mask():
                mask = layer.compute_mask(x, mask)
            x = out
        return x, mask

    def _outputs_and_masks(self, inputs):
        if not self._produces_masks():
            return [self(inputs)], None
        if self._has_extras():
            return self._execute([inputs])
        output, mask = self._run(inputs)
        return [output], [mask]

    def forward(self, inputs, *args, **kwargs):
        kwargs.pop("training", None)
        return self.call(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        if self._has_extras():
            warnings.warn(f"Sequential model {self.name!r}: the losses, metrics and updates "
                          f"added with add_loss/add_metric/add_update are not saved (a "
                          f"Sequential config is its list of layers); add them again after "
                          f"loading, as in Keras 2.3.", stacklevel=2)
        config = {"name": self.name, "layers": []}
        for layer in self._stack:
            config["layers"].append({"class_name": lookup.registered_name("layers", layer),
                                     "config": layer.get_config()})
        build_shape = getattr(self, "_build_input_shape", None)
        if build_shape is not None:
            config["build_input_shape"] = list(build_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # A malformed config raises serialization.ConfigError naming the field.
        with serialization.decoding_config(f"{cls.__name__}.from_config", config=config):
            if isinstance(config, list):  # Keras < 2.2.3 wrote a bare list of layers
                config = {"layers": config}
            model = cls(name=config.get("name"))
            for index, layer_config in enumerate(config["layers"]):
                with serialization.config_field(f"layers[{index}]"):
                    model.add(layers_facade.deserialize(layer_config, custom_objects))
            if not model.built and config.get("build_input_shape"):
                with serialization.config_field("build_input_shape"):
                    model.build(config["build_input_shape"])
        return model

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2.3's ``predict_proba``: the raw predictions."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Argmax of the predictions, or ``> 0.5`` as int32 for a single output unit."""
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if probabilities.shape[-1] > 1:
            return probabilities.argmax(axis=-1)
        return (probabilities > 0.5).astype("int32")

    @property
    def model(self):
        """Keras 2.3.1's deprecated ``Sequential.model``: the model itself (Sequential once
        wrapped a Model there), with Keras's warning.

        Example::

            model.model.fit(x, y)    # old Keras 1 code: the same as model.fit(x, y)
        """
        warnings.warn("`Sequential.model` is deprecated. `Sequential` is a subclass of `Model`, "
                      "you can just use your `Sequential` instance directly.", stacklevel=2)
        return self
