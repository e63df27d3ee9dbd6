"""The model zoo of the Keras 3 interop tests, written once for both APIs.

Every builder takes ``K``, a namespace with ``layers``, ``Sequential``, ``Model`` and ``Input``,
filled either from lamella or from Keras 3 (``keras`` with ``KERAS_BACKEND=torch``), so the two
sides build twins with the same layer names and weight order. Only constructs that Keras 2.3 and
Keras 3 both accept are used (``input_shape=`` on a Sequential's first layer, no
``Embedding(input_length=)``, ``GRU(reset_after=True)`` spelled out since the defaults differ).

This file must import neither lamella nor keras: the tests import it in the lamella process and
tools/keras3_fixtures/keras3_side.py imports it in the Keras 3 process.
"""

import numpy as np

SEED = 1234


def dense(K):
    L = K.layers
    return K.Sequential([
        L.Dense(8, activation="relu", input_shape=(4,), name="d1"),
        L.Dense(3, activation="softmax", name="d2"),
    ], name="dense")


def conv(K):
    L = K.layers
    return K.Sequential([
        L.Conv2D(4, 3, activation="relu", input_shape=(9, 9, 3), name="c1"),
        L.MaxPooling2D(2, name="mp"),
        L.Conv2D(5, 2, padding="same", name="c2"),
        L.AveragePooling2D(2, name="ap"),
        L.Flatten(name="fl"),
        L.Dense(2, name="out"),
    ], name="conv")


def batchnorm(K):
    L = K.layers
    return K.Sequential([
        L.Dense(6, input_shape=(5,), name="d1"),
        L.BatchNormalization(name="bn"),
        L.Dense(2, name="d2"),
    ], name="batchnorm")


def embedding(K):
    L = K.layers
    return K.Sequential([
        L.Embedding(20, 5, input_shape=(6,), name="emb"),
        L.Flatten(name="fl"),
        L.Dense(3, name="out"),
    ], name="embedding")


def lstm(K):
    L = K.layers
    return K.Sequential([
        L.LSTM(5, return_sequences=True, input_shape=(7, 3), name="l1"),
        L.LSTM(4, name="l2"),
    ], name="lstm")


def gru(K):
    L = K.layers
    return K.Sequential([
        L.GRU(5, return_sequences=True, reset_after=True, input_shape=(7, 3), name="g1"),
        L.GRU(4, reset_after=True, name="g2"),
    ], name="gru")


def bidirectional(K):
    L = K.layers
    return K.Sequential([
        L.Bidirectional(L.LSTM(4, return_sequences=True), input_shape=(6, 3), name="bi1"),
        L.Bidirectional(L.GRU(3, reset_after=True), merge_mode="sum", name="bi2"),
    ], name="bidirectional")


def timedistributed(K):
    L = K.layers
    return K.Sequential([
        L.TimeDistributed(L.Dense(4, activation="tanh"), input_shape=(5, 3), name="td"),
        L.Flatten(name="fl"),
        L.Dense(2, name="out"),
    ], name="timedistributed")


def multi_io(K):
    L = K.layers
    a = K.Input(shape=(4,), name="in_a")
    b = K.Input(shape=(6,), name="in_b")
    ha = L.Dense(5, activation="relu", name="da")(a)
    hb = L.Dense(5, activation="relu", name="db")(b)
    h = L.Concatenate(name="cat")([ha, hb])
    out_a = L.Dense(2, name="out_a")(h)
    out_b = L.Dense(1, activation="sigmoid", name="out_b")(L.Add(name="add")([ha, hb]))
    return K.Model([a, b], [out_a, out_b], name="multi_io")


def nested(K):
    L = K.layers
    inner = K.Sequential([
        L.Dense(6, activation="relu", input_shape=(4,), name="inner_d1"),
        L.Dense(3, name="inner_d2"),
    ], name="inner")
    x = K.Input(shape=(4,), name="x")
    h = inner(x)
    out = L.Dense(2, name="head")(L.Concatenate(name="cat")([h, x]))
    return K.Model(x, out, name="nested")


def nested_functional(K):
    L = K.layers
    i = K.Input(shape=(4,), name="inner_in")
    inner = K.Model(i, L.Dense(3, activation="tanh", name="inner_d")(i), name="inner_f")
    x = K.Input(shape=(4,), name="x")
    out = L.Dense(2, name="head")(inner(x))
    return K.Model(x, out, name="nested_functional")


BUILDERS = {f.__name__: f for f in (dense, conv, batchnorm, embedding, lstm, gru, bidirectional,
                                    timedistributed, multi_io, nested, nested_functional)}

# Models compiled before saving (so the file has a training_config and optimizer weights), with
# Keras 3 loss/optimizer names that Keras 2.3 also knows.
COMPILED = {
    "dense": {"optimizer": "adam", "loss": "categorical_crossentropy", "metrics": ["accuracy"]},
    "batchnorm": {"optimizer": "sgd", "loss": "mean_squared_error"},
    "multi_io": {"optimizer": "rmsprop", "loss": ["mean_squared_error", "binary_crossentropy"],
                 "loss_weights": [1.0, 0.5]},
}


def input_shapes(model):
    """The input shapes (without the batch axis) of a built model, a list in input order."""
    shapes = []
    for t in model.inputs:
        shape = t.shape if hasattr(t, "shape") else t
        shapes.append(tuple(int(d) for d in tuple(shape)[1:]))
    return shapes


def make_inputs(name, shapes, n=5):
    rng = np.random.RandomState(SEED)
    if name == "embedding":
        return [rng.randint(0, 20, size=(n,) + shapes[0]).astype("int32")]
    return [rng.uniform(-1, 1, size=(n,) + s).astype("float32") for s in shapes]


def make_targets(model_name, outputs):
    rng = np.random.RandomState(SEED + 1)
    ys = []
    for o in outputs:
        if model_name == "dense":
            y = np.eye(o.shape[-1], dtype="float32")[rng.randint(0, o.shape[-1], len(o))]
        else:
            y = rng.uniform(0, 1, size=o.shape).astype("float32")
        ys.append(y)
    return ys


def randomize(model, seed=SEED):
    """Non-trivial weights (biases, BN statistics included) from a seeded generator."""
    rng = np.random.RandomState(seed)
    # lamella's weights are torch tensors without a ``.name``; it lists Keras's names apart.
    names = model.keras_weight_names() if hasattr(model, "keras_weight_names") \
        else [w.name for w in model.weights]
    values = []
    for name, v in zip(names, model.get_weights()):
        if "moving_variance" in name:
            values.append(rng.uniform(0.5, 1.5, size=v.shape).astype(v.dtype))
        else:
            values.append(rng.uniform(-0.5, 0.5, size=v.shape).astype(v.dtype))
    model.set_weights(values)
