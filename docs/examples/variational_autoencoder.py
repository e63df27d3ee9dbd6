"""A variational autoencoder on the digits, its KL term added with ``add_loss``.

Keras 2.3's variational_autoencoder example, written with a custom layer: ``Sampling`` draws
``z = mean + exp(log_var / 2) * eps`` (the reparameterisation trick) and adds the KL divergence
of ``N(mean, var)`` from ``N(0, 1)`` to the model's losses with ``self.add_loss``; the
reconstruction loss is the compiled one. LAMELLA_EXAMPLE_STEPS=N trains N batches only.
"""

import os

import torch

import lamella
from lamella import layers
from lamella.datasets import digits
from lamella.utils import set_random_seed

STEPS = int(os.environ.get("LAMELLA_EXAMPLE_STEPS", "0"))  # 0: the full run
LATENT = 2


class Sampling(layers.Layer):
    """Draws ``z`` from ``N(mean, exp(log_var))`` and adds the KL term as a model loss.

    Example::

        z = Sampling(name="z")([z_mean, z_log_var])
    """

    def __init__(self, kl_weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.kl_weight = float(kl_weight)

    def call(self, inputs):
        mean, log_var = inputs
        kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp(), dim=-1)
        self.add_loss(self.kl_weight * kl.mean())
        if not self.training:  # inference: the mean, deterministic
            return mean
        return mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "kl_weight": self.kl_weight}


def main():
    set_random_seed(0)
    (x_train, _), (x_test, y_test) = digits.load_data(test_split=0.2)
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0

    inputs = lamella.Input(shape=(64,), name="encoder_input")
    hidden = layers.Dense(64, activation="relu")(inputs)
    z_mean = layers.Dense(LATENT, name="z_mean")(hidden)
    z_log_var = layers.Dense(LATENT, name="z_log_var")(hidden)
    z = Sampling(name="z")([z_mean, z_log_var])
    decoder_hidden = layers.Dense(64, activation="relu", name="decoder_hidden")
    decoder_output = layers.Dense(64, activation="sigmoid", name="decoder_output")
    outputs = decoder_output(decoder_hidden(z))
    vae = lamella.Model(inputs, outputs, name="vae")
    encoder = lamella.Model(inputs, z_mean, name="encoder")

    # reconstruction: binary crossentropy summed over the 64 pixels (Keras's mean times 64)
    def reconstruction(y_true, y_pred):
        return 64 * lamella.losses.binary_crossentropy(y_true, y_pred)

    vae.compile(optimizer="adam", loss=reconstruction)
    history = vae.fit(x_train, x_train, batch_size=32, epochs=1 if STEPS else 30,
                      steps_per_epoch=STEPS or None, verbose=2)
    total = vae.evaluate(x_test, x_test, verbose=0)
    print(f"loss (reconstruction + KL) on held-out digits: {total:.3f}")
    print(f"first epoch's loss: {history.history['loss'][0]:.3f}")

    codes = encoder.predict(x_test)
    centres = {digit: codes[y_test == digit].mean(axis=0) for digit in range(10)}
    print("latent centre of each digit:",
          ", ".join(f"{d}: ({c[0]:+.2f}, {c[1]:+.2f})" for d, c in centres.items()))


if __name__ == "__main__":
    main()
