"""``TorchModule``: any ``torch.nn.Module`` used as a lamella layer.

The module's parameters become the layer's trainable weights (in ``named_parameters`` order;
``requires_grad=False`` ones are non-trainable) and its buffers its non-trainable weights, so
``get_weights``/``set_weights``, ``count_params``, ``summary`` and training all see them.

Example::

    import torch
    from lamella_layers.torch_module import TorchModule

    layer = TorchModule(torch.nn.Linear(3, 2))
    layer(torch.zeros(4, 3)).shape           # (4, 2)
    [w.shape for w in layer.get_weights()]   # [(2, 3), (2,)]
"""

import dataclasses

from torch import nn

from lamella.engine.base_layer import Layer, WeightRecord

__all__ = ["TorchModule"]


@dataclasses.dataclass
class _ModuleWeightRecord(WeightRecord):
    """A weight living inside the wrapped module (``attr`` is its dotted name there)."""

    @property
    def variable(self):
        module = self.layer.module
        *path, leaf = self.attr.split(".")
        for part in path:
            module = getattr(module, part)
        return getattr(module, leaf)


class TorchModule(Layer):
    """Wraps ``module``; ``call(inputs)`` is ``module(inputs)`` (``module(*inputs)`` for a list).

    ``output_shape`` (without the batch axis) may be given; otherwise the layer runs the module
    on a small zero batch to find it. The layer cannot be rebuilt from its config (a torch
    module has no Keras config): pass it in code or through ``custom_objects``.

    Example: ``TorchModule(torch.nn.ReLU())(torch.tensor([[-1.0, 2.0]]))`` is ``[[0., 2.]]``.
    """

    def __init__(self, module, output_shape=None, **kwargs):
        if not isinstance(module, nn.Module):
            raise ValueError(f"TorchModule: `module` must be a torch.nn.Module; got {module!r}.")
        super().__init__(**kwargs)
        self.module = module
        self._output_shape = tuple(output_shape) if output_shape is not None else None
        for name, param in module.named_parameters():
            self._weight_records.append(
                _ModuleWeightRecord(self, name.replace(".", "/"), name, param.requires_grad))
        for name, _ in module.named_buffers():
            self._weight_records.append(
                _ModuleWeightRecord(self, name.replace(".", "/"), name, False))
        self.built = True

    def call(self, inputs, training=None):
        if training is not None:
            self.module.train(bool(training))
        if isinstance(inputs, (list, tuple)):
            return self.module(*inputs)
        return self.module(inputs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is not None:
            batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
            return (batch,) + self._output_shape
        return super().compute_output_shape(input_shape)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for record in self._weight_records:
            tensor = record.tensor
            if isinstance(tensor, nn.Parameter):
                tensor.requires_grad_(record.trainable and self._trainable)

    def get_config(self):
        config = super().get_config()
        config["module"] = f"{type(self.module).__module__}.{type(self.module).__qualname__}"
        config["output_shape"] = self._output_shape
        return config

    @classmethod
    def from_config(cls, config):
        raise ValueError(
            f"TorchModule: a wrapped torch module ({config.get('module')}) cannot be rebuilt "
            f"from a config; build the layer in code and load its weights instead."
        )

    def extra_repr(self):
        return f"name={self.name!r}"



