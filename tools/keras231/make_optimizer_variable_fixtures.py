"""Optimizer hyper-parameters as variables, from real Keras 2.3.1: K.set_value between batches.

Run under the Keras 2.3.1 environment (Python 3.7, tensorflow==1.15.5, keras==2.3.1), from the
repository root:

    /work/k231/bin/python tools/keras231/make_optimizer_variable_fixtures.py .

Writes two fixtures under the given repository root:

- ``packages/optimizers/tests/fixtures/keras231_optimizer_variables.json``: the model of
  ``make_optimizer_fixtures.py`` (Dense(3, tanh) -> Dense(1), mse, batches of 4) trained with
  ``train_on_batch`` for 10 steps, with ``K.set_value`` on ``lr``, ``momentum``/``rho``/
  ``beta_1``, ``decay`` and ``iterations`` before given steps; losses, final weights, the
  variables' values (``K.get_value``) and ``get_config()`` afterwards.
- ``integration_tests/fixtures/keras231_lr_callback.json``: ``fit`` with a Keras-2.3-style
  custom callback that calls ``K.set_value(self.model.optimizer.lr, ...)`` at each epoch's
  start and records ``K.get_value(lr)`` and ``K.eval(iterations)`` at its end.

Only optimizers whose Keras 2.3.1 update is deterministic on TF 1.x are recorded (Adam's and
Nadam's read of ``iterations`` races its increment; see README.md).
"""
from __future__ import print_function

import os

import _preamble

_preamble.setup_environment(hash_seed=True)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import backend as K  # noqa: E402
from keras import layers, optimizers  # noqa: E402
from keras.models import Sequential  # noqa: E402

_preamble.quiet_tensorflow()
GENERATOR = 'tools/keras231/make_optimizer_variable_fixtures.py'

# (name, class, constructor kwargs, {step: [[attribute, value], ...]}): before train step
# `step`, K.set_value(optimizer.<attribute>, value).
CASES = [
    ('sgd_lr', 'SGD', {'lr': 0.1},
     {3: [['lr', 0.02]], 6: [['lr', 0.3]]}),
    ('sgd_momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9},
     {2: [['momentum', 0.5]], 5: [['lr', 0.05], ['momentum', 0.0]]}),
    ('sgd_decay_iterations', 'SGD', {'lr': 0.1, 'momentum': 0.5, 'decay': 0.1},
     {3: [['decay', 0.5]], 5: [['iterations', 40]], 8: [['learning_rate', 0.2]]}),
    ('rmsprop_rho', 'RMSprop', {'lr': 0.01},
     {4: [['rho', 0.5], ['lr', 0.03]]}),
    ('adagrad_lr', 'Adagrad', {'lr': 0.1},
     {5: [['lr', 0.5]]}),
]


def _tiny_model(w0):
    model = Sequential([layers.Dense(3, activation='tanh', input_shape=(4,)), layers.Dense(1)])
    model.set_weights(w0)
    return model


def optimizer_cases(meta):
    rs = np.random.RandomState(3)
    x = rs.uniform(-1, 1, (40, 4)).astype('float32')
    y = rs.uniform(-1, 1, (40, 1)).astype('float32')
    w0 = [rs.uniform(-0.5, 0.5, s).astype('float32') for s in [(4, 3), (3,), (3, 1), (1,)]]
    result = {'x': x.tolist(), 'y': y.tolist(), 'initial_weights': [w.tolist() for w in w0],
              'steps': 10, 'batch_size': 4, 'cases': {}, '_meta': meta}
    for name, cls, kwargs, changes in CASES:
        _preamble.reset()
        model = _tiny_model(w0)
        optimizer = getattr(optimizers, cls)(**kwargs)
        model.compile(optimizer, 'mse')
        losses = []
        for step in range(10):
            for attribute, value in changes.get(step, []):
                K.set_value(getattr(optimizer, attribute), value)
            part = slice(step * 4, (step + 1) * 4)
            losses.append(float(model.train_on_batch(x[part], y[part])))
        names = ['iterations', 'learning_rate', 'decay', 'momentum', 'rho']
        values = {n: _preamble.to_py(K.get_value(getattr(optimizer, n)))
                  for n in names if hasattr(optimizer, n) and K.is_variable(getattr(optimizer, n))}
        result['cases'][name] = {
            'class_name': cls, 'kwargs': kwargs,
            'set_value': {str(k): v for k, v in sorted(changes.items())},
            'losses': losses, 'final_weights': [w.tolist() for w in model.get_weights()],
            'variables': values, 'config': optimizer.get_config()}
    return result


class EpochLR(keras.callbacks.Callback):
    """The hand-written schedule of many Keras 2.3 scripts."""

    def __init__(self, rates):
        super(EpochLR, self).__init__()
        self.rates = rates
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        K.set_value(self.model.optimizer.lr, self.rates[epoch])

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append([float(K.get_value(self.model.optimizer.lr)),
                          int(K.eval(self.model.optimizer.iterations))])


def callback_cases(meta):
    rs = np.random.RandomState(7)
    x = rs.uniform(-1, 1, (24, 4)).astype('float32')
    y = rs.uniform(-1, 1, (24, 1)).astype('float32')
    w0 = [rs.uniform(-0.5, 0.5, s).astype('float32') for s in [(4, 3), (3,), (3, 1), (1,)]]
    rates = [0.1, 0.05, 0.2, 0.01]
    result = {'x': x.tolist(), 'y': y.tolist(), 'initial_weights': [w.tolist() for w in w0],
              'rates': rates, 'epochs': 4, 'batch_size': 8, 'cases': {}, '_meta': meta}
    for name, cls, kwargs in [('sgd_momentum', 'SGD', {'lr': 0.5, 'momentum': 0.9}),
                              ('rmsprop', 'RMSprop', {'lr': 0.001})]:
        _preamble.reset()
        model = _tiny_model(w0)
        model.compile(getattr(optimizers, cls)(**kwargs), 'mse')
        callback = EpochLR(rates)
        history = model.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0,
                            callbacks=[callback])
        result['cases'][name] = {
            'class_name': cls, 'kwargs': kwargs, 'loss': _preamble.to_py(history.history['loss']),
            'seen': callback.seen, 'final_weights': [w.tolist() for w in model.get_weights()]}
    return result


def main(root):
    meta = _preamble.versions(GENERATOR)
    out = os.path.join(root, 'packages/optimizers/tests/fixtures/keras231_optimizer_variables.json')
    _preamble.write_json(out, optimizer_cases(meta), newline=True, indent=1, sort_keys=True)
    out = os.path.join(root, 'integration_tests/fixtures/keras231_lr_callback.json')
    _preamble.write_json(out, callback_cases(meta), newline=True, indent=1, sort_keys=True)


if __name__ == '__main__':
    main(_preamble.output_path(__doc__, default='.'))
