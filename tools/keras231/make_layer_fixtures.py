"""Generate layer-parity fixtures from REAL Keras 2.3.1 for lamella-layers' tests.

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python \
        tools/keras231/make_layer_fixtures.py packages/layers/tests/fixtures/keras231/

Writes ``layers.json`` (one record per case) and ``layers.npz`` (the arrays). A case is either

* ``kind: "layer"``: one layer: its ``class_name`` and ``get_config()``, the inputs it was
  called on (``CASE/x0``, ``CASE/x1`` ...), its ``get_weights()`` (``CASE/w0`` ...) and its
  outputs in inference mode (``CASE/y0`` ...); or
* ``kind: "model"``: a small functional model (masking, ``initial_state`` ...): the model's
  ``get_config()``, ``model.get_weights()``, inputs and ``predict`` outputs.

Every weight is replaced by random values (variances positive) before the outputs are
recorded, so zero biases and unit gammas cannot hide a layout mistake.
"""
from __future__ import print_function

import os

import _preamble

_preamble.setup_environment(hash_seed=True)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import backend as K  # noqa: E402
from keras import layers as L  # noqa: E402
from keras.models import Model  # noqa: E402

_preamble.quiet_tensorflow()
META = _preamble.versions('tools/keras231/make_layer_fixtures.py')

B = 3  # batch size of every case
RNG = np.random.RandomState(1234)
CASES = []
ARRAYS = {}


def randomize(weights_owner):
    values = []
    for w in weights_owner.weights:
        shape = K.int_shape(w)
        name = w.name
        if 'variance' in name:
            values.append(RNG.uniform(0.5, 1.5, size=shape).astype('float32'))
        else:
            values.append((RNG.normal(size=shape) * 0.5).astype('float32'))
    weights_owner.set_weights(values)


def float_input(shape):
    return RNG.normal(size=(B,) + tuple(shape)).astype('float32')


def int_input(shape, high, zero_tail=True):
    x = RNG.randint(1, high, size=(B,) + tuple(shape)).astype('int32')
    if zero_tail:  # masked steps: trailing zeros (and one leading zero) per sample
        x[0, -2:] = 0
        x[1, -1:] = 0
        x[2, 0] = 0
    return x


def masked_float_input(shape):
    x = float_input(shape)
    x[0, -2:] = 0.0
    x[1, 1] = 0.0
    return x


def _record(case_id, kind, payload, xs, weights, ys):
    for i, x in enumerate(xs):
        ARRAYS['%s/x%d' % (case_id, i)] = x
    for i, w in enumerate(weights):
        ARRAYS['%s/w%d' % (case_id, i)] = w
    for i, y in enumerate(ys):
        ARRAYS['%s/y%d' % (case_id, i)] = y
    record = dict(payload)
    record.update(id=case_id, kind=kind, n_inputs=len(xs), n_weights=len(weights),
                  n_outputs=len(ys), output_shapes=[list(y.shape) for y in ys])
    CASES.append(record)


def layer_case(case_id, make_layer, shapes, data=None, int_high=None, weight_names=False,
               api=None, mask=None, initial_state=None):
    """One layer called on ``Input``s of ``shapes`` (without the batch axis).

    ``weight_names=True`` also records Keras's ``[w.name for w in layer.weights]`` (the names
    written into HDF5 files). ``api='tf.keras'`` builds the case with TensorFlow 1.15's
    ``tf.keras`` instead of Keras 2.3.1 (for options Keras 2.3.1 lacks); the record then
    carries ``"api": "tf.keras"``.

    ``mask`` (a ``(batch, time)`` bool array, fed through a bool ``Input``) and
    ``initial_state`` (arrays, passed as constants: Keras 2.3.1's ``ConvLSTM2D`` rejects
    symbolic initial states) are passed to the layer call; the record's ``call`` says which
    (``CASE/mask``, ``CASE/state0`` ...).
    """
    K.clear_session()
    if api == 'tf.keras':
        tf.keras.backend.clear_session()
    input_fn, model_cls = (tf.keras.layers.Input, tf.keras.models.Model) \
        if api == 'tf.keras' else (L.Input, Model)
    try:
        layer = make_layer()
        inputs = [input_fn(shape=s, dtype='int32' if int_high else 'float32') for s in shapes]
        call_kwargs, extra_inputs = {}, []
        if mask is not None:
            extra_inputs = [input_fn(shape=mask.shape[1:], dtype='bool')]
            call_kwargs['mask'] = extra_inputs[0]
        if initial_state is not None:
            call_kwargs['initial_state'] = [K.constant(v) for v in initial_state]
        out = layer(inputs if len(inputs) > 1 else inputs[0], **call_kwargs)
        outs = out if isinstance(out, list) else [out]
        model = model_cls(inputs + extra_inputs, outs)
        randomize(layer)
        if data is None:
            data = [int_input(s, int_high) if int_high else float_input(s) for s in shapes]
        feed = list(data) + ([mask] if mask is not None else [])
        ys = model.predict(feed if len(feed) > 1 else feed[0], batch_size=B)
        ys = ys if isinstance(ys, list) else [ys]
    except Exception as exc:  # noqa: BLE001
        print('SKIP %s: %s: %s' % (case_id, type(exc).__name__, exc))
        return
    payload = {'class_name': layer.__class__.__name__, 'config': layer.get_config(),
               'input_shapes': [list(s) for s in shapes]}
    if weight_names:
        payload['weight_names'] = [w.name for w in layer.weights]
    if api is not None:
        payload['api'] = api
    if mask is not None or initial_state is not None:
        payload['call'] = {'mask': mask is not None,
                           'n_initial_state': len(initial_state or [])}
        if mask is not None:
            ARRAYS['%s/mask' % case_id] = mask
        for i, v in enumerate(initial_state or []):
            ARRAYS['%s/state%d' % (case_id, i)] = v
    _record(case_id, 'layer', payload, data, layer.get_weights(),
            [np.asarray(y, dtype='float32') for y in ys])
    print('ok   %s' % case_id)


def model_case(case_id, build, data, prelude=None):
    """``build()`` returns a functional ``Model``; ``data`` the list of its inputs.
    ``prelude``, when given, is a list of inputs predicted once after the weights are
    randomized and before the recorded ``predict`` (a stateful model carries its states on);
    the record then has ``n_prelude`` and the arrays ``CASE/prelude0`` ...."""
    K.clear_session()
    try:
        model = build()
        for layer in model.layers:
            if layer.weights:
                randomize(layer)
        if prelude is not None:
            model.predict(prelude if len(prelude) > 1 else prelude[0], batch_size=B)
        ys = model.predict(data if len(data) > 1 else data[0], batch_size=B)
        ys = ys if isinstance(ys, list) else [ys]
    except Exception as exc:  # noqa: BLE001
        print('SKIP %s: %s: %s' % (case_id, type(exc).__name__, exc))
        return
    payload = {'class_name': model.__class__.__name__, 'config': model.get_config()}
    if prelude is not None:  # inputs predicted once (stateful) before the recorded call
        payload['n_prelude'] = len(prelude)
        for i, x in enumerate(prelude):
            ARRAYS['%s/prelude%d' % (case_id, i)] = x
    _record(case_id, 'model', payload, data, model.get_weights(),
            [np.asarray(y, dtype='float32') for y in ys])
    print('ok   %s' % case_id)


# --- priority 1 --------------------------------------------------------------------------

def core_cases():
    layer_case('BatchNormalization/default', lambda: L.BatchNormalization(), [(4, 5)])
    layer_case('BatchNormalization/rank2', lambda: L.BatchNormalization(), [(6,)])
    layer_case('BatchNormalization/axis1', lambda: L.BatchNormalization(axis=1), [(4, 5, 2)])
    layer_case('BatchNormalization/no_center', lambda: L.BatchNormalization(center=False),
               [(4, 5)])
    layer_case('BatchNormalization/no_scale_eps', lambda: L.BatchNormalization(
        scale=False, epsilon=0.1, momentum=0.9), [(4, 5)])
    layer_case('Embedding/default', lambda: L.Embedding(10, 4), [(5,)], int_high=10)
    layer_case('Embedding/mask_zero', lambda: L.Embedding(10, 4, mask_zero=True,
                                                          input_length=5), [(5,)], int_high=10)
    for name in ('Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum'):
        layer_case('%s/two' % name, lambda: getattr(L, name)(), [(4,), (4,)])
    for name in ('Add', 'Multiply', 'Average', 'Maximum', 'Minimum'):
        layer_case('%s/three_rank3' % name, lambda: getattr(L, name)(),
                   [(2, 4), (2, 4), (2, 4)])
    layer_case('Add/broadcast_rank', lambda: L.Add(), [(2, 4), (4,)])
    layer_case('Concatenate/last', lambda: L.Concatenate(), [(2, 4), (2, 3)])
    layer_case('Concatenate/axis1', lambda: L.Concatenate(axis=1), [(2, 4), (3, 4)])
    layer_case('Dot/axes1', lambda: L.Dot(axes=1), [(4,), (4,)])
    layer_case('Dot/normalize', lambda: L.Dot(axes=1, normalize=True), [(4,), (4,)])
    layer_case('Dot/axes_1_2', lambda: L.Dot(axes=(1, 2)), [(4, 5), (6, 4)])
    layer_case('Dot/axes2', lambda: L.Dot(axes=2), [(4, 5), (6, 5)])
    layer_case('Dot/axes_neg', lambda: L.Dot(axes=-1, normalize=True), [(4, 5), (6, 5)])
    layer_case('Reshape/simple', lambda: L.Reshape((4, 3)), [(12,)])
    layer_case('Reshape/minus1', lambda: L.Reshape((-1, 2)), [(3, 4)])
    layer_case('Permute/21', lambda: L.Permute((2, 1)), [(4, 5)])
    layer_case('Permute/312', lambda: L.Permute((3, 1, 2)), [(2, 3, 4)])
    layer_case('RepeatVector/3', lambda: L.RepeatVector(3), [(4,)])
    layer_case('ActivityRegularization/l1', lambda: L.ActivityRegularization(l1=0.1), [(4,)])
    layer_case('Masking/default', lambda: L.Masking(), [(4, 3)],
               data=[masked_float_input((4, 3))])
    layer_case('Masking/value', lambda: L.Masking(mask_value=0.5), [(4, 3)])
    layer_case('SpatialDropout1D/inference', lambda: L.SpatialDropout1D(0.5), [(4, 3)])
    layer_case('SpatialDropout2D/inference', lambda: L.SpatialDropout2D(0.5), [(4, 3, 2)])
    layer_case('SpatialDropout3D/inference', lambda: L.SpatialDropout3D(
        0.5, data_format='channels_first'), [(2, 3, 2, 2)])
    layer_case('LeakyReLU/default', lambda: L.LeakyReLU(), [(6,)])
    layer_case('LeakyReLU/alpha', lambda: L.LeakyReLU(alpha=0.1), [(6,)])
    layer_case('PReLU/default', lambda: L.PReLU(), [(3, 4)])
    layer_case('PReLU/shared', lambda: L.PReLU(shared_axes=[1, 2]), [(3, 4, 2)])
    layer_case('ELU/alpha', lambda: L.ELU(alpha=0.5), [(6,)])
    layer_case('ThresholdedReLU/theta', lambda: L.ThresholdedReLU(theta=0.3), [(6,)])
    layer_case('Softmax/last', lambda: L.Softmax(), [(2, 5)])
    layer_case('Softmax/axis1', lambda: L.Softmax(axis=1), [(2, 5)])
    layer_case('ReLU/default', lambda: L.ReLU(), [(8,)])
    layer_case('ReLU/all', lambda: L.ReLU(max_value=0.6, negative_slope=0.1, threshold=0.2),
               [(8,)])
    layer_case('ReLU/threshold', lambda: L.ReLU(threshold=0.3), [(8,)])
    layer_case('GaussianNoise/inference', lambda: L.GaussianNoise(0.5), [(4,)])
    layer_case('GaussianDropout/inference', lambda: L.GaussianDropout(0.5), [(4,)])
    layer_case('AlphaDropout/inference', lambda: L.AlphaDropout(0.5), [(4,)])
    layer_case('Dense/rank3', lambda: L.Dense(3, activation='tanh'), [(2, 4)])


# --- priority 2: recurrent -----------------------------------------------------------------

def _embed_rnn_model(rnn, bidirectional=None):
    def build():
        inp = L.Input(shape=(6,), dtype='int32')
        x = L.Embedding(8, 3, mask_zero=True)(inp)
        layer = rnn() if bidirectional is None else L.Bidirectional(rnn(),
                                                                    merge_mode=bidirectional)
        out = layer(x)
        return Model(inp, out if isinstance(out, list) else [out])
    return build


def recurrent_cases():
    T, D = 5, 3
    for cls in ('SimpleRNN', 'GRU', 'LSTM'):
        layer_case('%s/default' % cls, lambda: getattr(L, cls)(4), [(T, D)])
        layer_case('%s/sequences' % cls, lambda: getattr(L, cls)(4, return_sequences=True),
                   [(T, D)])
        layer_case('%s/backwards' % cls, lambda: getattr(L, cls)(
            4, go_backwards=True, return_sequences=True), [(T, D)])
        layer_case('%s/state' % cls, lambda: getattr(L, cls)(
            4, return_state=True, return_sequences=True), [(T, D)])
        layer_case('%s/no_bias' % cls, lambda: getattr(L, cls)(4, use_bias=False), [(T, D)])
        model_case('%s/masked_seq' % cls, _embed_rnn_model(
            lambda: getattr(L, cls)(4, return_sequences=True)), [int_input((6,), 8)])
        model_case('%s/masked_last' % cls, _embed_rnn_model(
            lambda: getattr(L, cls)(4, return_state=True)), [int_input((6,), 8)])
        model_case('%s/masked_backwards' % cls, _embed_rnn_model(
            lambda: getattr(L, cls)(4, go_backwards=True, return_sequences=True)),
            [int_input((6,), 8)])
    layer_case('SimpleRNN/relu', lambda: L.SimpleRNN(4, activation='relu'), [(T, D)])
    layer_case('LSTM/hard_sigmoid', lambda: L.LSTM(4, recurrent_activation='hard_sigmoid',
                                                   return_sequences=True), [(T, D)])
    layer_case('LSTM/impl1', lambda: L.LSTM(4, implementation=1), [(T, D)])
    layer_case('LSTM/no_forget_bias', lambda: L.LSTM(4, unit_forget_bias=False), [(T, D)])
    layer_case('GRU/hard_sigmoid', lambda: L.GRU(4, recurrent_activation='hard_sigmoid',
                                                 return_sequences=True), [(T, D)])
    layer_case('GRU/impl1', lambda: L.GRU(4, implementation=1), [(T, D)])
    for reset_after in (False, True):
        tag = 'GRU/reset_after_%s' % reset_after
        layer_case(tag, lambda: L.GRU(4, reset_after=reset_after, return_sequences=True),
                   [(T, D)])
        layer_case(tag + '_state', lambda: L.GRU(4, reset_after=reset_after,
                                                   return_state=True, go_backwards=True),
                   [(T, D)])
        layer_case(tag + '_nobias', lambda: L.GRU(4, reset_after=reset_after,
                                                    use_bias=False), [(T, D)])
        model_case(tag + '_masked', _embed_rnn_model(
            lambda: L.GRU(4, reset_after=reset_after, return_sequences=True)),
            [int_input((6,), 8)])
        layer_case(tag + '_linear', lambda: L.GRU(4, reset_after=reset_after,
                                                    activation='relu'), [(T, D)])

    def masking_lstm():
        inp = L.Input(shape=(T, D))
        out = L.LSTM(4, return_sequences=True)(L.Masking()(inp))
        return Model(inp, out)
    model_case('LSTM/masking_layer', masking_lstm, [masked_float_input((T, D))])

    def initial_state(cls, n_states):
        def build():
            inp = L.Input(shape=(T, D))
            states = [L.Input(shape=(4,)) for _ in range(n_states)]
            out = getattr(L, cls)(4, return_sequences=True)(inp, initial_state=states)
            return Model([inp] + states, out)
        return build
    for cls, n in (('SimpleRNN', 1), ('GRU', 1), ('LSTM', 2)):
        model_case('%s/initial_state' % cls, initial_state(cls, n),
                   [float_input((T, D))] + [float_input((4,)) for _ in range(n)])

    layer_case('RNN/stacked', lambda: L.RNN([L.LSTMCell(4), L.GRUCell(3), L.SimpleRNNCell(2)],
                                            return_sequences=True), [(T, D)])
    layer_case('RNN/stacked_state', lambda: L.RNN([L.LSTMCell(4), L.GRUCell(3)],
                                                  return_state=True), [(T, D)])
    layer_case('RNN/lstm_cell', lambda: L.RNN(L.LSTMCell(4), go_backwards=True), [(T, D)])
    layer_case('RNN/gru_cell_reset_after', lambda: L.RNN(L.GRUCell(4, reset_after=True)),
               [(T, D)])
    for mode in ('concat', 'sum', 'mul', 'ave', None):
        layer_case('Bidirectional/LSTM_%s' % mode, lambda: L.Bidirectional(
            L.LSTM(4, return_sequences=True), merge_mode=mode), [(T, D)])
    layer_case('Bidirectional/GRU_last', lambda: L.Bidirectional(L.GRU(4)), [(T, D)])
    layer_case('Bidirectional/GRU_state', lambda: L.Bidirectional(
        L.GRU(4, return_state=True, reset_after=True)), [(T, D)])
    layer_case('Bidirectional/SimpleRNN_sum', lambda: L.Bidirectional(
        L.SimpleRNN(4), merge_mode='sum'), [(T, D)])
    model_case('Bidirectional/masked_LSTM', _embed_rnn_model(
        lambda: L.LSTM(4, return_sequences=True), bidirectional='concat'),
        [int_input((6,), 8)])
    model_case('Bidirectional/masked_GRU_last', _embed_rnn_model(
        lambda: L.GRU(4), bidirectional='sum'), [int_input((6,), 8)])
    layer_case('TimeDistributed/Dense', lambda: L.TimeDistributed(L.Dense(3)), [(T, D)])
    layer_case('TimeDistributed/Conv2D', lambda: L.TimeDistributed(L.Conv2D(2, 2)),
               [(2, 4, 4, 3)])

    def td_masked():
        inp = L.Input(shape=(6,), dtype='int32')
        x = L.Embedding(8, 3, mask_zero=True)(inp)
        x = L.TimeDistributed(L.Dense(4))(x)
        return Model(inp, L.LSTM(3, return_sequences=True)(x))
    model_case('TimeDistributed/masked', td_masked, [int_input((6,), 8)])

    def merge_masked():
        a = L.Input(shape=(6,), dtype='int32')
        b = L.Input(shape=(6, 3))
        x = L.Embedding(8, 3, mask_zero=True)(a)
        y = L.Add()([x, b])
        c = L.Concatenate()([x, b])
        return Model([a, b], [L.LSTM(2)(y), L.GRU(2)(c)])
    model_case('Merge/masked', merge_masked, [int_input((6,), 8), float_input((6, 3))])


# --- priority 3: convolutions and pooling ---------------------------------------------------

def conv_cases():
    for fmt in ('channels_last', 'channels_first'):
        f = 'first' if fmt == 'channels_first' else 'last'
        s1 = (7, 3) if fmt == 'channels_last' else (3, 7)
        s2 = (6, 7, 3) if fmt == 'channels_last' else (3, 6, 7)
        s3 = (5, 4, 6, 2) if fmt == 'channels_last' else (2, 5, 4, 6)
        layer_case('Conv1D/valid_%s' % f, lambda: L.Conv1D(4, 3, data_format=fmt), [s1])
        layer_case('Conv1D/same_s2_%s' % f, lambda: L.Conv1D(4, 3, strides=2, padding='same',
                                                            data_format=fmt), [s1])
        layer_case('Conv1D/dil2_%s' % f, lambda: L.Conv1D(2, 2, dilation_rate=2, padding='same',
                                                         data_format=fmt), [s1])
        layer_case('Conv2D/same_s2_%s' % f, lambda: L.Conv2D(
            4, (3, 2), strides=2, padding='same', data_format=fmt), [s2])
        layer_case('Conv3D/valid_%s' % f, lambda: L.Conv3D(3, 2, data_format=fmt), [s3])
        layer_case('Conv3D/same_s2_%s' % f, lambda: L.Conv3D(3, (3, 2, 3), strides=2,
                                                            padding='same', data_format=fmt),
                   [s3])
        layer_case('SeparableConv1D/same_%s' % f, lambda: L.SeparableConv1D(
            4, 3, padding='same', depth_multiplier=2, data_format=fmt), [s1])
        layer_case('SeparableConv2D/valid_s2_%s' % f, lambda: L.SeparableConv2D(
            4, 3, strides=2, depth_multiplier=2, data_format=fmt), [s2])
        layer_case('SeparableConv2D/same_%s' % f, lambda: L.SeparableConv2D(
            2, (2, 3), padding='same', data_format=fmt), [s2])
        layer_case('DepthwiseConv2D/same_s2_%s' % f, lambda: L.DepthwiseConv2D(
            3, strides=2, padding='same', depth_multiplier=2, data_format=fmt), [s2])
        layer_case('DepthwiseConv2D/valid_%s' % f, lambda: L.DepthwiseConv2D(
            (2, 3), data_format=fmt), [s2])
        layer_case('Conv2DTranspose/valid_%s' % f, lambda: L.Conv2DTranspose(
            3, (3, 2), data_format=fmt), [s2])
        layer_case('Conv2DTranspose/same_s2_%s' % f, lambda: L.Conv2DTranspose(
            3, 3, strides=2, padding='same', data_format=fmt), [s2])
        layer_case('Conv2DTranspose/valid_s2_%s' % f, lambda: L.Conv2DTranspose(
            3, 3, strides=2, data_format=fmt), [s2])
        layer_case('Conv2DTranspose/outpad_%s' % f, lambda: L.Conv2DTranspose(
            3, 3, strides=2, padding='same', output_padding=1, data_format=fmt), [s2])
        layer_case('Conv3DTranspose/same_s2_%s' % f, lambda: L.Conv3DTranspose(
            2, 2, strides=2, padding='same', data_format=fmt), [s3])
        layer_case('Conv3DTranspose/valid_%s' % f, lambda: L.Conv3DTranspose(
            2, (2, 3, 2), data_format=fmt), [s3])
        layer_case('Cropping2D/%s' % f, lambda: L.Cropping2D(((1, 2), (0, 1)), data_format=fmt),
                   [s2])
        layer_case('Cropping3D/%s' % f, lambda: L.Cropping3D(((1, 0), (1, 1), (0, 2)),
                                                            data_format=fmt), [s3])
        layer_case('UpSampling2D/%s' % f, lambda: L.UpSampling2D((2, 3), data_format=fmt),
                   [s2])
        layer_case('UpSampling2D/bilinear_%s' % f, lambda: L.UpSampling2D(
            2, data_format=fmt, interpolation='bilinear'), [s2])
        layer_case('UpSampling3D/%s' % f, lambda: L.UpSampling3D((2, 1, 2), data_format=fmt),
                   [s3])
        layer_case('ZeroPadding2D/%s' % f, lambda: L.ZeroPadding2D(((1, 2), (0, 1)),
                                                                  data_format=fmt), [s2])
        layer_case('ZeroPadding3D/%s' % f, lambda: L.ZeroPadding3D(1, data_format=fmt), [s3])
        for pool in ('MaxPooling', 'AveragePooling'):
            layer_case('%s1D/same_%s' % (pool, f), lambda: getattr(L, pool + '1D')(
                3, strides=2, padding='same', data_format=fmt), [s1])
            layer_case('%s1D/valid_%s' % (pool, f), lambda: getattr(L, pool + '1D')(
                data_format=fmt), [s1])
            layer_case('%s2D/same_%s' % (pool, f), lambda: getattr(L, pool + '2D')(
                3, strides=2, padding='same', data_format=fmt), [s2])
            layer_case('%s2D/valid_%s' % (pool, f), lambda: getattr(L, pool + '2D')(
                (2, 3), strides=(1, 2), data_format=fmt), [s2])
            layer_case('%s3D/same_%s' % (pool, f), lambda: getattr(L, pool + '3D')(
                2, padding='same', data_format=fmt), [s3])
            layer_case('%s3D/valid_%s' % (pool, f), lambda: getattr(L, pool + '3D')(
                (2, 2, 3), strides=1, data_format=fmt), [s3])
        for pool in ('GlobalMaxPooling', 'GlobalAveragePooling'):
            for dim, shape in (('1D', s1), ('2D', s2), ('3D', s3)):
                layer_case('%s%s/%s' % (pool, dim, f), lambda: getattr(L, pool + dim)(
                    data_format=fmt), [shape])
    layer_case('Conv1D/causal', lambda: L.Conv1D(3, 3, padding='causal'), [(7, 2)])
    layer_case('Conv1D/causal_dil', lambda: L.Conv1D(3, 2, padding='causal', dilation_rate=3),
               [(7, 2)])
    layer_case('Conv2D/dil_same', lambda: L.Conv2D(2, 3, padding='same', dilation_rate=2),
               [(6, 7, 3)])
    layer_case('Cropping1D/default', lambda: L.Cropping1D((1, 2)), [(7, 3)])
    layer_case('UpSampling1D/default', lambda: L.UpSampling1D(3), [(4, 3)])
    layer_case('ZeroPadding1D/default', lambda: L.ZeroPadding1D((2, 1)), [(4, 3)])
    layer_case('MaxPooling1D/same_even', lambda: L.MaxPooling1D(2, padding='same'), [(7, 3)])


# --- priority 4: locally connected and convolutional LSTM ------------------------------------

def local_cases():
    for fmt in ('channels_last', 'channels_first'):
        f = 'first' if fmt == 'channels_first' else 'last'
        s1 = (7, 3) if fmt == 'channels_last' else (3, 7)
        s2 = (6, 7, 3) if fmt == 'channels_last' else (3, 6, 7)
        layer_case('LocallyConnected2D/valid_%s' % f, lambda: L.LocallyConnected2D(
            4, (3, 2), data_format=fmt), [s2], weight_names=True)
        layer_case('LocallyConnected2D/s2_relu_%s' % f, lambda: L.LocallyConnected2D(
            3, 3, strides=(2, 3), activation='relu', data_format=fmt), [s2])
        layer_case('LocallyConnected2D/no_bias_%s' % f, lambda: L.LocallyConnected2D(
            2, (2, 3), strides=(1, 2), use_bias=False, data_format=fmt), [s2])
        # implementation=1/2/3 exist only in tf.keras (TF 1.15.5): same outputs, other layouts.
        # 'zeros' initializers (the weights are randomized anyway) keep the configs free of
        # tf.keras-only initializer class names such as 'GlorotUniform'.
        for impl in (1, 2, 3):
            layer_case('LocallyConnected2D/tfkeras_impl%d_%s' % (impl, f),
                       lambda: tf.keras.layers.LocallyConnected2D(
                           3, (3, 2), strides=(2, 1), data_format=fmt, implementation=impl,
                           kernel_initializer='zeros'),
                       [s2], api='tf.keras')
            layer_case('LocallyConnected1D/tfkeras_impl%d_%s' % (impl, f),
                       lambda: tf.keras.layers.LocallyConnected1D(
                           3, 3, strides=2, data_format=fmt, implementation=impl,
                           kernel_initializer='zeros'),
                       [s1], api='tf.keras')
    layer_case('LocallyConnected1D/valid', lambda: L.LocallyConnected1D(4, 3), [(7, 3)],
               weight_names=True)
    layer_case('LocallyConnected1D/s2_tanh', lambda: L.LocallyConnected1D(
        3, 2, strides=2, activation='tanh'), [(7, 3)])
    layer_case('LocallyConnected1D/no_bias', lambda: L.LocallyConnected1D(
        2, 3, strides=3, use_bias=False), [(8, 2)])


def convlstm_cases():
    T = 4
    for fmt in ('channels_last', 'channels_first'):
        f = 'first' if fmt == 'channels_first' else 'last'
        s = (T, 5, 6, 2) if fmt == 'channels_last' else (T, 2, 5, 6)
        layer_case('ConvLSTM2D/valid_%s' % f, lambda: L.ConvLSTM2D(
            3, (3, 2), data_format=fmt), [s], weight_names=True)
        layer_case('ConvLSTM2D/same_seq_%s' % f, lambda: L.ConvLSTM2D(
            2, 3, padding='same', return_sequences=True, data_format=fmt), [s])
        layer_case('ConvLSTM2D/same_s2_state_%s' % f, lambda: L.ConvLSTM2D(
            2, (2, 3), strides=2, padding='same', return_state=True, data_format=fmt), [s])
        layer_case('ConvLSTM2D/backwards_dil_%s' % f, lambda: L.ConvLSTM2D(
            2, 2, dilation_rate=2, go_backwards=True, return_sequences=True,
            data_format=fmt), [s])
    s = (T, 5, 6, 2)
    layer_case('ConvLSTM2D/sigmoid_relu_nobias', lambda: L.ConvLSTM2D(
        3, 2, activation='relu', recurrent_activation='sigmoid', use_bias=False,
        unit_forget_bias=False), [s])
    layer_case('ConvLSTM2D/dropout_inference', lambda: L.ConvLSTM2D(
        2, 3, padding='same', dropout=0.3, recurrent_dropout=0.4, return_sequences=True), [s])
    layer_case('ConvLSTM2D/even_kernel_same', lambda: L.ConvLSTM2D(
        2, (2, 4), padding='same', return_sequences=True, return_state=True), [s])

    mask = np.ones((B, T), dtype=bool)
    mask[0, -2:] = False
    mask[1, 1] = False
    mask[2, 0] = False
    layer_case('ConvLSTM2D/masked_seq', lambda: L.ConvLSTM2D(
        2, 3, padding='same', return_sequences=True), [s], mask=mask)
    layer_case('ConvLSTM2D/masked_last_state', lambda: L.ConvLSTM2D(
        2, 3, padding='same', return_state=True), [s], mask=mask)
    layer_case('ConvLSTM2D/masked_backwards', lambda: L.ConvLSTM2D(
        2, 3, go_backwards=True, return_sequences=True), [s], mask=mask)
    layer_case('ConvLSTM2D/initial_state', lambda: L.ConvLSTM2D(
        3, 3, return_sequences=True), [s],
        initial_state=[float_input((3, 4, 3)), float_input((3, 4, 3))])
    layer_case('ConvLSTM2D/initial_state_first', lambda: L.ConvLSTM2D(
        2, 2, data_format='channels_first', return_state=True), [(T, 2, 5, 6)],
        initial_state=[float_input((2, 4, 5)), float_input((2, 4, 5))])

    def stateful():
        inp = L.Input(batch_shape=(B,) + s)
        out = L.ConvLSTM2D(2, 3, stateful=True, return_sequences=True)(inp)
        return Model(inp, out)
    model_case('ConvLSTM2D/stateful_second_call', stateful, [float_input(s)],
               prelude=[float_input(s)])


def main(out_dir):
    _preamble.ensure_dir(out_dir)
    core_cases()
    recurrent_cases()
    conv_cases()
    local_cases()
    convlstm_cases()
    _preamble.write_json(os.path.join(out_dir, 'layers.json'), {'_meta': META, 'cases': CASES},
                         indent=0, sort_keys=True, default=_preamble.json_default)
    _preamble.write_npz(os.path.join(out_dir, 'layers.npz'), ARRAYS, compressed=True)
    print('%d cases written to %s' % (len(CASES), out_dir))


if __name__ == '__main__':
    main(_preamble.output_path(__doc__, 'packages/layers/tests/fixtures/keras231'))
