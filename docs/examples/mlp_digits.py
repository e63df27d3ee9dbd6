"""A multilayer perceptron on the handwritten digits that ship with lamella-io.

Keras 2.3's mnist_mlp example on the 8x8 digits: two hidden layers with dropout, softmax
output, RMSprop. Run it as it is, or with LAMELLA_EXAMPLE_STEPS=N to train N batches only
(the CI does).
"""

import os

import lamella
from lamella import layers
from lamella.datasets import digits
from lamella.utils import set_random_seed, to_categorical

STEPS = int(os.environ.get("LAMELLA_EXAMPLE_STEPS", "0"))  # 0: the full run


def main():
    set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.2)
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)

    model = lamella.Sequential([
        layers.Dense(128, activation="relu", input_shape=(64,)),
        layers.Dropout(0.2),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=1 if STEPS else 20,
              steps_per_epoch=STEPS or None, verbose=2,
              validation_data=None if STEPS else (x_test, y_test))
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss: {loss:.4f}, test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
