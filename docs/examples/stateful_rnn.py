"""A stateful LSTM: Keras 2.3's stateful_lstm example.

The model learns the moving average of a noisy signal from one sample at a time. With
``stateful=True`` the LSTM's state carries over from one batch to the next, so the network
sees the whole history although each batch holds one time step per sequence; the batch size is
fixed (``batch_input_shape``), data is not shuffled, and the states are reset by hand at the
start of each epoch. LAMELLA_EXAMPLE_STEPS=N trains N batches only (the CI does).
"""

import os

import numpy as np

import lamella
from lamella import layers
from lamella.utils import set_random_seed

STEPS = int(os.environ.get("LAMELLA_EXAMPLE_STEPS", "0"))  # 0: the full run
INPUT_LENGTH = 1  # one time step per batch: the state holds the rest
WINDOW = 5        # the target: the mean of the last WINDOW inputs
BATCH = 25
EPOCHS = 1 if STEPS else 10


def signal(length, rng):
    x = rng.uniform(-0.1, 0.1, size=(length, 1)).astype("float32")
    y = np.convolve(x[:, 0], np.ones(WINDOW) / WINDOW)[:length].reshape(-1, 1)
    return x.reshape(-1, INPUT_LENGTH, 1), y.astype("float32")


def main():
    set_random_seed(0)
    rng = np.random.default_rng(0)
    length = BATCH * (STEPS or 40)
    x_train, y_train = signal(length, rng)
    x_test, y_test = signal(length, rng)

    model = lamella.Sequential([
        layers.LSTM(20, batch_input_shape=(BATCH, INPUT_LENGTH, 1), stateful=True,
                    return_sequences=False),
        layers.Dense(1),
    ])
    model.compile(loss="mse", optimizer="adam")
    for epoch in range(EPOCHS):
        model.reset_states()  # each epoch reads the signal from its start
        history = model.fit(x_train, y_train, batch_size=BATCH, epochs=1, shuffle=False,
                            verbose=0)
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {history.history['loss'][0]:.6f}")
    model.reset_states()
    predicted = model.predict(x_test, batch_size=BATCH)
    baseline = float(np.mean((y_test - y_test.mean()) ** 2))
    mse = float(np.mean((predicted - y_test) ** 2))
    print(f"test mse: {mse:.6f} (predicting the mean: {baseline:.6f})")


if __name__ == "__main__":
    main()
