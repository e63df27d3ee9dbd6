"""Generate preprocessing (and dataset-loader) parity fixtures from REAL Keras 2.3.1.

Keras 2.3.1's ``keras.preprocessing`` delegates to keras-preprocessing 1.1.x; this script runs
it on fixed inputs and stores inputs and outputs for lamella-io's parity tests
(``packages/io/tests/test_preprocessing_parity.py``).

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    /tmp/keras231/bin/python tools/keras231/make_preprocessing_fixtures.py \
        packages/io/tests/fixtures/preprocessing/

Writes into the output folder:
- ``expected.json``: text/sequence results (JSON-able), versions used;
- ``expected.npz``: arrays (inputs and outputs), keys ``<case>/<name>``;
- ``images/<class>/<n>.png``: a tiny class-per-folder image tree for flow_from_directory;
- ``datasets/{imdb,reuters,boston_housing}.npz``: small files in Keras's formats (written by
  NumPy 1.18, object arrays pickled as Keras's are), with Keras's loader outputs in
  ``expected.npz``/``expected.json``.
"""
from __future__ import print_function

import json
import os
import random
import shutil
import sys

import _preamble

_preamble.setup_environment()

import keras  # noqa: E402
import keras_preprocessing  # noqa: E402
import numpy as np  # noqa: E402
import PIL  # noqa: E402
import scipy  # noqa: E402
from _preamble import to_py  # noqa: E402
from keras.preprocessing import (  # noqa: E402
    image,  # noqa: E402
    sequence,
    text,
)

OUT = _preamble.output_path(__doc__, 'packages/io/tests/fixtures/preprocessing')
ARRAYS = {}
RESULTS = {'versions': {'keras': keras.__version__,
                        'keras_preprocessing': keras_preprocessing.__version__,
                        'numpy': np.__version__, 'scipy': scipy.__version__,
                        'pillow': PIL.__version__, 'python': sys.version.split()[0]}}


# ----------------------------------------------------------------------------- sequence
SEQS = [[1, 2, 3, 4, 5], [6, 7], [], [8], [9, 10, 11]]
PAD_CASES = [
    {}, {'maxlen': 3}, {'maxlen': 3, 'truncating': 'post'}, {'maxlen': 4, 'padding': 'post'},
    {'maxlen': 7, 'padding': 'post', 'truncating': 'post', 'value': -1},
    {'dtype': 'float32', 'value': 0.5, 'maxlen': 4}, {'maxlen': 2, 'dtype': 'int64'},
]
RESULTS['pad_sequences'] = [
    {'kwargs': kw, 'out': sequence.pad_sequences(SEQS, **kw).tolist(),
     'dtype': str(sequence.pad_sequences(SEQS, **kw).dtype)} for kw in PAD_CASES]
VEC_SEQS = [np.arange(6).reshape(3, 2), np.arange(2).reshape(1, 2) + 10]
ARRAYS['pad_vec/out'] = sequence.pad_sequences(VEC_SEQS, maxlen=2, dtype='float32')
ARRAYS['pad_vec/out_post'] = sequence.pad_sequences(VEC_SEQS, maxlen=4, padding='post',
                                                    value=-2.0, dtype='float32')
RESULTS['pad_str'] = sequence.pad_sequences([['a', 'b'], ['c']], dtype=object,
                                            value='<pad>').tolist()

RESULTS['sampling_table'] = [sequence.make_sampling_table(10).tolist(),
                             sequence.make_sampling_table(50, sampling_factor=1e-3).tolist()]

SKIP_SEQ = [1, 2, 3, 0, 4, 5, 6, 2, 7]
skip = []
for kw in [{'window_size': 2, 'shuffle': False, 'negative_samples': 0.},
           {'window_size': 2, 'seed': 7},
           {'window_size': 3, 'negative_samples': 2., 'categorical': True, 'seed': 3},
           {'window_size': 1, 'shuffle': False},
           {'window_size': 2, 'seed': 5,
            'sampling_table': sequence.make_sampling_table(8, sampling_factor=0.5)}]:
    random.seed(1234)
    couples, labels = sequence.skipgrams(SKIP_SEQ, 8, **kw)
    kw = dict(kw)
    if 'sampling_table' in kw:
        kw['sampling_table'] = kw['sampling_table'].tolist()
    skip.append({'kwargs': kw, 'couples': couples, 'labels': labels})
RESULTS['skipgrams'] = skip

TS_DATA = np.arange(60, dtype='float32').reshape(30, 2)
TS_TARGETS = np.arange(30) * 10
ARRAYS['ts/data'] = TS_DATA
ARRAYS['ts/targets'] = TS_TARGETS
TS_CASES = [{'length': 5, 'batch_size': 4}, {'length': 6, 'sampling_rate': 2, 'batch_size': 3},
            {'length': 4, 'stride': 3, 'batch_size': 2, 'reverse': True},
            {'length': 3, 'start_index': 5, 'end_index': 20, 'batch_size': 5},
            {'length': 5, 'shuffle': True, 'batch_size': 6}]
ts_results = []
for i, kw in enumerate(TS_CASES):
    gen = sequence.TimeseriesGenerator(TS_DATA, TS_TARGETS, **kw)
    np.random.seed(100 + i)
    n = len(gen)
    for b in range(n):
        x, y = gen[b]
        ARRAYS['ts/%d/x%d' % (i, b)] = x
        ARRAYS['ts/%d/y%d' % (i, b)] = y
    ts_results.append({'kwargs': kw, 'len': n})
RESULTS['timeseries'] = ts_results
small = sequence.TimeseriesGenerator(np.arange(10), np.arange(10), length=2, batch_size=3)
RESULTS['timeseries_json'] = json.loads(small.to_json())

# ----------------------------------------------------------------------------- text
TEXTS = ['The cat sat on the mat.', 'The dog ate my homework!', 'Cats and dogs; cats, dogs?',
         'A man, a plan, a canal: Panama', 'the THE The tHe', 'Hello\tworld\nagain']
TEST_TEXTS = ['the cat and the hat', 'unknown words here', 'dogs ate the mat', '']
TOK_CASES = [{}, {'num_words': 5}, {'oov_token': '<OOV>'}, {'num_words': 6, 'oov_token': '<UNK>'},
             {'char_level': True}, {'lower': False}, {'filters': '', 'split': ' '},
             {'split': ',', 'filters': '.'}]
toks = []
for kw in TOK_CASES:
    tok = text.Tokenizer(**kw)
    tok.fit_on_texts(TEXTS)
    seqs = tok.texts_to_sequences(TEST_TEXTS + TEXTS[:2])
    entry = {'kwargs': kw, 'word_index': tok.word_index,
             'word_counts': list(tok.word_counts.items()),
             'word_docs': dict(tok.word_docs), 'index_docs': {str(k): v for k, v in
                                                               tok.index_docs.items()},
             'document_count': tok.document_count, 'sequences': seqs,
             'sequences_to_texts': tok.sequences_to_texts(seqs),
             'json': json.loads(tok.to_json())}
    for mode in ['binary', 'count', 'tfidf', 'freq']:
        ARRAYS['tok/%d/%s' % (len(toks), mode)] = tok.texts_to_matrix(TEST_TEXTS + TEXTS[:2],
                                                                      mode=mode)
    toks.append(entry)
RESULTS['tokenizer'] = toks
tok = text.Tokenizer()
tok.fit_on_sequences([[1, 2, 2], [3], [1, 3, 4]])
ARRAYS['tok_seq/tfidf'] = tok.sequences_to_matrix([[1, 2, 2], [4, 4, 4, 1]], mode='tfidf') \
    if tok.num_words else np.zeros(0)
tok_list = text.Tokenizer()
tok_list.fit_on_texts([['Token', 'LIST'], ['token']])
RESULTS['tokenizer_lists'] = {'word_index': tok_list.word_index,
                              'seqs': tok_list.texts_to_sequences([['TOKEN', 'list', 'x']])}
RESULTS['text_to_word_sequence'] = [
    text.text_to_word_sequence(t) for t in TEXTS] + [
    text.text_to_word_sequence('Hello, World', lower=False),
    text.text_to_word_sequence('a-b-c d', filters='', split='-'),
    text.text_to_word_sequence('x::y', filters=':', split='::')]
RESULTS['hashing_trick_md5'] = [
    [text.hashing_trick(t, n, hash_function='md5') for t in TEXTS] for n in (7, 1000)]
RESULTS['hashing_trick_md5_opts'] = text.hashing_trick('A, B; c', 50, hash_function='md5',
                                                      filters=';', lower=False, split=',')

# ----------------------------------------------------------------------------- image
rng = np.random.RandomState(42)
IMG = (rng.rand(7, 9, 3) * 255).astype('float32')
ARRAYS['affine/input'] = IMG
AFFINE_CASES = []
for mode in ['nearest', 'constant', 'reflect', 'wrap']:
    for order in [0, 1]:
        for params in [{'theta': 17.0}, {'tx': 1.5, 'ty': -2.25}, {'shear': 20.0},
                       {'zx': 0.7, 'zy': 1.3}, {'theta': -35.0, 'tx': 2.0, 'ty': 0.5,
                                                'shear': 8.0, 'zx': 1.2, 'zy': 0.8}]:
            AFFINE_CASES.append({'params': params, 'fill_mode': mode, 'order': order,
                                 'cval': 17.5})
for i, case in enumerate(AFFINE_CASES):
    ARRAYS['affine/%d' % i] = image.apply_affine_transform(
        IMG, row_axis=0, col_axis=1, channel_axis=2, fill_mode=case['fill_mode'],
        cval=case['cval'], order=case['order'], **case['params'])
RESULTS['affine_cases'] = AFFINE_CASES

X = (rng.rand(12, 8, 10, 3) * 255).astype('float32')
Y = np.arange(12) % 3
ARRAYS['idg/x'] = X
ARRAYS['idg/y'] = Y
IDG_CASES = [
    ({'horizontal_flip': True, 'vertical_flip': True}, {}),
    ({'rotation_range': 30, 'width_shift_range': 0.2, 'height_shift_range': 0.1,
      'shear_range': 10, 'zoom_range': 0.2}, {}),
    ({'rotation_range': 20, 'fill_mode': 'constant', 'cval': 3.0, 'zoom_range': [0.8, 1.1],
      'width_shift_range': 2, 'height_shift_range': [-1, 0, 1]}, {}),
    ({'featurewise_center': True, 'featurewise_std_normalization': True}, {'fit': True}),
    ({'samplewise_center': True, 'samplewise_std_normalization': True, 'rescale': 1. / 255},
     {}),
    ({'rescale': 0.5, 'channel_shift_range': 20.0, 'fill_mode': 'reflect',
      'rotation_range': 15}, {}),
    ({'validation_split': 0.25, 'horizontal_flip': True}, {'subset': 'training'}),
    ({'validation_split': 0.25, 'horizontal_flip': True}, {'subset': 'validation'}),
    ({'zca_whitening': True}, {'fit': True}),
    ({'brightness_range': [0.5, 1.5]}, {}),
    ({'featurewise_center': True, 'rotation_range': 10}, {'fit': True, 'augment': True}),
    ({'rotation_range': 25, 'fill_mode': 'wrap', 'data_format': 'channels_first'}, {}),
]
# ZCA needs more samples than features to be well conditioned (otherwise the near-zero
# eigenvalues make the whitening matrix depend on rounding).
X_ZCA = (np.random.RandomState(7).rand(60, 4, 4, 1) * 255).astype('float32')
Y_ZCA = np.arange(60) % 3
ARRAYS['idg/x_zca'] = X_ZCA
ARRAYS['idg/y_zca'] = Y_ZCA
idg = []
for i, (kw, opts) in enumerate(IDG_CASES):
    x = X if kw.get('data_format') != 'channels_first' else X.transpose(0, 3, 1, 2).copy()
    y = Y
    if kw.get('zca_whitening'):
        x, y = X_ZCA, Y_ZCA
    gen = image.ImageDataGenerator(**kw)
    if opts.get('fit'):
        gen.fit(x, augment=opts.get('augment', False), seed=11)
        if gen.mean is not None:
            ARRAYS['idg/%d/mean' % i] = gen.mean
        if gen.std is not None:
            ARRAYS['idg/%d/std' % i] = gen.std
        if gen.principal_components is not None:
            ARRAYS['idg/%d/pc' % i] = gen.principal_components
    it = gen.flow(x, y, batch_size=5, seed=7, subset=opts.get('subset'))
    n = 0
    for b in range(3):
        bx, by = next(it)
        ARRAYS['idg/%d/x%d' % (i, b)] = bx
        ARRAYS['idg/%d/y%d' % (i, b)] = by
        n += 1
    bx, by = it[0]  # Sequence access
    ARRAYS['idg/%d/getitem_x' % i] = bx
    ARRAYS['idg/%d/getitem_y' % i] = by
    idg.append({'kwargs': kw, 'opts': opts, 'batches': n, 'len': len(it)})
RESULTS['idg'] = idg

img_root = os.path.join(OUT, 'images')
if os.path.exists(img_root):
    shutil.rmtree(img_root)
for c, cls in enumerate(['cats', 'dogs', 'zebra']):
    os.makedirs(os.path.join(img_root, cls))
    for k in range(3 + c):
        arr = (rng.rand(10, 12, 3) * 255).astype('uint8')
        image.array_to_img(arr, scale=False).save(os.path.join(img_root, cls, '%d.png' % k))
os.makedirs(os.path.join(img_root, 'dogs', 'nested'))
image.array_to_img((rng.rand(6, 6, 3) * 255).astype('uint8'), scale=False).save(
    os.path.join(img_root, 'dogs', 'nested', 'deep.png'))
with open(os.path.join(img_root, 'cats', 'notes.txt'), 'w') as f:
    f.write('not an image')
DIR_CASES = [
    ({}, {'target_size': (8, 8), 'batch_size': 4, 'seed': 3}),
    ({'horizontal_flip': True, 'rotation_range': 10},
     {'target_size': (6, 5), 'batch_size': 3, 'seed': 1, 'class_mode': 'sparse',
      'color_mode': 'grayscale', 'interpolation': 'bilinear'}),
    ({'validation_split': 0.4, 'rescale': 1. / 255},
     {'target_size': (10, 12), 'batch_size': 2, 'shuffle': False, 'subset': 'validation',
      'class_mode': 'binary', 'classes': ['cats', 'dogs']}),
    ({'validation_split': 0.4},
     {'target_size': (10, 12), 'batch_size': 4, 'seed': 2, 'subset': 'training',
      'color_mode': 'rgba', 'class_mode': None}),
    ({}, {'target_size': (4, 4), 'batch_size': 5, 'shuffle': False, 'class_mode': 'input',
          'interpolation': 'bicubic'}),
]
dirs = []
cwd = os.getcwd()
os.chdir(OUT)
for i, (kw, fkw) in enumerate(DIR_CASES):
    gen = image.ImageDataGenerator(**kw)
    it = gen.flow_from_directory('images', **fkw)
    for b in range(2):
        batch = next(it)
        if isinstance(batch, tuple):
            ARRAYS['dir/%d/x%d' % (i, b)] = batch[0]
            ARRAYS['dir/%d/y%d' % (i, b)] = batch[1]
        else:
            ARRAYS['dir/%d/x%d' % (i, b)] = batch
    dirs.append({'kwargs': kw, 'flow_kwargs': dict(fkw), 'filenames': it.filenames,
                 'classes': it.classes.tolist(), 'class_indices': it.class_indices,
                 'samples': it.samples, 'len': len(it)})
os.chdir(cwd)
RESULTS['directory'] = dirs
png = os.path.join(img_root, 'cats', '0.png')
for mode in ['rgb', 'grayscale', 'rgba']:
    ARRAYS['load_img/%s' % mode] = image.img_to_array(image.load_img(png, color_mode=mode))
ARRAYS['load_img/bilinear'] = image.img_to_array(
    image.load_img(png, target_size=(5, 7), interpolation='bilinear'))
ARRAYS['load_img/channels_first'] = image.img_to_array(image.load_img(png),
                                                       data_format='channels_first')
ARRAYS['array_to_img/scaled'] = image.img_to_array(image.array_to_img(X[0]))
ARRAYS['array_to_img/gray'] = image.img_to_array(image.array_to_img(X[0][:, :, :1] / 10))

# ----------------------------------------------------------------------------- datasets
from keras.datasets import boston_housing, imdb, reuters  # noqa: E402

ds_root = os.path.join(OUT, 'datasets')
os.makedirs(ds_root, exist_ok=True)


def objarr(lists):
    out = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        out[i] = item
    return out


seq_rng = np.random.RandomState(5)
train = [list(seq_rng.randint(1, 40, size=seq_rng.randint(1, 12))) for _ in range(14)]
test = [list(seq_rng.randint(1, 40, size=seq_rng.randint(1, 12))) for _ in range(9)]
train = [[int(w) for w in s] for s in train]
test = [[int(w) for w in s] for s in test]
np.savez(os.path.join(ds_root, 'imdb.npz'), x_train=objarr(train),
         y_train=seq_rng.randint(0, 2, 14), x_test=objarr(test), y_test=seq_rng.randint(0, 2, 9))
np.savez(os.path.join(ds_root, 'reuters.npz'), x=objarr(train + test),
         y=seq_rng.randint(0, 46, 23))
np.savez(os.path.join(ds_root, 'boston_housing.npz'), x=seq_rng.rand(20, 13) * 100,
         y=seq_rng.rand(20) * 50)


def patched(module, fname):
    module.get_file = lambda *a, **k: os.path.join(ds_root, fname)


patched(imdb, 'imdb.npz')
patched(reuters, 'reuters.npz')
patched(boston_housing, 'boston_housing.npz')
DS_CASES = {
    'imdb': [{}, {'num_words': 20}, {'num_words': 25, 'skip_top': 3, 'maxlen': 8, 'seed': 1},
             {'start_char': None, 'oov_char': None, 'num_words': 30, 'index_from': 0},
             {'index_from': 5, 'start_char': 2, 'oov_char': 9, 'num_words': 30}],
    'reuters': [{}, {'num_words': 20, 'test_split': 0.3},
                {'maxlen': 6, 'skip_top': 2, 'seed': 9, 'oov_char': None}],
    'boston_housing': [{}, {'test_split': 0.35, 'seed': 3}],
}
ds = {}
for name, cases in DS_CASES.items():
    mod = {'imdb': imdb, 'reuters': reuters, 'boston_housing': boston_housing}[name]
    ds[name] = []
    for kw in cases:
        (x, y), (xt, yt) = mod.load_data(**kw)
        entry = {'kwargs': kw, 'x_dtype': str(x.dtype), 'x_shape': list(x.shape)}
        if name == 'boston_housing':
            ARRAYS['ds/%s/%d/x' % (name, len(ds[name]))] = x
            ARRAYS['ds/%s/%d/xt' % (name, len(ds[name]))] = xt
        else:
            entry['x'] = to_py(list(x))
            entry['xt'] = to_py(list(xt))
        entry['y'] = to_py(y)
        entry['yt'] = to_py(yt)
        ds[name].append(entry)
RESULTS['datasets'] = ds

_preamble.write_json(os.path.join(OUT, 'expected.json'), RESULTS, indent=1, sort_keys=True)
_preamble.write_npz(os.path.join(OUT, 'expected.npz'), ARRAYS, compressed=True)
print('wrote', len(ARRAYS), 'arrays and', len(RESULTS), 'result groups to', OUT)
