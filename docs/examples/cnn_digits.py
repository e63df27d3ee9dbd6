"""A convolutional network on the handwritten digits that ship with lamella-io.

Keras 2.3's mnist_cnn example on 8x8 digits: two convolutions, max pooling, dropout, a dense
head; Adadelta as in the original. The whole model is saved to a Keras HDF5 file and loaded
back. LAMELLA_EXAMPLE_STEPS=N trains N batches only (the CI does).
"""

import os
import tempfile

import numpy as np

import lamella
from lamella import layers
from lamella.datasets import digits
from lamella.utils import set_random_seed, to_categorical

STEPS = int(os.environ.get("LAMELLA_EXAMPLE_STEPS", "0"))  # 0: the full run


def main():
    set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.2)
    # channels_last, as Keras: (samples, rows, cols, channels)
    x_train = x_train[..., None].astype("float32") / 16.0
    x_test = x_test[..., None].astype("float32") / 16.0
    y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)

    model = lamella.Sequential([
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", padding="same",
                      input_shape=(8, 8, 1)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer=lamella.optimizers.Adadelta(),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=1 if STEPS else 12,
              steps_per_epoch=STEPS or None, verbose=2,
              validation_data=None if STEPS else (x_test, y_test))

    path = os.path.join(tempfile.mkdtemp(), "cnn_digits.h5")
    model.save(path)
    reloaded = lamella.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(x_test), model.predict(x_test), atol=1e-6)
    loss, accuracy = reloaded.evaluate(x_test, y_test, verbose=0)
    print(f"test loss: {loss:.4f}, test accuracy: {accuracy:.4f} (reloaded from {path})")


if __name__ == "__main__":
    main()
