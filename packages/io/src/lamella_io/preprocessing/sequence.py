"""Sequence preprocessing: ``pad_sequences``, ``TimeseriesGenerator``, ``skipgrams``,
``make_sampling_table`` (keras-preprocessing 1.1's ``sequence`` module, which Keras 2.3.1 uses).

Ported from keras-preprocessing 1.1.x (MIT licence, (c) the Keras authors); outputs match it
on the same inputs (see ``tests/fixtures/preprocessing``).
"""

import json
import random

import numpy as np

try:  # TimeseriesGenerator is a lamella Sequence, so fit() takes it directly
    from lamella.utils.data_utils import Sequence as _SequenceBase
except ImportError:  # pragma: no cover - lamella-core is a dependency
    _SequenceBase = object

__all__ = ["pad_sequences", "make_sampling_table", "skipgrams", "TimeseriesGenerator",
           "timeseries_generator_from_json"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (or truncates) sequences to the same length.

    # Arguments
        sequences: list of sequences (lists or arrays; items may themselves be arrays).
        maxlen: length of the output (default: the longest sequence).
        dtype: type of the output (``object`` for strings of different lengths).
        padding: ``'pre'`` or ``'post'``: pad before or after each sequence.
        truncating: ``'pre'`` or ``'post'``: drop values from the start or the end.
        value: the padding value (a float or a string).

    # Returns
        Array of shape ``(len(sequences), maxlen) + item_shape``.

    # Example

    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2)
    array([[2, 3],
           [4, 5],
           [0, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3]], padding="post", value=-1).tolist()
    [[1, -1], [2, 3]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    num_samples = len(sequences)
    lengths = []
    sample_shape = ()
    flag = True
    for x in sequences:
        try:
            lengths.append(len(x))
            if flag and len(x):
                sample_shape = np.asarray(x).shape[1:]
                flag = False
        except TypeError:
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: "
                             + str(x)) from None
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_object = np.dtype(dtype) == np.dtype(object)
    is_dtype_str = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and not is_object and not is_dtype_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         f"strings.")
    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating == "pre":
            trunc = s[-maxlen:] if maxlen else s[:0]
        elif truncating == "post":
            trunc = s[:maxlen]
        else:
            raise ValueError('Truncating type "%s" not understood' % truncating)
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError("Shape of sample %s of sequence at position %s is different from "
                             "expected shape %s" % (trunc.shape[1:], idx, sample_shape))
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        elif padding == "pre":
            if len(trunc):
                x[idx, -len(trunc):] = trunc
        else:
            raise ValueError('Padding type "%s" not understood' % padding)
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """Word-rank sampling probabilities for :func:`skipgrams` (Zipf-law approximation).

    ``p(rank) = min(1, sqrt(f / sampling_factor))`` style: frequent words (low ranks) are
    sampled less. Index 0 is treated as rank 1.

    >>> table = make_sampling_table(5)
    >>> table.shape, bool(table[4] >= table[1])
    ((5,), True)
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram couples ``[word, context]`` with labels 1 (true) or 0 (random negative).

    Index 0 is never a word. Negative samples and ``sampling_table`` draw from Python's
    ``random`` module (as in Keras); ``seed`` seeds the final shuffle.

    # Arguments
        sequence: a list of word indices.
        vocabulary_size: one more than the largest word index.
        window_size: how far a context word may be from the word.
        negative_samples: ratio of negative to positive couples (0 for none).
        shuffle: shuffle the couples (and labels the same way).
        categorical: labels as ``[0, 1]``/``[1, 0]`` instead of 1/0.
        sampling_table: probabilities from :func:`make_sampling_table`.
        seed: seed of the shuffle.

    # Returns
        ``couples, labels``.

    >>> skipgrams([1, 2, 3], 4, window_size=1, negative_samples=0, shuffle=False)
    ([[1, 2], [2, 1], [2, 3], [3, 2]], [1, 1, 1, 1])
    """
    couples = []
    labels = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None:
            if sampling_table[wi] < random.random():
                continue
        window_start = max(0, i - window_size)
        window_end = min(len(sequence), i + window_size + 1)
        for j in range(window_start, window_end):
            if j != i:
                wj = sequence[j]
                if not wj:
                    continue
                couples.append([wi, wj])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        num_negative_samples = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(num_negative_samples)]
        if categorical:
            labels += [[1, 0]] * num_negative_samples
        else:
            labels += [0] * num_negative_samples
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


def _remove_long_seq(maxlen, seq, label):
    """Keep the sequences shorter than ``maxlen`` (and their labels), as Keras does (the IMDB
    and Reuters loaders use it)."""
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


class TimeseriesGenerator(_SequenceBase):
    """Batches of sliding windows over a time series, for training on sequences.

    Sample ``i`` of batch ``b`` is ``data[row - length:row:sampling_rate]`` with target
    ``targets[row]``, where rows start at ``start_index + length`` and advance by ``stride``.
    It is a :class:`lamella.utils.Sequence`, so ``model.fit(generator)`` accepts it.

    # Arguments
        data: indexable time series (first axis is time).
        targets: targets, same length as ``data``.
        length: length of each window (in time steps before sampling).
        sampling_rate: period between steps within a window.
        stride: period between successive windows.
        start_index, end_index: the part of ``data`` used (``end_index`` inclusive).
        shuffle: draw random rows instead of consecutive ones.
        reverse: reverse the time order inside each window.
        batch_size: windows per batch (the last batch may be smaller).

    # Example

    >>> import numpy as np
    >>> data = np.arange(10).reshape(10, 1)
    >>> gen = TimeseriesGenerator(data, np.arange(10), length=3, batch_size=2)
    >>> len(gen)
    4
    >>> x, y = gen[0]
    >>> x[:, :, 0].tolist(), y.tolist()
    ([[0, 1, 2], [1, 2, 3]], [3, 4])
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError("Data and targets have to be of same length. Data length is {} "
                             "while target length is {}".format(len(data), len(targets)))
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        if end_index is None:
            end_index = len(data) - 1
        self.end_index = end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError("`start_index+length=%i > end_index=%i` is disallowed, as no part "
                             "of the sequence would be left to be used as current step."
                             % (self.start_index, self.end_index))

    def __len__(self):
        return ((self.end_index - self.start_index + self.batch_size * self.stride)
                // (self.batch_size * self.stride))

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1),
                             self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """The configuration as a dict (data and targets as JSON strings), as Keras writes it.

        Note: as in keras-preprocessing, ``start_index`` is stored after adding ``length``.
        """
        def dump(value, what):
            if type(value).__module__ == np.__name__:
                value = value.tolist()
            try:
                return json.dumps(value)
            except TypeError:
                raise TypeError(f"{what} not JSON Serializable:", value) from None

        return {"data": dump(self.data, "Data"), "targets": dump(self.targets, "Targets"),
                "length": self.length, "sampling_rate": self.sampling_rate,
                "stride": self.stride, "start_index": self.start_index,
                "end_index": self.end_index, "shuffle": self.shuffle, "reverse": self.reverse,
                "batch_size": self.batch_size}

    def to_json(self, **kwargs):
        """``{"class_name": "TimeseriesGenerator", "config": ...}`` as a JSON string."""
        return json.dumps({"class_name": self.__class__.__name__, "config": self.get_config()},
                          **kwargs)


def timeseries_generator_from_json(json_string):
    """A ``TimeseriesGenerator`` from :meth:`TimeseriesGenerator.to_json`'s output."""
    config = json.loads(json_string).get("config")
    config["data"] = json.loads(config.pop("data"))
    config["targets"] = json.loads(config.pop("targets"))
    return TimeseriesGenerator(**config)
