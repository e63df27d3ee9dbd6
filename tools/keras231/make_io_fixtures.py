"""Generate HDF5/YAML/JSON fixtures from REAL Keras 2.3.1 for lamella-io's interop tests.

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python \
        tools/keras231/make_io_fixtures.py packages/io/tests/fixtures/keras231/

For each model NAME it writes NAME.h5 (``model.save``, compiled and trained one epoch so the
file has a training_config and optimizer state), NAME.weights.h5 (``save_weights``),
NAME.json (``to_json``), NAME.yaml (``to_yaml``, with ``!!python/tuple``) and adds the fixed
inputs and Keras's predictions to expected.npz (``NAME/x0``, ``NAME/x1``, ..., ``NAME/y0``, ...).
manifest.json lists every model, the layer classes it uses, and the versions used.
Models whose layers lamella does not have yet are still written; the tests skip them.
"""
from __future__ import print_function

import json
import os

import _preamble

_preamble.setup_environment(hash_seed=True)

# the environment must be set before Keras (and TensorFlow) are imported
import keras  # noqa: E402
import numpy as np  # noqa: E402
from _preamble import reset  # noqa: E402
from keras import layers, optimizers  # noqa: E402
from keras.models import Model, Sequential  # noqa: E402

_preamble.quiet_tensorflow()
META = _preamble.versions('tools/keras231/make_io_fixtures.py')


# --------------------------------------------------------------------------
# model builders: each returns (model, inputs, targets, compile kwargs)
# --------------------------------------------------------------------------

def seq_conv():
    m = Sequential(name='seq_conv')
    m.add(layers.Conv2D(4, (3, 3), activation='relu', input_shape=(8, 8, 2), name='conv'))
    m.add(layers.MaxPooling2D((2, 2), name='pool'))
    m.add(layers.Flatten(name='flat'))
    m.add(layers.Dense(6, activation='relu', name='hidden'))
    m.add(layers.Dropout(0.25, name='drop'))
    m.add(layers.Dense(3, activation='softmax', name='probs'))
    x = [np.random.rand(10, 8, 8, 2).astype('float32')]
    y = [keras.utils.to_categorical(np.arange(10) % 3, 3)]
    return m, x, y, dict(optimizer=optimizers.Adam(lr=0.01), loss='categorical_crossentropy',
                         metrics=['accuracy'])


def functional_two_in_two_out():
    a = layers.Input(shape=(4,), name='in_a')
    b = layers.Input(shape=(4,), name='in_b')
    shared = layers.Dense(5, activation='tanh', name='shared')
    ha, hb = shared(a), shared(b)
    out_a = layers.Dense(3, activation='softmax', name='out_a')(ha)
    hb = layers.Dense(4, activation='relu', name='hid_b')(hb)
    out_b = layers.Dense(1, name='out_b')(hb)
    m = Model([a, b], [out_a, out_b], name='two_in_two_out')
    x = [np.random.rand(12, 4).astype('float32'), np.random.rand(12, 4).astype('float32')]
    y = [keras.utils.to_categorical(np.arange(12) % 3, 3), np.random.rand(12, 1).astype('float32')]
    return m, x, y, dict(optimizer=optimizers.RMSprop(lr=0.01),
                         loss={'out_a': 'categorical_crossentropy', 'out_b': 'mse'},
                         metrics={'out_a': ['acc'], 'out_b': ['mae']}, loss_weights=[1.0, 0.5])


def nested_frozen():
    """A nested model with a frozen first layer: its group stores trainable weights first."""
    inner = Sequential([layers.Dense(5, activation='relu', input_shape=(4,), name='in_d'),
                        layers.Dense(3, name='in_d2')], name='inner')
    inner.layers[0].trainable = False
    inp = layers.Input(shape=(4,), name='outer_in')
    out = layers.Dense(2, name='head')(inner(inp))
    m = Model(inp, out, name='outer')
    x = [np.random.rand(8, 4).astype('float32')]
    y = [np.random.rand(8, 2).astype('float32')]
    return m, x, y, dict(optimizer=optimizers.SGD(lr=0.05, momentum=0.9),
                         loss='mean_squared_error')


def zoo_bn_embedding_rnn():
    inp = layers.Input(shape=(6,), name='tokens')
    e = layers.Embedding(20, 4, name='emb')(inp)
    r = layers.LSTM(5, return_sequences=True, name='lstm')(e)
    r = layers.GRU(3, reset_after=True, name='gru')(r)
    r = layers.BatchNormalization(name='bn')(r)
    out = layers.Dense(2, name='out')(r)
    m = Model(inp, out, name='zoo_rnn')
    x = [np.random.randint(0, 20, size=(8, 6)).astype('float32')]
    y = [np.random.rand(8, 2).astype('float32')]
    return m, x, y, dict(optimizer='adam', loss='mse')


def zoo_wrappers():
    inp = layers.Input(shape=(5, 3), name='seq_in')
    bi = layers.Bidirectional(layers.LSTM(4, return_sequences=True), name='bilstm')(inp)
    td = layers.TimeDistributed(layers.Dense(2), name='td')(bi)
    gru = layers.GRU(3, name='gru_classic')(inp)
    merged = layers.Concatenate(name='cat')([layers.Flatten(name='flat')(td), gru])
    out = layers.Dense(1, name='out')(merged)
    m = Model(inp, out, name='zoo_wrappers')
    x = [np.random.rand(8, 5, 3).astype('float32')]
    y = [np.random.rand(8, 1).astype('float32')]
    return m, x, y, dict(optimizer='sgd', loss='mean_squared_error')


BUILDERS = [seq_conv, functional_two_in_two_out, nested_frozen, zoo_bn_embedding_rnn,
            zoo_wrappers]


def layer_classes(config):
    found = set()
    if isinstance(config, dict):
        if 'class_name' in config and isinstance(config.get('config'), dict):
            found.add(config['class_name'])
        for value in config.values():
            found |= layer_classes(value)
    elif isinstance(config, list):
        for value in config:
            found |= layer_classes(value)
    return found


def main():
    outdir = _preamble.output_path(__doc__)
    _preamble.ensure_dir(outdir)
    expected = {}
    manifest = {'_meta': META, 'models': {}}
    for builder in BUILDERS:
        name = builder.__name__
        reset()
        model, x, y, compile_kwargs = builder()
        model.compile(**compile_kwargs)
        model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
        probe = [np.random.RandomState(1).rand(*xi.shape).astype('float32') if xi.dtype.kind == 'f'
                 and name != 'zoo_bn_embedding_rnn' else xi for xi in x]
        predictions = model.predict(probe)
        if not isinstance(predictions, list):
            predictions = [predictions]
        for i, xi in enumerate(probe):
            expected['%s/x%d' % (name, i)] = xi
        for i, yi in enumerate(predictions):
            expected['%s/y%d' % (name, i)] = yi
        model.save(os.path.join(outdir, name + '.h5'))
        model.save_weights(os.path.join(outdir, name + '.weights.h5'))
        with open(os.path.join(outdir, name + '.json'), 'w') as f:
            f.write(model.to_json(indent=1, sort_keys=True) + '\n')
        with open(os.path.join(outdir, name + '.yaml'), 'w') as f:
            f.write(model.to_yaml())
        config = json.loads(model.to_json())
        manifest['models'][name] = {
            'layer_classes': sorted(layer_classes(config['config'])),
            'inputs': len(probe), 'outputs': len(predictions),
            'optimizer_weights': len(model.optimizer.get_weights()),
        }
        print('wrote', name)
    _preamble.write_npz(os.path.join(outdir, 'expected.npz'), expected)
    _preamble.write_json(os.path.join(outdir, 'manifest.json'), manifest, newline=True, indent=1,
                         sort_keys=True)
    total = sum(os.path.getsize(os.path.join(outdir, n)) for n in os.listdir(outdir))
    print('total fixture size', total, 'bytes')


if __name__ == '__main__':
    main()
