"""Generate golden fixtures from REAL Keras 2.3.1 for lamella's core-engine tests.

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python \
        tools/keras231/make_core_fixtures.py \
        packages/core-engine/tests/fixtures/keras231/

Writes: summaries.json, names.json, metrics_names.json, training.json,
training_initial_weights.h5, verbose.json, configs.json.
Every JSON file has a "_meta" key with the versions used.
"""
from __future__ import print_function

import io
import json
import os
import re
import sys

import _preamble

_preamble.setup_environment(hash_seed=True)

# the environment must be set before Keras (and TensorFlow) are imported
import numpy as np  # noqa: E402
from _preamble import reset, to_py  # noqa: E402
from keras import layers, optimizers  # noqa: E402
from keras.models import Model, Sequential  # noqa: E402

_preamble.quiet_tensorflow()
META = _preamble.versions('tools/keras231/make_core_fixtures.py')


def dump(outdir, name, data):
    data = dict(data)
    data['_meta'] = META
    path = os.path.join(outdir, name)
    _preamble.write_json(path, to_py(data), newline=True, indent=1, sort_keys=True)
    print('wrote', path, os.path.getsize(path), 'bytes')


def summary_text(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return '\n'.join(lines)


# --------------------------------------------------------------------------
# model builders (each assumes reset() was just called)
# --------------------------------------------------------------------------

def model_i():
    m = Sequential()
    m.add(layers.Dense(3, input_shape=(4,)))
    m.add(layers.Dense(2))
    return m


def model_ii():
    m = Sequential()
    m.add(layers.Conv2D(4, (3, 3), input_shape=(8, 8, 1)))
    m.add(layers.MaxPooling2D())
    m.add(layers.Flatten())
    m.add(layers.Dropout(0.5))
    m.add(layers.Dense(10, activation='softmax'))
    return m


def model_iii():
    inp = layers.Input((4,), name='inp')
    hid = layers.Dense(8, name='hid')(inp)
    out_a = layers.Dense(3, activation='softmax', name='out_a')(hid)
    out_b = layers.Dense(1, name='out_b')(hid)
    return Model(inp, [out_a, out_b])


def model_iv():
    a = layers.Input((3,), name='a')
    b = layers.Input((5,), name='b')
    c = layers.Concatenate()([a, b])
    out = layers.Dense(2)(c)
    return Model([a, b], out)


def model_vi():
    x1 = layers.Input((4,))
    x2 = layers.Input((4,))
    shared = layers.Dense(3)
    y1 = shared(x1)
    y2 = shared(x2)
    s = layers.Add()([y1, y2])
    out = layers.Dense(1)(s)
    return Model([x1, x2], out)


def model_vi_b():
    x1 = layers.Input((4,))
    x2 = layers.Input((2, 4))
    shared = layers.Dense(3)
    y1 = shared(x1)
    y2 = shared(x2)
    return Model([x1, x2], [y1, y2])


def model_viii():
    inner = Sequential()
    inner.add(layers.Dense(3, input_shape=(4,)))
    inner.add(layers.Dense(2))
    inp = layers.Input((4,))
    out = layers.Dense(1)(inner(inp))
    return Model(inp, out)


def model_vii():
    m = Sequential()
    m.add(layers.Dense(5, input_shape=(4,)))
    frozen = layers.Dense(3)
    frozen.trainable = False
    m.add(frozen)
    m.add(layers.Dense(2))
    return m


def summary_case(builder, description, **summary_kwargs):
    reset()
    m = builder()
    return {
        'description': description,
        'summary_kwargs': summary_kwargs,
        'text': summary_text(m, **summary_kwargs),
        'model_name': m.name,
        'layer_names': [l.name for l in m.layers],
        'layer_classes': [l.__class__.__name__ for l in m.layers],
        'count_params': int(m.count_params()),
    }


def make_summaries(outdir):
    cases = {
        'i_seq_dense': summary_case(
            model_i, "Sequential: Dense(3, input_shape=(4,)), Dense(2)"),
        'ii_seq_conv': summary_case(
            model_ii, "Sequential: Conv2D(4,(3,3),input_shape=(8,8,1)), "
                      "MaxPooling2D(), Flatten(), Dropout(0.5), "
                      "Dense(10, activation='softmax')"),
        'iii_functional_two_outputs': summary_case(
            model_iii, "Functional: Input((4,),name='inp') -> Dense(8,name='hid')"
                       " -> [Dense(3,softmax,name='out_a'), Dense(1,name='out_b')]"),
        'iv_functional_concat': summary_case(
            model_iv, "Functional: Input((3,),name='a'), Input((5,),name='b') ->"
                      " Concatenate() -> Dense(2)"),
        'v_seq_dense_line_length_80': summary_case(
            model_i, "Same as i_seq_dense, summary(line_length=80)",
            line_length=80),
        'vi_shared_layer': summary_case(
            model_vi, "Functional: Input((4,)) x2 -> shared Dense(3) applied to"
                      " both -> Add() -> Dense(1)"),
        'vi_b_shared_layer_multiple': summary_case(
            model_vi_b, "Functional: Input((4,)), Input((2,4)) -> shared "
                        "Dense(3) applied to both -> outputs [y1, y2] (the two"
                        " nodes have different output shapes => 'multiple')"),
        'viii_nested_sequential': summary_case(
            model_viii, "Functional: Input((4,)) -> inner Sequential("
                        "Dense(3,input_shape=(4,)), Dense(2)) -> Dense(1)"),
        'vii_non_trainable': summary_case(
            model_vii, "Sequential: Dense(5,input_shape=(4,)), Dense(3) with "
                       "trainable=False, Dense(2)"),
    }
    dump(outdir, 'summaries.json', cases)


# --------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------

def make_names(outdir):
    reset()
    seq = []
    seq.append(('Dense()', layers.Dense(2).name))
    seq.append(('Dense()', layers.Dense(2).name))
    seq.append(('LeakyReLU()', layers.LeakyReLU().name))
    seq.append(('ReLU()', layers.ReLU().name))
    seq.append(('Conv2D(1, 1)', layers.Conv2D(1, 1).name))
    seq.append(('BatchNormalization()', layers.BatchNormalization().name))
    seq.append(('MaxPooling2D()', layers.MaxPooling2D().name))
    seq.append(('Sequential()', Sequential().name))
    i = layers.Input((2,))
    o = layers.Dense(1)(i)
    seq.append(('Model(Input((2,)), Dense(1)(...))  [model]', Model(i, o).name))
    seq.append(('  -> the Input((2,)) used by that Model', i._keras_history[0].name))
    seq.append(('  -> the Dense(1) used by that Model', o._keras_history[0].name))
    seq.append(('Input((2,))', layers.Input((2,))._keras_history[0].name))
    seq.append(('Input((2,)) tensor .name', layers.Input((2,)).name))
    seq.append(('Dense()', layers.Dense(2).name))
    seq.append(('Sequential()', Sequential().name))

    # Sequential with input_shape creates its own InputLayer
    reset()
    m = Sequential([layers.Dense(2, input_shape=(3,)), layers.Dense(1)])
    seq_with_input = {
        'model_name': m.name,
        'layer_names': [l.name for l in m.layers],
        'input_layer_name': m._layers[0].name if hasattr(m, '_layers') else None,
        'input_tensor_name': m.inputs[0].name,
        'output_tensor_name': m.outputs[0].name,
    }
    dump(outdir, 'names.json', {
        'sequence': [{'created': c, 'name': n} for c, n in seq],
        'sequential_with_input_shape': seq_with_input,
        'note': 'sequence was produced after one K.clear_session(); '
                'sequential_with_input_shape after another clear_session.',
    })


# --------------------------------------------------------------------------
# metrics names
# --------------------------------------------------------------------------

def tiny_data(n=20, in_dim=3, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.uniform(-1.0, 1.0, size=(n, in_dim)).astype('float32')
    y = (rs.uniform(size=(n, 1)) > 0.5).astype('float32')
    return x, y


def tiny_model():
    m = Sequential()
    m.add(layers.Dense(4, activation='tanh', input_shape=(3,)))
    m.add(layers.Dense(1, activation='sigmoid'))
    return m


def two_output_data(n=20, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.uniform(-1, 1, size=(n, 4)).astype('float32')
    ya = np.eye(3, dtype='float32')[rs.randint(0, 3, size=n)]
    yb = rs.uniform(size=(n, 1)).astype('float32')
    return x, {'out_a': ya, 'out_b': yb}


def metrics_case(description, compile_kwargs, builder, data):
    reset()
    m = builder()
    m.compile(**compile_kwargs)
    names_after_compile = list(m.metrics_names)
    x, y = data
    hist = m.fit(x, y, epochs=2, batch_size=5, validation_split=0.2,
                 verbose=0, shuffle=False)
    ev = m.evaluate(x, y, verbose=0)
    return {
        'description': description,
        'metrics_names_after_compile': names_after_compile,
        'metrics_names': list(m.metrics_names),
        'history_keys_sorted': sorted(hist.history.keys()),
        'history_keys_in_order': list(hist.history.keys()),
        'evaluate_type': type(ev).__name__,
        'evaluate_len': len(ev) if isinstance(ev, list) else None,
    }


def make_metrics_names(outdir):
    single = tiny_data()
    two = two_output_data()
    cases = {
        'single_accuracy': metrics_case(
            "tiny Sequential; compile(optimizer='sgd', "
            "loss='binary_crossentropy', metrics=['accuracy'])",
            dict(optimizer='sgd', loss='binary_crossentropy',
                 metrics=['accuracy']), tiny_model, single),
        'single_acc': metrics_case(
            "tiny Sequential; compile(optimizer='sgd', "
            "loss='binary_crossentropy', metrics=['acc'])",
            dict(optimizer='sgd', loss='binary_crossentropy',
                 metrics=['acc']), tiny_model, single),
        'single_acc_mse_weighted_acc': metrics_case(
            "tiny Sequential; compile(optimizer='sgd', "
            "loss='binary_crossentropy', metrics=['acc','mse'], "
            "weighted_metrics=['acc'])",
            dict(optimizer='sgd', loss='binary_crossentropy',
                 metrics=['acc', 'mse'], weighted_metrics=['acc']),
            tiny_model, single),
        'single_no_metrics': metrics_case(
            "tiny Sequential; compile(optimizer='sgd', "
            "loss='binary_crossentropy')",
            dict(optimizer='sgd', loss='binary_crossentropy'),
            tiny_model, single),
        'two_output_dict_metrics': metrics_case(
            "model iii; compile(optimizer='sgd', loss={'out_a':"
            "'categorical_crossentropy','out_b':'mse'}, metrics={'out_a':"
            "['acc'],'out_b':['mae']}, loss_weights=[1.0,0.5])",
            dict(optimizer='sgd',
                 loss={'out_a': 'categorical_crossentropy', 'out_b': 'mse'},
                 metrics={'out_a': ['acc'], 'out_b': ['mae']},
                 loss_weights=[1.0, 0.5]), model_iii, two),
        'two_output_list_metrics': metrics_case(
            "model iii; compile(optimizer='sgd', loss={'out_a':"
            "'categorical_crossentropy','out_b':'mse'}, metrics=['acc'], "
            "loss_weights=[1.0,0.5])",
            dict(optimizer='sgd',
                 loss={'out_a': 'categorical_crossentropy', 'out_b': 'mse'},
                 metrics=['acc'], loss_weights=[1.0, 0.5]), model_iii, two),
    }
    dump(outdir, 'metrics_names.json', cases)


# --------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------

def initial_weights():
    rs = np.random.RandomState(1)
    return [
        rs.uniform(-0.8, 0.8, size=(3, 4)).astype('float32'),
        rs.uniform(-0.1, 0.1, size=(4,)).astype('float32'),
        rs.uniform(-0.8, 0.8, size=(4, 1)).astype('float32'),
        rs.uniform(-0.1, 0.1, size=(1,)).astype('float32'),
    ]


def training_case(description, optimizer_fn, fit_kwargs, x, y, w0,
                  evaluate_kwargs=None):
    reset()
    m = tiny_model()
    m.set_weights(w0)
    m.compile(optimizer_fn(), 'binary_crossentropy', metrics=['accuracy'])
    kw = dict(batch_size=5, epochs=3, shuffle=False, verbose=0)
    kw.update(fit_kwargs)
    hist = m.fit(x, y, **kw)
    ev = m.evaluate(x, y, verbose=0, **(evaluate_kwargs or {}))
    return {
        'description': description,
        'fit_kwargs_extra': fit_kwargs,
        'history': {k: [float(v) for v in vals]
                    for k, vals in hist.history.items()},
        'history_key_lengths': {k: len(v) for k, v in hist.history.items()},
        'epochs_attr': list(hist.epoch),
        'final_weights': [w.tolist() for w in m.get_weights()],
        'evaluate': ev,
        'metrics_names': list(m.metrics_names),
    }


def make_training(outdir):
    x, y = tiny_data()
    w0 = initial_weights()

    # Also store the initial weights as a Keras-format h5 weights file.
    # track_times=False keeps the file byte-identical across regenerations.
    import h5py
    orig_create = h5py.Group.create_dataset

    def create_dataset(self, *args, **kwargs):
        kwargs.setdefault('track_times', False)
        return orig_create(self, *args, **kwargs)

    h5py.Group.create_dataset = create_dataset
    reset()
    m = tiny_model()
    m.set_weights(w0)
    h5_path = os.path.join(outdir, 'training_initial_weights.h5')
    try:
        m.save_weights(h5_path)
    finally:
        h5py.Group.create_dataset = orig_create
    print('wrote', h5_path, os.path.getsize(h5_path), 'bytes')
    h5_layer_names = [l.name for l in m.layers]

    sgd = lambda: optimizers.SGD(lr=0.1)  # noqa: E731
    cases = {
        'sgd_basic': training_case(
            'SGD(lr=0.1), fit(batch_size=5, epochs=3, shuffle=False)',
            sgd, {}, x, y, w0),
        'sgd_validation_split': training_case(
            'as sgd_basic + validation_split=0.25 (last 5 samples are val)',
            sgd, {'validation_split': 0.25}, x, y, w0),
        'sgd_class_weight': training_case(
            'as sgd_basic + class_weight={0:1.0, 1:3.0}',
            sgd, {'class_weight': {0: 1.0, 1: 3.0}}, x, y, w0),
        'sgd_sample_weight': training_case(
            'as sgd_basic + sample_weight=np.linspace(0.5,1.5,20)',
            sgd, {'sample_weight': np.linspace(0.5, 1.5, 20)}, x, y, w0),
        'adam': training_case(
            'Adam(lr=0.01), fit(batch_size=5, epochs=3, shuffle=False)',
            lambda: optimizers.Adam(lr=0.01), {}, x, y, w0),
        'sgd_validation_freq_2': training_case(
            'as sgd_basic + validation_split=0.25, validation_freq=2, epochs=3',
            sgd, {'validation_split': 0.25, 'validation_freq': 2}, x, y, w0),
    }
    dump(outdir, 'training.json', {
        'model': "Sequential([Dense(4, activation='tanh', input_shape=(3,)), "
                 "Dense(1, activation='sigmoid')]); compile(opt, "
                 "'binary_crossentropy', metrics=['accuracy'])",
        'data_recipe': "rs=np.random.RandomState(0); x=rs.uniform(-1,1,(20,3))"
                       ".astype(float32); y=(rs.uniform(size=(20,1))>0.5)"
                       ".astype(float32)",
        'weights_recipe': "rs=np.random.RandomState(1); [U(-.8,.8,(3,4)), "
                          "U(-.1,.1,(4,)), U(-.8,.8,(4,1)), U(-.1,.1,(1,))] "
                          "as float32",
        'x': x.tolist(),
        'y': y.tolist(),
        'initial_weights': [w.tolist() for w in w0],
        'initial_weights_h5': 'training_initial_weights.h5',
        'initial_weights_h5_layer_names': h5_layer_names,
        'evaluate_kwargs': 'evaluate(x, y, verbose=0) on all 20 samples '
                           '(default batch_size=32)',
        'cases': cases,
    })


# --------------------------------------------------------------------------
# verbose output
# --------------------------------------------------------------------------

NORMALISE = [
    # (pattern, replacement) applied in order with re.sub
    (r'ETA: [0-9:]+s?', 'ETA: <T>'),
    (r' - \d+s \d+(us|ms|s)/step', ' - <T> <T>/step'),
    (r' - \d+s(?= - |\n|$)', ' - <T>'),
]


def normalise(text):
    for pat, rep in NORMALISE:
        text = re.sub(pat, rep, text)
    return text


class NonTTY(io.StringIO):
    def isatty(self):
        return False


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def capture(fn, tty=False):
    old = sys.stdout
    buf = FakeTTY() if tty else NonTTY()
    sys.stdout = buf
    try:
        result = fn()
    finally:
        sys.stdout = old
    return buf.getvalue(), result


def verbose_case(description, run, tty=False):
    reset()
    m = tiny_model()
    m.set_weights(initial_weights())
    m.compile(optimizers.SGD(lr=0.1), 'binary_crossentropy',
              metrics=['accuracy'])
    raw, _ = capture(lambda: run(m), tty=tty)
    return {
        'description': description,
        'raw': raw,
        'normalised': normalise(raw),
        'raw_repr_lines': [repr(l) for l in raw.split('\n')],
    }


def make_verbose(outdir):
    x, y = tiny_data()
    assert 'ipykernel' not in sys.modules
    cases = {
        'fit_verbose2': verbose_case(
            'fit(x, y, batch_size=5, epochs=2, validation_split=0.2, '
            'shuffle=False, verbose=2)',
            lambda m: m.fit(x, y, batch_size=5, epochs=2,
                            validation_split=0.2, shuffle=False, verbose=2)),
        'fit_verbose1_nontty': verbose_case(
            'fit(x, y, batch_size=5, epochs=2, validation_split=0.2, '
            'shuffle=False, verbose=1) with sys.stdout a non-TTY StringIO. '
            'NOTE: intermediate progbar updates are throttled by '
            'Progbar(interval=0.05s) so which intermediate batches appear '
            'is timing dependent; first and last update always appear.',
            lambda m: m.fit(x, y, batch_size=5, epochs=2,
                            validation_split=0.2, shuffle=False, verbose=1)),
        'fit_verbose1_nontty_single_batch': verbose_case(
            'fit(x, y, batch_size=32, epochs=2, validation_split=0.2, '
            'shuffle=False, verbose=1), non-TTY: one batch per epoch, '
            'fully deterministic apart from timing numbers.',
            lambda m: m.fit(x, y, batch_size=32, epochs=2,
                            validation_split=0.2, shuffle=False, verbose=1)),
        'evaluate_verbose1_nontty': verbose_case(
            'evaluate(x, y, batch_size=5, verbose=1), non-TTY (20 samples)',
            lambda m: m.evaluate(x, y, batch_size=5, verbose=1)),
        'evaluate_verbose1_nontty_default_batch': verbose_case(
            'evaluate(x, y, verbose=1), non-TTY, default batch_size=32 '
            '(single batch)',
            lambda m: m.evaluate(x, y, verbose=1)),
        'fit_verbose1_fake_tty': verbose_case(
            'fit(x, y, batch_size=5, epochs=2, validation_split=0.2, '
            'shuffle=False, verbose=1) with sys.stdout a StringIO whose '
            'isatty() returns True (dynamic display: \\b and \\r). Same '
            'interval throttling caveat as fit_verbose1_nontty.',
            lambda m: m.fit(x, y, batch_size=5, epochs=2,
                            validation_split=0.2, shuffle=False, verbose=1),
            tty=True),
        'evaluate_verbose1_fake_tty': verbose_case(
            'evaluate(x, y, batch_size=5, verbose=1), fake TTY',
            lambda m: m.evaluate(x, y, batch_size=5, verbose=1), tty=True),
        'fit_verbose2_no_validation': verbose_case(
            'fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=2) '
            'without validation',
            lambda m: m.fit(x, y, batch_size=5, epochs=2, shuffle=False,
                            verbose=2)),
    }
    dump(outdir, 'verbose.json', {
        'normalisation': [list(p) for p in NORMALISE],
        'normalisation_note': 'normalised = raw with each (pattern, '
                              'replacement) applied in order via re.sub',
        'cases': cases,
    })


# --------------------------------------------------------------------------
# configs
# --------------------------------------------------------------------------

def make_configs(outdir):
    out = {}
    for key, builder in [('i_seq_dense', model_i), ('ii_seq_conv', model_ii),
                         ('iii_functional_two_outputs', model_iii)]:
        reset()
        m = builder()
        out[key] = {'to_json': json.loads(m.to_json())}
        if key == 'i_seq_dense':
            out[key]['get_config'] = m.get_config()
    dump(outdir, 'configs.json', out)


def main():
    outdir = _preamble.output_path(__doc__)
    _preamble.ensure_dir(outdir)
    make_summaries(outdir)
    make_names(outdir)
    make_metrics_names(outdir)
    make_training(outdir)
    make_verbose(outdir)
    make_configs(outdir)


if __name__ == '__main__':
    main()
