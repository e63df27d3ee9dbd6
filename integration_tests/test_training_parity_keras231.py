"""Training with lamella reproduces real Keras 2.3.1 runs: histories, final weights, evaluate.

The fixtures (packages/core-engine/tests/fixtures/keras231/training.json) were recorded by
tools/keras231/make_core_fixtures.py under Keras 2.3.1 / TensorFlow 1.15.5: the same tiny model,
initial weights and data, fit(batch_size=5, epochs=3, shuffle=False).
"""

import json
import pathlib

import numpy as np
import pytest

import lamella
from lamella import backend as K
from lamella import layers, optimizers

FIXTURES = (pathlib.Path(__file__).resolve().parent.parent
            / "packages/core-engine/tests/fixtures/keras231")
TRAINING = json.loads((FIXTURES / "training.json").read_text())
METRICS_NAMES = json.loads((FIXTURES / "metrics_names.json").read_text())

OPTIMIZERS = {"adam": lambda: optimizers.Adam(learning_rate=0.01)}


def _optimizer(case):
    return OPTIMIZERS.get(case, lambda: optimizers.SGD(learning_rate=0.1))()


def _tiny_model():
    model = lamella.Sequential([layers.Dense(4, activation="tanh", input_shape=(3,)),
                                layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.asarray(w, dtype="float32") for w in TRAINING["initial_weights"]])
    return model


def _fit_kwargs(case):
    kwargs = dict(TRAINING["cases"][case]["fit_kwargs_extra"])
    if "class_weight" in kwargs:
        kwargs["class_weight"] = {int(k): v for k, v in kwargs["class_weight"].items()}
    if "sample_weight" in kwargs:
        kwargs["sample_weight"] = np.asarray(kwargs["sample_weight"], dtype="float32")
    return kwargs


@pytest.mark.parametrize("case", sorted(TRAINING["cases"]))
def test_fit_matches_keras_231(case):
    expected = TRAINING["cases"][case]
    x = np.asarray(TRAINING["x"], dtype="float32")
    y = np.asarray(TRAINING["y"], dtype="float32")
    model = _tiny_model()
    model.compile(_optimizer(case), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0, **_fit_kwargs(case))

    assert model.metrics_names == expected["metrics_names"]
    assert sorted(history.history) == sorted(expected["history"])
    for key, values in expected["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=2e-5, atol=1e-6, err_msg=key)
    for got, want in zip(model.get_weights(), expected["final_weights"]):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected["evaluate"], rtol=2e-5)


@pytest.fixture
def two_output_model():
    K.clear_session()
    inp = lamella.Input((4,), name="inp")
    hid = layers.Dense(8, name="hid")(inp)
    model = lamella.Model(inp, [layers.Dense(3, activation="softmax", name="out_a")(hid),
                                layers.Dense(1, name="out_b")(hid)])
    return model


SINGLE_CASES = {
    "single_accuracy": dict(metrics=["accuracy"]),
    "single_acc": dict(metrics=["acc"]),
    "single_acc_mse_weighted_acc": dict(metrics=["acc", "mse"], weighted_metrics=["acc"]),
    "single_no_metrics": dict(),
}


@pytest.mark.parametrize("case", sorted(SINGLE_CASES))
def test_metric_names_and_history_keys_match_keras(case):
    expected = METRICS_NAMES[case]
    model = lamella.Sequential([layers.Dense(4, activation="tanh", input_shape=(3,)),
                                layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", **SINGLE_CASES[case])
    assert model.metrics_names == expected["metrics_names_after_compile"]
    x, y = np.random.rand(10, 3).astype("float32"), (np.random.rand(10, 1) > 0.5).astype("float32")
    history = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert sorted(history.history) == expected["history_keys_sorted"]
    result = model.evaluate(x, y, verbose=0)
    assert type(result).__name__ == expected["evaluate_type"]
    if expected["evaluate_len"] is not None:
        assert len(result) == expected["evaluate_len"]


@pytest.mark.parametrize("case,metrics", [
    ("two_output_dict_metrics", {"out_a": ["acc"], "out_b": ["mae"]}),
    ("two_output_list_metrics", ["acc"]),
])
def test_two_output_metric_names_match_keras(two_output_model, case, metrics):
    expected = METRICS_NAMES[case]
    two_output_model.compile("sgd", loss={"out_a": "categorical_crossentropy", "out_b": "mse"},
                             metrics=metrics, loss_weights=[1.0, 0.5])
    assert two_output_model.metrics_names == expected["metrics_names"]
    x = np.random.rand(10, 4).astype("float32")
    y = {"out_a": lamella.utils.to_categorical(np.random.randint(0, 3, 10), 3),
         "out_b": np.random.rand(10, 1).astype("float32")}
    history = two_output_model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)
    assert sorted(history.history) == expected["history_keys_sorted"]
    assert len(two_output_model.evaluate(x, y, verbose=0)) == expected["evaluate_len"]


def test_conv_summary_is_byte_identical():
    K.clear_session()
    model = lamella.Sequential([layers.Conv2D(4, (3, 3), input_shape=(8, 8, 1)),
                                layers.MaxPooling2D(), layers.Flatten(), layers.Dropout(0.5),
                                layers.Dense(10, activation="softmax")])
    lines = []
    model.summary(print_fn=lines.append)
    expected = json.loads((FIXTURES / "summaries.json").read_text())["ii_seq_conv"]["text"]
    assert "\n".join(lines) == expected


def _strip_version(document):
    return {k: v for k, v in document.items() if k not in ("keras_version", "backend")}


def test_configs_match_keras_231():
    """get_config / to_json of the fixture models equal Keras 2.3.1's (version keys aside)."""
    expected = json.loads((FIXTURES / "configs.json").read_text())
    K.clear_session()
    dense = lamella.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)])
    assert dense.get_config() == expected["i_seq_dense"]["get_config"]
    assert _strip_version(json.loads(dense.to_json())) == _strip_version(
        expected["i_seq_dense"]["to_json"])
    K.clear_session()
    inp = lamella.Input((4,), name="inp")
    hid = layers.Dense(8, name="hid")(inp)
    model = lamella.Model(inp, [layers.Dense(3, activation="softmax", name="out_a")(hid),
                                layers.Dense(1, name="out_b")(hid)])
    assert _strip_version(json.loads(model.to_json())) == _strip_version(
        expected["iii_functional_two_outputs"]["to_json"])
