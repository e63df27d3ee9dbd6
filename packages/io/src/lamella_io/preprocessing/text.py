"""Text preprocessing: ``Tokenizer``, ``one_hot``, ``hashing_trick``, ``text_to_word_sequence``
(keras-preprocessing 1.1's ``text`` module, which Keras 2.3.1 uses).

Ported from keras-preprocessing 1.1.x (MIT licence, (c) the Keras authors); outputs and the
tokenizer JSON match it on the same inputs (see ``tests/fixtures/preprocessing``).
"""

import json
import warnings
from collections import OrderedDict, defaultdict
from hashlib import md5

import numpy as np

__all__ = ["text_to_word_sequence", "one_hot", "hashing_trick", "Tokenizer",
           "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Splits a text into a list of words, dropping the ``filters`` characters.

    >>> text_to_word_sequence("Hello, World!  Hello?")
    ['hello', 'world', 'hello']
    """
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [i for i in text.split(split) if i]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Word indices in ``[1, n)`` from Python's ``hash`` (not unique; as Keras).

    Python's ``hash`` of a string changes between processes unless ``PYTHONHASHSEED`` is set;
    use ``hashing_trick(..., hash_function='md5')`` for indices that are stable everywhere.

    >>> ids = one_hot("the cat the", 50)
    >>> len(ids), ids[0] == ids[2], all(1 <= i < 50 for i in ids)
    (3, True, True)
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


def _md5(word):
    return int(md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Word indices ``hash_function(word) % (n - 1) + 1``.

    ``hash_function``: ``None`` (Python's ``hash``), ``'md5'`` (stable) or a function of a string.

    >>> hashing_trick("the quick fox", 1000, hash_function="md5")
    [132, 454, 641]
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    seq = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


class Tokenizer:
    """Turns texts into sequences of word indices or into vectors (binary, counts, tf-idf).

    Index 0 is reserved; words are ranked by frequency in :meth:`fit_on_texts` (the most
    frequent is 1; ties keep first-seen order). With ``oov_token``, it gets index 1 and stands
    in for unknown words (and, with ``num_words``, for words ranked ``num_words`` or beyond).

    # Arguments
        num_words: keep only words with an index below ``num_words`` when converting
            (the vocabulary itself keeps every word).
        filters: characters removed from texts.
        lower: lower-case texts.
        split: word separator.
        char_level: every character is a token.
        oov_token: the token for out-of-vocabulary words.
        document_count: starting count of documents (used when restoring from JSON).

    # Example

    >>> tok = Tokenizer(num_words=4, oov_token="<unk>")
    >>> tok.fit_on_texts(["the cat sat", "the dog sat down"])
    >>> tok.word_index["<unk>"], tok.word_index["the"], tok.word_index["sat"]
    (1, 2, 3)
    >>> tok.texts_to_sequences(["the cat ran"])
    [[2, 1, 1]]
    >>> tok.texts_to_matrix(["the the sat"], mode="count").tolist()
    [[0.0, 0.0, 2.0, 1.0]]
    >>> tokenizer_from_json(tok.to_json()).word_index == tok.word_index
    True
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.",
                          stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Builds the vocabulary from a list of texts (or of lists of tokens)."""
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        wcounts = list(self.word_counts.items())
        wcounts.sort(key=lambda x: x[1], reverse=True)
        sorted_voc = [] if self.oov_token is None else [self.oov_token]
        sorted_voc.extend(wc[0] for wc in wcounts)
        self.word_index = dict(zip(sorted_voc, list(range(1, len(sorted_voc) + 1))))
        self.index_word = {c: w for w, c in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Updates document counts from sequences (needed for ``'tfidf'`` after
        ``fit_on_texts`` was not called)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Like :meth:`texts_to_sequences`, one text at a time."""
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov_token_index is not None:
                            vect.append(oov_token_index)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov_token_index)
            yield vect

    def sequences_to_texts(self, sequences):
        """Each sequence of indices back to a space-separated text."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Like :meth:`sequences_to_texts`, one sequence at a time."""
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov_token_index is not None:
                            vect.append(self.index_word[oov_token_index])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov_token_index])
            yield " ".join(vect)

    def texts_to_matrix(self, texts, mode="binary"):
        """A ``(len(texts), num_words)`` matrix; ``mode``: binary, count, tfidf or freq."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A ``(len(sequences), num_words)`` float64 matrix; ``mode`` as for
        :meth:`texts_to_matrix`."""
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some "
                                 "text data first.")
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError("Unknown vectorization mode:", mode)
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j >= num_words:
                    continue
                counts[j] += 1
            for j, c in list(counts.items()):
                if mode == "count":
                    x[i][j] = c
                elif mode == "freq":
                    x[i][j] = c / len(seq)
                elif mode == "binary":
                    x[i][j] = 1
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i][j] = tf * idf
        return x

    def get_config(self):
        """The configuration; the word-count dicts are JSON strings (as Keras writes them)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """``{"class_name": "Tokenizer", "config": ...}`` as a JSON string (``json.dumps``
        keyword arguments pass through); read it back with :func:`tokenizer_from_json`."""
        return json.dumps({"class_name": self.__class__.__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A ``Tokenizer`` from :meth:`Tokenizer.to_json` output (lamella's or Keras's)."""
    config = dict(json.loads(json_string).get("config"))
    word_counts = json.loads(config.pop("word_counts"), object_pairs_hook=OrderedDict)
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = word_counts
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
