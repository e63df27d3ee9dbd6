"""Parity with real Keras 2.3.1: fixtures from ``tools/keras231/make_layer_fixtures.py``.

Each case rebuilds the layer (or small model) from Keras's own config, loads Keras's weights
with ``set_weights`` and compares the inference outputs (within 1e-5) and their shapes
(exactly). No TensorFlow is needed: the fixtures are committed.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamella

FIXTURES = Path(__file__).parent / "fixtures" / "keras231"
_INDEX = json.loads((FIXTURES / "layers.json").read_text())
CASES = {case["id"]: case for case in _INDEX["cases"]}
_ARRAYS = None
TOLERANCE = 1e-5


def arrays():
    global _ARRAYS
    if _ARRAYS is None:
        with np.load(FIXTURES / "layers.npz") as data:
            _ARRAYS = {k: data[k] for k in data.files}
    return _ARRAYS


def _case_arrays(case):
    data = arrays()
    cid = case["id"]
    xs = [data[f"{cid}/x{i}"] for i in range(case["n_inputs"])]
    ws = [data[f"{cid}/w{i}"] for i in range(case["n_weights"])]
    ys = [data[f"{cid}/y{i}"] for i in range(case["n_outputs"])]
    return xs, ws, ys


def _tensor(x):
    return torch.from_numpy(np.ascontiguousarray(x))


def _flatten(out):
    if isinstance(out, (list, tuple)):
        result = []
        for o in out:
            result.extend(_flatten(o))
        return result
    return [out]


def _call_kwargs(case):
    """``mask=`` / ``initial_state=`` recorded for the layer call (``case["call"]``)."""
    call = case.get("call")
    if not call:
        return {}
    data, cid = arrays(), case["id"]
    kwargs = {}
    if call.get("mask"):
        kwargs["mask"] = _tensor(data[f"{cid}/mask"])
    if call.get("n_initial_state"):
        kwargs["initial_state"] = [_tensor(data[f"{cid}/state{i}"])
                                   for i in range(call["n_initial_state"])]
    return kwargs


def run_case(case):
    """lamella's outputs (NumPy) for one fixture case."""
    xs, ws, _ = _case_arrays(case)
    if case["kind"] == "layer":
        layer = lamella.layers.deserialize({"class_name": case["class_name"],
                                            "config": case["config"]})
        inputs = [_tensor(x) for x in xs]
        arg = inputs if len(inputs) > 1 else inputs[0]
        kwargs = _call_kwargs(case)
        layer.eval()
        with torch.no_grad():
            layer(arg, **kwargs)  # builds
            layer.set_weights(ws)
            out = layer(arg, **kwargs)
        return _flatten(out), layer
    model = lamella.models.model_from_config({"class_name": case["class_name"],
                                              "config": case["config"]})
    model.set_weights(ws)
    prelude = [arrays()[f"{case['id']}/prelude{i}"] for i in range(case.get("n_prelude", 0))]
    if prelude:  # a stateful model: the recorded call continues from these states
        model.predict(prelude if len(prelude) > 1 else prelude[0], batch_size=len(prelude[0]))
    outs = model.predict(xs if len(xs) > 1 else xs[0], batch_size=len(xs[0]))
    return (outs if isinstance(outs, list) else [outs]), model


def max_abs_diff(case):
    outs, _ = run_case(case)
    _, _, expected = _case_arrays(case)
    assert len(outs) == len(expected), case["id"]
    worst = 0.0
    for got, want in zip(outs, expected):
        got = got.detach().numpy() if torch.is_tensor(got) else np.asarray(got)
        assert tuple(got.shape) == tuple(want.shape), (case["id"], got.shape, want.shape)
        worst = max(worst, float(np.max(np.abs(got.astype(np.float64) - want))) if want.size
                    else 0.0)
    return worst


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_parity_with_keras_231(case_id):
    case = CASES[case_id]
    assert max_abs_diff(case) <= TOLERANCE


@pytest.mark.parametrize("case_id", sorted(c for c in CASES if CASES[c]["kind"] == "layer"))
def test_weights_layout_and_symbolic_shapes_match_keras(case_id):
    case = CASES[case_id]
    xs, ws, ys = _case_arrays(case)
    layer = lamella.layers.deserialize({"class_name": case["class_name"],
                                        "config": case["config"]})
    inputs = [lamella.Input(shape=tuple(s), dtype=str(x.dtype))
              for s, x in zip(case["input_shapes"], xs)]
    out = layer(inputs if len(inputs) > 1 else inputs[0])
    shapes = [o.shape for o in _flatten(out)]
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in ws]
    expected = [tuple([None] + list(y.shape[1:])) for y in ys]
    assert [tuple([None] + list(s[1:])) for s in shapes] == expected
