"""Loss and metric parity fixtures from real Keras 2.3.1 (TensorFlow 1.15 backend).

Run under the Keras 2.3.1 environment (Python 3.7, tensorflow==1.15.5, keras==2.3.1):

    /tmp/keras231/bin/python tools/keras231/make_loss_fixtures.py \
        packages/losses/tests/fixtures/keras231_losses.json

(README.md sets up /tmp/keras231).

What it records, evaluated with ``K.eval`` / ``K.get_session()`` on fixed float32 arrays
(``inputs``; cases name the arrays they use, ``rows`` slices the first axis):

- ``loss_functions``: every function in ``keras.losses`` on probabilities, logits, values at
  0 and 1 (clipping), soft and one-hot targets, rank-3 (temporal) data.
- ``loss_classes``: every ``keras.losses.Loss`` class, with its options (``from_logits``,
  ``label_smoothing``, ``delta``), each ``reduction``, and no / 1-D / per-timestep sample weights.
- ``metric_functions``: every metric function in ``keras.metrics`` beyond the losses.
- ``stateful_metrics``: every ``keras.metrics.Metric`` class: ``result()`` after several
  ``update_state`` calls (batches ``rows``), with and without ``sample_weight``.
  (``MeanIoU`` needs TF >= 2 in Keras 2.3.1 and is absent here.)
- ``resolution``: what ``compile(metrics=['accuracy', 'acc', 'crossentropy', 'ce'])`` resolves
  to for each loss and output shape (the metric function's ``__name__``).
"""
from __future__ import print_function

import sys
import time

import _preamble

_preamble.setup_environment()

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import backend as K  # noqa: E402
from keras import layers, losses, metrics  # noqa: E402
from keras.models import Sequential  # noqa: E402

F32 = np.float32


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def make_inputs():
    rs = np.random.RandomState(7)
    n, c = 6, 4
    logits = rs.uniform(-4, 4, (n, c))
    prob = _softmax(logits)
    prob[4] = [1.0, 0.0, 0.0, 0.0]                 # exact 0 and 1: the ε clipping
    prob[5] = [0.9999999, 1e-8, 5e-8, 4e-8]
    labels = np.array([0, 1, 2, 3, 1, 0])          # row 4's label has probability 0
    onehot = np.eye(c)[labels]
    soft = rs.dirichlet(np.ones(c), n)
    prob_unnorm = rs.uniform(0.05, 2.0, (n, c))
    tie_pred = np.array([[0.1, 0.4, 0.4, 0.1], [0.3, 0.3, 0.3, 0.1], [0.25, 0.25, 0.25, 0.25],
                         [0.5, 0.2, 0.2, 0.1], [0.0, 0.6, 0.2, 0.2], [0.1, 0.2, 0.3, 0.4]])
    bin_true = rs.randint(0, 2, (n, 3)).astype(float)
    bin_prob = rs.uniform(0, 1, (n, 3))
    bin_prob[0] = [0.0, 1.0, 0.5]
    bin_prob[1, 0] = 1e-9
    bin_logits = rs.uniform(-6, 6, (n, 3))
    bin_logits[0] = [0.5, -0.5, 2.5]               # K.round vs a threshold outside [0, 1]
    reg_true = rs.uniform(-2, 2, (n, 3))
    reg_true[0, 0] = 0.0                           # mape's ε clip
    reg_pred = reg_true + rs.normal(0, 1, (n, 3))
    reg_pred[2] = reg_true[2]                      # a perfect row
    pos_true = rs.poisson(2.0, (n, 3)).astype(float)
    pos_pred = rs.uniform(0.01, 4.0, (n, 3))
    pm1_true = 2.0 * rs.randint(0, 2, (n, 3)) - 1.0
    ints_true = rs.randint(0, 3, (n, 3)).astype(float)
    ints_pred = ints_true.copy()
    ints_pred[rs.uniform(size=(n, 3)) < 0.4] = 1.0
    b, t = 2, 5
    seq_logits = rs.uniform(-3, 3, (b, t, c))
    seq_prob = _softmax(seq_logits)
    seq_prob[0, 0] = [0.0, 1.0, 0.0, 0.0]
    seq_labels = rs.randint(0, c, (b, t)).astype(float)
    seq_onehot = np.eye(c)[seq_labels.astype(int)]
    seq_reg_true = rs.uniform(-1, 1, (b, t, 3))
    seq_reg_pred = seq_reg_true + rs.normal(0, 0.7, (b, t, 3))
    seq_bin_true = rs.randint(0, 2, (b, t, 3)).astype(float)
    seq_bin_prob = rs.uniform(0, 1, (b, t, 3))
    sw = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 0.25])
    arrays = dict(
        prob=prob, logits=logits, prob_unnorm=prob_unnorm, onehot=onehot, soft=soft,
        labels=labels.astype(float), labels_col=labels.astype(float)[:, None], tie_pred=tie_pred,
        bin_true=bin_true, bin_prob=bin_prob, bin_logits=bin_logits,
        bin_true_col=bin_true[:, :1], bin_prob_col=bin_prob[:, :1],
        reg_true=reg_true, reg_pred=reg_pred, pos_true=pos_true, pos_pred=pos_pred,
        pm1_true=pm1_true, ints_true=ints_true, ints_pred=ints_pred,
        seq_logits=seq_logits, seq_prob=seq_prob, seq_labels=seq_labels, seq_onehot=seq_onehot,
        seq_reg_true=seq_reg_true, seq_reg_pred=seq_reg_pred,
        seq_bin_true=seq_bin_true, seq_bin_prob=seq_bin_prob,
        sw=sw, sw_col=sw[:, None], sw_seq=rs.uniform(0, 2, (b, t)), sw_seq_1d=np.array([0.5, 2.0]),
    )
    return {k: v.astype(F32) for k, v in arrays.items()}


# (function name, kwargs, y_true, y_pred)
LOSS_FUNCTION_CASES = []
for _fn in ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
            "mean_squared_logarithmic_error", "logcosh", "hinge", "squared_hinge",
            "cosine_proximity"]:
    LOSS_FUNCTION_CASES += [(_fn, {}, "reg_true", "reg_pred"),
                            (_fn, {}, "seq_reg_true", "seq_reg_pred")]
LOSS_FUNCTION_CASES += [
    ("mean_squared_logarithmic_error", {}, "pos_true", "pos_pred"),
    ("hinge", {}, "pm1_true", "reg_pred"),
    ("hinge", {}, "bin_true", "reg_pred"),            # 0/1 labels become -1/1
    ("squared_hinge", {}, "pm1_true", "reg_pred"),
    ("squared_hinge", {}, "bin_true", "reg_pred"),
    ("squared_hinge", {}, "seq_bin_true", "seq_reg_pred"),
    ("huber_loss", {}, "reg_true", "reg_pred"),
    ("huber_loss", {"delta": 0.5}, "reg_true", "reg_pred"),
    ("huber_loss", {"delta": 0.5}, "seq_reg_true", "seq_reg_pred"),
    ("categorical_hinge", {}, "onehot", "prob"),
    ("categorical_hinge", {}, "onehot", "logits"),
    ("categorical_hinge", {}, "seq_onehot", "seq_logits"),
    ("categorical_crossentropy", {}, "onehot", "prob"),
    ("categorical_crossentropy", {}, "soft", "prob_unnorm"),
    ("categorical_crossentropy", {"from_logits": True}, "onehot", "logits"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "onehot", "prob"),
    ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.2}, "soft", "logits"),
    ("categorical_crossentropy", {}, "seq_onehot", "seq_prob"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "seq_onehot", "seq_prob"),
    ("sparse_categorical_crossentropy", {}, "labels", "prob"),
    ("sparse_categorical_crossentropy", {}, "labels_col", "prob"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "labels", "logits"),
    ("sparse_categorical_crossentropy", {}, "seq_labels", "seq_prob"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "seq_labels", "seq_logits"),
    ("binary_crossentropy", {}, "bin_true", "bin_prob"),
    ("binary_crossentropy", {"from_logits": True}, "bin_true", "bin_logits"),
    ("binary_crossentropy", {"label_smoothing": 0.2}, "bin_true", "bin_prob"),
    ("binary_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, "bin_true",
     "bin_logits"),
    ("binary_crossentropy", {}, "bin_true_col", "bin_prob_col"),
    ("binary_crossentropy", {}, "seq_bin_true", "seq_bin_prob"),
    ("kullback_leibler_divergence", {}, "soft", "prob"),
    ("kullback_leibler_divergence", {}, "onehot", "prob"),
    ("kullback_leibler_divergence", {}, "seq_onehot", "seq_prob"),
    ("poisson", {}, "pos_true", "pos_pred"),
    ("poisson", {}, "onehot", "prob"),
    ("cosine_proximity", {"axis": 0}, "reg_true", "reg_pred"),
]

# (class name, kwargs, y_true, y_pred, kind) — kind 'flat' (N, ...) or 'seq' (B, T, ...)
LOSS_CLASS_CASES = [
    ("MeanSquaredError", {}, "reg_true", "reg_pred", "flat"),
    ("MeanSquaredError", {}, "seq_reg_true", "seq_reg_pred", "seq"),
    ("MeanAbsoluteError", {}, "reg_true", "reg_pred", "flat"),
    ("MeanAbsolutePercentageError", {}, "reg_true", "reg_pred", "flat"),
    ("MeanSquaredLogarithmicError", {}, "pos_true", "pos_pred", "flat"),
    ("BinaryCrossentropy", {}, "bin_true", "bin_prob", "flat"),
    ("BinaryCrossentropy", {"from_logits": True}, "bin_true", "bin_logits", "flat"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "bin_true", "bin_prob", "flat"),
    ("BinaryCrossentropy", {}, "seq_bin_true", "seq_bin_prob", "seq"),
    ("CategoricalCrossentropy", {}, "onehot", "prob", "flat"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot", "logits", "flat"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot", "prob", "flat"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "seq_onehot",
     "seq_logits", "seq"),
    ("SparseCategoricalCrossentropy", {}, "labels", "prob", "flat"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "labels", "logits", "flat"),
    ("SparseCategoricalCrossentropy", {}, "seq_labels", "seq_prob", "seq"),
    ("Hinge", {}, "pm1_true", "reg_pred", "flat"),
    ("Hinge", {}, "bin_true", "reg_pred", "flat"),
    ("SquaredHinge", {}, "pm1_true", "reg_pred", "flat"),
    ("CategoricalHinge", {}, "onehot", "logits", "flat"),
    ("Poisson", {}, "pos_true", "pos_pred", "flat"),
    ("LogCosh", {}, "reg_true", "reg_pred", "flat"),
    ("LogCosh", {}, "seq_reg_true", "seq_reg_pred", "seq"),
    ("KLDivergence", {}, "soft", "prob", "flat"),
    ("Huber", {}, "reg_true", "reg_pred", "flat"),
    ("Huber", {"delta": 0.5}, "seq_reg_true", "seq_reg_pred", "seq"),
]
REDUCTIONS = ["none", "sum", "sum_over_batch_size"]
WEIGHTS = {"flat": [None, "sw", "sw_col"], "seq": [None, "sw_seq", "sw_seq_1d"]}

METRIC_FUNCTION_CASES = [
    ("accuracy", {}, "ints_true", "ints_pred"),
    ("accuracy", {}, "labels", "labels"),
    ("binary_accuracy", {}, "bin_true", "bin_prob"),
    ("binary_accuracy", {}, "bin_true", "bin_logits"),
    ("binary_accuracy", {"threshold": 0.7}, "bin_true", "bin_prob"),
    ("binary_accuracy", {"threshold": 0.0}, "bin_true", "bin_logits"),
    ("binary_accuracy", {}, "seq_bin_true", "seq_bin_prob"),
    ("categorical_accuracy", {}, "onehot", "prob"),
    ("categorical_accuracy", {}, "soft", "tie_pred"),
    ("categorical_accuracy", {}, "seq_onehot", "seq_prob"),
    ("sparse_categorical_accuracy", {}, "labels", "prob"),
    ("sparse_categorical_accuracy", {}, "labels_col", "prob"),
    ("sparse_categorical_accuracy", {}, "labels", "tie_pred"),
    ("sparse_categorical_accuracy", {}, "seq_labels", "seq_prob"),
    ("top_k_categorical_accuracy", {}, "onehot", "prob"),
    ("top_k_categorical_accuracy", {"k": 1}, "onehot", "prob"),
    ("top_k_categorical_accuracy", {"k": 2}, "onehot", "prob"),
    ("top_k_categorical_accuracy", {"k": 1}, "onehot", "tie_pred"),
    ("top_k_categorical_accuracy", {"k": 2}, "onehot", "tie_pred"),
    ("sparse_top_k_categorical_accuracy", {}, "labels", "prob"),
    ("sparse_top_k_categorical_accuracy", {"k": 1}, "labels", "tie_pred"),
    ("sparse_top_k_categorical_accuracy", {"k": 2}, "labels_col", "tie_pred"),
    ("cosine_proximity", {}, "reg_true", "reg_pred"),
    ("cosine_proximity", {}, "seq_reg_true", "seq_reg_pred"),
]

FLAT_BATCHES = [[0, 2], [2, 5], [5, 6]]
SEQ_BATCHES = [[0, 1], [1, 2]]

# (class name, kwargs, y_true, y_pred, kind, weights)
_THRESHOLD_VARIANTS = [{}, {"thresholds": 0.3}, {"thresholds": [0.2, 0.5, 0.8]},
                       {"thresholds": [0.5]}]
STATEFUL_CASES = [
    ("Accuracy", {}, "ints_true", "ints_pred", "flat"),
    ("BinaryAccuracy", {}, "bin_true", "bin_prob", "flat"),
    ("BinaryAccuracy", {"threshold": 0.7}, "bin_true", "bin_prob", "flat"),
    ("BinaryAccuracy", {}, "bin_true", "bin_logits", "flat"),
    ("BinaryAccuracy", {}, "seq_bin_true", "seq_bin_prob", "seq"),
    ("CategoricalAccuracy", {}, "onehot", "prob", "flat"),
    ("CategoricalAccuracy", {}, "seq_onehot", "seq_prob", "seq"),
    ("SparseCategoricalAccuracy", {}, "labels", "prob", "flat"),
    ("SparseCategoricalAccuracy", {}, "labels_col", "prob", "flat"),
    ("SparseCategoricalAccuracy", {}, "seq_labels", "seq_prob", "seq"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot", "prob", "flat"),
    ("TopKCategoricalAccuracy", {}, "onehot", "tie_pred", "flat"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "labels", "prob", "flat"),
    ("SparseTopKCategoricalAccuracy", {"k": 1}, "labels_col", "tie_pred", "flat"),
    ("MeanSquaredError", {}, "reg_true", "reg_pred", "flat"),
    ("MeanSquaredError", {}, "seq_reg_true", "seq_reg_pred", "seq"),
    ("MeanAbsoluteError", {}, "reg_true", "reg_pred", "flat"),
    ("MeanAbsolutePercentageError", {}, "reg_true", "reg_pred", "flat"),
    ("MeanSquaredLogarithmicError", {}, "pos_true", "pos_pred", "flat"),
    ("RootMeanSquaredError", {}, "reg_true", "reg_pred", "flat"),
    ("RootMeanSquaredError", {}, "seq_reg_true", "seq_reg_pred", "seq"),
    ("LogCoshError", {}, "reg_true", "reg_pred", "flat"),
    ("Poisson", {}, "pos_true", "pos_pred", "flat"),
    ("KLDivergence", {}, "soft", "prob", "flat"),
    ("CosineSimilarity", {}, "reg_true", "reg_pred", "flat"),
    ("CosineSimilarity", {"axis": -1}, "seq_reg_true", "seq_reg_pred", "seq"),
    ("Hinge", {}, "pm1_true", "reg_pred", "flat"),
    ("Hinge", {}, "bin_true", "reg_pred", "flat"),
    ("SquaredHinge", {}, "bin_true", "reg_pred", "flat"),
    ("CategoricalHinge", {}, "onehot", "logits", "flat"),
    ("BinaryCrossentropy", {}, "bin_true", "bin_prob", "flat"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "bin_true",
     "bin_logits", "flat"),
    ("CategoricalCrossentropy", {}, "onehot", "prob", "flat"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot",
     "logits", "flat"),
    ("SparseCategoricalCrossentropy", {}, "labels", "prob", "flat"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "labels", "logits", "flat"),
    ("SparseCategoricalCrossentropy", {}, "seq_labels", "seq_prob", "seq"),
]
for _cls in ["TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives"]:
    STATEFUL_CASES += [(_cls, kw, "bin_true", "bin_prob", "flat") for kw in _THRESHOLD_VARIANTS]
for _cls in ["Precision", "Recall"]:
    STATEFUL_CASES += [(_cls, kw, "bin_true", "bin_prob", "flat") for kw in _THRESHOLD_VARIANTS]
    STATEFUL_CASES += [
        (_cls, {"top_k": 2}, "onehot", "prob", "flat"),
        (_cls, {"top_k": 1}, "onehot", "tie_pred", "flat"),
        (_cls, {"class_id": 1}, "onehot", "prob", "flat"),
        (_cls, {"class_id": 2, "thresholds": [0.1, 0.3]}, "onehot", "prob", "flat"),
        (_cls, {"top_k": 2, "class_id": 0}, "onehot", "prob", "flat"),
        (_cls, {"top_k": 1, "thresholds": 0.3}, "onehot", "prob", "flat"),
    ]
STATEFUL_CASES += [
    ("AUC", {}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"num_thresholds": 5}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"num_thresholds": 7, "summation_method": "majoring"}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"curve": "PR"}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"curve": "PR", "num_thresholds": 6}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"curve": "PR", "num_thresholds": 9, "summation_method": "minoring"}, "bin_true",
     "bin_prob", "flat"),
    ("AUC", {"curve": "PR", "num_thresholds": 9, "summation_method": "majoring"}, "bin_true",
     "bin_prob", "flat"),
    ("AUC", {"thresholds": [0.7, 0.1, 0.4]}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"curve": "PR", "thresholds": [0.25, 0.5, 0.75]}, "bin_true", "bin_prob", "flat"),
    ("AUC", {"num_thresholds": 50}, "onehot", "prob", "flat"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "bin_true", "bin_prob", "flat"),
    ("SensitivityAtSpecificity", {"specificity": 0.8, "num_thresholds": 7}, "bin_true",
     "bin_prob", "flat"),
    ("SensitivityAtSpecificity", {"specificity": 0.3, "num_thresholds": 1}, "bin_true",
     "bin_prob", "flat"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5}, "bin_true", "bin_prob", "flat"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.9, "num_thresholds": 11}, "bin_true",
     "bin_prob", "flat"),
]
# Mean / Sum take values only: (class, kwargs, values, None, kind)
STATEFUL_CASES += [("Mean", {}, "reg_pred", None, "flat"), ("Sum", {}, "reg_pred", None, "flat"),
                   ("Mean", {}, "seq_reg_pred", None, "seq")]
STATEFUL_WEIGHTS = {"flat": [None, "sw", "sw_col"], "seq": [None, "sw_seq", "sw_seq_1d"]}

RESOLUTION_LOSSES = [
    {"kind": "str", "name": "binary_crossentropy"},
    {"kind": "str", "name": "categorical_crossentropy"},
    {"kind": "str", "name": "sparse_categorical_crossentropy"},
    {"kind": "str", "name": "mse"},
    {"kind": "str", "name": "hinge"},
    {"kind": "fn", "name": "binary_crossentropy"},
    {"kind": "fn", "name": "sparse_categorical_crossentropy"},
    {"kind": "fn", "name": "categorical_crossentropy"},
    {"kind": "fn", "name": "mean_absolute_error"},
    {"kind": "obj", "name": "BinaryCrossentropy", "kwargs": {}},
    {"kind": "obj", "name": "BinaryCrossentropy", "kwargs": {"from_logits": True}},
    {"kind": "obj", "name": "SparseCategoricalCrossentropy", "kwargs": {}},
    {"kind": "obj", "name": "CategoricalCrossentropy", "kwargs": {}},
    {"kind": "obj", "name": "MeanSquaredError", "kwargs": {}},
    {"kind": "custom", "name": "my_loss"},
]
RESOLUTION_SHAPES = [[1], [2], [3], [5, 1], [5, 4]]
RESOLUTION_METRICS = ["accuracy", "acc", "crossentropy", "ce"]


def _tolist(value):
    value = np.asarray(value, dtype=np.float64)
    return value.tolist()


def _rows(array, rows):
    return array if rows is None else array[rows[0]:rows[1]]


def loss_function_cases(arrays):
    out = []
    for fn, kwargs, yt, yp in LOSS_FUNCTION_CASES:
        K.clear_session()  # a fresh graph per case keeps every K.eval cheap
        value = K.eval(getattr(losses, fn)(K.constant(arrays[yt]), K.constant(arrays[yp]),
                                           **kwargs))
        out.append({"fn": fn, "kwargs": kwargs, "y_true": yt, "y_pred": yp,
                    "result": _tolist(value)})
    return out


def loss_class_cases(arrays):
    out = []
    for cls, kwargs, yt, yp, kind in LOSS_CLASS_CASES:
        for reduction in REDUCTIONS:
            for sw in WEIGHTS[kind]:
                K.clear_session()
                loss = getattr(losses, cls)(reduction=reduction, **kwargs)
                weight = None if sw is None else K.constant(arrays[sw])
                value = K.eval(loss(K.constant(arrays[yt]), K.constant(arrays[yp]),
                                    sample_weight=weight))
                out.append({"class": cls, "kwargs": kwargs, "reduction": reduction,
                            "y_true": yt, "y_pred": yp, "sample_weight": sw,
                            "result": _tolist(value)})
    return out


def metric_function_cases(arrays):
    out = []
    for fn, kwargs, yt, yp in METRIC_FUNCTION_CASES:
        K.clear_session()
        value = K.eval(getattr(metrics, fn)(K.constant(arrays[yt]), K.constant(arrays[yp]),
                                            **kwargs))
        out.append({"fn": fn, "kwargs": kwargs, "y_true": yt, "y_pred": yp,
                    "result": _tolist(value)})
    return out


def stateful_cases(arrays):
    out = []
    for cls, kwargs, yt, yp, kind in STATEFUL_CASES:
        batches = FLAT_BATCHES if kind == "flat" else SEQ_BATCHES
        for sw in STATEFUL_WEIGHTS[kind]:
            K.clear_session()
            metric = getattr(metrics, cls)(**kwargs)
            session = K.get_session()
            session.run([v.initializer for v in metric.weights])
            case = {"class": cls, "kwargs": kwargs, "y_true": yt, "y_pred": yp,
                    "sample_weight": sw, "batches": batches}
            try:
                for rows in batches:
                    weight = None if sw is None else K.constant(_rows(arrays[sw], rows))
                    if yp is None:
                        ops = metric.update_state(K.constant(_rows(arrays[yt], rows)),
                                                  sample_weight=weight)
                    else:
                        ops = metric.update_state(K.constant(_rows(arrays[yt], rows)),
                                                  K.constant(_rows(arrays[yp], rows)),
                                                  sample_weight=weight)
                    session.run(ops)
            except ValueError as error:
                # Keras rejects the combination (e.g. class_id with (N, 1) weights): recorded.
                case["keras_error"] = "%s: %s" % (type(error).__name__, error)
            else:
                case["result"] = _tolist(session.run(metric.result()))
            out.append(case)
    return out


def _my_loss(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def _loss_object(spec):
    if spec["kind"] == "str":
        return spec["name"]
    if spec["kind"] == "fn":
        return getattr(losses, spec["name"])
    if spec["kind"] == "obj":
        return getattr(losses, spec["name"])(**spec["kwargs"])
    return _my_loss


def resolution_cases(arrays=None):
    out = []
    for spec in RESOLUTION_LOSSES:
        for shape in RESOLUTION_SHAPES:
            K.clear_session()
            model = Sequential()
            if len(shape) == 1:
                model.add(layers.Dense(shape[0], input_shape=(3,)))
            else:
                model.add(layers.Dense(shape[1], input_shape=(shape[0], 3)))
            model.compile("sgd", loss=_loss_object(spec), metrics=list(RESOLUTION_METRICS))
            resolved = {}
            for name, metric in model._per_output_metrics[0].items():
                resolved[name] = metric._fn.__name__
            out.append({"loss": spec, "output_shape": [None] + shape, "resolved": resolved,
                        "metrics_names": list(model.metrics_names)})
    return out


def main(out):
    arrays = make_inputs()
    result = {
        "_meta": {"keras": keras.__version__, "backend": K.backend(),
                  "tensorflow": __import__("tensorflow").__version__, "floatx": K.floatx(),
                  "epsilon": K.epsilon(), "generator": "tools/keras231/make_loss_fixtures.py"},
        "inputs": {k: v.tolist() for k, v in arrays.items()},
    }
    for key, make in [("loss_functions", loss_function_cases), ("loss_classes", loss_class_cases),
                      ("metric_functions", metric_function_cases),
                      ("stateful_metrics", stateful_cases), ("resolution", resolution_cases)]:
        start = time.time()
        result[key] = make(arrays)
        print(key, len(result[key]), "cases in %.1fs" % (time.time() - start), file=sys.stderr)
    _preamble.write_json(out, result, separators=(",", ":"))
    counts = {k: len(v) for k, v in result.items() if isinstance(v, list)}
    print("wrote", out, counts)


if __name__ == "__main__":
    main(_preamble.output_path(__doc__))
