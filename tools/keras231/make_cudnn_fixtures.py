"""Generate CuDNNLSTM / CuDNNGRU fixtures from REAL Keras 2.3.1 (``keras.layers.cudnn_recurrent``).

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python \
        tools/keras231/make_cudnn_fixtures.py packages/layers/tests/fixtures/keras231/

TensorFlow 1.15 builds and saves a CuDNN layer on a CPU but cannot run it, so each case's
outputs come from Keras's equivalent layer (``LSTM(recurrent_activation='sigmoid')``,
``GRU(reset_after=True, recurrent_activation='sigmoid')``) after ``load_weights`` of the CuDNN
model's weights file, which runs Keras's own conversion (``saving._convert_rnn_weights``).

Writes ``cudnn.json`` (per case: the CuDNN layer's ``class_name``, ``get_config()`` and weight
names) and ``cudnn.npz`` (``CASE/x``, the CuDNN weights ``CASE/w0..2``, the converted weights of
the equivalent layer ``CASE/p0..2`` and its outputs ``CASE/y0...``), plus, for lamella-io's
tests, ``cudnn_model.h5`` (a whole model: CuDNNLSTM, Bidirectional(CuDNNGRU), Dense) with
``cudnn_model.npz`` (its input and, from the equivalent plain model, its prediction).
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
META = _preamble.versions('tools/keras231/make_cudnn_fixtures.py')

B, T, F = 3, 5, 3
RNG = np.random.RandomState(2310)
CASES = []
ARRAYS = {}


def reset():
    """A fresh graph whose session places only what each run needs: TensorFlow has no CPU
    kernel for ``CudnnRNN``, yet reading and writing the variables around one works."""
    _preamble.reset()
    config = tf.ConfigProto(graph_options=tf.GraphOptions(place_pruned_graph=True))
    K.set_session(tf.Session(config=config))


def randomize(model):
    model.set_weights([(RNG.normal(size=w.shape) * 0.5).astype('float32')
                       for w in model.get_weights()])


def plain_equivalent(class_name, config):
    keep = ('units', 'return_sequences', 'return_state', 'go_backwards', 'stateful')
    kwargs = {k: config[k] for k in keep}
    if class_name == 'CuDNNLSTM':
        return L.LSTM(recurrent_activation='sigmoid', **kwargs)
    return L.GRU(reset_after=True, recurrent_activation='sigmoid', **kwargs)


def case(case_id, make, tmp):
    reset()
    x = RNG.normal(size=(B, T, F)).astype('float32')
    inp = L.Input((T, F))
    layer = make()
    out = layer(inp)
    model = Model(inp, out)
    randomize(model)
    path = os.path.join(tmp, case_id + '.h5')
    model.save_weights(path)
    config = layer.get_config()
    CASES.append({'id': case_id, 'class_name': layer.__class__.__name__, 'config': config,
                  'weight_names': [w.name for w in layer.weights]})
    for i, w in enumerate(layer.get_weights()):
        ARRAYS['%s/w%d' % (case_id, i)] = w
    ARRAYS[case_id + '/x'] = x
    reset()
    inp = L.Input((T, F))
    plain = plain_equivalent(layer.__class__.__name__, config)
    equivalent = Model(inp, plain(inp))
    equivalent.load_weights(path)
    for i, w in enumerate(plain.get_weights()):
        ARRAYS['%s/p%d' % (case_id, i)] = w
    ys = equivalent.predict(x)
    for i, y in enumerate(ys if isinstance(ys, list) else [ys]):
        ARRAYS['%s/y%d' % (case_id, i)] = y


def whole_model(out_dir, tmp):
    def build(cudnn):
        inp = L.Input((T, F))
        if cudnn:
            r = L.CuDNNLSTM(4, return_sequences=True, name='lstm')(inp)
            r = L.Bidirectional(L.CuDNNGRU(3), name='bigru')(r)
        else:
            r = L.LSTM(4, return_sequences=True, recurrent_activation='sigmoid', name='lstm')(inp)
            r = L.Bidirectional(L.GRU(3, reset_after=True, recurrent_activation='sigmoid'),
                                name='bigru')(r)
        return Model(inp, L.Dense(2, name='dense')(r))

    reset()
    model = build(True)
    randomize(model)
    model.compile('sgd', 'mse')
    path = os.path.join(out_dir, 'cudnn_model.h5')
    if os.path.exists(path):
        os.remove(path)
    model.save(path)
    weights = os.path.join(tmp, 'whole.h5')
    model.save_weights(weights)
    reset()
    plain = build(False)
    plain.load_weights(weights)
    x = RNG.normal(size=(B, T, F)).astype('float32')
    _preamble.write_npz(os.path.join(out_dir, 'cudnn_model.npz'), {'x': x, 'y': plain.predict(x)})


def main(out_dir):
    import tempfile

    _preamble.ensure_dir(out_dir)
    tmp = tempfile.mkdtemp()
    case('lstm_seq', lambda: L.CuDNNLSTM(4, return_sequences=True), tmp)
    case('lstm_state_back', lambda: L.CuDNNLSTM(3, return_state=True, go_backwards=True,
                                                unit_forget_bias=False), tmp)
    case('gru_seq', lambda: L.CuDNNGRU(4, return_sequences=True), tmp)
    case('gru_state_back', lambda: L.CuDNNGRU(3, return_state=True, go_backwards=True), tmp)
    whole_model(out_dir, tmp)
    _preamble.write_json(os.path.join(out_dir, 'cudnn.json'), {'_meta': META, 'cases': CASES},
                         newline=True, indent=1, sort_keys=True,
                         default=_preamble.json_default)
    _preamble.write_npz(os.path.join(out_dir, 'cudnn.npz'), ARRAYS, compressed=True)


if __name__ == '__main__':
    main(_preamble.output_path(__doc__))
