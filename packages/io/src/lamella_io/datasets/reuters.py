"""Reuters newswire topics (Keras's ``keras.datasets.reuters``): 11,228 newswires as sequences
of word indices, 46 topics. Reads Keras's ``reuters.npz`` (safely) and
``reuters_word_index.json``."""

import numpy as np

from lamella_io.datasets._common import (
    fetch,
    index_sequences,
    load_npz,
    load_word_index,
    pop_legacy_kwargs,
    sequence_array,
)

__all__ = ["load_data", "get_word_index"]

ORIGIN = "https://s3.amazonaws.com/text-datasets/reuters.npz"
FILE_HASH = "87aedbeb0cb229e378797a632c1997b6"
WORD_INDEX_ORIGIN = "https://s3.amazonaws.com/text-datasets/reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, *, base_url=None,
              file_hash=None, cache_dir=None, **kwargs):
    """Loads the Reuters newswire classification dataset.

    # Arguments
        As :func:`lamella_io.datasets.imdb.load_data`, plus ``test_split``: the fraction of
        the (shuffled, filtered) data that goes to the test set. A ``maxlen`` that keeps
        no sequence raises ``ValueError`` (Keras fails there too, inside ``max()``).

    # Returns
        ``(x_train, y_train), (x_test, y_test)``.

    # Example

    >>> from lamella_io.datasets import reuters
    >>> (x_train, y_train), _ = reuters.load_data(num_words=10000, test_split=0.2)  # doctest: +SKIP
    """
    num_words = pop_legacy_kwargs(kwargs, num_words)
    path = fetch(path, ORIGIN, FILE_HASH, base_url, file_hash, cache_dir)
    arrays = load_npz(path)
    xs, labels = arrays["x"], arrays["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs, labels = index_sequences(list(xs), labels, num_words=num_words, skip_top=skip_top,
                                 maxlen=maxlen, start_char=start_char, oov_char=oov_char,
                                 index_from=index_from)
    idx = int(len(xs) * (1 - test_split))
    x_train, y_train = sequence_array(xs[:idx]), np.array(labels[:idx])
    x_test, y_test = sequence_array(xs[idx:]), np.array(labels[idx:])
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="reuters_word_index.json", *, base_url=None, file_hash=None,
                   cache_dir=None):
    """The dict mapping words to their index in the Reuters data (before ``index_from``)."""
    path = fetch(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH, base_url, file_hash, cache_dir)
    return load_word_index(path)
