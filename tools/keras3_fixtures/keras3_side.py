"""The Keras 3 half of the Keras 3 interop tests (integration_tests/test_io_keras3.py).

Runs in its own interpreter with ``KERAS_BACKEND=torch`` so that Keras 3 and lamella never share
process state:

    KERAS_BACKEND=torch .venv/bin/python tools/keras3_fixtures/keras3_side.py write DIR [NAME...]
    KERAS_BACKEND=torch .venv/bin/python tools/keras3_fixtures/keras3_side.py check DIR [NAME...] \
        [--keras2 PATH...]
    ... keras3_side.py write-keras DIR [NAME...]    /    check-keras DIR [NAME...]

``write-keras``/``check-keras``: the same with Keras 3's own files (integration_tests/
test_io_keras3_archive.py): ``NAME.keras`` (``model.save``) and ``NAME.weights.h5``
(``save_weights``). For the COMPILED models the ``.npz`` also holds the training targets
``t0..`` and the predictions ``z0..`` after one more ``train_on_batch`` on them, which the
reading side reproduces from the file's optimizer state. ``check-keras`` records
``load_model`` (compiled), ``load_weights`` (a twin), for compiled models ``step`` (the
prediction difference after that extra step) and, where the writer gave the expected optimizer
slot values ``o0..`` (Keras 3's order), ``optimizer_state``.

``write``: Keras 3 builds each model of zoo.py (seeded weights; the COMPILED ones are compiled and
trained one step, so the file has a training_config and optimizer weights), saves ``DIR/NAME.h5``
with the legacy writer (``model.save('x.h5')``) and ``DIR/NAME.npz`` (inputs ``x0..``, predictions
``y0..``).

``check``: for each ``DIR/NAME.h5`` + ``DIR/NAME.npz`` that lamella wrote, ``keras.models.load_model
(compile=False)`` and ``load_weights`` into a Keras-3-built twin, each compared with lamella's
predictions. ``--keras2 PATH...``: also try ``keras.models.load_model`` (compile False and True) on
Keras 2.3.1 files. Both commands write ``DIR/keras3_results.json``: ``{NAME: {check: max_abs_diff
or "error: ..."}, "keras2_files": {"FILE:compile=BOOL": "ok" or "error: ..."}}``.
"""

import json
import os
import sys
import traceback
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("KERAS_TORCH_DEVICE", "cpu")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
import zoo

warnings.filterwarnings("ignore")


def _keras():
    import keras

    assert keras.backend.backend() == "torch", keras.backend.backend()
    keras.utils.set_random_seed(zoo.SEED)

    class K:
        layers = keras.layers
        Sequential = keras.Sequential
        Model = keras.Model
        Input = keras.Input

    return keras, K


def _predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, (list, tuple)) else [out]


def _max_diff(got, want):
    assert len(got) == len(want), (len(got), len(want))
    return max(float(np.abs(np.asarray(a) - b).max()) for a, b in zip(got, want))


def _one(items):
    return items if len(items) > 1 else items[0]


def write(folder, names, native=False):
    keras, K = _keras()
    results = {"keras_version": keras.__version__}
    for name in names:
        try:
            model = zoo.BUILDERS[name](K)
            zoo.randomize(model)
            xs = zoo.make_inputs(name, zoo.input_shapes(model))
            ys = []
            if name in zoo.COMPILED:
                model.compile(**zoo.COMPILED[name])
                ys = zoo.make_targets(name, _predict(model, xs))
                model.train_on_batch(_one(xs), _one(ys))
            preds = _predict(model, xs)
            arrays = {f"x{i}": x for i, x in enumerate(xs)}
            arrays.update({f"y{i}": np.asarray(y) for i, y in enumerate(preds)})
            if native:
                model.save(os.path.join(folder, name + ".keras"))
                model.save_weights(os.path.join(folder, name + ".weights.h5"))
                if ys:  # one more step: the reader reproduces it from the optimizer state
                    model.train_on_batch(_one(xs), _one(ys))
                    arrays.update({f"t{i}": y for i, y in enumerate(ys)})
                    arrays.update({f"z{i}": np.asarray(z)
                                   for i, z in enumerate(_predict(model, xs))})
            else:
                model.save(os.path.join(folder, name + ".h5"))
            np.savez(os.path.join(folder, name + ".npz"), **arrays)
            results[name] = {"write": "ok"}
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results[name] = {"write": f"error: {exc!r}\n{traceback.format_exc()}"}
    if native:
        results["objects"] = {}
        _attempt(results["objects"], "write", lambda: write_objects(folder) or "ok")
    return results


def check(folder, names):
    keras, K = _keras()
    results = {"keras_version": keras.__version__}
    for name in names:
        path = os.path.join(folder, name + ".h5")
        data = np.load(os.path.join(folder, name + ".npz"))
        xs = [data[f"x{i}"] for i in range(sum(k.startswith("x") for k in data.files))]
        ys = [data[f"y{i}"] for i in range(sum(k.startswith("y") for k in data.files))]
        res = results[name] = {}
        try:
            model = keras.models.load_model(path, compile=False)
            res["load_model"] = _max_diff(_predict(model, xs), ys)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            res["load_model"] = f"error: {exc!r}\n{traceback.format_exc()}"
        try:
            twin = zoo.BUILDERS[name](K)
            twin.load_weights(path)
            res["load_weights"] = _max_diff(_predict(twin, xs), ys)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            res["load_weights"] = f"error: {exc!r}\n{traceback.format_exc()}"
    return results


def write_objects(folder):
    """``objects.keras``: compile arguments and regularizers given as Keras 3 objects (their
    configs carry keys Keras 2.3's classes do not take), Adam with ``amsgrad``, trained a step."""
    keras, _ = _keras()
    L = keras.layers
    model = keras.Sequential([
        keras.Input((3,)),
        L.Dense(4, kernel_regularizer=keras.regularizers.L2(0.01),
                bias_regularizer=keras.regularizers.L1(0.02),
                kernel_constraint=keras.constraints.MaxNorm(2.0), name="d"),
        L.Dense(1, activation="sigmoid", name="out"),
    ], name="objects")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, amsgrad=True),
                  loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy(), "mae"])
    x = np.random.RandomState(zoo.SEED).rand(8, 3).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 1.5).astype("float32")
    model.train_on_batch(x, y)
    model.save(os.path.join(folder, "objects.keras"))
    y_pred = model.predict(x, verbose=0)
    model.train_on_batch(x, y)
    np.savez(os.path.join(folder, "objects.npz"), x0=x, y0=y_pred, t0=y,
             z0=model.predict(x, verbose=0))


def _arrays(data, prefix):
    return [data[f"{prefix}{i}"] for i in range(sum(k.startswith(prefix) for k in data.files))]


def _attempt(res, key, fn):
    try:
        res[key] = fn()
    except Exception as exc:  # noqa: BLE001 - reported to the test
        res[key] = f"error: {exc!r}\n{traceback.format_exc()}"


def check_native(folder, names):
    """Keras 3 opens lamella's NAME.keras (compiled) and NAME.weights.h5 (into a twin)."""
    keras, K = _keras()
    results = {"keras_version": keras.__version__}
    for name in names:
        data = np.load(os.path.join(folder, name + ".npz"))
        xs, ys, ts, zs, os_ = (_arrays(data, p) for p in "xytzo")
        res = results[name] = {}
        holder = {}

        def load_model():
            holder["model"] = keras.models.load_model(os.path.join(folder, name + ".keras"))
            return _max_diff(_predict(holder["model"], xs), ys)

        def load_weights():
            twin = zoo.BUILDERS[name](K)
            twin.load_weights(os.path.join(folder, name + ".weights.h5"))
            return _max_diff(_predict(twin, xs), ys)

        def step():
            model = holder["model"]
            model.train_on_batch(_one(xs), _one(ts))
            return _max_diff(_predict(model, xs), zs)

        def optimizer_state():
            variables = holder["model"].optimizer.variables[2:]
            return _max_diff([np.asarray(v) for v in variables], os_)

        _attempt(res, "load_model", load_model)
        _attempt(res, "load_weights", load_weights)
        if os_ and "model" in holder:  # before step() changes it
            _attempt(res, "optimizer_state", optimizer_state)
        if ts and "model" in holder:
            _attempt(res, "step", step)
    return results


def try_keras2_files(paths):
    """What Keras 3 makes of Keras 2.3.1 files: ``load_model`` with and without compiling."""
    import keras

    results = {}
    for path in paths:
        for compile in (False, True):
            try:
                keras.models.load_model(path, compile=compile)
                outcome = "ok"
            except Exception as exc:  # noqa: BLE001 - reported to the test
                outcome = f"error: {type(exc).__name__}: {exc}"
            results[f"{os.path.basename(path)}:compile={compile}"] = outcome
    return results


def main(argv):
    keras2 = []
    if "--keras2" in argv:
        keras2 = argv[argv.index("--keras2") + 1:]
        argv = argv[:argv.index("--keras2")]
    command, folder, names = argv[0], argv[1], argv[2:] or sorted(zoo.BUILDERS)
    results = {"write": write, "check": check, "check-keras": check_native,
               "write-keras": lambda f, n: write(f, n, native=True)}[command](folder, names)
    if keras2:
        results["keras2_files"] = try_keras2_files(keras2)
    with open(os.path.join(folder, "keras3_results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
