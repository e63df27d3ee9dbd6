"""KerasClassifier / KerasRegressor inside scikit-learn's own tools (cross_val_score,
GridSearchCV, Pipeline), as Keras 2.3 scripts use them. scikit-learn is a test-only dependency
(tools/test installs it); without it these tests skip."""

import numpy as np
import pytest

import lamella
from lamella.layers import Dense
from lamella.optimizers import Adam
from lamella.wrappers.scikit_learn import KerasClassifier, KerasRegressor

sklearn = pytest.importorskip("sklearn")
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def make_classifier(units=8, lr=0.05):
    lamella.utils.set_random_seed(0)
    model = lamella.Sequential([Dense(units, activation="relu", input_shape=(4,)),
                                Dense(3, activation="softmax")])
    model.compile(optimizer=Adam(lr=lr), loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def make_regressor(units=8):
    lamella.utils.set_random_seed(0)
    model = lamella.Sequential([Dense(units, activation="relu", input_shape=(4,)), Dense(1)])
    model.compile(optimizer=Adam(lr=0.05), loss="mse")
    return model


def blobs(n=90, seed=0):
    rng = np.random.RandomState(seed)
    labels = np.repeat(np.array(["a", "b", "c"]), n // 3)
    centers = {"a": [2, 0, 0, 0], "b": [0, 2, 0, 0], "c": [0, 0, 2, 0]}
    x = np.array([centers[k] for k in labels], "float32") + rng.normal(0, 0.3, (n, 4))
    order = rng.permutation(n)
    return x[order].astype("float32"), labels[order]


def test_cross_val_score_with_a_classifier_on_string_labels():
    x, y = blobs(60)
    clf = KerasClassifier(build_fn=make_classifier, epochs=15, batch_size=10, verbose=0)
    scores = cross_val_score(clf, x, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.8  # separable blobs
    clf.fit(x, y)
    assert set(clf.predict(x)) <= {"a", "b", "c"}
    assert clf.predict_proba(x[:5]).shape == (5, 3)


def test_grid_search_over_build_and_fit_parameters():
    x, y = blobs(60)
    clf = KerasClassifier(build_fn=make_classifier, verbose=0, batch_size=10)
    grid = GridSearchCV(clf, {"units": [2, 16], "lr": [1e-5, 0.05], "epochs": [8]}, cv=2)
    grid.fit(x, y)
    assert grid.best_params_["lr"] == 0.05  # a learning rate that learns in 8 epochs wins
    assert len(grid.cv_results_["mean_test_score"]) == 4
    best = grid.best_estimator_
    assert best.model.layers[0].units == best.sk_params["units"]
    assert grid.score(x, y) > 0.8


def test_regressor_in_a_pipeline_with_cross_val_score():
    rng = np.random.RandomState(1)
    x = rng.normal(0, 5, (45, 4)).astype("float32")
    y = (x @ np.array([0.2, -0.1, 0.3, 0.0])).astype("float32")
    pipe = Pipeline([("scale", StandardScaler()),
                     ("reg", KerasRegressor(build_fn=make_regressor, epochs=5, batch_size=10,
                                            verbose=0))])
    scores = cross_val_score(pipe, x, y, cv=3)
    assert scores.shape == (3,) and np.all(scores <= 0)  # minus the mean squared error
    pipe.set_params(reg__units=4)
    assert pipe.named_steps["reg"].sk_params["units"] == 4
