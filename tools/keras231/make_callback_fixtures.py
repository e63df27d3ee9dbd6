"""Record REAL Keras 2.3.1 callback behaviour on fixed sequences of monitored values.

No training: each callback is driven directly with synthetic epoch logs and a stand-in model
(``stop_training``, ``get_weights``/``set_weights`` returning the epoch number, ``save`` /
``save_weights`` recording the file name, a real Keras optimizer for the learning rate), the
way Keras's fit loop calls it. lamella's tests drive lamella's callbacks the same way
(packages/callbacks/tests/test_keras_parity.py) and must reproduce these records.

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python tools/keras231/make_callback_fixtures.py \
        packages/callbacks/tests/fixtures/keras231_callbacks.json
"""
from __future__ import print_function

import contextlib
import io
import itertools
import json
import os
import shutil
import sys
import tempfile
import warnings

import _preamble

_preamble.setup_environment()

import numpy as np  # noqa: E402
from keras import backend as K  # noqa: E402
from keras import callbacks as kc  # noqa: E402

warnings.simplefilter('ignore')

LOSS = [1.0, 0.9, 0.95, 0.85, 0.86, 0.86, 0.84, 0.9, 0.91, 0.92, 0.93, 0.8, 0.81, 0.82]
ACC = [0.5, 0.6, 0.65, 0.64, 0.66, 0.66, 0.65, 0.67, 0.67, 0.67, 0.66, 0.7]
SMALL = [0.5, 0.5, 0.4999, 0.49, 0.4899, 0.48, 0.48, 0.47995, 0.4799, 0.47, 0.4701, 0.4702]
SEQUENCES = {'loss': LOSS, 'acc': ACC, 'small': SMALL}


class FakeOptimizer(object):
    def __init__(self, lr):
        self.lr = K.variable(lr, name='lr')


class FakeModel(object):
    def __init__(self, lr=0.1):
        self.stop_training = False
        self.epoch = 0
        self.restored = []
        self.saved = []
        self.optimizer = FakeOptimizer(lr)

    def get_weights(self):
        return [np.array([self.epoch], dtype='float32')]

    def set_weights(self, weights):
        self.restored.append(None if weights is None else int(weights[0][0]))

    def save(self, filepath, overwrite=True):
        self.saved.append(['save', filepath])

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(['save_weights', filepath])


def drive(callback, model, logs_per_epoch, probe=None):
    """Keras's epoch loop; returns per-epoch probes, epochs run and captured stdout."""
    callback.set_model(model)
    callback.set_params({'epochs': len(logs_per_epoch), 'verbose': 0})
    out = io.StringIO() if sys.version_info[0] >= 3 else None
    probes, epochs = [], []
    with contextlib.redirect_stdout(out):
        callback.on_train_begin({})
        for epoch, logs in enumerate(logs_per_epoch):
            model.epoch = epoch
            callback.on_epoch_begin(epoch, {})
            logs = dict(logs)
            callback.on_epoch_end(epoch, logs)
            epochs.append(epoch)
            if probe is not None:
                probes.append(probe(callback, model, logs))
            if model.stop_training:
                break
        callback.on_train_end({})
    return probes, epochs, out.getvalue()


def number(x):
    x = float(x)
    return x


def early_stopping_cases():
    cases = []
    grid = []
    for seq, monitor in (('loss', 'val_loss'), ('acc', 'val_acc'), ('small', 'val_loss')):
        for patience, min_delta, mode in itertools.product((0, 1, 3), (0, 0.02),
                                                            ('auto', 'min', 'max')):
            grid.append((seq, monitor, patience, min_delta, mode, None, False))
    grid += [
        ('loss', 'val_loss', 2, 0, 'auto', 0.9, True),
        ('loss', 'val_loss', 2, 0, 'auto', 0.8, True),
        ('loss', 'val_loss', 3, 0, 'auto', 0.5, False),
        ('acc', 'val_acc', 2, 0, 'auto', 0.62, True),
        ('acc', 'val_acc', 1, 0.01, 'max', 0.7, True),
        ('loss', 'val_loss', 2, 0.01, 'auto', None, True),
        ('small', 'val_loss', 1, 0.0001, 'min', None, True),
        ('small', 'loss', 2, -0.001, 'auto', None, True),
        ('acc', 'acc', 0, 0, 'auto', None, True),
        ('loss', 'val_loss', 2, 0, 'bogus', None, False),
    ]
    for seq, monitor, patience, min_delta, mode, baseline, restore in grid:
        config = dict(monitor=monitor, patience=patience, min_delta=min_delta, mode=mode,
                      baseline=baseline, restore_best_weights=restore, verbose=1)
        cb = kc.EarlyStopping(**config)
        model = FakeModel()
        logs = [{monitor: v} for v in SEQUENCES[seq]]
        probes, epochs, out = drive(cb, model, logs,
                                    lambda c, m, l: {'wait': c.wait, 'best': number(c.best)})
        cases.append({'config': config, 'sequence': seq, 'epochs_run': epochs,
                      'stopped_epoch': cb.stopped_epoch, 'probes': probes,
                      'restored': model.restored, 'stdout': out})
    return cases


def reduce_lr_cases():
    cases = []
    grid = []
    for seq, monitor in (('loss', 'val_loss'), ('acc', 'val_acc'), ('small', 'val_loss')):
        for factor, patience, cooldown, min_lr, min_delta in itertools.product(
                (0.5,), (0, 1, 2), (0, 2), (0, 0.02), (1e-4, 0.02)):
            grid.append((seq, monitor, dict(factor=factor, patience=patience, cooldown=cooldown,
                                            min_lr=min_lr, min_delta=min_delta)))
    grid += [
        ('loss', 'val_loss', dict(factor=0.5, patience=1, epsilon=0.05)),
        ('acc', 'val_acc', dict(factor=0.5, patience=1, mode='min')),
        ('loss', 'val_loss', dict(factor=0.5, patience=1, mode='max')),
        ('loss', 'val_loss', dict(factor=0.2, patience=0, min_lr=0.001)),
        ('small', 'val_loss', dict(factor=0.1, patience=1, cooldown=1, min_lr=0.0005)),
    ]
    for seq, monitor, kwargs in grid:
        config = dict(kwargs, monitor=monitor, verbose=1)
        K.clear_session()
        cb = kc.ReduceLROnPlateau(**config)
        model = FakeModel(lr=0.1)
        logs = [{monitor: v} for v in SEQUENCES[seq]]
        probes, epochs, out = drive(cb, model, logs, lambda c, m, l: {
            'logs_lr': number(l['lr']), 'lr_after': number(K.get_value(m.optimizer.lr)),
            'wait': c.wait, 'cooldown_counter': c.cooldown_counter, 'best': number(c.best)})
        cases.append({'config': config, 'sequence': seq, 'probes': probes, 'stdout': out})
    return cases


def scheduler_cases():
    schedules = {
        'halve_after_2(epoch)': lambda epoch: 0.1 if epoch < 2 else 0.05,
        'times_0.9(epoch, lr)': lambda epoch, lr: lr * 0.9,
        'step(epoch, lr)': lambda epoch, lr: lr if epoch % 2 else lr / 2.0,
    }
    cases = []
    for name, schedule in sorted(schedules.items()):
        K.clear_session()
        cb = kc.LearningRateScheduler(schedule, verbose=1)
        model = FakeModel(lr=0.1)
        probes, epochs, out = drive(cb, model, [{'loss': 1.0}] * 5, lambda c, m, l: {
            'logs_lr': number(l['lr']), 'lr': number(K.get_value(m.optimizer.lr))})
        cases.append({'schedule': name, 'probes': probes, 'stdout': out})
    K.clear_session()
    cb = kc.LearningRateScheduler(lambda epoch: 1)
    cb.set_model(FakeModel(lr=0.1))
    try:
        cb.on_epoch_begin(0, {})
        error = None
    except ValueError as exc:
        error = str(exc)
    cases.append({'schedule': 'returns_int(epoch)', 'error': error})
    return cases


def checkpoint_cases():
    cases = []
    grid = [
        ('loss', 'val_loss', dict(save_best_only=True)),
        ('loss', 'val_loss', dict(save_best_only=True, save_weights_only=True)),
        ('loss', 'val_loss', dict(save_best_only=False, period=3)),
        ('loss', 'val_loss', dict(save_best_only=True, period=2)),
        ('loss', 'val_loss', dict(save_best_only=True, mode='max')),
        ('acc', 'val_acc', dict(save_best_only=True)),
        ('acc', 'val_acc', dict(save_best_only=True, mode='min')),
        ('acc', 'fmeasure_x', dict(save_best_only=True)),
        ('small', 'val_loss', dict(save_best_only=True)),
        ('loss', 'val_missing', dict(save_best_only=True)),
        ('loss', 'val_loss', dict(save_best_only=True, mode='bogus')),
    ]
    template = 'ckpt/weights.{epoch:02d}-{%s:.3f}.h5'
    for seq, monitor, kwargs in grid:
        key = 'val_loss' if monitor == 'val_missing' else monitor
        filepath = template % key
        config = dict(kwargs, monitor=monitor, verbose=1, filepath=filepath)
        cb = kc.ModelCheckpoint(**config)
        model = FakeModel()
        logs = [{key: v, 'loss': v + 0.125} for v in SEQUENCES[seq]]
        probes, epochs, out = drive(cb, model, logs, lambda c, m, l: {'best': number(c.best)})
        cases.append({'config': config, 'sequence': seq, 'saved': model.saved,
                      'probes': probes, 'stdout': out})
    return cases


def csv_cases():
    folder = tempfile.mkdtemp()
    cases = []

    def run(name, logs_per_epoch, stop_at=None, **kwargs):
        path = os.path.join(folder, name)
        cb = kc.CSVLogger(path, **kwargs)
        model = FakeModel()
        cb.set_model(model)
        cb.on_train_begin({})
        for epoch, logs in enumerate(logs_per_epoch):
            cb.on_epoch_begin(epoch, {})
            if stop_at == epoch:
                model.stop_training = True
            cb.on_epoch_end(epoch, dict(logs))
            if model.stop_training:
                break
        cb.on_train_end({})
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8')

    three = [{'loss': 0.5 - 0.1 * e, 'val_loss': 0.6 - 0.05 * e, 'acc': 0.25 * e}
             for e in range(3)]
    cases.append({'name': 'basic', 'kwargs': {}, 'runs': [three],
                  'text': run('basic.csv', three)})
    cases.append({'name': 'separator', 'kwargs': {'separator': ';'}, 'runs': [three],
                  'text': run('sep.csv', three, separator=';')})
    with_lr = [dict(l, lr=0.001, zeta=1e-07) for l in three]
    cases.append({'name': 'sorted_keys', 'kwargs': {}, 'runs': [with_lr],
                  'text': run('sorted.csv', with_lr)})
    stopped = [three[0], {'loss': 0.25}]
    cases.append({'name': 'stopped_missing_na', 'kwargs': {}, 'runs': [stopped],
                  'stop_at': 1, 'text': run('stopped.csv', stopped, stop_at=1)})
    odd = [{'loss': 0.5, 'note': 'a,b', 'vec': [1, 2]}]
    cases.append({'name': 'strings_and_lists', 'kwargs': {}, 'runs': [odd],
                  'text': run('odd.csv', odd)})
    run('append.csv', three[:2], append=True)
    text = run('append.csv', three[:1], append=True)
    cases.append({'name': 'append', 'kwargs': {'append': True}, 'runs': [three[:2], three[:1]],
                  'text': text})
    run('overwrite.csv', three)
    text = run('overwrite.csv', three[:1])
    cases.append({'name': 'overwrite', 'kwargs': {}, 'runs': [three, three[:1]], 'text': text})
    shutil.rmtree(folder)
    return cases


def terminate_cases():
    cases = []
    for loss in (1.0, float('nan'), float('inf')):
        cb = kc.TerminateOnNaN()
        model = FakeModel()
        cb.set_model(model)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cb.on_batch_end(3, {'loss': loss, 'size': 2, 'batch': 3})
        cases.append({'loss': repr(loss), 'stop_training': model.stop_training,
                      'stdout': out.getvalue()})
    return cases


def main():
    target = _preamble.output_path(__doc__, 'keras231_callbacks.json')
    meta = _preamble.versions('tools/keras231/make_callback_fixtures.py')
    meta['sequences'] = SEQUENCES
    data = {
        '_meta': meta,
        'early_stopping': early_stopping_cases(),
        'reduce_lr_on_plateau': reduce_lr_cases(),
        'learning_rate_scheduler': scheduler_cases(),
        'model_checkpoint': checkpoint_cases(),
        'csv_logger': csv_cases(),
        'terminate_on_nan': terminate_cases(),
    }
    # One case per line: small, and diffs stay readable.
    lines = ['{']
    keys = sorted(data)
    for i, key in enumerate(keys):
        value = data[key]
        if isinstance(value, list):
            lines.append(' %s: [' % json.dumps(key))
            lines.extend('  %s%s' % (json.dumps(case, sort_keys=True), ',' if j < len(value) - 1
                                     else '') for j, case in enumerate(value))
            lines.append(' ]%s' % (',' if i < len(keys) - 1 else ''))
        else:
            lines.append(' %s: %s%s' % (json.dumps(key), json.dumps(value, sort_keys=True),
                                        ',' if i < len(keys) - 1 else ''))
    lines.append('}')
    with open(target, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    print('wrote', target, {k: len(v) for k, v in data.items() if k != '_meta'})


if __name__ == '__main__':
    main()
