"""Check that REAL Keras 2.3.1 loads the HDF5 files lamella writes, with equal predictions.

One script, two interpreters:

    # write the files with lamella (the development venv) ...
    .venv/bin/python tools/keras231/check_lamella_files.py --write /tmp/lamella-files
    # ... and load them with Keras 2.3.1 (README.md sets up /tmp/keras231)
    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python tools/keras231/check_lamella_files.py \
        --check /tmp/lamella-files

    # or both steps at once (defaults: .venv/bin/python and /tmp/keras231/bin/python):
    .venv/bin/python tools/keras231/check_lamella_files.py

For every model it checks ``keras.models.load_model(NAME.h5)`` (compiled, with the optimizer
state: Keras warns "Error in loading the saved optimizer state" when it does not fit),
``model_from_json`` + ``load_weights(NAME.weights.h5)`` and ``load_weights(..., by_name=True)``,
and prints the largest absolute difference from lamella's predictions. Exit status 1 when a
check fails or a difference exceeds 1e-5. CI has no TensorFlow; run it by hand after changing
the file format and record the results.
"""
from __future__ import print_function

import json
import os
import subprocess
import sys
import warnings

import _preamble

TOLERANCE = 1e-5
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --------------------------------------------------------------------------
# lamella side
# --------------------------------------------------------------------------

def _lamella_models():
    import numpy as np

    import lamella
    from lamella import layers as L

    rng = np.random.RandomState(0)

    def seq_conv():
        m = lamella.Sequential([
            L.Conv2D(4, (3, 3), activation="relu", input_shape=(8, 8, 2), name="conv"),
            L.MaxPooling2D((2, 2), name="pool"), L.Flatten(name="flat"),
            L.Dense(6, activation="relu", name="hidden"), L.Dropout(0.25, name="drop"),
            L.Dense(3, activation="softmax", name="probs")], name="seq_conv")
        m.compile(optimizer=lamella.optimizers.Adam(lr=0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
        x = [rng.rand(10, 8, 8, 2).astype("float32")]
        y = [np.eye(3, dtype="float32")[np.arange(10) % 3]]
        return m, x, y

    def functional_two_in_two_out():
        a, b = lamella.Input((4,), name="in_a"), lamella.Input((4,), name="in_b")
        shared = L.Dense(5, activation="tanh", name="shared")
        out_a = L.Dense(3, activation="softmax", name="out_a")(shared(a))
        out_b = L.Dense(1, name="out_b")(L.Dense(4, activation="relu", name="hid_b")(shared(b)))
        m = lamella.Model([a, b], [out_a, out_b], name="two_in_two_out")
        m.compile(optimizer=lamella.optimizers.RMSprop(lr=0.01),
                  loss={"out_a": "categorical_crossentropy", "out_b": "mse"},
                  metrics={"out_a": ["acc"], "out_b": ["mae"]}, loss_weights=[1.0, 0.5])
        x = [rng.rand(12, 4).astype("float32"), rng.rand(12, 4).astype("float32")]
        y = [np.eye(3, dtype="float32")[np.arange(12) % 3], rng.rand(12, 1).astype("float32")]
        return m, x, y

    def nested_frozen():
        inner = lamella.Sequential([L.Dense(5, activation="relu", input_shape=(4,), name="in_d"),
                                    L.Dense(3, name="in_d2")], name="inner")
        inner.layers[0].trainable = False
        inp = lamella.Input((4,), name="outer_in")
        m = lamella.Model(inp, L.Dense(2, name="head")(inner(inp)), name="outer")
        m.compile(optimizer=lamella.optimizers.SGD(lr=0.05, momentum=0.9),
                  loss="mean_squared_error")
        return m, [rng.rand(8, 4).astype("float32")], [rng.rand(8, 2).astype("float32")]

    def chunked_names():
        # 70 layers with 1000-character names: layer_names is over 64512 bytes, so it is
        # split into layer_names0, layer_names1, ... as Keras splits it.
        stack = [L.Dense(2, input_shape=(3,), name="d0_" + "x" * 997)]
        stack += [L.Dense(2, name="d%d_" % i + "x" * (1000 - len("d%d_" % i)))
                  for i in range(1, 70)]
        m = lamella.Sequential(stack, name="chunked")
        m.compile(optimizer="adam", loss="mean_squared_error")
        return m, [rng.rand(6, 3).astype("float32")], [rng.rand(6, 2).astype("float32")]

    def zoo_bn_embedding_rnn():
        inp = lamella.Input((6,), name="tokens")
        r = L.LSTM(5, return_sequences=True, name="lstm")(L.Embedding(20, 4, name="emb")(inp))
        r = L.BatchNormalization(name="bn")(L.GRU(3, reset_after=True, name="gru")(r))
        m = lamella.Model(inp, L.Dense(2, name="out")(r), name="zoo_rnn")
        m.compile(optimizer="adam", loss="mse")
        x = [rng.randint(0, 20, size=(8, 6)).astype("float32")]
        return m, x, [rng.rand(8, 2).astype("float32")]

    def zoo_wrappers():
        inp = lamella.Input((5, 3), name="seq_in")
        bi = L.Bidirectional(L.LSTM(4, return_sequences=True), name="bilstm")(inp)
        td = L.TimeDistributed(L.Dense(2), name="td")(bi)
        gru = L.GRU(3, name="gru_classic")(inp)
        merged = L.Concatenate(name="cat")([L.Flatten(name="flat")(td), gru])
        m = lamella.Model(inp, L.Dense(1, name="out")(merged), name="zoo_wrappers")
        m.compile(optimizer="sgd", loss="mean_squared_error")
        return m, [rng.rand(8, 5, 3).astype("float32")], [rng.rand(8, 1).astype("float32")]

    return [seq_conv, functional_two_in_two_out, nested_frozen, chunked_names,
            zoo_bn_embedding_rnn, zoo_wrappers]


def write(outdir):
    import h5py
    import numpy as np

    _preamble.ensure_dir(outdir)
    expected, manifest = {}, {}
    for builder in _lamella_models():
        name = builder.__name__
        model, x, y = builder()
        model.fit(x if len(x) > 1 else x[0], y if len(y) > 1 else y[0], epochs=1, batch_size=4,
                  shuffle=False, verbose=0)
        probe = [xi if name == "zoo_bn_embedding_rnn" else
                 np.random.RandomState(1).rand(*xi.shape).astype("float32") for xi in x]
        predictions = model.predict(probe if len(probe) > 1 else probe[0])
        predictions = predictions if isinstance(predictions, list) else [predictions]
        for i, xi in enumerate(probe):
            expected["%s/x%d" % (name, i)] = xi
        for i, yi in enumerate(predictions):
            expected["%s/y%d" % (name, i)] = yi
        model.save(os.path.join(outdir, name + ".h5"))
        model.save_weights(os.path.join(outdir, name + ".weights.h5"))
        with open(os.path.join(outdir, name + ".json"), "w") as f:
            f.write(model.to_json())
        with h5py.File(os.path.join(outdir, name + ".h5"), "r") as f:
            chunked = sorted(k for k in f["model_weights"].attrs if k.startswith("layer_names"))
        manifest[name] = {"inputs": len(probe), "outputs": len(predictions),
                          "iterations": int(model.optimizer.iterations),
                          "layer_names_attributes": chunked}
        print("lamella wrote", name)
    _preamble.write_npz(os.path.join(outdir, "expected.npz"), expected)
    _preamble.write_json(os.path.join(outdir, "manifest.json"), manifest, indent=1, sort_keys=True)


# --------------------------------------------------------------------------
# Keras 2.3.1 side
# --------------------------------------------------------------------------

def check(outdir):
    _preamble.setup_environment()
    import keras
    import numpy as np
    from keras import backend as K

    with open(os.path.join(outdir, "manifest.json")) as f:
        manifest = json.load(f)
    expected = np.load(os.path.join(outdir, "expected.npz"))
    results, failed = {}, False
    for name in sorted(manifest):
        info = manifest[name]
        xs = [expected["%s/x%d" % (name, i)] for i in range(info["inputs"])]
        ys = [expected["%s/y%d" % (name, i)] for i in range(info["outputs"])]

        def diff(model):
            out = model.predict(xs if len(xs) > 1 else xs[0])
            out = out if isinstance(out, list) else [out]
            return float(max(np.abs(a - b).max() for a, b in zip(out, ys)))

        row = {}
        K.clear_session()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = keras.models.load_model(os.path.join(outdir, name + ".h5"))
            row["load_model"] = diff(model)
            row["optimizer_state_restored"] = not any(
                "optimizer state" in str(w.message) for w in caught)
            row["iterations"] = int(K.get_value(model.optimizer.iterations))
            row["iterations_expected"] = info["iterations"]
        except Exception as exc:  # report every failure, keep checking the rest
            row["load_model"] = "FAILED: %r" % (exc,)
        for by_name in (False, True):
            key = "load_weights_by_name" if by_name else "load_weights"
            K.clear_session()
            try:
                with open(os.path.join(outdir, name + ".json")) as f:
                    fresh = keras.models.model_from_json(f.read())
                fresh.load_weights(os.path.join(outdir, name + ".weights.h5"), by_name=by_name)
                row[key] = diff(fresh)
            except Exception as exc:
                row[key] = "FAILED: %r" % (exc,)
        for key, value in row.items():
            if key in ("load_model", "load_weights", "load_weights_by_name"):
                if not isinstance(value, float) or value > TOLERANCE:
                    failed = True
        if row.get("optimizer_state_restored") is False or \
                row.get("iterations") != row.get("iterations_expected"):
            failed = True
        results[name] = row
        print(name, json.dumps(row, sort_keys=True))
    results["_meta"] = {"keras": keras.__version__, "python": sys.version.split()[0]}
    _preamble.write_json(os.path.join(outdir, "results.json"), results, indent=1, sort_keys=True)
    print("FAILED" if failed else "all files loaded with max abs diff <= %g" % TOLERANCE)
    return 1 if failed else 0


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--write":
        write(args[1])
        return 0
    if len(args) == 2 and args[0] == "--check":
        return check(args[1])
    if args:
        print(__doc__)
        return 2
    outdir = "/tmp/lamella-files-for-keras231"
    lamella_python = os.path.join(ROOT, ".venv", "bin", "python")
    keras_python = os.environ.get("KERAS231_PYTHON", "/tmp/keras231/bin/python")
    subprocess.check_call([lamella_python, os.path.abspath(__file__), "--write", outdir])
    return subprocess.call([keras_python, os.path.abspath(__file__), "--check", outdir])


if __name__ == "__main__":
    sys.exit(main())
