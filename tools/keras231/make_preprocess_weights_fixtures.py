"""Generate Keras 2.3.1 fixtures for ``keras.engine.saving.preprocess_weights_for_loading``:
Keras 1 layouts, Theano-trained kernels, ``reshape=True``, Keras's channels-first guess,
CuDNN weights and nested layers, each converted by real Keras 2.3.1.

How to regenerate (CPU only, Python 3.7; README.md sets up the Keras 2.3.1 environment):

    /work/k231/bin/python tools/keras231/make_preprocess_weights_fixtures.py \
        integration_tests/fixtures/keras231/

Writes ``preprocess_weights.json`` (per case: the layer's class and config, the input shape it
was built on, the arguments) and ``preprocess_weights.npz`` (``CASE/in0``..., ``CASE/out0``...).
"""
from __future__ import print_function

import os

import _preamble

_preamble.setup_environment(hash_seed=True)

import numpy as np  # noqa: E402
from keras import backend as K  # noqa: E402
from keras import layers as L  # noqa: E402
from keras.engine.saving import preprocess_weights_for_loading  # noqa: E402

_preamble.quiet_tensorflow()
RNG = np.random.RandomState(7)
CASES = []
ARRAYS = {}


def rand(*shape):
    return RNG.normal(size=shape).astype('float32')


def case(case_id, make_layer, input_shape, weights, version=None, backend=None, reshape=False):
    K.clear_session()
    layer = make_layer()
    layer.build((None,) + tuple(input_shape))
    out = preprocess_weights_for_loading(layer, [w.copy() for w in weights], version, backend,
                                         reshape=reshape)
    for i, w in enumerate(weights):
        ARRAYS['%s/in%d' % (case_id, i)] = w
    for i, w in enumerate(out):
        ARRAYS['%s/out%d' % (case_id, i)] = np.asarray(w)
    assert [tuple(np.shape(w)) for w in out] == [K.int_shape(w) for w in layer.weights]
    CASES.append({'id': case_id, 'class_name': layer.__class__.__name__,
                  'config': layer.get_config(), 'input_shape': list(input_shape),
                  'original_keras_version': version, 'original_backend': backend,
                  'reshape': reshape, 'n_in': len(weights), 'n_out': len(out)})
    print('ok   %s' % case_id)


def lstm_keras1(inp, units):
    return [w for _ in range(4) for w in (rand(inp, units), rand(units, units), rand(units))]


def main(out_dir):
    _preamble.ensure_dir(out_dir)
    case('conv2d_theano', lambda: L.Conv2D(3, (2, 3)), (5, 5, 2),
         [rand(2, 3, 2, 3), rand(3)], '2.3.1', 'theano')
    case('conv2d_reshape', lambda: L.Conv2D(4, 3), (5, 5, 2),
         [rand(18, 4), rand(4)], '2.3.1', 'tensorflow', reshape=True)
    case('conv2d_channels_first_guess', lambda: L.Conv2D(4, (2, 3)), (5, 5, 2),
         [rand(2, 4, 3, 2), rand(4)], '2.3.1', 'tensorflow')
    case('conv1d_keras1', lambda: L.Conv1D(4, 3), (6, 2), [rand(3, 1, 2, 4), rand(4)], '1')
    case('conv1d_keras1_th', lambda: L.Conv1D(4, 3), (6, 2), [rand(4, 2, 3, 1), rand(4)], '1')
    case('conv2d_cf_keras1', lambda: L.Conv2D(3, 2, data_format='channels_first'), (2, 5, 5),
         [rand(3, 2, 2, 2), rand(3)], '1')
    case('conv2dtranspose_keras1', lambda: L.Conv2DTranspose(3, 2), (4, 4, 2),
         [rand(2, 2, 2, 3), rand(3)], '1')
    case('conv3d_cf_keras1', lambda: L.Conv3D(2, 2, data_format='channels_first'),
         (3, 4, 4, 4), [rand(2, 3, 2, 2, 2), rand(2)], '1')
    case('lstm_keras1', lambda: L.LSTM(3), (4, 2), lstm_keras1(2, 3), '1')
    case('gru_keras1', lambda: L.GRU(3), (4, 2),
         [w for _ in range(3) for w in (rand(2, 3), rand(3, 3), rand(3))], '1')
    case('convlstm2d_keras1', lambda: L.ConvLSTM2D(2, 3), (2, 5, 5, 1),
         [w for _ in range(4) for w in (rand(3, 3, 1, 2), rand(3, 3, 2, 2), rand(2))], '1')
    case('lstm_from_cudnn', lambda: L.LSTM(3), (4, 2),
         [rand(2, 12), rand(3, 12), rand(24)], '2.3.1', 'tensorflow')
    case('time_distributed_conv2d_theano', lambda: L.TimeDistributed(L.Conv2D(2, 2)),
         (3, 4, 4, 1), [rand(2, 2, 1, 2), rand(2)], '2.3.1', 'theano')
    case('bidirectional_lstm_from_cudnn', lambda: L.Bidirectional(L.LSTM(2)), (4, 3),
         [rand(3, 8), rand(2, 8), rand(16), rand(3, 8), rand(2, 8), rand(16)], '2.3.1')
    case('dense_untouched', lambda: L.Dense(2), (3,), [rand(3, 2), rand(2)], '1', 'theano')
    _preamble.write_json(os.path.join(out_dir, 'preprocess_weights.json'),
                         {'_meta': _preamble.versions(
                             'tools/keras231/make_preprocess_weights_fixtures.py'),
                          'cases': CASES},
                         indent=0, sort_keys=True, default=_preamble.json_default)
    _preamble.write_npz(os.path.join(out_dir, 'preprocess_weights.npz'), ARRAYS,
                        compressed=True)
    print('%d cases written to %s' % (len(CASES), out_dir))


if __name__ == '__main__':
    main(_preamble.output_path(__doc__, 'integration_tests/fixtures/keras231'))
