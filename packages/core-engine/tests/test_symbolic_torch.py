"""torch functions and Tensor methods on functional-API tensors, as a PyTorch user writes them:
they record graph nodes named by the function's public path, which train (eagerly and under
``jit_compile``), save and reload; a saved name is resolved only from an allow-list of torch
namespaces. Also the TensorFlow-tensor members Keras 2.3 scripts read on Keras tensors."""

import json
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lamella
from lamella.engine.serialization import ConfigError
from lamella.engine.symbolic_ops import TensorOp
from lamella.models import Model, model_from_json
from lamella.testing import PlainSGD, SeededDense, mean_squared_error

CUSTOM = {"SeededDense": SeededDense}
X = np.random.RandomState(0).rand(6, 5, 3).astype("float32")


def _function(tensor):
    return tensor._keras_history[0].function


def _ops(x):
    """(symbolic result, what torch computes on the real tensor) for each way of writing it."""
    return [
        (torch.cat([x, torch.sigmoid(x)], dim=1), lambda t: torch.cat([t, torch.sigmoid(t)], 1)),
        (torch.stack((x, x * 2), dim=-1), lambda t: torch.stack((t, t * 2), -1)),
        (F.softmax(x, dim=-1), lambda t: F.softmax(t, dim=-1)),
        (torch.einsum("bij,bik->bjk", x, x), lambda t: torch.einsum("bij,bik->bjk", t, t)),
        (x.permute(0, 2, 1), lambda t: t.permute(0, 2, 1)),
        (x.view(-1, 15), lambda t: t.view(-1, 15)),
        (x.sum(dim=1), lambda t: t.sum(dim=1)),
        (x.max(dim=1).values, lambda t: t.max(dim=1).values),
        (x.max(dim=1)[1], lambda t: t.max(dim=1)[1]),
        ((x > 0.5).float(), lambda t: (t > 0.5).float()),
        (x.long(), lambda t: t.long()),
        (torch.linalg.norm(x, dim=-1), lambda t: torch.linalg.norm(t, dim=-1)),
        (torch.special.expit(x), torch.special.expit),
        (torch.ones(3) * x, lambda t: torch.ones(3) * t),
        (torch.tensor([1.0, 2.0, 3.0]).add(x), lambda t: torch.tensor([1.0, 2.0, 3.0]).add(t)),
        (x.to(x.dtype).unsqueeze(1).flatten(2), lambda t: t.unsqueeze(1).flatten(2)),
        (torch.fft.rfft(x, dim=1).abs(), lambda t: torch.fft.rfft(t, dim=1).abs()),
        (x.mT.sum(-1) + x[:, 0].T.T, lambda t: t.mT.sum(-1) + t[:, 0]),
    ]


def test_torch_functions_and_tensor_methods_record_what_torch_computes():
    x = lamella.Input(shape=(5, 3))
    pairs = _ops(x)
    model = Model(x, [symbolic for symbolic, _ in pairs])
    for got, (symbolic, eager) in zip(model.predict(X), pairs):
        want = eager(torch.from_numpy(X)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        assert symbolic.shape == (None,) + want.shape[1:]
        assert symbolic.dtype == want.dtype and symbolic.dtype == torch.from_numpy(want).dtype
    names = [_function(symbolic) for symbolic, _ in pairs]
    assert names[:5] == ["torch.cat", "torch.stack", "torch.nn.functional.softmax",
                         "torch.einsum", "Tensor.permute"]
    assert "torch.linalg.norm" in names and "torch.special.expit" in names
    assert "torch.fft.rfft" in [_function(t) for t in
                                pairs[-2][0]._keras_history[0]._inbound_nodes[0].input_tensors]


def test_a_model_of_torch_ops_saves_names_and_reloads_the_same():
    x = lamella.Input(shape=(5, 3))
    h = SeededDense(4)(x)
    out = F.softmax(torch.cat([h, torch.tanh(h)], dim=-1).permute(0, 2, 1).mean(dim=-1), dim=-1)
    model = Model(x, out)
    text = model.to_json()
    for name in ("torch.cat", "torch.tanh", "Tensor.permute", "Tensor.mean",
                 "torch.nn.functional.softmax"):
        assert f'"function": "{name}"' in text
    loaded = model_from_json(text, custom_objects=CUSTOM)
    loaded.set_weights(model.get_weights())
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-6)
    assert loaded.output.shape == (None, 8)


def test_constant_tensors_come_back_as_tensors_after_reloading():
    x = lamella.Input(shape=(3,))
    out = torch.where(x > 0.5, x, torch.zeros(3))
    model = Model(x, out)
    loaded = model_from_json(model.to_json())
    data = X[:, 0, :]
    np.testing.assert_allclose(loaded.predict(data), np.where(data > 0.5, data, 0.0))


HOSTILE_NAMES = [
    "torch.load", "torch.save", "torch.hub.load", "torch.ops.aten.add", "torch.classes.x",
    "torch.utils.data.DataLoader", "torch.compile", "torch.manual_seed", "torch.set_grad_enabled",
    "torch.from_file", "torch.jit.load", "torch.package.PackageImporter", "torch.__import__",
    "torch.nn.functional.torch", "torch.nn.functional._VF", "torch.linalg.__builtins__",
    "Tensor.numpy", "Tensor.add_", "Tensor.register_hook", "Tensor.__reduce_ex__",
    "Tensor.storage", "Tensor.backward", "Tensor.data_ptr", "torch.nn.init.normal_",
    "torch.Tensor.permute", "torch.os.system", "torch._C._nn.linear", "torch.", "Tensor.",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_config_naming_a_function_outside_the_allow_list_is_refused(name, monkeypatch):
    called = []
    for target, attr in ((torch, "load"), (torch, "save"), (torch.hub, "load")):
        monkeypatch.setattr(target, attr, lambda *a, **k: called.append(a))
    x = lamella.Input(shape=(3,))
    config = json.loads(Model(x, torch.sigmoid(x)).to_json())
    layer = next(layer for layer in config["config"]["layers"]
                 if layer["class_name"] == "TensorOp")
    layer["config"]["function"] = name
    with pytest.raises(ConfigError) as info:
        model_from_json(json.dumps(config))
    message = str(info.value)
    assert "model_from_json" in message and layer["config"]["name"] in message
    assert repr(name) in message and "not one a model may name" in message
    assert called == []


@pytest.mark.parametrize("dtype", ["load", "hub", "float32.__class__", "Tensor"])
def test_a_dtype_argument_naming_anything_but_a_torch_dtype_is_refused(dtype, monkeypatch):
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch.load was called"))
    x = lamella.Input(shape=(3,))
    config = json.loads(Model(x, x.to(torch.float64)).to_json())
    layer = config["config"]["layers"][-1]
    assert layer["config"]["arguments"]["args"][1] == {"__dtype__": "float64"}
    layer["config"]["arguments"]["args"][1] = {"__dtype__": dtype}
    with pytest.raises(ConfigError, match=f"Not a dtype: '{dtype}'"):
        model_from_json(json.dumps(config))


def test_arguments_a_config_cannot_hold_are_refused_when_saving():
    x = lamella.Input(shape=(3,))
    weight = torch.nn.Parameter(torch.ones(2, 3))
    model = Model(x, [F.linear(x, weight), x.to(torch.device("cpu"))])
    np.testing.assert_allclose(model.predict(X[:, 0])[0], X[:, 0] @ np.ones((3, 2)), rtol=1e-6)
    with pytest.raises(ValueError, match=r"TensorOp 'torch_nn_functional_linear_\d+' \(torch.nn."
                                         r"functional.linear\) cannot be saved: .*variable or "
                                         r"weight"):
        model.to_json()
    with pytest.raises(ValueError, match=r"\(Tensor.to\) cannot be saved: .*a device"):
        Model(x, x.to(torch.device("cpu"))).to_json()


def test_calls_that_make_no_graph_node_are_refused_clearly():
    x = lamella.Input(shape=(3,))
    with pytest.raises(TypeError, match="torch.nn.init.normal_ cannot be applied to a "
                                        "symbolic tensor"):
        torch.nn.init.normal_(x)
    for method in ("add_", "numpy", "register_hook", "backward"):
        with pytest.raises(AttributeError, match=f"Tensor.{method} cannot be applied"):
            getattr(x, method)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_method'"):
        x.no_such_method  # noqa: B018
    assert not hasattr(x, "numpy") and not hasattr(x, "__deepcopy__")
    with pytest.raises(TypeError, match="returns int, not a tensor"):
        torch.numel(x)
    with pytest.raises(ValueError, match=r"size\(0\) is unknown until the graph runs"):
        x.view(x.size(0), -1)


def _torch_op_model():
    x = lamella.Input(shape=(4,))
    h = torch.tanh(SeededDense(6, seed=2)(x))
    h = torch.cat([h, x.pow(2)], dim=-1)
    out = SeededDense(1, seed=3)(F.layer_norm(h, (10,)))
    model = Model(x, out)
    model.compile(PlainSGD(0.05), loss=mean_squared_error)
    return model


def test_a_model_with_torch_ops_trains_eagerly_and_under_jit_compile_alike(dynamo_eager):
    data = np.random.RandomState(1).rand(32, 4).astype("float32")
    target = data.sum(-1, keepdims=True)
    eager = _torch_op_model()
    history = eager.fit(data, target, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    jitted = _torch_op_model()
    jitted.compile(PlainSGD(0.05), loss=mean_squared_error, jit_compile=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*jit_compile.*")  # no silent eager fallback
        jitted.fit(data, target, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert dynamo_eager, "compile(jit_compile=True) did not go through torch.compile"
    for got, want in zip(jitted.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


# --- TensorFlow-tensor members that Keras 2.3 scripts read -------------------------------------

def test_shape_members_answer_as_tensorflow_1_does():
    x = lamella.Input(shape=(5, 3))
    y = SeededDense(2)(x)
    assert y.shape[-1].value == 2 and int(y.shape[-1]) == 2 and y.shape[-1] * 2 == 4
    assert y.shape[0] is None and y.get_shape()[1] == 5 and y._keras_shape == (None, 5, 2)
    assert y.shape[1:].as_list() == [5, 2] and y.shape.dims == [None, 5, 2]
    assert len(y.shape) == 3 and y.shape.ndims == 3
    assert not y.shape.is_fully_defined() and y.shape.num_elements() is None
    assert y.shape[1:].is_fully_defined() and y.shape[1:].num_elements() == 10
    assert json.dumps(list(y.shape)) == "[null, 5, 2]"


def test_dtype_is_a_keras_name_that_also_compares_as_torch_and_numpy_dtypes():
    x = lamella.Input(shape=(3,))
    assert x.dtype == "float32" and x.dtype.name == "float32" and x.dtype.is_floating
    assert x.dtype == torch.float32 and torch.float32 == x.dtype and x.dtype == np.float32
    assert x.dtype != torch.int64 and x.dtype.as_numpy_dtype is np.float32
    assert x.long().dtype == torch.int64 and (x > 0).dtype.is_bool
    assert lamella.backend.dtype(x) == "float32" and isinstance(lamella.backend.dtype(x), str)


def test_names_follow_tensorflows_form_and_python_truth_is_refused():
    x = lamella.Input(shape=(3,), name="pixels")
    y = SeededDense(2, name="dense_out")(x)
    assert x.name == "pixels" and y.name == "dense_out/output:0"
    assert y.name.split("/")[0] == "dense_out"
    with pytest.raises(TypeError, match="as a Python bool is not allowed"):
        bool(y)
    with pytest.raises(TypeError, match="as a Python bool is not allowed"):
        if y:  # noqa: SIM108 - what a script writes
            pass
    with pytest.raises(TypeError, match="no length"):
        len(y)
    with pytest.raises(TypeError, match="not iterable"):
        [t for t in y]  # noqa: C416
    assert y.size() == (None, 2) and y.size(-1) == 2 and y.dim() == 2 and y.is_floating_point()
    assert isinstance(y.permute(1, 0)._keras_history[0], TensorOp)


def test_negative_slice_steps_reverse_as_tensorflow_strided_slices_do():
    """Keras 2.3 scripts write ``x[..., ::-1]`` (RGB to BGR) on Keras tensors; torch's indexing
    has no negative steps, so they become index selections, equal to NumPy's slicing."""
    x = lamella.Input(shape=(4, 5))
    data = X[:, :4, :].repeat(2, axis=2)[..., :5]
    cases = [lambda t: t[..., ::-1], lambda t: t[:, ::-2], lambda t: t[:, 3:0:-1, 1],
             lambda t: t[:, None, ::-1, 1:4:2], lambda t: t[::-1, -1]]
    outputs = [case(x) for case in cases]
    model = Model(x, outputs)
    reloaded = model_from_json(model.to_json())
    for got, again, case, symbolic in zip(model.predict(data), reloaded.predict(data), cases,
                                          outputs):
        want = case(data)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(again, want)
        assert symbolic.shape[1:] == want.shape[1:]
