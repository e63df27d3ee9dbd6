"""What the downloadable datasets share: where files come from, and reading them safely.

Mirrors: ``LAMELLA_DATASETS_BASE_URL`` (or a loader's ``base_url=`` argument) replaces the
folder of every Keras origin, so ``https://s3.amazonaws.com/img-datasets/mnist.npz`` is fetched
as ``<base_url>/mnist.npz``. The Keras file hashes still apply (a mirror serves the same files)
unless the loader is given ``file_hash=`` (a digest, or ``False`` for no check).
"""

import os

import numpy as np

from lamella_io.datasets._safe_pickle import load_npz, safe_pickle_load  # noqa: F401

# Keras 2.3 keeps this helper in keras.preprocessing.sequence and its loaders import it there.
from lamella_io.preprocessing.sequence import _remove_long_seq as remove_long_seq
from lamella_io.utils.data_utils import get_file

BASE_URL_ENV = "LAMELLA_DATASETS_BASE_URL"


def resolve_origin(origin, base_url=None):
    """``origin``, or ``<base_url>/<file name>`` when a base URL is given or set in the env."""
    base = base_url or os.environ.get(BASE_URL_ENV)
    if not base:
        return origin
    return base.rstrip("/") + "/" + origin.rsplit("/", 1)[-1]


def fetch(fname, origin, default_hash, base_url=None, file_hash=None, cache_dir=None, **kwargs):
    """``get_file`` with the mirror and hash overrides every loader accepts."""
    if file_hash is None:
        file_hash = default_hash
    elif file_hash is False:
        file_hash = None
    return get_file(fname, origin=resolve_origin(origin, base_url), file_hash=file_hash,
                    cache_dir=cache_dir, **kwargs)


def sequence_array(sequences):
    """``np.array(list_of_lists)`` as NumPy < 1.24 built it: 2-D when all lengths agree,
    otherwise a 1-D object array of lists."""
    if sequences and len({len(s) for s in sequences}) > 1:
        out = np.empty(len(sequences), dtype=object)
        for i, s in enumerate(sequences):
            out[i] = list(s)
        return out
    return np.array(sequences)


def image_data_format():
    try:
        from lamella import backend
        return backend.image_data_format()
    except (ImportError, AttributeError):  # pragma: no cover
        return "channels_last"


def pop_legacy_kwargs(kwargs, num_words):
    """Keras's ``nb_words`` alias for ``num_words``; any other extra keyword is an error."""
    import warnings

    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed `num_words`.",
                      stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
    return num_words


def index_sequences(xs, labels, *, num_words, skip_top, maxlen, start_char, oov_char,
                    index_from):
    """Keras's shared IMDB/Reuters steps: shift indices, add the start mark, drop long
    sequences, and replace (or drop) words outside ``[skip_top, num_words)``."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]
    labels = list(labels)
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
        if not xs:
            raise ValueError("After filtering for sequences shorter than maxlen=" + str(maxlen)
                             + ", no sequence was kept. Increase maxlen.")
    if not num_words:
        num_words = max([max(x) for x in xs])
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    return xs, labels


def load_word_index(path):
    import json

    with open(path) as fh:
        return json.load(fh)
