"""An LSTM text classifier: Tokenizer, pad_sequences, Embedding(mask_zero=True), LSTM.

The pattern of Keras 2.3's imdb_lstm example, on a small generated corpus so that it runs
anywhere without a download: a review is positive when it holds more praising words than
complaining ones. LAMELLA_EXAMPLE_STEPS=N trains N batches only (the CI does).
"""

import os

import numpy as np

import lamella
from lamella import layers
from lamella.preprocessing.sequence import pad_sequences
from lamella.preprocessing.text import Tokenizer
from lamella.utils import set_random_seed

STEPS = int(os.environ.get("LAMELLA_EXAMPLE_STEPS", "0"))  # 0: the full run
GOOD = "great superb lovely moving brilliant fun charming".split()
BAD = "dull boring awful clumsy tedious weak bland".split()
NEUTRAL = "the film plot actor scene music story it was and a an with of".split()


def corpus(n, rng):
    texts, labels = [], []
    for _ in range(n):
        good, bad = rng.integers(0, 4, size=2)
        if good == bad:
            good += 1
        words = list(rng.choice(GOOD, good)) + list(rng.choice(BAD, bad))
        words += list(rng.choice(NEUTRAL, rng.integers(3, 15)))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(int(good > bad))
    return texts, np.array(labels, dtype="float32")


def main():
    set_random_seed(0)
    rng = np.random.default_rng(0)
    train_texts, y_train = corpus(2000, rng)
    test_texts, y_test = corpus(64 if STEPS else 400, rng)

    tokenizer = Tokenizer(num_words=100)
    tokenizer.fit_on_texts(train_texts)
    maxlen = 24
    x_train = pad_sequences(tokenizer.texts_to_sequences(train_texts), maxlen=maxlen)
    x_test = pad_sequences(tokenizer.texts_to_sequences(test_texts), maxlen=maxlen)

    model = lamella.Sequential([
        layers.Embedding(100, 32, input_length=maxlen, mask_zero=True),  # 0 is padding
        layers.LSTM(32),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=1 if STEPS else 8,
              steps_per_epoch=STEPS or None, verbose=2,
              validation_data=None if STEPS else (x_test, y_test))
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=32, verbose=0)
    print(f"test loss: {loss:.4f}, test accuracy: {accuracy:.4f}")
    sample = ["a brilliant and moving story", "dull and tedious with a weak plot"]
    scores = model.predict(pad_sequences(tokenizer.texts_to_sequences(sample), maxlen=maxlen))
    for text, score in zip(sample, scores[:, 0]):
        print(f"{score:.3f}  {text}")


if __name__ == "__main__":
    main()
