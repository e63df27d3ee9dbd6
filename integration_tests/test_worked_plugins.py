"""The worked plugins in plugins/ with every first-party package: models using them go through
real files (HDF5 whole models, JSON configs) and come back without custom_objects, and a
saved file names the plugin to install when it is missing."""

import numpy as np
import pytest
from lamella_extras.layers import RMSNorm
from lamella_extras.losses import BinaryFocalCrossentropy
from lamella_extras.metrics import F1Score
from lamella_lion.optimizer import Lion

import lamella
from lamella import layers


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    return x, (x[:, :1] - x[:, 1:2] > 0).astype("float32")


def _model(optimizer, loss, metrics):
    model = lamella.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                                layers.RMSNorm(name="norm"),
                                layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


@pytest.mark.parametrize("loss, metrics", [
    ("binary_focal_crossentropy", ["f1_score", "accuracy"]),
    (BinaryFocalCrossentropy(gamma=3.0, alpha=0.3), [F1Score(threshold=0.4, name="f1_at_04")]),
])
def test_h5_model_with_lion_and_extras_reloads_without_custom_objects(tmp_path, loss, metrics):
    x, y = _data()
    model = _model("lion", loss, metrics)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "m.h5")

    loaded = lamella.models.load_model(tmp_path / "m.h5")
    assert type(loaded.get_layer("norm")) is RMSNorm
    assert type(loaded.optimizer) is Lion
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    for saved, restored in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        np.testing.assert_array_equal(saved, restored)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    assert loaded.metrics_names == model.metrics_names
    # equal losses: the loss object's gamma and alpha came back (the defaults give others)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-5)
    # training goes on from the restored momentums exactly as it would have
    for m in (model, loaded):
        m.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_json_and_weights_round_trip(tmp_path):
    x, _ = _data(8)
    model = _model(Lion(), "focal", ["f1"])
    model.predict(x)
    model.save_weights(tmp_path / "w.h5")
    clone = lamella.models.model_from_json(model.to_json())
    clone.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_loading_without_the_plugin_names_it(tmp_path, run_python):
    _model("lion", "binary_crossentropy", []).save(tmp_path / "m.h5")
    code = f"import lamella\nlamella.models.load_model({str(tmp_path / 'm.h5')!r})"
    proc = run_python(code, LAMELLA_DISABLE_PLUGINS="lamella-extras")
    assert proc.returncode != 0
    assert "RMSNorm" in proc.stderr and "lamella-extras" in proc.stderr
