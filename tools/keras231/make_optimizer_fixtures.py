"""Optimizer parity fixtures from real Keras 2.3.1: weights after 10 train_on_batch steps.

Run under the Keras 2.3.1 environment (Python 3.7, tensorflow==1.15.5, keras==2.3.1):

    /tmp/keras231/bin/python tools/keras231/make_optimizer_fixtures.py \
        packages/optimizers/tests/fixtures/keras231_optimizers.json

A tiny Dense(3, tanh) -> Dense(1) model, fixed initial weights and batches, mean squared error.
"""
from __future__ import print_function

import _preamble

_preamble.setup_environment()

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import backend as K  # noqa: E402
from keras import layers, optimizers  # noqa: E402
from keras.models import Sequential  # noqa: E402

CASES = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum_nesterov_decay", "SGD",
     {"lr": 0.1, "momentum": 0.9, "nesterov": True, "decay": 0.01}),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
    ("adadelta", "Adadelta", {"lr": 1.0}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_amsgrad_decay", "Adam", {"lr": 0.01, "amsgrad": True, "decay": 0.05}),
    ("adamax", "Adamax", {"lr": 0.02}),
    ("nadam", "Nadam", {"lr": 0.02}),
    ("adam_clipnorm", "Adam", {"lr": 0.01, "clipnorm": 0.1}),
    ("sgd_clipvalue", "SGD", {"lr": 0.1, "clipvalue": 0.05}),
]


def main(out):
    rs = np.random.RandomState(3)
    x = rs.uniform(-1, 1, (40, 4)).astype("float32")
    y = rs.uniform(-1, 1, (40, 1)).astype("float32")
    w0 = [rs.uniform(-0.5, 0.5, s).astype("float32") for s in [(4, 3), (3,), (3, 1), (1,)]]
    result = {"x": x.tolist(), "y": y.tolist(), "initial_weights": [w.tolist() for w in w0],
              "steps": 10, "batch_size": 4, "cases": {},
              "_meta": {"keras": keras.__version__,
                        "generator": "tools/keras231/make_optimizer_fixtures.py"}}
    for name, cls, kwargs in CASES:
        K.clear_session()
        model = Sequential([layers.Dense(3, activation="tanh", input_shape=(4,)), layers.Dense(1)])
        model.set_weights(w0)
        model.compile(getattr(optimizers, cls)(**kwargs), "mse")
        losses = []
        for step in range(10):
            part = slice(step * 4, (step + 1) * 4)
            losses.append(float(model.train_on_batch(x[part], y[part])))
        result["cases"][name] = {"class_name": cls, "kwargs": kwargs, "losses": losses,
                                 "final_weights": [w.tolist() for w in model.get_weights()]}
    _preamble.write_json(out, result)


if __name__ == "__main__":
    main(_preamble.output_path(__doc__))
