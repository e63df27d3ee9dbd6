"""The demo: a small CNN on the handwritten-digits set that ships inside lamella-io.

Trains with a validation split and Keras's progress bar, saves the whole model to a Keras
HDF5 file (which real Keras can open), loads it back, and reports the reloaded model's
accuracy on held-out digits.
"""

import os
import tempfile
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

    path = os.path.join(os.environ.get("LAMELLA_DEMO_DIR") or tempfile.mkdtemp(), "digits.h5")
    model.save(path)
    reloaded = lamella.models.load_model(path)
    loss, accuracy = reloaded.evaluate(x_test, y_test, verbose=0)
    same = np.allclose(reloaded.predict(x_test), model.predict(x_test), atol=1e-6)

    print(f"saved to {path} ({os.path.getsize(path) / 1024:.0f} KiB) and loaded back")
    print(f"test loss: {loss:.4f}")
    print(f"test accuracy: {accuracy:.4f} on {len(x_test)} held-out digits (reloaded model)")
    print(f"reloaded model predicts identically: {same}")
    print(f"demo time: {time.time() - started:.1f}s")
    if accuracy < 0.95 or not same:
        raise SystemExit("demo failed: accuracy below 0.95 or the reloaded model differs")


if __name__ == "__main__":
    main()
