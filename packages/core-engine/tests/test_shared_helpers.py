"""The core's small shared helpers: ``as_torch_dtype``, ``as_list`` and Keras's ``to_list``."""

import numpy as np
import pytest
import torch

from lamella import backend as K
from lamella.engine.base_layer import Layer
from lamella.engine.dtypes import as_torch_dtype
from lamella.utils.generic_utils import as_list, to_list


@pytest.mark.parametrize("dtype, expected", [
    (torch.float32, torch.float32),
    (torch.int64, torch.int64),
    ("float32", torch.float32),
    ("float16", torch.float16),
    ("bfloat16", torch.bfloat16),
    ("float64", torch.float64),
    ("int8", torch.int8),
    ("int32", torch.int32),
    ("int64", torch.int64),
    ("uint8", torch.uint8),
    ("bool", torch.bool),
    ("torch.int64", torch.int64),
    ("torch.float16", torch.float16),
    (str(torch.bfloat16), torch.bfloat16),
    ("float", torch.float32),  # torch's meaning of the name, as lamella always read it
    (np.float32, torch.float32),
    (np.float64, torch.float64),
    (np.int64, torch.int64),
    (np.bool_, torch.bool),
    (np.dtype("int64"), torch.int64),
    (np.dtype("float16"), torch.float16),
    (np.dtype(">f4"), torch.float32),
    (np.zeros(2, dtype=np.int32).dtype, torch.int32),
    (bool, torch.bool),
    (np.str_("int16"), torch.int16),
])
def test_as_torch_dtype(dtype, expected):
    assert as_torch_dtype(dtype) is expected
    assert as_torch_dtype(dtype) is expected  # again, from the cache for names


@pytest.mark.parametrize("value", [
    None, "floot32", "", "nn", "torch.nn", "torch.", 3, 1.5, object(), [], {"name": "float32"},
    np.floating, np.dtype("U5"), np.dtype("O"), str,
])
def test_as_torch_dtype_rejects_non_dtypes_by_name(value):
    with pytest.raises(ValueError, match="Not a dtype") as info:
        as_torch_dtype(value)
    assert repr(value) in str(info.value)


def test_cast_takes_another_tensors_torch_dtype():
    x = torch.tensor([1.7, -2.2])
    other = torch.zeros(1, dtype=torch.int64)
    cast = K.cast(x, other.dtype)
    assert cast.dtype is torch.int64
    assert cast.tolist() == [1, -2]
    assert K.cast(x, "float16").dtype is torch.float16
    assert K.cast(x, np.float64).dtype is torch.float64
    with pytest.raises(ValueError, match="'floatx'"):
        K.cast(x, "floatx")


def test_variable_and_constant_take_any_dtype_spelling():
    assert K.variable([1, 2], dtype="float64").dtype is torch.float64
    assert K.variable([1, 2]).dtype is torch.float32
    assert K.constant(3, dtype=torch.int32).dtype is torch.int32
    assert K.constant(3, dtype=np.int16).dtype is torch.int16
    assert tuple(K.constant(1.0, shape=(2, 3)).shape) == (2, 3)


def test_layer_weights_take_any_dtype_spelling():
    layer = Layer(dtype="float64")
    weight = layer.add_weight("w", (2,), dtype=np.float16, initializer=_zeros)
    assert weight.dtype is torch.float16
    assert layer.add_weight("v", (2,), initializer=_zeros).dtype is torch.float64


def _zeros(shape, dtype=None):
    return np.zeros(shape)


@pytest.mark.parametrize("value, expected", [
    (None, []),
    ([], []),
    ([1, 2], [1, 2]),
    ((1, 2), [1, 2]),
    ((), []),
    ("ab", ["ab"]),
    (0, [0]),
    ({"a": 1}, [{"a": 1}]),
])
def test_as_list(value, expected):
    assert as_list(value) == expected


def test_as_list_copies():
    value = [1, 2]
    result = as_list(value)
    assert result == value and result is not value


def test_to_list_has_keras_semantics():
    value = [1, 2]
    assert to_list(value) is value  # Keras returns a list as it is
    assert to_list(value, allow_tuple=True) is value
    assert to_list((1, 2)) == [(1, 2)]
    assert to_list((1, 2), allow_tuple=True) == [1, 2]
    assert to_list(None) == [None]
    assert to_list("x") == ["x"]
    assert to_list(torch.ones(2))[0].shape == (2,)


def test_generic_utils_is_at_keras_module_path():
    from lamella import utils

    assert utils.generic_utils.to_list is to_list
