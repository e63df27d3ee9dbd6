"""lamella.backend against real Keras 2.3.1: every function's signature, and each function's
results on the seeded cases of tools/keras231/make_backend_fixtures.py."""

import inspect
import json
import pathlib

import numpy as np
import pytest
import torch

from lamella import backend as K

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "keras231"
API = json.loads((FIXTURES / "backend_api.json").read_text())
CASES = json.loads((FIXTURES / "backend_cases.json").read_text())
CASES.pop("_meta")
ARRAYS = np.load(FIXTURES / "backend_cases.npz")

# Cases compared more loosely, and why.
TOLERANCE = {
    # TF's log-softmax and CTC run in float32; these sum over many steps.
    "ctc_batch_cost": 1e-4,
    # Keras 2.3.1 goes back to logits through log(p / (1 - p)) in float32.
    "binary_crossentropy": 1e-5,
}


def test_every_keras_backend_function_exists_with_its_signature():
    missing, different = [], []
    for name, params in API["functions"].items():
        ours = getattr(K, name, None)
        if ours is None:
            missing.append(name)
            continue
        theirs = [(p["name"], p.get("default", "<required>")) for p in params]
        mine = [(p.name, _default(p)) for p in inspect.signature(ours).parameters.values()]
        if mine != theirs:
            different.append((name, theirs, mine))
    assert not missing, missing
    assert not different, different
    for name in API["classes"]:
        assert inspect.isclass(getattr(K, name)), name


def _default(param):
    if param.default is inspect.Parameter.empty:
        return "<required>"
    return _lists(param.default)


def _lists(value):
    return [_lists(v) for v in value] if isinstance(value, (tuple, list)) else value


def test_backend_exports_only_keras_names_and_modules():
    keras_names = set(API["functions"]) | set(API["classes"])
    assert set(K.__all__) == keras_names


CALLABLES = {  # the generator's callable arguments
    "square_sum": lambda t: K.sum(K.square(t)),
    "double_add": lambda acc, t: acc * 2.0 + t,
    "ones_2x3": lambda: K.ones_like(K.zeros((2, 3))),
    "zeros_2x3": lambda: K.zeros_like(K.zeros((2, 3))),
}


def _arg(spec, case):
    if isinstance(spec, dict) and "callable" in spec:
        return CALLABLES[spec["callable"]]
    if isinstance(spec, list):
        return [_arg(s, case) for s in spec]
    if isinstance(spec, dict) and "array" in spec:
        value = ARRAYS[f"{case}/in/{spec['array']}"]
        if spec.get("raw"):
            return value
        if spec.get("variable"):
            return K.variable(value)
        return torch.from_numpy(value.copy())
    if isinstance(spec, dict) and "tuple" in spec:
        return _tuple(spec["tuple"])
    return spec


def _tuple(value):
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def _flatten(result):
    if isinstance(result, (list, tuple)):
        return [item for part in result for item in _flatten(part)]
    return [result]


def rnn_step(w, u):
    """The step function of the generator's ``rnn`` cases."""
    def step(x_t, states):
        h, count = states[0], states[1]
        z = K.dot(x_t, w) + K.dot(h, u)
        if len(states) > 2:
            z = z + states[2]
        h_new = K.tanh(z)
        return h_new * 2.0, [h_new, count + 1.0]
    return step


def _call(fn, args, kwargs):
    if fn == "rnn":
        x, w, u, states = args
        return K.rnn(rnn_step(w, u), x, states, **kwargs)
    return getattr(K, fn)(*args, **kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras231(case):
    record = CASES[case]
    args = [_arg(a, case) for a in record["args"]]
    kwargs = {k: _arg(v, case) for k, v in record["kwargs"].items()}
    result = _call(record["fn"], args, kwargs)
    if "result" in record:
        expected = record["result"]
        if isinstance(result, np.ndarray):
            assert result.dtype == np.float32
            result = result.tolist()
        assert (list(result) if isinstance(result, tuple) else result) == expected
        return
    if record["fn"] in ("update", "update_add", "update_sub", "moving_average_update"):
        assert result is args[0]  # changed in place
        outputs = [result]
    elif record["fn"] == "ctc_label_dense_to_sparse":
        outputs = [result.indices().t(), result.values(), torch.tensor(result.shape)]
    else:
        outputs = _flatten(result)
    assert len(outputs) == record["outputs"]
    tolerance = TOLERANCE.get(record["fn"], 1e-5)
    for i, ours in enumerate(outputs):
        expected = ARRAYS[f"{case}/out/{i}"]
        if record["fn"] in ("eval", "get_value", "batch_get_value"):
            assert isinstance(ours, np.ndarray)
        ours = K.get_value(ours) if torch.is_tensor(ours) else np.asarray(ours)
        assert ours.shape == expected.shape, (i, ours.shape, expected.shape)
        if expected.dtype == bool:
            assert ours.dtype == bool
            np.testing.assert_array_equal(ours, expected)
        else:
            assert ours.dtype.kind == expected.dtype.kind, (ours.dtype, expected.dtype)
            np.testing.assert_allclose(ours, expected, rtol=tolerance, atol=tolerance)
