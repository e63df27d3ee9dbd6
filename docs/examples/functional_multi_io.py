"""A functional model with two inputs and two outputs, sharing one layer.

Inputs: a digit's 8x8 image and its per-row ink totals. Outputs: the digit's class (softmax)
and whether it is even (sigmoid), each with its own loss, loss weight and metric, named by the
output layers' names as in Keras. LAMELLA_EXAMPLE_STEPS=N trains N batches only (the CI does).
"""

import os

import numpy as np

import lamella
from lamella import layers
from lamella.datasets import digits
from lamella.utils import set_random_seed, to_categorical

STEPS = int(os.environ.get("LAMELLA_EXAMPLE_STEPS", "0"))  # 0: the full run


def prepare(images, labels):
    image = images.reshape(-1, 64).astype("float32") / 16.0
    rows = images.sum(axis=2).astype("float32") / 128.0
    return [image, rows], [to_categorical(labels, 10), (labels % 2 == 0).astype("float32")]


def main():
    set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.2)
    train_inputs, train_targets = prepare(x_train, y_train)
    test_inputs, test_targets = prepare(x_test, y_test)

    image = lamella.Input(shape=(64,), name="image")
    rows = lamella.Input(shape=(8,), name="rows")
    shared = layers.Dense(32, activation="relu", name="shared")  # used by both branches
    features = layers.concatenate([shared(layers.Dense(32, activation="relu")(image)),
                                   shared(layers.Dense(32, activation="relu")(rows))])
    hidden = layers.Dense(64, activation="relu")(features)
    digit = layers.Dense(10, activation="softmax", name="digit")(hidden)
    even = layers.Dense(1, activation="sigmoid", name="even")(hidden)
    model = lamella.Model(inputs=[image, rows], outputs=[digit, even])
    model.summary()

    model.compile(optimizer="adam",
                  loss={"digit": "categorical_crossentropy", "even": "binary_crossentropy"},
                  loss_weights={"digit": 1.0, "even": 0.5},
                  metrics={"digit": "accuracy", "even": "accuracy"})
    history = model.fit({"image": train_inputs[0], "rows": train_inputs[1]},
                        {"digit": train_targets[0], "even": train_targets[1]},
                        batch_size=32, epochs=1 if STEPS else 25,
                        steps_per_epoch=STEPS or None, verbose=2)
    print("history keys:", sorted(history.history))
    results = model.evaluate(test_inputs, test_targets, verbose=0)
    print(", ".join(f"{name}: {value:.4f}" for name, value in zip(model.metrics_names, results)))
    digit_probabilities, even_probabilities = model.predict(test_inputs)
    print("first predictions:", np.argmax(digit_probabilities[:5], axis=1),
          (even_probabilities[:5, 0] > 0.5).astype(int))


if __name__ == "__main__":
    main()
