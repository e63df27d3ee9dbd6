"""The demo: a small CNN on the handwritten-digits set that ships inside lamella-io.

Trains with a validation split and Keras's progress bar, reports the held-out accuracy, then
rebuilds a fresh model from the trained one's config and weights and checks it predicts the
same. (Whole-model HDF5 files, `model.save('digits.h5')`, arrive with lamella-io's savers.)
"""

import time

import numpy as np

import lamella
from lamella import layers
from lamella.datasets import digits
from lamella.utils import set_random_seed, to_categorical


def main():
    started = time.time()
    set_random_seed(1)
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.2)
    x_train = (x_train / 16.0).astype("float32")[..., None]
    x_test = (x_test / 16.0).astype("float32")[..., None]
    y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)

    model = lamella.Sequential([
        layers.Conv2D(16, (3, 3), activation="relu", padding="same", input_shape=(8, 8, 1)),
        layers.Conv2D(32, (3, 3), activation="relu", padding="same"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1, verbose=1)

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)

    rebuilt = lamella.Sequential.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    same = np.allclose(rebuilt.predict(x_test), model.predict(x_test), atol=1e-6)

    print(f"test loss: {loss:.4f}")
    print(f"test accuracy: {accuracy:.4f} on {len(x_test)} held-out digits")
    print(f"rebuilt from config + weights predicts identically: {same}")
    print(f"demo time: {time.time() - started:.1f}s")
    if accuracy < 0.95 or not same:
        raise SystemExit("demo failed: accuracy below 0.95 or the rebuilt model differs")


if __name__ == "__main__":
    main()
