"""``lamella.utils``: Keras's utilities (``to_categorical``, ``Sequence``, custom objects, ...)."""

import random

import numpy as np
import torch

from lamella.plugins import facade as _facade
from lamella.plugins.custom_objects import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
)
from lamella.utils.data_utils import Sequence
from lamella.utils.enqueuers import GeneratorEnqueuer, OrderedEnqueuer, SequenceEnqueuer
from lamella.utils.generic_utils import deserialize_keras_object, serialize_keras_object
from lamella.utils.layer_utils import convert_all_kernels_in_model
from lamella.utils.np_utils import normalize, to_categorical
from lamella.utils.vis_utils import model_to_dot, plot_model


def set_random_seed(seed):
    """Seed Python's, NumPy's and torch's random generators (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """The same table as ``model.summary()``."""
    model.summary(line_length=line_length, positions=positions, print_fn=print_fn)


def get_source_inputs(tensor, layer=None, node_index=None):
    """The ``Input`` tensors a symbolic tensor was computed from."""
    history = tensor._keras_history
    layer, node_index = layer or history[0], node_index if node_index is not None else history[1]
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:
        return [tensor]
    sources = []
    for inbound in node.input_tensors:
        for source in get_source_inputs(inbound):
            if all(source is not s for s in sources):
                sources.append(source)
    return sources


def __getattr__(name):
    """``Progbar`` (the engine's, imported on use), then utilities registered by plugins
    (``lamella_utils``), e.g. lamella-io's ``get_file`` and ``H5Dict``."""
    if name == "Progbar":
        from lamella.engine.progbar import Progbar

        return Progbar
    return _facade.Facade("utils", __name__).getattr(name)


__all__ = [
    "CustomObjectScope",
    "GeneratorEnqueuer",
    "OrderedEnqueuer",
    "Progbar",
    "Sequence",
    "SequenceEnqueuer",
    "convert_all_kernels_in_model",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_source_inputs",
    "model_to_dot",
    "normalize",
    "plot_model",
    "print_summary",
    "serialize_keras_object",
    "set_random_seed",
    "to_categorical",
]
