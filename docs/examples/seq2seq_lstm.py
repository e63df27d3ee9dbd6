"""Sequence to sequence with LSTMs: Keras 2.3's lstm_seq2seq pattern, encoder states and all.

The task (generated, so no download): read a string of digits and write it reversed. The
encoder LSTM returns its final states (``return_state=True``); the decoder LSTM starts from them
(``initial_state=``) and is trained with teacher forcing. For inference the same layers are
rewired into an encoder model and a one-step decoder model that takes and returns the states,
and decoding runs one character at a time. LAMELLA_EXAMPLE_STEPS=N trains N batches only.
"""

import os

import numpy as np

import lamella
from lamella import layers
from lamella.utils import set_random_seed

STEPS = int(os.environ.get("LAMELLA_EXAMPLE_STEPS", "0"))  # 0: the full run
CHARS = "0123456789"
START, END = "\t", "\n"
TARGET_CHARS = CHARS + START + END
MAX_IN, MAX_OUT = 6, 8  # the longest input; the longest target with its START and END
UNITS = 128


def one_hot(texts, alphabet, length):
    index = {c: i for i, c in enumerate(alphabet)}
    data = np.zeros((len(texts), length, len(alphabet)), dtype="float32")
    for row, text in enumerate(texts):
        for t, char in enumerate(text):
            data[row, t, index[char]] = 1.0
    return data


def dataset(n, rng):
    inputs = ["".join(rng.choice(list(CHARS), rng.integers(3, MAX_IN + 1))) for _ in range(n)]
    targets = [START + text[::-1] + END for text in inputs]
    encoder_in = one_hot(inputs, CHARS, MAX_IN)
    decoder_in = one_hot(targets, TARGET_CHARS, MAX_OUT)
    decoder_target = np.zeros_like(decoder_in)
    decoder_target[:, :-1] = decoder_in[:, 1:]  # the decoder's input shifted by one step
    return inputs, encoder_in, decoder_in, decoder_target


def main():
    set_random_seed(0)
    rng = np.random.default_rng(0)
    texts, encoder_in, decoder_in, decoder_target = dataset(64 * STEPS if STEPS else 4000, rng)

    # training model
    encoder_inputs = lamella.Input(shape=(None, len(CHARS)))
    encoder = layers.LSTM(UNITS, return_state=True)
    _, state_h, state_c = encoder(encoder_inputs)
    decoder_inputs = lamella.Input(shape=(None, len(TARGET_CHARS)))
    decoder_lstm = layers.LSTM(UNITS, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = layers.Dense(len(TARGET_CHARS), activation="softmax")
    model = lamella.Model([encoder_inputs, decoder_inputs], decoder_dense(decoder_outputs))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit([encoder_in, decoder_in], decoder_target, batch_size=64,
              epochs=1 if STEPS else 40, steps_per_epoch=STEPS or None, verbose=2,
              validation_split=0.0 if STEPS else 0.2)

    # inference models, sharing the trained layers
    encoder_model = lamella.Model(encoder_inputs, [state_h, state_c])
    state_inputs = [lamella.Input(shape=(UNITS,)), lamella.Input(shape=(UNITS,))]
    step_outputs, step_h, step_c = decoder_lstm(decoder_inputs, initial_state=state_inputs)
    decoder_model = lamella.Model([decoder_inputs] + state_inputs,
                                  [decoder_dense(step_outputs), step_h, step_c])

    def decode(sequence):
        states = encoder_model.predict(sequence)
        token = np.zeros((1, 1, len(TARGET_CHARS)), dtype="float32")
        token[0, 0, TARGET_CHARS.index(START)] = 1.0
        decoded = ""
        while len(decoded) < MAX_OUT:
            probabilities, h, c = decoder_model.predict([token] + states)
            char = TARGET_CHARS[int(np.argmax(probabilities[0, -1]))]
            if char == END:
                break
            decoded += char
            token = np.zeros_like(token)
            token[0, 0, TARGET_CHARS.index(char)] = 1.0
            states = [h, c]
        return decoded

    correct = 0
    shown = 5 if STEPS else 20
    for i in range(shown):
        decoded = decode(encoder_in[i:i + 1])
        correct += decoded == texts[i][::-1]
        print(f"{texts[i]:>6} -> {decoded!r}")
    print(f"{correct}/{shown} reversed exactly")


if __name__ == "__main__":
    main()
