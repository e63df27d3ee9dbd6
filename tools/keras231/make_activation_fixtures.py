"""Generate activation / regularizer / constraint / initializer parity fixtures from REAL
Keras 2.3.1 for lamella-layers' tests (``packages/layers/tests/test_keras_parity_functions.py``).

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python \
        tools/keras231/make_activation_fixtures.py packages/layers/tests/fixtures/keras231/

Writes ``functions.json`` (the records) and ``functions.npz`` (the arrays):

* ``activations``: ``keras.activations.<name>(x, **kwargs)`` on fixed inputs (``act/x3``, a
  rank-3 input holding the interesting points 0, ±threshold, max_value, ±2.5 ...; ``act/x2``
  rank 2), the output ``act/<id>``; plus ``serialize(get(name))`` per name.
* ``regularizers``: the penalty ``K.eval(reg(w))`` on fixed weights (``reg/w2``, ``reg/w4``),
  the Keras constructor used (``make``) and ``regularizers.serialize(reg)``; ``dense_losses``:
  a ``Dense`` with kernel/bias/activity regularizers, its fixed weights and ``layer.losses``.
* ``constraints``: ``K.eval(constraint(w))`` on fixed weights (``con/w2``, ``con/w4``), with
  ``constraints.serialize``; ``string_configs`` what each string alias resolves to.
* ``initializers``: deterministic ones (Zeros, Ones, Constant, Identity, seeded Orthogonal:
  NumPy's RandomState + SVD, so reproducible) as arrays ``init/<id>`` (``/second`` = the next
  call of the same object, whose seed was incremented); random ones as statistics of a
  100 000-value draw (mean, std, min, max, quantiles); ``fans``: for each kernel-bearing layer,
  the shape Keras passes to each ``*_initializer`` and ``_compute_fans`` of it.
* ``masked_training``: the Embedding(mask_zero) -> TimeDistributed(Dense) -> LSTM model (last
  output; and ``return_sequences=True``, whose output mask Keras applies to the loss) and a
  masked Add/Concatenate model: the randomized weights, the predictions, ``evaluate``'s mse, the
  loss of one epoch of one batch of plain SGD (lr 0.1) and the weights after that step.
"""
from __future__ import print_function

import json
import os

import _preamble

_preamble.setup_environment(hash_seed=True)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import activations, constraints, initializers, regularizers  # noqa: E402
from keras import backend as K  # noqa: E402
from keras import layers as L  # noqa: E402
from keras.models import Model  # noqa: E402

_preamble.quiet_tensorflow()
META = _preamble.versions('tools/keras231/make_activation_fixtures.py')
RNG = np.random.RandomState(4321)
ARRAYS = {}
QUANTILES = [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999]


def ev(tensor):
    if isinstance(tensor, (int, float)):  # L1L2() with both factors 0 returns a Python 0.
        return np.asarray(tensor, dtype='float32')
    return np.asarray(K.eval(tensor))


# --- activations ---------------------------------------------------------------------------

def activation_records():
    special = [-8., -6., -3., -2.5, -1., -0.5, -0.3, -0.2, 0., 0.2, 0.3, 0.5, 0.6, 1., 2.5,
               3., 6., 8.]
    x3 = np.concatenate([special, RNG.normal(size=48 - len(special)) * 3]).astype('float32')
    x3 = x3[RNG.permutation(48)].reshape(2, 3, 8)
    x2 = (RNG.normal(size=(6, 8)) * 3).astype('float32')
    ARRAYS['act/x3'], ARRAYS['act/x2'] = x3, x2
    names = ['softmax', 'elu', 'selu', 'softplus', 'softsign', 'relu', 'tanh', 'sigmoid',
             'hard_sigmoid', 'exponential', 'linear']
    cases = [(name, {}, 'x3') for name in names]
    cases += [('relu', kw, 'x3') for kw in (
        {'alpha': 0.1}, {'max_value': 0.6}, {'max_value': 6.0}, {'threshold': 0.3},
        {'threshold': -0.5}, {'alpha': 0.2, 'max_value': 2.5}, {'alpha': 0.1, 'threshold': 0.5},
        {'threshold': 0.3, 'max_value': 3.0}, {'alpha': 0.3, 'max_value': 6.0, 'threshold': -1.0},
        {'alpha': 0.5, 'max_value': 1.0, 'threshold': 0.2})]
    cases += [('elu', {'alpha': a}, 'x3') for a in (0.5, 2.0)]
    cases += [('softmax', {'axis': a}, 'x3') for a in (1, 0, 2, -2)]
    cases += [('softmax', {}, 'x2'), ('softmax', {'axis': 0}, 'x2')]
    records = []
    for name, kwargs, xname in cases:
        fn = activations.get(name)
        x = ARRAYS['act/' + xname]
        cid = name + ''.join('/%s=%s' % kv for kv in sorted(kwargs.items())) + '/' + xname
        ARRAYS['act/' + cid] = ev(fn(K.constant(x), **kwargs)).astype('float32')
        records.append({'id': cid, 'name': name, 'kwargs': kwargs, 'input': xname})
    serialized = {name: activations.serialize(activations.get(name)) for name in names}
    # the Activation layer, per name, from its Keras config
    layer_configs = {name: L.Activation(name).get_config() for name in names}
    return {'cases': records, 'serialized': serialized, 'layer_configs': layer_configs}


# --- regularizers --------------------------------------------------------------------------

def regularizer_records():
    ARRAYS['reg/w2'] = (RNG.normal(size=(5, 4)) * 0.7).astype('float32')
    ARRAYS['reg/w4'] = (RNG.normal(size=(3, 3, 2, 4)) * 0.4).astype('float32')
    makes = [('l1', {}), ('l1', {'l': 0.3}), ('l2', {}), ('l2', {'l': 0.05}), ('l1_l2', {}),
             ('l1_l2', {'l1': 0.02, 'l2': 0.07}), ('L1L2', {}), ('L1L2', {'l1': 0.25}),
             ('L1L2', {'l1': 0.25, 'l2': 0.5}), ('L1L2', {'l2': 1e-4})]
    records = []
    for fname, kwargs in makes:
        for wname in ('w2', 'w4'):
            reg = getattr(regularizers, fname)(**kwargs)
            value = ev(reg(K.constant(ARRAYS['reg/' + wname])))
            records.append({'id': '%s/%s/%s' % (fname, json.dumps(kwargs, sort_keys=True), wname),
                            'make': fname, 'kwargs': kwargs, 'weights': wname,
                            'serialized': regularizers.serialize(reg),
                            'penalty': float(value)})
    strings = {name: regularizers.serialize(regularizers.get(name))
               for name in ('l1', 'l2', 'l1_l2')}

    # a Dense layer with all three regularizers: layer.losses in order
    K.clear_session()
    inp = L.Input(shape=(4,))
    layer = L.Dense(3, kernel_regularizer=regularizers.l2(0.1),
                    bias_regularizer=regularizers.l1(0.2),
                    activity_regularizer=regularizers.l1_l2(0.01, 0.02))
    out = layer(inp)
    weights = [(RNG.normal(size=K.int_shape(w)) * 0.5).astype('float32') for w in layer.weights]
    layer.set_weights(weights)
    x = RNG.normal(size=(3, 4)).astype('float32')
    losses = K.function([inp], layer.losses)([x])
    ARRAYS['reg/dense_x'] = x
    for i, w in enumerate(weights):
        ARRAYS['reg/dense_w%d' % i] = w
    del out
    dense = {'config': layer.get_config(), 'n_weights': len(weights),
             'losses': [float(v) for v in losses]}
    return {'cases': records, 'strings': strings, 'dense_losses': dense}


# --- constraints ---------------------------------------------------------------------------

def constraint_records():
    w2 = (RNG.normal(size=(5, 4)) * 1.2).astype('float32')
    w2[:, 1] *= 0.1  # one column with a small norm (below min_value / max_value)
    w4 = (RNG.normal(size=(3, 3, 2, 4)) * 0.6).astype('float32')
    w4[..., 2] *= 0.05
    ARRAYS['con/w2'], ARRAYS['con/w4'] = w2, w4
    makes = [
        ('MaxNorm', {}, ('w2',)), ('MaxNorm', {'max_value': 1.5, 'axis': 1}, ('w2',)),
        ('MaxNorm', {'max_value': 1.0, 'axis': [0, 1, 2]}, ('w4',)),
        ('MaxNorm', {'max_value': 0.8, 'axis': -1}, ('w2', 'w4')),
        ('MaxNorm', {'max_value': 1.2, 'axis': [0, 1]}, ('w2', 'w4')),
        ('NonNeg', {}, ('w2', 'w4')),
        ('UnitNorm', {}, ('w2', 'w4')), ('UnitNorm', {'axis': 1}, ('w2',)),
        ('UnitNorm', {'axis': [0, 1, 2]}, ('w4',)), ('UnitNorm', {'axis': -1}, ('w4',)),
        ('MinMaxNorm', {}, ('w2',)),
        ('MinMaxNorm', {'min_value': 0.5, 'max_value': 1.5}, ('w2', 'w4')),
        ('MinMaxNorm', {'min_value': 0.5, 'max_value': 1.5, 'rate': 0.5, 'axis': 1}, ('w2',)),
        ('MinMaxNorm', {'min_value': 1.0, 'max_value': 2.0, 'rate': 0.3,
                        'axis': [0, 1, 2]}, ('w4',)),
    ]
    records = []
    for cname, kwargs, wnames in makes:
        for wname in wnames:
            con = getattr(constraints, cname)(**kwargs)
            cid = '%s/%s/%s' % (cname, json.dumps(kwargs, sort_keys=True), wname)
            ARRAYS['con/' + cid] = ev(con(K.constant(ARRAYS['con/' + wname]))).astype('float32')
            records.append({'id': cid, 'make': cname, 'kwargs': kwargs, 'weights': wname,
                            'serialized': constraints.serialize(con)})
    strings = {}
    for name in ('max_norm', 'maxnorm', 'MaxNorm', 'non_neg', 'nonneg', 'NonNeg', 'unit_norm',
                 'unitnorm', 'UnitNorm', 'min_max_norm', 'MinMaxNorm'):
        strings[name] = constraints.serialize(constraints.get(name))
    return {'cases': records, 'strings': strings}


# --- initializers --------------------------------------------------------------------------

class Recording(initializers.Initializer):
    """Delegates to ``inner`` and remembers the shapes it was called with."""

    def __init__(self, inner, log):
        self.inner, self.log = inner, log

    def __call__(self, shape, dtype=None):
        self.log.append([int(d) for d in shape])
        return self.inner(shape, dtype=dtype)


def _stats(values):
    values = np.asarray(values, dtype='float64').ravel()
    return {'mean': float(values.mean()), 'std': float(values.std()),
            'min': float(values.min()), 'max': float(values.max()),
            'quantiles': [float(q) for q in np.quantile(values, QUANTILES)],
            'size': int(values.size)}


def initializer_records():
    K.clear_session()
    deterministic = []

    def det(cid, make, kwargs, shape, second=False):
        init = getattr(initializers, make)(**kwargs)
        ser = initializers.serialize(init)
        ARRAYS['init/' + cid] = np.asarray(K.eval(K.variable(init(shape)))).astype('float32')
        if second:
            ARRAYS['init/' + cid + '/second'] = np.asarray(
                K.eval(K.variable(init(shape)))).astype('float32')
        deterministic.append({'id': cid, 'make': make, 'kwargs': kwargs, 'shape': list(shape),
                              'serialized': ser, 'second': second})

    det('Zeros', 'Zeros', {}, (5, 4))
    det('Ones', 'Ones', {}, (3, 3, 2))
    det('Constant', 'Constant', {'value': 0.7}, (4, 6))
    det('Constant/neg', 'Constant', {'value': -2}, (3,))
    det('Identity', 'Identity', {}, (4, 4))
    det('Identity/gain_wide', 'Identity', {'gain': 0.5}, (3, 5))
    det('Identity/tall', 'Identity', {'gain': 2.0}, (5, 3))
    for shape in ((4, 4), (6, 3), (3, 6), (3, 2, 4, 5), (2, 3, 8)):
        det('Orthogonal/%s' % 'x'.join(map(str, shape)), 'Orthogonal', {'seed': 3}, shape,
            second=True)
    det('Orthogonal/gain', 'Orthogonal', {'gain': 1.5, 'seed': 11}, (5, 7), second=True)

    random_cases = [
        ('RandomNormal', {}), ('RandomNormal', {'mean': 0.5, 'stddev': 2.0}),
        ('RandomUniform', {}), ('RandomUniform', {'minval': -0.3, 'maxval': 0.7}),
        ('TruncatedNormal', {}), ('TruncatedNormal', {'mean': 0.1, 'stddev': 0.5}),
        ('VarianceScaling', {}),
    ]
    for mode in ('fan_in', 'fan_out', 'fan_avg'):
        for dist in ('normal', 'uniform'):
            random_cases.append(('VarianceScaling', {'scale': 2.5, 'mode': mode,
                                                     'distribution': dist}))
    for fn in ('glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform',
               'lecun_normal'):
        random_cases.append((fn, {}))
    statistical = []
    for make, kwargs in random_cases:
        for shape in ((250, 400), (5, 5, 40, 100)):
            if make in ('RandomNormal', 'RandomUniform', 'TruncatedNormal') and len(shape) > 2:
                continue
            init = getattr(initializers, make)(**kwargs)
            values = K.eval(init(shape))
            statistical.append({
                'id': '%s/%s/%s' % (make, json.dumps(kwargs, sort_keys=True),
                                    'x'.join(map(str, shape))),
                'make': make, 'kwargs': kwargs, 'shape': list(shape),
                'serialized': initializers.serialize(init),
                'fans': [float(f) for f in initializers._compute_fans(shape)],
                'stats': _stats(values)})

    strings = {}
    for name in ('zeros', 'Zeros', 'zero', 'ones', 'Ones', 'one', 'constant', 'Constant',
                 'normal', 'random_normal', 'RandomNormal', 'uniform', 'random_uniform',
                 'RandomUniform', 'truncated_normal', 'TruncatedNormal', 'VarianceScaling',
                 'orthogonal', 'Orthogonal', 'identity', 'Identity', 'glorot_uniform',
                 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal'):
        strings[name] = initializers.serialize(initializers.get(name))
    return {'deterministic': deterministic, 'statistical': statistical, 'strings': strings,
            'fans': fan_records()}


def fan_records():
    """For each kernel-bearing layer: the shape Keras gives each ``*_initializer``."""
    specs = [
        ('Dense', {'units': 7}, [(5,)], ['kernel_initializer']),
        ('Dense', {'units': 6}, [(3, 5)], ['kernel_initializer']),
        ('Conv1D', {'filters': 6, 'kernel_size': 3}, [(9, 4)], ['kernel_initializer']),
        ('Conv2D', {'filters': 6, 'kernel_size': (3, 2)}, [(8, 8, 4)], ['kernel_initializer']),
        ('Conv2D', {'filters': 6, 'kernel_size': 3, 'data_format': 'channels_first'},
         [(4, 8, 8)], ['kernel_initializer']),
        ('Conv3D', {'filters': 5, 'kernel_size': (2, 3, 2)}, [(5, 5, 5, 3)],
         ['kernel_initializer']),
        ('SeparableConv1D', {'filters': 6, 'kernel_size': 3, 'depth_multiplier': 2},
         [(9, 4)], ['depthwise_initializer', 'pointwise_initializer']),
        ('SeparableConv2D', {'filters': 6, 'kernel_size': 3, 'depth_multiplier': 2},
         [(8, 8, 4)], ['depthwise_initializer', 'pointwise_initializer']),
        ('DepthwiseConv2D', {'kernel_size': (3, 2), 'depth_multiplier': 3}, [(8, 8, 4)],
         ['depthwise_initializer']),
        ('Conv2DTranspose', {'filters': 6, 'kernel_size': 3}, [(5, 5, 4)],
         ['kernel_initializer']),
        ('Conv3DTranspose', {'filters': 5, 'kernel_size': 2}, [(3, 3, 3, 4)],
         ['kernel_initializer']),
        ('LocallyConnected1D', {'filters': 5, 'kernel_size': 3}, [(9, 4)],
         ['kernel_initializer']),
        ('LocallyConnected2D', {'filters': 5, 'kernel_size': (3, 2)}, [(6, 5, 3)],
         ['kernel_initializer']),
        ('SimpleRNN', {'units': 6}, [(4, 5)], ['kernel_initializer', 'recurrent_initializer']),
        ('GRU', {'units': 6}, [(4, 5)], ['kernel_initializer', 'recurrent_initializer']),
        ('LSTM', {'units': 6}, [(4, 5)], ['kernel_initializer', 'recurrent_initializer']),
        ('ConvLSTM2D', {'filters': 4, 'kernel_size': (3, 2)}, [(3, 6, 6, 3)],
         ['kernel_initializer', 'recurrent_initializer']),
        ('Embedding', {'input_dim': 30, 'output_dim': 7}, [(5,)], ['embeddings_initializer']),
        ('PReLU', {}, [(4, 5)], ['alpha_initializer']),
    ]
    records = []
    for cls, kwargs, shapes, init_args in specs:
        K.clear_session()
        logs = {arg: [] for arg in init_args}
        extra = {arg: Recording(initializers.VarianceScaling(
            scale=3.0, mode='fan_in', distribution='uniform'), logs[arg]) for arg in init_args}
        layer = getattr(L, cls)(**dict(kwargs, **extra))
        dtype = 'int32' if cls == 'Embedding' else 'float32'
        layer([L.Input(shape=s, dtype=dtype) for s in shapes][0])
        records.append({
            'class_name': cls, 'kwargs': kwargs, 'input_shapes': [list(s) for s in shapes],
            'init_shapes': {arg: logs[arg] for arg in init_args},
            'fans': {arg: [[float(f) for f in initializers._compute_fans(s)] for s in logs[arg]]
                     for arg in init_args},
            'weight_shapes': [list(K.int_shape(w)) for w in layer.weights]})
    return records


# --- masks through TimeDistributed and merge layers, in training ---------------------------

def _randomize(model):
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([(RNG.normal(size=K.int_shape(w)) * 0.5).astype('float32')
                               for w in layer.weights])


def masked_training_records():
    def int_input(shape, high):
        x = RNG.randint(1, high, size=(4,) + shape).astype('int32')
        x[0, -2:] = 0
        x[1, -1:] = 0
        x[2, 0] = 0
        x[3, 2:4] = 0
        return x

    def td_model():
        inp = L.Input(shape=(6,), dtype='int32')
        x = L.Embedding(8, 3, mask_zero=True)(inp)
        x = L.TimeDistributed(L.Dense(4, activation='tanh'))(x)
        return Model(inp, L.LSTM(3)(x))

    def td_seq_model():  # the LSTM's output carries the mask: Keras weights the loss by it
        inp = L.Input(shape=(6,), dtype='int32')
        x = L.Embedding(8, 3, mask_zero=True)(inp)
        x = L.TimeDistributed(L.Dense(4, activation='tanh'))(x)
        return Model(inp, L.LSTM(3, return_sequences=True)(x))

    def merge_model():
        a = L.Input(shape=(6,), dtype='int32')
        b = L.Input(shape=(6, 3))
        x = L.Embedding(8, 3, mask_zero=True)(a)
        y = L.Add()([x, b])
        c = L.Concatenate()([x, b])
        return Model([a, b], [L.LSTM(2)(y), L.GRU(2)(c)])

    records = []
    for name, build, make_inputs, n_out in (
            ('td_lstm', td_model, lambda: [int_input((6,), 8)], [(3,)]),
            ('td_lstm_seq', td_seq_model, lambda: [int_input((6,), 8)], [(6, 3)]),
            ('merge', merge_model,
             lambda: [int_input((6,), 8), RNG.normal(size=(4, 6, 3)).astype('float32')],
             [(2,), (2,)])):
        K.clear_session()
        model = build()
        _randomize(model)
        xs = make_inputs()
        ys = [RNG.normal(size=(4,) + n).astype('float32') for n in n_out]
        model.compile(keras.optimizers.SGD(lr=0.1), loss='mse')  # plain: no momentum
        before = [w.copy() for w in model.get_weights()]
        preds = model.predict(xs if len(xs) > 1 else xs[0])
        preds = preds if isinstance(preds, list) else [preds]
        loss_before = model.evaluate(xs if len(xs) > 1 else xs[0],
                                     ys if len(ys) > 1 else ys[0], batch_size=4, verbose=0)
        hist = model.fit(xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0],
                         batch_size=4, epochs=1, shuffle=False, verbose=0)
        after = model.get_weights()
        tag = 'mt/%s' % name
        for i, x in enumerate(xs):
            ARRAYS['%s/x%d' % (tag, i)] = x
        for i, y in enumerate(ys):
            ARRAYS['%s/y%d' % (tag, i)] = y
        for i, p in enumerate(preds):
            ARRAYS['%s/pred%d' % (tag, i)] = np.asarray(p, dtype='float32')
        for i, w in enumerate(before):
            ARRAYS['%s/w%d' % (tag, i)] = w
        for i, w in enumerate(after):
            ARRAYS['%s/after%d' % (tag, i)] = w
        loss_before = loss_before if isinstance(loss_before, list) else [loss_before]
        records.append({'id': name, 'config': model.get_config(),
                        'class_name': model.__class__.__name__,
                        'n_inputs': len(xs), 'n_outputs': len(ys), 'n_weights': len(before),
                        'evaluate': [float(v) for v in loss_before],
                        'fit_loss': float(hist.history['loss'][0])})
    return records


def main(out_dir):
    _preamble.ensure_dir(out_dir)
    index = {'_meta': META,
             'activations': activation_records(),
             'regularizers': regularizer_records(),
             'constraints': constraint_records(),
             'initializers': initializer_records(),
             'masked_training': masked_training_records()}
    _preamble.write_json(os.path.join(out_dir, 'functions.json'), index, indent=0,
                         sort_keys=True, default=_preamble.json_default)
    _preamble.write_npz(os.path.join(out_dir, 'functions.npz'), ARRAYS, compressed=True)
    print('written to %s: %d arrays' % (out_dir, len(ARRAYS)))


if __name__ == '__main__':
    main(_preamble.output_path(__doc__, 'packages/layers/tests/fixtures/keras231'))
