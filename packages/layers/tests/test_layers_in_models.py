"""Every registered layer works in Sequential, functional and subclassed models.

Each case builds the layer from a Keras 2.3.1 fixture config (``fixtures/keras231/layers.json``,
with the fixture's inputs and weights) or, for the classes the fixture has no case for, from a
hand-written spec; then puts a fresh copy, carrying the same weights, inside

(a) a ``Sequential`` (single-input, single-output layers without call arguments: the only ones
    a Keras Sequential takes),
(b) a functional ``Model`` (lists of inputs, several outputs, ``mask=`` / ``initial_state=`` fed
    through extra ``Input``\\ s),
(c) a subclassed ``lamella.Model`` whose ``call()`` applies the layer,

and checks that ``predict`` gives what calling the layer directly gives, and that
``summary()`` works for (a) and (b).
"""

import importlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamella
from lamella_layers import _plugin
from lamella_layers.recurrent import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells

FIXTURES = Path(__file__).parent / "fixtures" / "keras231"
_INDEX = json.loads((FIXTURES / "layers.json").read_text())
LAYER_CASES = {c["id"]: c for c in _INDEX["cases"] if c["kind"] == "layer"}
_ARRAYS = None
TOL = 1e-6


def _arrays():
    global _ARRAYS
    if _ARRAYS is None:
        with np.load(FIXTURES / "layers.npz") as data:
            _ARRAYS = {k: data[k] for k in data.files}
    return _ARRAYS


def square(x):
    return x * x


class Spec:
    """How to make the layer, its inputs, its weights and the extra call arguments."""

    def __init__(self, cid, covers, make, xs, weights=None, mask=None, states=None,
                 n_outputs=1):
        self.id, self.covers, self.make = cid, covers, make
        self.xs, self.weights, self.mask, self.states = xs, weights, mask, states
        self.n_outputs = n_outputs

    @property
    def single_io(self):
        return (len(self.xs) == 1 and self.mask is None and self.states is None
                and self.n_outputs == 1)


def _fixture_spec(case):
    data, cid = _arrays(), case["id"]
    xs = [data[f"{cid}/x{i}"] for i in range(case["n_inputs"])]
    ws = [data[f"{cid}/w{i}"] for i in range(case["n_weights"])]
    call = case.get("call") or {}
    mask = data[f"{cid}/mask"] if call.get("mask") else None
    states = [data[f"{cid}/state{i}"] for i in range(call.get("n_initial_state", 0))] or None

    def make():
        return lamella.layers.deserialize({"class_name": case["class_name"],
                                           "config": case["config"]})
    return Spec(cid, case["class_name"], make, xs, ws, mask, states, case["n_outputs"])


def _rand(*shape):
    return np.random.RandomState(sum(shape)).normal(size=shape).astype("float32")


def _hand_specs():
    mha_q, mha_v = _rand(3, 4, 6), _rand(3, 5, 6)
    return [
        Spec("Activation/tanh", "Activation", lambda: lamella.layers.Activation("tanh"),
             [_rand(3, 5)]),
        Spec("Dropout/inference", "Dropout", lambda: lamella.layers.Dropout(0.5), [_rand(3, 5)]),
        Spec("Flatten/rank3", "Flatten", lambda: lamella.layers.Flatten(), [_rand(3, 2, 4)]),
        Spec("Lambda/square", "Lambda", lambda: lamella.layers.Lambda(square), [_rand(3, 5)]),
        Spec("LayerNormalization/default", "LayerNormalization",
             lambda: lamella.layers.LayerNormalization(), [_rand(3, 2, 5)]),
        Spec("RNN/SimpleRNNCell", "SimpleRNNCell",
             lambda: lamella.layers.RNN(SimpleRNNCell(4)), [_rand(3, 5, 2)]),
        Spec("RNN/GRUCell", "GRUCell", lambda: lamella.layers.RNN(GRUCell(4, reset_after=True),
                                                                  return_sequences=True),
             [_rand(3, 5, 2)]),
        Spec("RNN/LSTMCell", "LSTMCell", lambda: lamella.layers.RNN(LSTMCell(3)),
             [_rand(3, 5, 2)]),
        Spec("RNN/StackedRNNCells", "StackedRNNCells", lambda: lamella.layers.RNN(
            StackedRNNCells([LSTMCell(3), GRUCell(2)]), return_state=True), [_rand(3, 5, 2)],
             n_outputs=4),
        Spec("CuDNNLSTM/state", "CuDNNLSTM",
             lambda: lamella.layers.CuDNNLSTM(3, return_state=True), [_rand(3, 5, 2)],
             n_outputs=3),
        Spec("CuDNNGRU/seq", "CuDNNGRU",
             lambda: lamella.layers.CuDNNGRU(3, return_sequences=True, go_backwards=True),
             [_rand(3, 5, 2)]),
        Spec("ConvRNN2D/ConvLSTM2DCell", "ConvRNN2D",
             lambda: lamella.layers.ConvRNN2D(
                 lamella.layers.ConvLSTM2DCell(2, 3, padding="same"), return_sequences=True),
             [_rand(3, 4, 5, 5, 2)]),
        Spec("TorchModule/Linear", "TorchModule",
             lambda: lamella.layers.TorchModule(torch.nn.Linear(5, 3)), [_rand(3, 5)]),
        Spec("MultiHeadAttention/qv", "MultiHeadAttention",
             lambda: lamella.layers.MultiHeadAttention(num_heads=2, key_dim=3), [mha_q, mha_v]),
    ]


#: Registered classes with no case of their own, and which cases exercise them.
COVERED_THROUGH = {
    "Wrapper": "the abstract base of TimeDistributed and Bidirectional (no call of its own)",
    "ConvLSTM2DCell": "the cell of every ConvLSTM2D case (Keras 2.3.1's RNN cannot run it)",
}

#: Wrappers and generic RNNs: every fixture case (each merge mode, cell stack, inner layer).
ALL_CASES_OF = {"Bidirectional", "TimeDistributed", "RNN"}


def _selected_fixture_cases():
    """Per class: its first case, and the first of each special kind (several outputs, more
    than two inputs, integer inputs, ``mask_zero``, each ``data_format``, each GRU
    ``reset_after``, a ``mask=`` or ``initial_state=`` call), so every calling convention the
    fixture has is covered without re-running all of its cases."""
    chosen, seen = [], set()
    for case in sorted(LAYER_CASES.values(), key=lambda c: c["id"]):
        call = case.get("call") or {}
        kinds = {"first", "multi_out" if case["n_outputs"] > 1 else None,
                 "many_in" if case["n_inputs"] > 2 else None,
                 "mask" if call.get("mask") else None,
                 "states" if call.get("n_initial_state") else None,
                 "int" if str(_arrays()[case["id"] + "/x0"].dtype).startswith("int") else None,
                 "mask_zero" if case["config"].get("mask_zero") else None,
                 f"format_{case['config'].get('data_format')}",
                 f"reset_after_{case['config'].get('reset_after')}",
                 case["id"] if case["class_name"] in ALL_CASES_OF else None} - {None}
        keys = {(case["class_name"], kind) for kind in kinds}
        if keys - seen:
            chosen.append(case)
            seen |= keys
    return chosen


SPECS = {s.id: s for s in [_fixture_spec(c) for c in _selected_fixture_cases()] + _hand_specs()}


def registered_layer_classes():
    classes = {}
    for component in _plugin.lamella_layers():
        module, _, attr = component.obj.partition(":")
        obj = getattr(importlib.import_module(module), attr)
        if isinstance(obj, type):
            classes[obj.__name__] = obj
    return classes


def test_every_registered_layer_class_has_a_case():
    covered = {s.covers for s in SPECS.values()} | set(COVERED_THROUGH)
    assert sorted(set(registered_layer_classes()) - covered) == []


# --- the three model kinds -------------------------------------------------------------------

def _tensor(x):
    return torch.from_numpy(np.ascontiguousarray(x))


def _flatten(out):
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def _call(layer, inputs, mask=None, states=None):
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = mask
    if states is not None:
        kwargs["initial_state"] = states
    return layer(inputs if len(inputs) > 1 else inputs[0], **kwargs)


def _feed(spec):
    """What ``predict`` receives: the inputs, then the mask, then the initial states."""
    feed = list(spec.xs)
    if spec.mask is not None:
        feed.append(spec.mask)
    feed += list(spec.states or [])
    return feed


def _direct(spec):
    layer = spec.make()
    layer.eval()
    inputs = [_tensor(x) for x in spec.xs]
    mask = _tensor(spec.mask) if spec.mask is not None else None
    states = [_tensor(s) for s in spec.states] if spec.states else None
    with torch.no_grad():
        _call(layer, inputs, mask, states)  # builds
        weights = spec.weights if spec.weights is not None else layer.get_weights()
        layer.set_weights(weights)
        out = _call(layer, inputs, mask, states)
    return [o.numpy() for o in _flatten(out)], weights


def _inputs(spec):
    ins = [lamella.Input(shape=x.shape[1:], dtype=str(x.dtype)) for x in spec.xs]
    mask = lamella.Input(shape=spec.mask.shape[1:], dtype="bool") \
        if spec.mask is not None else None
    states = [lamella.Input(shape=s.shape[1:]) for s in spec.states] if spec.states else None
    return ins, mask, states


def _sequential(spec, weights):
    layer = spec.make()
    x = spec.xs[0]
    model = lamella.Sequential([lamella.Input(shape=x.shape[1:], dtype=str(x.dtype)), layer])
    layer.set_weights(weights)
    return model


def _functional(spec, weights):
    layer = spec.make()
    ins, mask, states = _inputs(spec)
    out = _call(layer, ins, mask, states)
    model = lamella.Model(ins + ([mask] if mask is not None else []) + (states or []),
                          _flatten(out))
    layer.set_weights(weights)
    return model


class Subclassed(lamella.Model):
    """``call`` applies one layer, splitting the mask and initial states off the inputs."""

    def __init__(self, layer, n_inputs, has_mask, n_states):
        super().__init__()
        self.inner = layer
        self.n_inputs, self.has_mask, self.n_states = n_inputs, has_mask, n_states

    def call(self, inputs):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        xs, rest = inputs[:self.n_inputs], inputs[self.n_inputs:]
        mask = rest.pop(0) if self.has_mask else None
        states = rest[:self.n_states] or None
        return _call(self.inner, xs, mask, states)


def _subclassed(spec, weights):
    layer = spec.make()
    model = Subclassed(layer, len(spec.xs), spec.mask is not None, len(spec.states or []))
    feed = _feed(spec)
    with torch.no_grad():  # builds (a subclassed model's weights exist after its first call)
        model.eval()
        model([_tensor(x) for x in feed] if len(feed) > 1 else _tensor(feed[0]))
    layer.set_weights(weights)
    return model


def _predict(model, spec):
    feed = _feed(spec)
    out = model.predict(feed if len(feed) > 1 else feed[0], batch_size=len(feed[0]))
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def _assert_same(got, want, cid):
    assert len(got) == len(want) == SPECS[cid].n_outputs, cid
    for g, w in zip(got, want):
        assert g.shape == w.shape, (cid, g.shape, w.shape)
        assert np.max(np.abs(g.astype(np.float64) - w), initial=0.0) <= TOL, cid


def _summary_lines(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines


#: (a) takes what a Keras 2.3.1 Sequential takes: one input, one output, no call arguments.
SEQUENTIAL_IDS = sorted(k for k, s in SPECS.items() if s.single_io)

def _functional_param(cid):
    return pytest.param(cid)


@pytest.mark.parametrize("cid", SEQUENTIAL_IDS)
def test_layer_in_sequential(cid):
    spec = SPECS[cid]
    want, weights = _direct(spec)
    model = _sequential(spec, weights)
    _assert_same(_predict(model, spec), want, cid)
    lines = _summary_lines(model)
    assert any("Total params" in line for line in lines)


@pytest.mark.parametrize("cid", [_functional_param(c) for c in sorted(SPECS)])
def test_layer_in_functional_model(cid):
    spec = SPECS[cid]
    want, weights = _direct(spec)
    model = _functional(spec, weights)
    _assert_same(_predict(model, spec), want, cid)
    lines = _summary_lines(model)
    assert any("Total params" in line for line in lines)
    assert any(model.layers[-1].name in line for line in lines)


@pytest.mark.parametrize("cid", sorted(SPECS))
def test_layer_in_subclassed_model(cid):
    spec = SPECS[cid]
    want, weights = _direct(spec)
    model = _subclassed(spec, weights)
    _assert_same(_predict(model, spec), want, cid)
