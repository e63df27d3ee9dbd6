"""lamella.wrappers.scikit_learn without scikit-learn: Keras 2.3.1's BaseWrapper semantics
(parameter checks and filtering, get/set_params, fit/predict/score) on the core's stand-ins.
scikit-learn's own tools (cross_val_score, GridSearchCV) are in
integration_tests/test_scikit_learn_wrappers.py."""

import numpy as np
import pytest

import lamella
from lamella.testing import PlainSGD, SeededDense, mean_squared_error
from lamella.utils.generic_utils import has_arg
from lamella.wrappers.scikit_learn import KerasClassifier, KerasRegressor

BUILT = []


def build_regressor(units=3, lr=0.1):
    BUILT.append((units, lr))
    model = lamella.Sequential([SeededDense(units, input_shape=(4,), activation="tanh"),
                                SeededDense(1, seed=1)])
    model.compile(PlainSGD(lr), mean_squared_error)
    return model


def data(n=64, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (n, 4)).astype("float32")
    return x, (x @ np.array([0.5, -0.3, 0.2, 0.1], "float32")).astype("float32")


def test_sk_params_reach_build_fn_and_fit_and_the_call_wins():
    BUILT.clear()
    reg = KerasRegressor(build_regressor, units=5, epochs=3, batch_size=8, verbose=0)
    x, y = data()
    assert not reg.__sklearn_is_fitted__()
    history = reg.fit(x, y)
    assert BUILT == [(5, 0.1)]
    assert reg.__sklearn_is_fitted__()
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert len(reg.fit(x, y, epochs=1).history["loss"]) == 1  # fit's own argument wins
    assert reg.predict(x).shape == (64,)  # one output column is squeezed
    # evaluate receives the sk_params it accepts (batch_size=8, verbose=0)
    assert reg.score(x, y) == pytest.approx(-reg.model.evaluate(x, y, batch_size=8, verbose=0))


def test_get_and_set_params():
    reg = KerasRegressor(build_regressor, units=2, epochs=1)
    params = reg.get_params(deep=True)
    assert params == {"build_fn": build_regressor, "units": 2, "epochs": 1}
    params["units"] = 99  # a copy
    assert reg.sk_params["units"] == 2
    assert reg.set_params(units=7, batch_size=4) is reg
    assert reg.get_params()["units"] == 7
    clone = KerasRegressor(**reg.get_params())  # what scikit-learn's clone does
    assert clone.sk_params == reg.sk_params


def test_typos_are_refused():
    with pytest.raises(ValueError, match="unitz is not a legal parameter"):
        KerasRegressor(build_regressor, unitz=3)
    reg = KerasRegressor(build_regressor)
    with pytest.raises(ValueError, match="epoch is not a legal parameter"):
        reg.set_params(epoch=3)
    KerasRegressor(build_regressor, nb_epoch=2)  # Keras 1's name is let through, as in Keras
    with pytest.raises(ValueError, match="build_fn"):
        KerasRegressor(build_fn=3)


def test_build_fn_as_a_callable_object_and_as_a_subclass_call():
    class Builder:
        def __call__(self, units=2):
            return build_regressor(units)

    class MyRegressor(KerasRegressor):
        def __call__(self, units=4):
            return build_regressor(units)

    BUILT.clear()
    x, y = data(16)
    KerasRegressor(Builder(), units=6, epochs=1, verbose=0).fit(x, y)
    MyRegressor(units=3, epochs=1, verbose=0).fit(x, y)
    assert [units for units, _ in BUILT] == [6, 3]
    with pytest.raises(ValueError, match="lr is not a legal parameter"):
        KerasRegressor(Builder(), lr=0.1)


def test_classifier_labels_and_probabilities():
    def build(units=1):
        model = lamella.Sequential([SeededDense(units, input_shape=(4,),
                                                activation="sigmoid")])
        model.compile(PlainSGD(0.5), mean_squared_error)
        return model

    x, _ = data(40)
    labels = np.where(x[:, 0] > 0, "yes", "no")
    clf = KerasClassifier(build, epochs=30, batch_size=8, verbose=0)
    clf.fit(x, labels)
    assert list(clf.classes_) == ["no", "yes"] and clf.n_classes_ == 2
    proba = clf.predict_proba(x)
    assert proba.shape == (40, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    predicted = clf.predict(x)
    # Keras's rule for one sigmoid output: the label of class 1 where p > 0.5
    expected = np.where(proba[:, 1] > 0.5, "yes", "no")
    assert predicted.shape == (40, 1) and list(predicted[:, 0]) == list(expected)
    with pytest.raises(ValueError, match="accuracy"):
        clf.score(x, labels)  # compiled without metrics=['accuracy']
    with pytest.raises(ValueError, match="Invalid shape for y"):
        clf.fit(x, np.zeros((40, 1, 1)))


def test_has_arg():
    def f(a, b=1, *args, c, **kw):
        pass

    assert has_arg(f, "a") and has_arg(f, "c") and not has_arg(f, "args")
    assert not has_arg(f, "d") and has_arg(f, "d", accept_all=True)
