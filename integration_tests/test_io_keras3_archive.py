"""Keras 3's own files (``.keras`` archives, ``.weights.h5``) move both ways between lamella and
Keras 3 (``keras`` with ``KERAS_BACKEND=torch``).

As in test_io_keras3.py, Keras 3 runs in a subprocess (tools/keras3_fixtures/keras3_side.py
``write-keras``/``check-keras``) and both sides build the models of tools/keras3_fixtures/zoo.py:

- Keras 3 -> lamella: Keras 3 builds each model (some compiled and trained a step) and writes
  ``NAME.keras`` and ``NAME.weights.h5``; lamella's ``load_model`` and ``load_weights`` into a
  lamella-built twin give Keras 3's predictions within 1e-5; a compiled model comes back
  compiled with the optimizer's state, so one more training step on the same batch gives the
  predictions Keras 3 got after that step.
- lamella -> Keras 3: lamella writes the same files; Keras 3's ``load_model`` (compiled) and
  ``load_weights`` into a Keras-3-built twin give lamella's predictions within 1e-5, and one
  more step in Keras 3 matches lamella's.
"""

import importlib.util
import io
import json
import pathlib
import sys
import zipfile

import h5py
import numpy as np
import pytest

assert importlib.util.find_spec("keras") is not None, (
    "Keras 3 (the `keras` package) is missing: run tools/test, which installs keras==3.15.1")

import lamella  # noqa: E402
from lamella.testing import subprocess_env  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools/keras3_fixtures"
sys.path.insert(0, str(TOOLS))
import zoo  # noqa: E402

sys.path.remove(str(TOOLS))

TOLERANCE = 1e-5
NAMES = sorted(zoo.BUILDERS)
# Compiled models whose next training step is the same maths in Keras 3 and lamella (Adam, SGD):
# one more step after loading must match. Keras 3's RMSprop divides by sqrt(v + eps) where
# Keras 2.3's divides by sqrt(v) + eps, so for multi_io the restored state is compared instead.
STEP_MATCHES = {"dense", "batchnorm"}
STATE_COMPARED = {"multi_io"}
assert STEP_MATCHES | STATE_COMPARED == set(zoo.COMPILED)


def keras3(*args):
    import subprocess

    proc = subprocess.run(
        [sys.executable, str(TOOLS / "keras3_side.py"), *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False,
        env=subprocess_env(KERAS_BACKEND="torch", CUDA_VISIBLE_DEVICES="",
                           KERAS_TORCH_DEVICE="cpu"),
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((pathlib.Path(args[1]) / "keras3_results.json").read_text())


class LamellaK:
    layers = lamella.layers
    Sequential = lamella.Sequential
    Model = lamella.Model
    Input = lamella.Input


def one(items):
    return items if len(items) > 1 else items[0]


def predict(model, xs):
    out = model.predict(one(xs))
    return out if isinstance(out, list) else [out]


def max_diff(got, want):
    assert len(got) == len(want)
    return max(float(np.abs(np.asarray(a) - b).max()) for a, b in zip(got, want))


def arrays(path):
    data = np.load(path)
    return [[data[f"{p}{i}"] for i in range(sum(k.startswith(p) for k in data.files))]
            for p in "xytz"]


def twin(name):
    model = zoo.BUILDERS[name](LamellaK)
    if not model.built:
        model.build()
    return model


@pytest.fixture(scope="module")
def keras3_written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras3_native")
    results = keras3("write-keras", folder)
    failed = {n: r for n, r in results.items() if isinstance(r, dict) and r.get("write") != "ok"}
    assert not failed, failed
    return folder


@pytest.fixture(scope="module")
def keras3_verdicts(tmp_path_factory):
    """lamella writes NAME.keras, NAME.weights.h5 and NAME.npz; Keras 3 reads them."""
    folder = tmp_path_factory.mktemp("lamella_native")
    for name in NAMES:
        model = twin(name)
        zoo.randomize(model)
        xs = zoo.make_inputs(name, zoo.input_shapes(model))
        arrays_out = {f"x{i}": x for i, x in enumerate(xs)}
        ys = []
        if name in zoo.COMPILED:
            model.compile(**zoo.COMPILED[name])
            ys = zoo.make_targets(name, predict(model, xs))
            model.train_on_batch(one(xs), one(ys))
        arrays_out.update({f"y{i}": np.asarray(y) for i, y in enumerate(predict(model, xs))})
        model.save(str(folder / f"{name}.keras"))
        model.save_weights(str(folder / f"{name}.weights.h5"))
        if name in STATE_COMPARED:  # RMSprop: one block of accumulators, in the same order
            arrays_out.update({f"o{i}": w for i, w in
                               enumerate(model.optimizer.get_weights()[1:])})
        if ys:
            model.train_on_batch(one(xs), one(ys))
            arrays_out.update({f"t{i}": y for i, y in enumerate(ys)})
            arrays_out.update({f"z{i}": z for i, z in enumerate(predict(model, xs))})
        np.savez(folder / f"{name}.npz", **arrays_out)
    return keras3("check-keras", folder)


# --- Keras 3 -> lamella ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_keras3_archive_loads_in_lamella(keras3_written, name):
    xs, ys, ts, zs = arrays(keras3_written / f"{name}.npz")
    model = lamella.models.load_model(str(keras3_written / f"{name}.keras"))
    assert max_diff(predict(model, xs), ys) <= TOLERANCE
    if name not in zoo.COMPILED:
        assert model.optimizer is None
        return
    archive = zipfile.ZipFile(keras3_written / f"{name}.keras")
    config = json.loads(archive.read("config.json"))
    assert type(model.optimizer).__name__.lower() == \
        config["compile_config"]["optimizer"]["class_name"].lower()
    if name in STATE_COMPARED:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
            stored = [f[f"optimizer/vars/{i}"][()] for i in range(2, len(f["optimizer/vars"]))]
        assert max_diff(model.optimizer.get_weights()[1:], stored) == 0.0
        return
    model.train_on_batch(one(xs), one(ts))  # resumes where Keras 3 stopped
    assert max_diff(predict(model, xs), zs) <= TOLERANCE


@pytest.mark.parametrize("name", NAMES)
def test_keras3_weights_file_loads_into_a_lamella_twin(keras3_written, name):
    xs, ys, _, _ = arrays(keras3_written / f"{name}.npz")
    model = twin(name)
    model.load_weights(str(keras3_written / f"{name}.weights.h5"))
    assert max_diff(predict(model, xs), ys) <= TOLERANCE


def test_keras3_objects_in_the_compile_config(keras3_written):
    """Loss, metric, regularizer and constraint objects (Keras 3's configs: ``axis``, ``dtype``,
    ``L1``/``L2``), Adam with ``amsgrad``: the model trains on exactly as in Keras 3."""
    xs, ys, ts, zs = arrays(keras3_written / "objects.npz")
    model = lamella.models.load_model(str(keras3_written / "objects.keras"))
    assert max_diff(predict(model, xs), ys) <= TOLERANCE
    assert model.optimizer.get_config()["amsgrad"] is True
    assert model.metrics_names == ["loss", "binary_accuracy", "mae"]
    assert len(model.losses) == 2  # the kernel's L2 and the bias's L1 penalties
    model.train_on_batch(one(xs), one(ts))
    assert max_diff(predict(model, xs), zs) <= TOLERANCE


def test_keras3_archives_have_what_lamella_must_read(keras3_written):
    with zipfile.ZipFile(keras3_written / "nested.keras") as zf:
        assert set(zf.namelist()) == {"metadata.json", "config.json", "model.weights.h5"}
        assert json.loads(zf.read("metadata.json"))["keras_version"].startswith("3.")
        text = zf.read("config.json").decode()
    assert '"shared_object_id"' in text and '"__keras_tensor__"' in text
    assert '"build_config"' in text and '"DTypePolicy"' in text and '"batch_shape"' in text


# --- lamella -> Keras 3 ---------------------------------------------------------------------------

CHECKS = [(name, how) for how, names in (("load_model", NAMES), ("load_weights", NAMES),
                                          ("step", sorted(STEP_MATCHES)),
                                          ("optimizer_state", sorted(STATE_COMPARED)))
          for name in names]


@pytest.mark.parametrize("name,how", CHECKS)
def test_lamella_archive_loads_in_keras3(keras3_verdicts, name, how):
    verdict = keras3_verdicts[name].get(how)
    assert not isinstance(verdict, str), verdict
    assert verdict <= TOLERANCE
