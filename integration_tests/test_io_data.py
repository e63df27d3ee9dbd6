"""lamella-io's data utilities feeding real training: HDF5Matrix, datasets, preprocessing."""

import h5py
import numpy as np
import pytest

import lamella
from lamella import layers
from lamella.utils import set_random_seed, to_categorical
from lamella_io.utils import HDF5Matrix


@pytest.fixture
def h5_data(tmp_path):
    rng = np.random.RandomState(0)
    x = rng.rand(256, 8).astype("float32")
    w = rng.rand(8, 1).astype("float32")
    score = x @ w
    y = (score > np.median(score)).astype("float32")
    path = tmp_path / "train.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=x * 255.0)
        f.create_dataset("y", data=y)
    yield str(path)
    HDF5Matrix.close_all()


def small_model(n_in=8):
    model = lamella.Sequential([layers.Dense(16, activation="relu", input_shape=(n_in,)),
                                layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=lamella.optimizers.Adam(learning_rate=0.01),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("shuffle", ["batch", True])
def test_fit_on_hdf5matrix_trains(h5_data, shuffle):
    set_random_seed(0)
    x_train = HDF5Matrix(h5_data, "x", end=200, normalizer=lambda a: a / 255.0)
    y_train = HDF5Matrix(h5_data, "y", end=200)
    x_val = HDF5Matrix(h5_data, "x", start=200, normalizer=lambda a: a / 255.0)
    y_val = HDF5Matrix(h5_data, "y", start=200)
    model = small_model()
    history = model.fit(x_train, y_train, batch_size=16, epochs=15, shuffle=shuffle,
                        validation_data=(x_val, y_val), verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] * 0.7
    assert model.evaluate(x_val, y_val, verbose=0)[1] > 0.7
    assert model.predict(x_val).shape == (56, 1)


def test_digits_through_the_datasets_facade_trains():
    from lamella import datasets

    set_random_seed(0)
    (x, y), (xt, yt) = datasets.digits.load_data()
    x = x.reshape(-1, 64).astype("float32") / 16.0
    xt = xt.reshape(-1, 64).astype("float32") / 16.0
    model = lamella.Sequential([layers.Dense(32, activation="relu", input_shape=(64,)),
                                layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, to_categorical(y, 10), epochs=5, batch_size=32, verbose=0)
    assert model.evaluate(xt, to_categorical(yt, 10), verbose=0)[1] > 0.85


def test_fit_on_image_data_generator_flow_and_directory(tmp_path):
    from lamella_io.preprocessing.image import ImageDataGenerator, save_img

    set_random_seed(0)
    rng = np.random.RandomState(0)
    y = np.arange(64) % 2
    x = rng.rand(64, 8, 8, 1).astype("float32") * 0.2
    x[y == 1, :, 4:, :] += 0.8  # class 1: bright right half
    model = lamella.Sequential([layers.Flatten(input_shape=(8, 8, 1)),
                                layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=lamella.optimizers.Adam(learning_rate=0.05),
                  loss="binary_crossentropy", metrics=["accuracy"])
    gen = ImageDataGenerator(vertical_flip=True, validation_split=0.25)
    history = model.fit(gen.flow(x, y, batch_size=16, seed=1, subset="training"),
                        validation_data=gen.flow(x, y, batch_size=16, subset="validation"),
                        epochs=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.8

    for label in (0, 1):
        (tmp_path / str(label)).mkdir()
    for i in range(16):
        save_img(str(tmp_path / str(y[i]) / f"{i}.png"), x[i] * 255.0, scale=False)
    it = ImageDataGenerator(rescale=1 / 255.0).flow_from_directory(
        str(tmp_path), target_size=(8, 8), color_mode="grayscale", class_mode="binary",
        batch_size=8, seed=0)
    assert model.evaluate(it, verbose=0)[1] > 0.8


def test_fit_on_timeseries_generator():
    from lamella_io.preprocessing.sequence import TimeseriesGenerator

    set_random_seed(0)
    t = np.arange(400, dtype="float32")
    series = np.stack([np.sin(t / 8), np.cos(t / 8)], axis=1).astype("float32")
    gen = TimeseriesGenerator(series, series[:, 0], length=6, batch_size=32)
    model = lamella.Sequential([layers.Flatten(input_shape=(6, 2)),
                                layers.Dense(16, activation="tanh"),
                                layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(gen, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] * 0.5
