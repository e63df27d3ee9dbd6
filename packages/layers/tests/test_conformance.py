"""Every layer lamella-layers registers passes lamella.testing.run_layer_test.

``CASES`` gives each registered layer class its constructor arguments and input (Keras 2.3
defaults where possible); a registered layer without an entry fails
``test_every_registered_layer_has_a_case``, so a new layer must be added here. Layers the
generic check cannot run alone run inside what makes them runnable: a cell inside ``RNN``, the
abstract ``Wrapper`` as ``TimeDistributed``.
"""

import dataclasses
import inspect

import pytest
import torch

import lamella
from lamella import layers
from lamella.plugins import plugin_infos
from lamella.testing import run_layer_test


def registered_layer_names():
    """The class names lamella-layers registers as layers (the one place that reads the registry).

    Functions registered as layers (``add``, ``concatenate``, ...) are not layers to test.
    """
    names = [name for info in plugin_infos() if info.name == "lamella-layers"
             for name in info.registered.get("layers", ())]
    return sorted(name for name in names if inspect.isclass(getattr(layers, name)))


@dataclasses.dataclass
class Case:
    """How to run one registered layer: ``kwargs()`` builds fresh constructor arguments (inner
    layers included); ``run_as`` names the class actually tested when it is not the layer
    itself; ``options`` go to run_layer_test as they are."""

    kwargs: object
    input_shape: object = None
    run_as: str = None
    options: dict = dataclasses.field(default_factory=dict)
    marks: tuple = ()


def case(kwargs=None, input_shape=(2, 3, 4), run_as=None, marks=(), **options):
    factory = kwargs if callable(kwargs) else (lambda: dict(kwargs or {}))
    return Case(factory, input_shape, run_as, options, tuple(marks))


def _double(x):
    """A named function, so Lambda's config stores a name instead of bytecode."""
    return x * 2


def _xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


SEQ = (2, 5, 4)  # (batch, steps, features) for recurrent layers
IMG = (2, 5, 5, 3)  # channels_last images
VOL = (2, 4, 4, 4, 2)  # channels_last volumes
PAIR = [(2, 3), (2, 3)]

CASES = {
    # core
    "Dense": case({"units": 3}, expected_num_trainable_weights=2,
                  expected_num_non_trainable_weights=0),
    "Activation": case({"activation": "relu"}, expected_num_trainable_weights=0),
    "Dropout": case({"rate": 0.5}),
    "Flatten": case({}),
    "Reshape": case({"target_shape": (4, 3)}),
    "Permute": case({"dims": (2, 1)}),
    "RepeatVector": case({"n": 3}, (2, 4)),
    "Lambda": case({"function": _double}, custom_objects={"_double": _double}),
    "ActivityRegularization": case({"l1": 0.01, "l2": 0.01}),
    "Masking": case({"mask_value": 0.0}),
    "SpatialDropout1D": case({"rate": 0.5}, SEQ),
    "SpatialDropout2D": case({"rate": 0.5}, IMG),
    "SpatialDropout3D": case({"rate": 0.5}, VOL),
    # convolutional
    "Conv1D": case({"filters": 2, "kernel_size": 3}, SEQ, expected_num_trainable_weights=2),
    "Conv2D": case({"filters": 2, "kernel_size": 3}, IMG, expected_num_trainable_weights=2),
    "Conv3D": case({"filters": 2, "kernel_size": 2}, VOL),
    "SeparableConv1D": case({"filters": 2, "kernel_size": 3}, SEQ,
                            expected_num_trainable_weights=3),
    "SeparableConv2D": case({"filters": 2, "kernel_size": 3}, IMG,
                            expected_num_trainable_weights=3),
    "DepthwiseConv2D": case({"kernel_size": 3}, IMG, expected_num_trainable_weights=2),
    "Conv2DTranspose": case({"filters": 2, "kernel_size": 3, "strides": 2}, IMG),
    "Conv3DTranspose": case({"filters": 2, "kernel_size": 2, "strides": 2}, VOL),
    "Cropping1D": case({"cropping": (1, 1)}, SEQ),
    "Cropping2D": case({"cropping": ((1, 1), (1, 1))}, IMG),
    "Cropping3D": case({"cropping": ((1, 1), (1, 1), (1, 1))}, VOL),
    "UpSampling1D": case({"size": 2}, SEQ),
    "UpSampling2D": case({"size": (2, 2)}, IMG),
    "UpSampling3D": case({"size": (2, 2, 2)}, VOL),
    "ZeroPadding1D": case({"padding": 1}, SEQ),
    "ZeroPadding2D": case({"padding": 1}, IMG),
    "ZeroPadding3D": case({"padding": 1}, VOL),
    # pooling
    "MaxPooling1D": case({}, SEQ),
    "MaxPooling2D": case({}, IMG),
    "MaxPooling3D": case({}, VOL),
    "AveragePooling1D": case({}, SEQ),
    "AveragePooling2D": case({}, IMG),
    "AveragePooling3D": case({}, VOL),
    "GlobalMaxPooling1D": case({}, SEQ),
    "GlobalMaxPooling2D": case({}, IMG),
    "GlobalMaxPooling3D": case({}, VOL),
    "GlobalAveragePooling1D": case({}, SEQ),
    "GlobalAveragePooling2D": case({}, IMG),
    "GlobalAveragePooling3D": case({}, VOL),
    # normalization, embeddings
    "BatchNormalization": case({}, expected_num_trainable_weights=2,
                               expected_num_non_trainable_weights=2),
    "LayerNormalization": case({}, expected_num_trainable_weights=2),
    "Embedding": case({"input_dim": 10, "output_dim": 3, "mask_zero": True}, (2, 5),
                      input_dtype="int64", expected_num_trainable_weights=1),
    # merge
    "Add": case({}, PAIR),
    "Subtract": case({}, PAIR),
    "Multiply": case({}, PAIR),
    "Average": case({}, PAIR),
    "Maximum": case({}, PAIR),
    "Minimum": case({}, PAIR),
    "Concatenate": case({"axis": -1}, [(2, 3), (2, 4)]),
    "Dot": case({"axes": 1}, PAIR),
    # advanced activations
    "LeakyReLU": case({"alpha": 0.3}),
    "PReLU": case({}, expected_num_trainable_weights=1),
    "ELU": case({"alpha": 1.0}),
    "ThresholdedReLU": case({"theta": 1.0}),
    "Softmax": case({"axis": -1}),
    "ReLU": case({}),
    # noise
    "GaussianNoise": case({"stddev": 0.1}),
    "GaussianDropout": case({"rate": 0.1}),
    "AlphaDropout": case({"rate": 0.1}),
    # recurrent
    "RNN": case(lambda: {"cell": layers.SimpleRNNCell(3)}, SEQ, check_float64=False),
    "SimpleRNN": case({"units": 3}, SEQ, expected_num_trainable_weights=3),
    "GRU": case({"units": 3}, SEQ, expected_num_trainable_weights=3),
    "LSTM": case({"units": 3}, SEQ, expected_num_trainable_weights=3),
    "CuDNNLSTM": case({"units": 3}, SEQ, expected_num_trainable_weights=3),
    "CuDNNGRU": case({"units": 3}, SEQ, expected_num_trainable_weights=3),
    "SimpleRNNCell": case(lambda: {"cell": layers.SimpleRNNCell(3)}, SEQ, run_as="RNN",
                          check_float64=False),
    "GRUCell": case(lambda: {"cell": layers.GRUCell(3)}, SEQ, run_as="RNN", check_float64=False),
    "LSTMCell": case(lambda: {"cell": layers.LSTMCell(3)}, SEQ, run_as="RNN",
                     check_float64=False),
    "StackedRNNCells": case(
        lambda: {"cell": layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)])},
        SEQ, run_as="RNN", check_float64=False),
    "ConvLSTM2DCell": case(
        lambda: {"filters": 2, "kernel_size": 3, "padding": "same"}, IMG,
        call_kwargs={"states": [torch.zeros(2, 5, 5, 2), torch.zeros(2, 5, 5, 2)]},
        skip=("output_shape",)),
    "ConvLSTM2D": case({"filters": 2, "kernel_size": 3, "padding": "same"}, (2, 3, 5, 5, 3)),
    "ConvRNN2D": case(lambda: {"cell": layers.ConvLSTM2DCell(2, 3, padding="same")},
                      (2, 3, 5, 5, 3), check_float64=False),
    # wrappers
    "Wrapper": case(lambda: {"layer": layers.Dense(2)}, run_as="TimeDistributed",
                    check_float64=False),
    "TimeDistributed": case(lambda: {"layer": layers.Dense(2)}, check_float64=False),
    "Bidirectional": case(lambda: {"layer": layers.LSTM(3)}, SEQ, check_float64=False),
    # locally connected
    "LocallyConnected1D": case({"filters": 2, "kernel_size": 3}, SEQ),
    "LocallyConnected2D": case({"filters": 2, "kernel_size": 3}, IMG),
    # attention, torch modules
    "MultiHeadAttention": case({"num_heads": 2, "key_dim": 2}, [SEQ, SEQ]),
    "TorchModule": case(lambda: {"module": torch.nn.Linear(4, 3)}, check_float64=False,
                        # a torch module has no Keras config (documented): models get it anew
                        skip=("config", "serialize")),
}


# Keras 2.3.1's supports_masking for the layers it has (the others are not checked): the layers
# that pass a mask on, and those that drop it.
KERAS_SUPPORTS_MASKING = {
    **dict.fromkeys([
        "Dense", "Activation", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
        "SpatialDropout3D", "Masking", "Permute", "ActivityRegularization", "BatchNormalization",
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
        "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU", "GaussianNoise",
        "GaussianDropout", "AlphaDropout", "RNN", "SimpleRNN", "GRU", "LSTM", "TimeDistributed",
        "Bidirectional", "GlobalAveragePooling1D"], True),
    **dict.fromkeys([
        "CuDNNLSTM", "CuDNNGRU",
        "Flatten", "Reshape", "RepeatVector", "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D",
        "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose", "Conv3DTranspose", "Cropping1D",
        "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "MaxPooling1D", "MaxPooling2D",
        "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
        "GlobalAveragePooling2D", "GlobalAveragePooling3D", "LocallyConnected1D",
        "LocallyConnected2D"], False),
}


def _params():
    params = []
    for name in registered_layer_names():
        entry = CASES.get(name)
        if entry is not None:
            params.append(pytest.param(name, marks=entry.marks, id=name))
    return params


def test_every_registered_layer_has_a_case():
    registered = set(registered_layer_names())
    assert registered, "lamella-layers registers no layer classes"
    missing = sorted(registered - set(CASES))
    assert not missing, f"add these layers to CASES in {__file__}: {missing}"
    stale = sorted(set(CASES) - registered)
    assert not stale, f"CASES names layers lamella-layers no longer registers: {stale}"


@pytest.mark.parametrize("name", _params())
def test_layer_conformance(name):
    entry = CASES[name]
    options = dict(entry.options)
    options.setdefault("check_float64", True)
    if not entry.run_as:  # a cell run inside RNN is RNN's flag, not the cell's
        options.setdefault("supports_masking", KERAS_SUPPORTS_MASKING.get(name))
    lamella.backend.clear_session()
    # inner layers in kwargs keep their own (float32) dtype: float64 is checked on plain layers
    run_layer_test(getattr(layers, entry.run_as or name), entry.kwargs(), entry.input_shape,
                   **options)
