"""Masks propagate as in Keras 2.3.1 through TimeDistributed and merge layers, end to end in
functional models: predictions against the Keras fixtures (``layers.json`` cases
``TimeDistributed/masked`` and ``Merge/masked``), against manual masking (each sample run
without its masked steps), and inside ``evaluate`` / ``fit`` against Keras's recorded loss and
post-step weights (``functions.json``'s ``masked_training``, one step of plain SGD, lr 0.1).
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamella
from lamella.layers import GRU, LSTM, Add, Concatenate, Dense, Embedding, Input, TimeDistributed
from lamella.testing import PlainSGD
from lamella.testing import mean_squared_error as mse

FIXTURES = Path(__file__).parent / "fixtures" / "keras231"
LAYERS = {c["id"]: c for c in json.loads((FIXTURES / "layers.json").read_text())["cases"]}
TRAINING = {r["id"]: r for r in
            json.loads((FIXTURES / "functions.json").read_text())["masked_training"]}
TOL = 1e-5


def _layer_arrays(cid):
    case = LAYERS[cid]
    with np.load(FIXTURES / "layers.npz") as data:
        xs = [data[f"{cid}/x{i}"] for i in range(case["n_inputs"])]
        ws = [data[f"{cid}/w{i}"] for i in range(case["n_weights"])]
        ys = [data[f"{cid}/y{i}"] for i in range(case["n_outputs"])]
    return xs, ws, ys


def _training_arrays(cid):
    rec = TRAINING[cid]
    with np.load(FIXTURES / "functions.npz") as data:
        def get(kind, n):
            return [data[f"mt/{cid}/{kind}{i}"] for i in range(n)]
        return (get("x", rec["n_inputs"]), get("y", rec["n_outputs"]),
                get("pred", rec["n_outputs"]), get("w", rec["n_weights"]),
                get("after", rec["n_weights"]))


def _as_list(out):
    return out if isinstance(out, list) else [out]


def _close(got, want, tol=TOL):
    for g, w in zip(got, want):
        assert np.asarray(g).shape == w.shape
        assert np.max(np.abs(np.asarray(g, np.float64) - w)) <= tol


def _unmasked_run(rnn_cls, kernel_weights, units, seq):
    """The RNN run on ``seq`` (T, F) alone, no mask: the per-sample manual masking."""
    layer = rnn_cls(units, return_sequences=True)
    x = torch.from_numpy(np.ascontiguousarray(seq[None]))
    with torch.no_grad():
        layer(x)
        layer.set_weights(kernel_weights)
        return layer(x)[0].numpy()


def _manual_masking(rnn_cls, weights, units, features, tokens):
    """Keras's masked RNN output per step: the state is carried over masked steps, so the
    output at step t is the unmasked run's output at the last unmasked step <= t (zeros
    before the first one)."""
    out = np.zeros(tokens.shape + (units,), np.float32)
    for b in range(tokens.shape[0]):
        keep = np.nonzero(tokens[b] != 0)[0]
        if keep.size == 0:
            continue
        run = _unmasked_run(rnn_cls, weights, units, features[b, keep])
        last = -1
        for t in range(tokens.shape[1]):
            if tokens[b, t] != 0:
                last += 1
            if last >= 0:
                out[b, t] = run[last]
    return out


# --- Embedding(mask_zero) -> TimeDistributed(Dense) -> LSTM -------------------------------------

def _td_model(return_sequences=True, td_activation=None):
    inp = Input(shape=(6,), dtype="int32")
    emb = Embedding(8, 3, mask_zero=True)
    td = TimeDistributed(Dense(4, activation=td_activation))
    x = td(emb(inp))
    rnn = LSTM(3, return_sequences=return_sequences)
    return lamella.Model(inp, rnn(x)), emb, td, rnn


def test_timedistributed_mask_matches_keras_and_manual_masking():
    (tokens,), ws, (want,) = _layer_arrays("TimeDistributed/masked")
    model, emb, td, rnn = _td_model()
    model.set_weights(ws)
    got = model.predict(tokens, batch_size=len(tokens))
    _close([got], [want])
    # the mask went through TimeDistributed: TimeDistributed's output still carries it
    with torch.no_grad():
        t = torch.from_numpy(tokens)
        mask = emb.compute_mask(t)
        assert torch.equal(td.compute_mask(emb(t), mask), t != 0)
        features = td(emb(t)).numpy()
    manual = _manual_masking(LSTM, rnn.get_weights(), 3, features, tokens)
    _close([got], [manual], tol=1e-6)


# --- Embedding(mask_zero) with an unmasked input through Add and Concatenate ------------------

def _merge_model():
    a, b = Input(shape=(6,), dtype="int32"), Input(shape=(6, 3))
    emb = Embedding(8, 3, mask_zero=True)
    x = emb(a)
    lstm, gru = LSTM(2), GRU(2)
    model = lamella.Model([a, b], [lstm(Add()([x, b])), gru(Concatenate()([x, b]))])
    return model, emb, lstm, gru


def test_merge_masks_match_keras_and_manual_masking():
    (tokens, dense), ws, want = _layer_arrays("Merge/masked")
    model, emb, lstm, gru = _merge_model()
    model.set_weights(ws)
    got = model.predict([tokens, dense], batch_size=len(tokens))
    _close(got, want)
    with torch.no_grad():
        t, d = torch.from_numpy(tokens), torch.from_numpy(dense)
        e = emb(t)
        m = emb.compute_mask(t)
        # Keras: a merge's mask is the AND of its inputs' masks, an input without one counting
        # as all-True: here the Embedding's mask
        assert torch.equal(Add().compute_mask([e, d], [m, None]), m)
        assert torch.equal(Concatenate().compute_mask([e, d], [m, None]), m)
        summed, joined = (e + d).numpy(), torch.cat([e, d], dim=-1).numpy()
    manual_lstm = _manual_masking(LSTM, lstm.get_weights(), 2, summed, tokens)[:, -1]
    manual_gru = _manual_masking(GRU, gru.get_weights(), 2, joined, tokens)[:, -1]
    _close(got, [manual_lstm, manual_gru], tol=1e-6)


# --- inside evaluate / fit --------------------------------------------------------------------

def _training_model(cid):
    if cid == "td_lstm":
        return _td_model(return_sequences=False, td_activation="tanh")[0]
    if cid == "td_lstm_seq":
        return _td_model(return_sequences=True, td_activation="tanh")[0]
    return _merge_model()[0]


@pytest.mark.parametrize("cid", ["td_lstm", "td_lstm_seq", "merge"])
def test_masked_model_evaluate_and_fit_match_keras(cid):
    rec = TRAINING[cid]
    xs, ys, preds, before, after = _training_arrays(cid)
    model = _training_model(cid)
    model.set_weights(before)
    feed_x = xs if len(xs) > 1 else xs[0]
    feed_y = ys if len(ys) > 1 else ys[0]
    _close(_as_list(model.predict(feed_x, batch_size=4)), preds)
    model.compile(PlainSGD(learning_rate=0.1), loss=mse)
    evaluated = _as_list(model.evaluate(feed_x, feed_y, batch_size=4, verbose=0))
    np.testing.assert_allclose(evaluated, rec["evaluate"], atol=TOL, rtol=TOL)
    history = model.fit(feed_x, feed_y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(rec["fit_loss"], abs=TOL, rel=TOL)
    _close(model.get_weights(), after)
