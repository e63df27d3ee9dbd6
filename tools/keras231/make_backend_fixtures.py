"""Generate golden fixtures of ``keras.backend`` from REAL Keras 2.3.1 for lamella.backend.

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python \
        tools/keras231/make_backend_fixtures.py \
        packages/core-engine/tests/fixtures/keras231/

Writes:

- ``backend_api.json``: every public function of ``keras.backend`` with its parameters
  (name, kind, default) as ``inspect.signature`` reports them, so a test can compare lamella's
  signatures one by one;
- ``backend_cases.json`` + ``backend_cases.npz``: each case calls one backend function on small
  seeded inputs and evaluates the result with ``K.eval``. The JSON lists, per case, the
  function, its arguments (``{"array": KEY}`` for an input stored in the ``.npz`` under
  ``CASE/in/KEY``, anything else literally) and how many outputs it has (stored as
  ``CASE/out/I``; nested outputs are flattened in order).

A case's inputs become ``K.constant`` tensors of the array's dtype, except ``"variable"``
inputs (the state-changing functions), which become ``K.variable`` and are read back after the
update runs.
"""
from __future__ import print_function

import inspect
import os

import _preamble

_preamble.setup_environment(hash_seed=True)

import numpy as np  # noqa: E402
from keras import backend as K  # noqa: E402

_preamble.quiet_tensorflow()
META = _preamble.versions('tools/keras231/make_backend_fixtures.py')

RNG = np.random.RandomState(1234)


def f32(*shape):
    return RNG.uniform(-2, 2, size=shape).astype('float32')


def pos(*shape):
    return RNG.uniform(0.1, 2, size=shape).astype('float32')


def probs(*shape):
    x = RNG.uniform(0.05, 1, size=shape).astype('float32')
    return (x / x.sum(axis=-1, keepdims=True)).astype('float32')


def ints(high, *shape):
    return RNG.randint(0, high, size=shape).astype('int32')


class A(object):
    """An array argument (a constant tensor, or a variable when ``variable``)."""

    def __init__(self, value, variable=False, raw=False):
        self.value = np.asarray(value)
        self.variable = variable
        self.raw = raw  # passed as the NumPy array itself


class C(object):
    """A callable argument: one of CALLABLES, by name (lamella's test has the same ones)."""

    def __init__(self, name):
        self.name = name


CALLABLES = {
    'square_sum': lambda t: K.sum(K.square(t)),
    'double_add': lambda acc, t: acc * 2.0 + t,
    'ones_2x3': lambda: K.ones_like(K.zeros((2, 3))),
    'zeros_2x3': lambda: K.zeros_like(K.zeros((2, 3))),
}

CASES = []


def case(name, fn, *args, **kwargs):
    CASES.append((name, fn, args, kwargs))


def build_cases():
    x23, x234, x2345 = f32(2, 3), f32(2, 3, 4), f32(2, 3, 4, 5)
    # --- elementwise math
    for fn in ('abs', 'square', 'exp', 'sign', 'sin', 'cos', 'round', 'sigmoid', 'hard_sigmoid',
               'tanh', 'softplus', 'softsign', 'elu', 'relu', 'softmax', 'transpose', 'flatten',
               'batch_flatten', 'identity', 'zeros_like', 'ones_like', 'stop_gradient'):
        case(fn, fn, A(x234))
    case('cast_to_floatx', 'cast_to_floatx', A(np.arange(4), raw=True))
    for fn in ('sqrt', 'log'):
        case(fn, fn, A(pos(3, 4)))
    case('sqrt_negative', 'sqrt', A(np.array([-1.0, 0.0, 4.0], 'float32')))
    case('round_half', 'round', A(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], 'float32')))
    case('relu_args', 'relu', A(x234), alpha=0.1, max_value=1.5, threshold=0.3)
    case('relu_maxval', 'relu', A(x234), max_value=1.0)
    case('relu_alpha', 'relu', A(x234), alpha=0.2)
    case('elu_alpha', 'elu', A(x234), alpha=0.5)
    case('softmax_axis1', 'softmax', A(x234), axis=1)
    case('pow', 'pow', A(pos(3, 4)), 2.5)
    case('clip', 'clip', A(x234), -0.5, 0.7)
    case('clip_inverted', 'clip', A(x234), 0.7, -0.5)
    y234 = f32(2, 3, 4)
    for fn in ('maximum', 'minimum', 'equal', 'not_equal', 'greater', 'greater_equal', 'less',
               'less_equal'):
        case(fn, fn, A(np.round(x234)), A(np.round(y234)))
    # --- reductions
    for fn in ('max', 'min', 'sum', 'prod', 'mean', 'std', 'var', 'logsumexp'):
        case(fn, fn, A(x234))
        case(fn + '_axis1_keep', fn, A(x234), axis=1, keepdims=True)
        case(fn + '_axes', fn, A(x234), axis=[0, 2])
    boolish = A(RNG.uniform(size=(3, 4)) > 0.5)
    case('mean_int', 'mean', A(np.array([[1, 2, 4], [3, -7, 1]], 'int32')), axis=1)
    case('mean_bool', 'mean', boolish, axis=0)
    for fn in ('any', 'all'):
        case(fn, fn, boolish)
        case(fn + '_axis', fn, boolish, axis=1)
        case(fn + '_keep', fn, boolish, axis=0, keepdims=True)
    for fn in ('argmax', 'argmin'):
        case(fn, fn, A(x234))
        case(fn + '_axis0', fn, A(x234), axis=0)
    for fn in ('cumsum', 'cumprod'):
        case(fn, fn, A(x234))
        case(fn + '_axis2', fn, A(x234), axis=2)
    case('l2_normalize', 'l2_normalize', A(x234))
    case('l2_normalize_axis', 'l2_normalize', A(x234), axis=-1)
    case('l2_normalize_axes', 'l2_normalize', A(x234), axis=[1, 2])
    # --- linear algebra
    case('dot_2d', 'dot', A(x23), A(f32(3, 4)))
    case('dot_nd', 'dot', A(x234), A(f32(5, 4, 6)))
    case('dot_1d_weights', 'dot', A(x234), A(f32(4, 2)))
    case('batch_dot_default', 'batch_dot', A(x234), A(f32(2, 4, 5)))
    case('batch_dot_axes1', 'batch_dot', A(x23), A(f32(2, 3)), axes=1)
    case('batch_dot_axes_2_1', 'batch_dot', A(x234), A(f32(2, 4, 5)), axes=(2, 1))
    case('batch_dot_axes_1_1', 'batch_dot', A(x234), A(f32(2, 3, 5)), axes=[1, 1])
    case('batch_dot_4d', 'batch_dot', A(x2345), A(f32(2, 5, 3)), axes=(3, 1))
    case('batch_dot_2d_3d', 'batch_dot', A(x23), A(f32(2, 3, 4)), axes=(1, 1))
    # --- shapes
    case('reshape', 'reshape', A(x234), (4, -1))
    case('permute_dimensions', 'permute_dimensions', A(x234), (2, 0, 1))
    case('expand_dims', 'expand_dims', A(x234))
    case('expand_dims_1', 'expand_dims', A(x234), 1)
    case('squeeze', 'squeeze', A(f32(2, 1, 3)), 1)
    case('concatenate', 'concatenate', [A(x234), A(y234)])
    case('concatenate_axis0', 'concatenate', [A(x234), A(y234)], axis=0)
    case('stack', 'stack', [A(x234), A(y234)])
    case('stack_axis2', 'stack', [A(x234), A(y234)], axis=2)
    case('tile', 'tile', A(x23), (2, 3))
    case('tile_int', 'tile', A(np.arange(3, dtype='float32')), 2)
    case('repeat', 'repeat', A(x23), 3)
    case('repeat_elements', 'repeat_elements', A(x234), 2, 1)
    case('repeat_elements_last', 'repeat_elements', A(x234), 3, -1)
    case('reverse', 'reverse', A(x234), 1)
    case('reverse_axes', 'reverse', A(x234), (0, 2))
    case('slice', 'slice', A(x234), (0, 1, 1), (2, 2, 2))
    case('gather', 'gather', A(f32(5, 3)), A(np.array([[0, 4], [2, 2]], 'int32')))
    case('one_hot', 'one_hot', A(ints(5, 2, 3)), 5)
    case('arange', 'arange', 5)
    case('arange_range', 'arange', 2, 11, 3)
    case('arange_float', 'arange', 1, 3, 0.5, dtype='float32')
    case('temporal_padding', 'temporal_padding', A(x234))
    case('temporal_padding_2_0', 'temporal_padding', A(x234), (2, 0))
    case('spatial_2d_padding', 'spatial_2d_padding', A(x2345))
    case('spatial_2d_padding_first', 'spatial_2d_padding', A(x2345), ((0, 1), (2, 1)),
         'channels_first')
    x5 = f32(1, 2, 3, 2, 2)
    case('spatial_3d_padding', 'spatial_3d_padding', A(x5))
    case('spatial_3d_padding_first', 'spatial_3d_padding', A(x5), ((0, 1), (1, 0), (2, 1)),
         'channels_first')
    img = f32(2, 3, 4, 2)
    case('resize_images_nearest', 'resize_images', A(img), 2, 3, 'channels_last')
    case('resize_images_first', 'resize_images', A(img), 2, 1, 'channels_first')
    case('resize_images_bilinear', 'resize_images', A(img), 2, 2, 'channels_last',
         interpolation='bilinear')
    case('resize_volumes', 'resize_volumes', A(x5), 2, 1, 2, 'channels_last')
    case('resize_volumes_first', 'resize_volumes', A(x5), 1, 2, 2, 'channels_first')
    # --- nn
    target = probs(3, 4)
    out = probs(3, 4)
    case('categorical_crossentropy', 'categorical_crossentropy', A(target), A(out))
    case('categorical_crossentropy_logits', 'categorical_crossentropy', A(target), A(f32(3, 4)),
         from_logits=True)
    case('categorical_crossentropy_axis1', 'categorical_crossentropy',
         A(probs(2, 4, 3).transpose(0, 2, 1).copy()), A(probs(2, 4, 3).transpose(0, 2, 1).copy()),
         axis=1)
    case('sparse_categorical_crossentropy', 'sparse_categorical_crossentropy',
         A(ints(4, 3)), A(out))
    case('sparse_categorical_crossentropy_logits', 'sparse_categorical_crossentropy',
         A(ints(4, 3)), A(f32(3, 4)), from_logits=True)
    bt = (RNG.uniform(size=(3, 4)) > 0.5).astype('float32')
    case('binary_crossentropy', 'binary_crossentropy', A(bt), A(RNG.uniform(
        0.01, 0.99, size=(3, 4)).astype('float32')))
    case('binary_crossentropy_logits', 'binary_crossentropy', A(bt), A(f32(3, 4)),
         from_logits=True)
    case('in_top_k', 'in_top_k', A(f32(4, 5)), A(np.array([0, 1, 2, 3], 'int32')), 2)
    case('bias_add', 'bias_add', A(x234), A(f32(4)))
    case('bias_add_first', 'bias_add', A(x234), A(f32(3)), 'channels_first')
    case('bias_add_4d_first', 'bias_add', A(x2345), A(f32(3)), data_format='channels_first')
    case('bias_add_5d', 'bias_add', A(x5), A(f32(2)))
    case('bias_add_nd_bias', 'bias_add', A(x234), A(f32(3, 4)))
    mean, var = f32(4), pos(4)
    beta, gamma = f32(4), pos(4)
    case('batch_normalization', 'batch_normalization', A(x234), A(mean), A(var), A(beta),
         A(gamma))
    case('batch_normalization_eps', 'batch_normalization', A(x234), A(mean), A(var), A(beta),
         A(gamma), axis=-1, epsilon=0.1)
    case('normalize_batch_in_training', 'normalize_batch_in_training', A(x234), A(gamma),
         A(beta), [0, 1])
    x4d = f32(3, 4, 2, 2)
    case('normalize_batch_in_training_first', 'normalize_batch_in_training', A(x4d),
         A(pos(4)), A(f32(4)), [0, 2, 3])
    case('normalize_batch_in_training_fused', 'normalize_batch_in_training',
         A(f32(3, 2, 2, 4)), A(pos(4)), A(f32(4)), [0, 1, 2], epsilon=1e-6)
    case('normalize_batch_in_training_none', 'normalize_batch_in_training', A(x234), None,
         None, [0, 1], epsilon=0.01)
    # --- convolutions and pooling
    x1 = f32(2, 7, 3)
    k1 = f32(3, 3, 4)
    case('conv1d', 'conv1d', A(x1), A(k1))
    case('conv1d_same_stride', 'conv1d', A(x1), A(k1), strides=2, padding='same')
    case('conv1d_causal', 'conv1d', A(x1), A(k1), padding='causal', dilation_rate=2)
    case('conv1d_first', 'conv1d', A(x1.transpose(0, 2, 1).copy()), A(k1),
         data_format='channels_first')
    x2 = f32(2, 6, 5, 3)
    k2 = f32(3, 2, 3, 4)
    case('conv2d', 'conv2d', A(x2), A(k2))
    case('conv2d_same_stride', 'conv2d', A(x2), A(k2), strides=(2, 2), padding='same')
    case('conv2d_dilated', 'conv2d', A(x2), A(k2), padding='same', dilation_rate=(2, 1))
    case('conv2d_first', 'conv2d', A(x2.transpose(0, 3, 1, 2).copy()), A(k2),
         data_format='channels_first')
    kt = f32(3, 3, 4, 3)  # (kh, kw, out, in)
    case('conv2d_transpose', 'conv2d_transpose', A(x2), A(kt), (2, 8, 7, 4))
    case('conv2d_transpose_same', 'conv2d_transpose', A(x2), A(kt), (2, 12, 10, 4),
         strides=(2, 2), padding='same')
    case('conv2d_transpose_first', 'conv2d_transpose', A(x2.transpose(0, 3, 1, 2).copy()),
         A(kt), (2, 4, 13, 11), strides=(2, 2), padding='valid', data_format='channels_first')
    x3 = f32(1, 4, 5, 4, 2)
    k3 = f32(2, 3, 2, 2, 3)
    case('conv3d', 'conv3d', A(x3), A(k3))
    case('conv3d_same', 'conv3d', A(x3), A(k3), strides=(1, 2, 1), padding='same')
    case('conv3d_first', 'conv3d', A(x3.transpose(0, 4, 1, 2, 3).copy()), A(k3),
         data_format='channels_first')
    k3t = f32(2, 2, 2, 3, 2)
    case('conv3d_transpose', 'conv3d_transpose', A(x3), A(k3t), (1, 8, 10, 8, 3),
         strides=(2, 2, 2), padding='same')
    dk = f32(3, 3, 3, 2)
    case('depthwise_conv2d', 'depthwise_conv2d', A(x2), A(dk))
    case('depthwise_conv2d_same', 'depthwise_conv2d', A(x2), A(dk), strides=(2, 2),
         padding='same')
    pk = f32(1, 1, 6, 5)
    case('separable_conv2d', 'separable_conv2d', A(x2), A(dk), A(pk))
    case('separable_conv2d_first', 'separable_conv2d', A(x2.transpose(0, 3, 1, 2).copy()),
         A(dk), A(pk), padding='same', data_format='channels_first')
    case('separable_conv1d', 'separable_conv1d', A(x1), A(f32(3, 3, 2)), A(f32(1, 6, 4)))
    case('separable_conv1d_same', 'separable_conv1d', A(x1), A(f32(3, 3, 2)),
         A(f32(1, 6, 4)), strides=2, padding='same')
    for mode in ('max', 'avg'):
        case('pool2d_' + mode, 'pool2d', A(x2), (2, 2), pool_mode=mode)
        case('pool2d_same_' + mode, 'pool2d', A(x2), (2, 3), strides=(2, 2), padding='same',
             pool_mode=mode)
        case('pool2d_first_' + mode, 'pool2d', A(x2.transpose(0, 3, 1, 2).copy()), (3, 2),
             strides=(1, 2), data_format='channels_first', pool_mode=mode)
        case('pool3d_' + mode, 'pool3d', A(x3), (2, 2, 2), strides=(2, 2, 2), pool_mode=mode)
        case('pool3d_same_' + mode, 'pool3d', A(x3), (3, 2, 2), strides=(2, 2, 2),
             padding='same', pool_mode=mode)
    case('local_conv1d', 'local_conv1d', A(x1), A(f32(3, 6, 4)), (2,), (2,))
    case('local_conv2d', 'local_conv2d', A(x2), A(f32(4, 12, 4)), (3, 4), (2, 1), (2, 2))
    case('local_conv2d_first', 'local_conv2d', A(x2.transpose(0, 3, 1, 2).copy()),
         A(f32(4, 12, 4)), (3, 4), (2, 1), (2, 2), 'channels_first')
    # --- variables, constants, state updates
    case('zeros', 'zeros', (2, 3))
    case('ones_int', 'ones', (3,), dtype='int32')
    case('eye', 'eye', 3)
    case('eye_rect', 'eye', (2, 4), dtype='float64')
    case('constant', 'constant', 1.5, shape=(2, 2))
    case('constant_int', 'constant', [[1, 2], [3, 4]], dtype='int32')
    case('cast', 'cast', A(x234), 'int32')
    case('update', 'update', A(x23, variable=True), A(f32(2, 3)))
    case('update_add', 'update_add', A(x23, variable=True), A(f32(2, 3)))
    case('update_sub', 'update_sub', A(x23, variable=True), A(f32(2, 3)))
    case('moving_average_update', 'moving_average_update', A(x23, variable=True),
         A(f32(2, 3)), 0.9)
    # --- control flow
    case('switch_scalar_true', 'switch', A(np.array(True)), A(x23), A(f32(2, 3)))
    case('switch_scalar_false', 'switch', A(np.array(0.0, 'float32')), A(x23), A(f32(2, 3)))
    case('switch_elementwise', 'switch', A(x23 > 0), A(x23), A(-x23))
    case('switch_broadcast', 'switch', A(np.array([True, False])), A(x234), A(y234))
    case('in_train_phase_1', 'in_train_phase', A(x23), A(-x23), training=1)
    case('in_train_phase_false', 'in_train_phase', A(x23), A(-x23), training=False)
    case('in_test_phase_1', 'in_test_phase', A(x23), A(-x23), training=1)
    case('in_train_phase_default', 'in_train_phase', A(x23), A(-x23))
    case('in_test_phase_default', 'in_test_phase', A(x23), A(-x23))
    # --- rnn: RNN_STEP below, with each of Keras's options
    rx, rw, ru, rc = f32(2, 5, 3), f32(3, 4) * 0.5, f32(4, 4) * 0.5, f32(2, 4) * 0.1
    rmask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 1, 1]], 'float32')
    h0 = np.zeros((2, 4), 'float32')
    for unroll in (False, True):
        tag = '_unroll' if unroll else ''
        case('rnn' + tag, 'rnn', A(rx), A(rw), A(ru), [A(h0), A(h0)], unroll=unroll)
        case('rnn_backwards' + tag, 'rnn', A(rx), A(rw), A(ru), [A(h0), A(h0)],
             go_backwards=True, unroll=unroll)
        case('rnn_mask' + tag, 'rnn', A(rx), A(rw), A(ru), [A(h0), A(h0)], mask=A(rmask),
             unroll=unroll)
        case('rnn_mask_backwards' + tag, 'rnn', A(rx), A(rw), A(ru), [A(h0), A(h0)],
             mask=A(rmask), go_backwards=True, unroll=unroll)
        case('rnn_constants' + tag, 'rnn', A(rx), A(rw), A(ru), [A(h0), A(h0)],
             constants=[A(rc)], mask=A(rmask), unroll=unroll, input_length=5)
    # --- higher-order functions (CALLABLES below)
    seq = f32(4, 3)
    case('map_fn', 'map_fn', C('square_sum'), A(seq))
    case('foldl', 'foldl', C('double_add'), A(seq))
    case('foldr', 'foldr', C('double_add'), A(seq))
    case('foldl_initializer', 'foldl', C('double_add'), A(seq),
         initializer=A(np.ones(3, 'float32')))
    case('switch_callables', 'switch', A(np.array(False)), C('ones_2x3'), C('zeros_2x3'))
    case('in_train_phase_callables', 'in_train_phase', C('ones_2x3'), C('zeros_2x3'),
         training=True)
    # --- ctc
    labels = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [0, 0, 0, 0]], 'int32')
    label_len = np.array([[3], [2], [1]], 'int32')
    y_pred = probs(3, 8, 5)
    in_len = np.array([[8], [6], [4]], 'int32')
    case('ctc_batch_cost', 'ctc_batch_cost', A(labels), A(y_pred), A(in_len), A(label_len))
    case('ctc_label_dense_to_sparse', 'ctc_label_dense_to_sparse', A(labels),
         A(label_len[:, 0]))
    peaky = probs(3, 10, 4) ** 3
    peaky = (peaky / peaky.sum(-1, keepdims=True)).astype('float32')
    for name, yp in (('flat', y_pred), ('peaky', peaky)):
        il = A(np.array([yp.shape[1], yp.shape[1] - 2, 3], 'int32'))
        case('ctc_decode_greedy_' + name, 'ctc_decode', A(yp), il)
        case('ctc_decode_beam_' + name, 'ctc_decode', A(yp), il, greedy=False, beam_width=50,
             top_paths=3)
        case('ctc_decode_beam_merge_' + name, 'ctc_decode', A(yp), il, greedy=False,
             beam_width=50, top_paths=2, merge_repeated=True)
    # --- misc
    case('count_params', 'count_params', A(x234, variable=True))
    case('int_shape', 'int_shape', A(x234))
    case('ndim', 'ndim', A(x234))
    case('size', 'size', A(x234))
    case('shape', 'shape', A(x234))
    case('dtype', 'dtype', A(x234))
    case('dtype_int', 'dtype', A(ints(3, 2)))
    case('is_tensor', 'is_tensor', A(x23))
    case('is_variable', 'is_variable', A(x23, variable=True))
    case('is_variable_constant', 'is_variable', A(x23))
    case('is_sparse', 'is_sparse', A(x23))
    case('to_dense', 'to_dense', A(x23))
    case('eval', 'eval', A(x23, variable=True))
    case('get_value', 'get_value', A(x23, variable=True))
    case('batch_get_value', 'batch_get_value', [A(x23, variable=True), A(y234, variable=True)])
    for fn in ('floatx', 'epsilon', 'image_data_format'):
        case(fn, fn)
    case('normalize_data_format', 'normalize_data_format', None)
    case('normalize_data_format_upper', 'normalize_data_format', 'Channels_First')
    # --- more convolution options (appended last so earlier cases keep their seeded inputs)
    xd = f32(2, 7, 6, 3)
    case('conv2d_transpose_dilated_same', 'conv2d_transpose', A(xd), A(f32(3, 3, 2, 3)),
         (2, 7, 6, 2), padding='same', dilation_rate=(2, 2))
    case('conv2d_transpose_dilated_valid', 'conv2d_transpose', A(xd), A(f32(3, 3, 2, 3)),
         (2, 11, 10, 2), dilation_rate=(2, 2))
    case('depthwise_conv2d_dilated', 'depthwise_conv2d', A(xd), A(f32(2, 2, 3, 2)),
         padding='same', dilation_rate=(2, 3))
    case('separable_conv2d_dilated', 'separable_conv2d', A(xd), A(f32(2, 2, 3, 1)),
         A(f32(1, 1, 3, 2)), dilation_rate=(2, 2))
    case('conv1d_causal_strided', 'conv1d', A(f32(1, 9, 2)), A(f32(3, 2, 2)), strides=2,
         padding='causal')
    small_var = (pos(3) * 1e-4).astype('float32')
    case('batch_normalization_4d_fused', 'batch_normalization', A(xd), A(f32(3)),
         A(small_var), A(f32(3)), A(pos(3)), epsilon=1e-6)
    case('batch_normalization_4d_first', 'batch_normalization', A(xd), A(f32(1, 7, 1, 1)),
         A((pos(1, 7, 1, 1) * 1e-4).astype('float32')), None, None, axis=1, epsilon=1e-6)
    case('conv2d_transpose_output_padding', 'conv2d_transpose', A(xd), A(f32(2, 2, 2, 3)),
         (2, 15, 13, 2), strides=(2, 2))


def rnn_step(w, u):
    """The step function of the ``rnn`` cases (lamella's test has the same one): a simple RNN
    whose second state counts the steps taken, and an optional constant added to the
    pre-activation."""
    def step(x_t, states):
        h, count = states[0], states[1]
        z = K.dot(x_t, w) + K.dot(h, u)
        if len(states) > 2:
            z = z + states[2]
        h_new = K.tanh(z)
        return h_new * 2.0, [h_new, count + 1.0]
    return step


# Functions whose recorded result is not a tensor: keep it literally in the JSON.
PYTHON_RESULTS = {'int_shape', 'ndim', 'dtype', 'count_params', 'is_tensor', 'is_variable',
                  'is_sparse', 'floatx', 'epsilon', 'image_data_format',
                  'normalize_data_format'}


def to_arg(value, arrays, prefix, counter):
    if isinstance(value, A):
        key = str(len(counter))
        counter.append(key)
        arrays[prefix + '/in/' + key] = value.value
        spec = {'array': key}
        if value.variable:
            spec['variable'] = True
            return spec, K.variable(value.value)
        if value.raw:
            spec['raw'] = True
            return spec, value.value
        return spec, K.constant(value.value, dtype=str(value.value.dtype))
    if isinstance(value, C):
        return {'callable': value.name}, CALLABLES[value.name]
    if isinstance(value, list):
        pairs = [to_arg(v, arrays, prefix, counter) for v in value]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if isinstance(value, tuple):
        return {'tuple': list(value)}, value
    return value, value


def flatten(result):
    if isinstance(result, (list, tuple)):
        out = []
        for item in result:
            out.extend(flatten(item))
        return out
    return [result]


def run_case(name, fn, args, kwargs, arrays):
    _preamble.reset(0)
    counter = []
    arg_specs, real_args, variables = [], [], []
    for value in args:
        spec, real = to_arg(value, arrays, name, counter)
        arg_specs.append(spec)
        real_args.append(real)
        if isinstance(value, A) and value.variable:
            variables.append(real)
    kw_specs, real_kwargs = {}, {}
    for key, value in kwargs.items():
        kw_specs[key], real_kwargs[key] = to_arg(value, arrays, name, counter)
    if fn == 'rnn':  # (inputs, w, u, initial_states): the step function is rnn_step(w, u)
        x, w, u, states = real_args
        result = K.rnn(rnn_step(w, u), x, states, **real_kwargs)
    else:
        result = getattr(K, fn)(*real_args, **real_kwargs)
    record = {'fn': fn, 'args': arg_specs, 'kwargs': kw_specs}
    if fn in ('eval', 'get_value', 'batch_get_value'):  # already NumPy values
        outputs = flatten(result)
        for i, value in enumerate(outputs):
            arrays['%s/out/%d' % (name, i)] = np.asarray(value)
        record['outputs'] = len(outputs)
        return record
    if fn in PYTHON_RESULTS or isinstance(result, np.ndarray):
        record['result'] = _preamble.to_py(result)
        return record
    if fn in ('update', 'update_add', 'update_sub', 'moving_average_update'):
        K.get_session().run(result)
        outputs = [K.get_value(variables[0])]
    elif fn == 'ctc_label_dense_to_sparse':
        sparse = K.get_session().run(result)
        outputs = [sparse.indices, sparse.values, np.asarray(sparse.dense_shape)]
    else:
        outputs = [np.asarray(K.eval(t)) for t in flatten(result)]
    for i, value in enumerate(outputs):
        arrays['%s/out/%d' % (name, i)] = value
    record['outputs'] = len(outputs)
    return record


def api():
    out = {}
    for name in sorted(dir(K)):
        obj = getattr(K, name)
        if name.startswith('_') or not inspect.isfunction(obj):
            continue
        params = []
        for p in inspect.signature(obj).parameters.values():
            entry = {'name': p.name, 'kind': str(p.kind)}
            if p.default is not inspect.Parameter.empty:
                entry['default'] = _preamble.to_py(p.default)
            params.append(entry)
        out[name] = params
    return out


def main():
    outdir = _preamble.output_path(__doc__)
    _preamble.ensure_dir(outdir)
    _preamble.write_json(os.path.join(outdir, 'backend_api.json'),
                         {'functions': api(), 'classes': ['name_scope'], '_meta': META},
                         newline=True, indent=1, sort_keys=True)
    build_cases()
    arrays, records = {}, {}
    for name, fn, args, kwargs in CASES:
        assert name not in records, name
        records[name] = run_case(name, fn, args, kwargs, arrays)
    records['_meta'] = META
    _preamble.write_json(os.path.join(outdir, 'backend_cases.json'), records, newline=True,
                         indent=1, sort_keys=True)
    _preamble.write_npz(os.path.join(outdir, 'backend_cases.npz'), arrays, compressed=True)
    print('wrote', len(CASES), 'cases to', outdir)


if __name__ == '__main__':
    main()
