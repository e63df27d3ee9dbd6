"""IMDB movie-review sentiment (Keras's ``keras.datasets.imdb``): 25,000 + 25,000 reviews as
sequences of word indices (ranked by frequency), binary labels.

Reads Keras's ``imdb.npz`` (object arrays of lists, unpickled safely; see
:mod:`lamella_io.datasets._safe_pickle`) and ``imdb_word_index.json``.
"""

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

ORIGIN = "https://s3.amazonaws.com/text-datasets/imdb.npz"
FILE_HASH = "599dadb1135973df5b59232a0e9a887c"
WORD_INDEX_ORIGIN = "https://s3.amazonaws.com/text-datasets/imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, *, base_url=None, file_hash=None, cache_dir=None,
              **kwargs):
    """Loads the IMDB dataset.

    # Arguments
        path: where to cache the file (relative to ``~/.keras/datasets``).
        num_words: keep only the ``num_words`` most frequent words (others become ``oov_char``).
        skip_top: skip the ``skip_top`` most frequent words (they become ``oov_char``).
        maxlen: sequences of ``maxlen`` or more words are dropped.
        seed: random seed for shuffling.
        start_char: the index that marks the start of a sequence (``None``: no mark).
        oov_char: the index of words cut by ``num_words``/``skip_top`` (``None``: drop them).
        index_from: word indices are shifted up by this much.
        base_url, file_hash, cache_dir: lamella additions (keyword only), as for
            :func:`lamella_io.datasets.mnist.load_data`.

    # Returns
        ``(x_train, y_train), (x_test, y_test)``: ``x`` an object array of lists of ints (a 2-D
        int array when every sequence has the same length), ``y`` int labels.

    # Raises
        ValueError: when ``maxlen`` is so low that no sequence is kept.

    # Example

    >>> from lamella_io.datasets import imdb
    >>> (x_train, y_train), _ = imdb.load_data(num_words=10000)  # doctest: +SKIP
    >>> x_train[0][:3]  # doctest: +SKIP
    [1, 14, 22]
    """
    num_words = pop_legacy_kwargs(kwargs, num_words)
    path = fetch(path, ORIGIN, FILE_HASH, base_url, file_hash, cache_dir)
    arrays = load_npz(path)
    x_train, labels_train = arrays["x_train"], arrays["y_train"]
    x_test, labels_test = arrays["x_test"], arrays["y_test"]

    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    xs = list(x_train) + list(x_test)
    labels = np.concatenate([labels_train, labels_test])
    xs, labels = index_sequences(xs, labels, num_words=num_words, skip_top=skip_top,
                                 maxlen=maxlen, start_char=start_char, oov_char=oov_char,
                                 index_from=index_from)
    idx = len(x_train)
    x_train, y_train = sequence_array(xs[:idx]), np.array(labels[:idx])
    x_test, y_test = sequence_array(xs[idx:]), np.array(labels[idx:])
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="imdb_word_index.json", *, base_url=None, file_hash=None, cache_dir=None):
    """The dict mapping words to their index in the IMDB data (before ``index_from``).

    >>> from lamella_io.datasets import imdb
    >>> imdb.get_word_index()["the"]  # doctest: +SKIP
    1
    """
    path = fetch(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH, base_url, file_hash, cache_dir)
    return load_word_index(path)
