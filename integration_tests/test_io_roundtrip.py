"""lamella's own HDF5 files with real layers, optimizers and losses: exact resume, round trips."""

import os
import tempfile

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamella
from lamella import layers as L


def conv_model():
    return lamella.Sequential([
        L.Conv2D(4, (3, 3), activation="relu", input_shape=(8, 8, 2)), L.MaxPooling2D((2, 2)),
        L.Flatten(), L.Dense(6, activation="relu"), L.Dense(3, activation="softmax")])


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd_momentum", "nadam"])
def test_train_save_load_train_equals_uninterrupted_training(tmp_path, optimizer):
    def make_optimizer():
        if optimizer == "sgd_momentum":
            return lamella.optimizers.SGD(lr=0.05, momentum=0.9, nesterov=True)
        return optimizer

    rng = np.random.RandomState(0)
    x = rng.rand(40, 8, 8, 2).astype("float32")
    y = np.eye(3, dtype="float32")[rng.randint(0, 3, size=40)]
    torch.manual_seed(0)
    straight = conv_model()
    initial = [w.copy() for w in straight.get_weights()]
    straight.compile(make_optimizer(), "categorical_crossentropy", metrics=["accuracy"])
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)

    resumed = conv_model()
    resumed.set_weights(initial)
    resumed.compile(make_optimizer(), "categorical_crossentropy", metrics=["accuracy"])
    resumed.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    resumed.save(str(tmp_path / "m.h5"))
    loaded = lamella.models.load_model(str(tmp_path / "m.h5"))
    assert loaded.metrics_names == resumed.metrics_names
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert loaded.optimizer.iterations == straight.optimizer.iterations
    for a, b in zip(loaded.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_multi_output_training_config_round_trips(tmp_path):
    a, b = lamella.Input((4,), name="in_a"), lamella.Input((4,), name="in_b")
    shared = L.Dense(5, activation="tanh", name="shared")
    out_a = L.Dense(3, activation="softmax", name="out_a")(shared(a))
    out_b = L.Dense(1, name="out_b")(shared(b))
    model = lamella.Model([a, b], [out_a, out_b])
    model.compile("rmsprop", loss={"out_a": "categorical_crossentropy", "out_b": "mse"},
                  metrics={"out_a": ["acc"], "out_b": ["mae"]}, loss_weights=[1.0, 0.5])
    rng = np.random.RandomState(1)
    xs = [rng.rand(12, 4).astype("float32"), rng.rand(12, 4).astype("float32")]
    ys = [np.eye(3, dtype="float32")[np.arange(12) % 3], rng.rand(12, 1).astype("float32")]
    model.fit(xs, ys, epochs=1, batch_size=4, verbose=0)
    model.save(str(tmp_path / "f.h5"))
    again = lamella.models.load_model(str(tmp_path / "f.h5"))
    assert again.metrics_names == model.metrics_names
    np.testing.assert_allclose(again.evaluate(xs, ys, verbose=0), model.evaluate(xs, ys, verbose=0),
                               rtol=1e-6)


activations = st.sampled_from(["relu", "tanh", "sigmoid", "linear", "softmax", "elu"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack=st.lists(st.tuples(st.integers(1, 8), activations), min_size=1, max_size=4),
       input_dim=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_random_dense_stacks_round_trip(stack, input_dim, seed):
    def build():
        return lamella.Sequential(
            [L.Dense(units, activation=act, **({"input_shape": (input_dim,)} if i == 0 else {}))
             for i, (units, act) in enumerate(stack)])

    model = build()
    x = np.random.RandomState(seed).rand(5, input_dim).astype("float32")
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "m.h5"))
        model.save_weights(os.path.join(folder, "w.h5"))
        again = lamella.models.load_model(os.path.join(folder, "m.h5"), compile=False)
        fresh = build()
        fresh.load_weights(os.path.join(folder, "w.h5"))
    assert again.get_config() == model.get_config()
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))


def test_lambda_bytecode_loads_only_with_safe_mode_false(tmp_path):
    import numpy as np
    import pytest

    import lamella
    from lamella import layers

    model = lamella.Sequential([layers.Dense(2, input_shape=(3,)),
                                layers.Lambda(lambda t: t * 2.0 + 1.0)])
    path = str(tmp_path / "lambda.h5")
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        lamella.models.load_model(path)
    trusted = lamella.models.load_model(path, safe_mode=False)
    x = np.random.rand(4, 3).astype("float32")
    np.testing.assert_allclose(trusted.predict(x), model.predict(x), rtol=1e-6)
