"""Generate keras.applications architecture and weight fixtures from REAL Keras 2.3.1.

How to regenerate (CPU only, Python 3.7; README.md sets up /tmp/keras231):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python \
        tools/keras231/make_application_fixtures.py packages/applications/tests/fixtures/

Writes ``architectures.json``: for every case (an application function and the keyword
arguments it was called with, all ``weights=None`` on a small input), the model's name, its
parameter counts, and per layer its name, class, output shape and weights (name and shape).
The ImageNet weight files are far too big to commit, so the layer names, weight names and
shapes are what make lamella load them by name and by topology.

For two small models it also writes real weights: ``WEIGHTS_CASES`` below are built with
Keras's initialisers, every weight (BatchNormalization statistics included) then replaced by a
seeded random draw so that the comparison sees them all, saved with ``save_weights`` as
``NAME.h5``, and Keras's predictions on fixed inputs stored in ``weights_expected.npz``
(``NAME/x``, ``NAME/y``).

NASNet's published files carry TensorFlow's name scopes in their weight names
(``normal_A_block_5/block_1/separable_conv_block_normal_left1_5/...``). ``nasnet_small.h5`` is
Keras's ``save_weights`` of a small NASNet (``keras_applications.nasnet.NASNet`` with
``NASNET_KWARGS``: every cell type, scope and adjust path of NASNetMobile, 1/1000 of its
weights) randomised the same way; ``nasnet_small.npz`` holds the input ``x``, the output ``y``
and, for every layer, ``NASNET_SAMPLES`` evenly spaced values of its output on ``x[0]``
(``layer/NAME``), so lamella is compared layer by layer. ``NAME`` is the output folder or
``--nasnet-only FOLDER`` (writes only the NASNet files).
"""
from __future__ import print_function

import os

import _preamble

_preamble.setup_environment(hash_seed=True)

import numpy as np  # noqa: E402
from _preamble import reset  # noqa: E402
from keras import applications  # noqa: E402

_preamble.quiet_tensorflow()
META = _preamble.versions('tools/keras231/make_application_fixtures.py')

# (case name, function name, keyword arguments); weights=None is added to every call.
CASES = [
    ('vgg16_top', 'VGG16', dict(include_top=True, input_shape=(32, 32, 3), classes=10)),
    ('vgg19_max', 'VGG19', dict(include_top=False, input_shape=(48, 48, 3), pooling='max')),
    ('resnet50_top', 'ResNet50', dict(include_top=True, input_shape=(32, 32, 3), classes=10)),
    ('resnet101_avg', 'ResNet101', dict(include_top=False, input_shape=(32, 32, 3),
                                        pooling='avg')),
    ('resnet152_notop', 'ResNet152', dict(include_top=False, input_shape=(32, 32, 3))),
    ('resnet50v2_top', 'ResNet50V2', dict(include_top=True, input_shape=(32, 32, 3),
                                          classes=7)),
    ('resnet101v2_avg', 'ResNet101V2', dict(include_top=False, input_shape=(32, 32, 3),
                                            pooling='avg')),
    ('resnet152v2_notop', 'ResNet152V2', dict(include_top=False, input_shape=(32, 32, 3))),
    ('inception_v3_top', 'InceptionV3', dict(include_top=True, input_shape=(75, 75, 3),
                                             classes=10)),
    ('inception_resnet_v2_avg', 'InceptionResNetV2', dict(include_top=False,
                                                          input_shape=(75, 75, 3),
                                                          pooling='avg')),
    ('xception_top', 'Xception', dict(include_top=True, input_shape=(71, 71, 3), classes=10)),
    ('mobilenet_top', 'MobileNet', dict(include_top=True, input_shape=(32, 32, 3), alpha=0.5,
                                        depth_multiplier=2, dropout=0.3, classes=10)),
    ('mobilenet_v2_top', 'MobileNetV2', dict(include_top=True, input_shape=(32, 32, 3),
                                             alpha=0.35, classes=10)),
    ('mobilenet_v2_wide_max', 'MobileNetV2', dict(include_top=False, input_shape=(33, 33, 3),
                                                  alpha=1.3, pooling='max')),
    ('densenet121_top', 'DenseNet121', dict(include_top=True, input_shape=(32, 32, 3),
                                            classes=10)),
    ('densenet169_max', 'DenseNet169', dict(include_top=False, input_shape=(32, 32, 3),
                                            pooling='max')),
    ('densenet201_notop', 'DenseNet201', dict(include_top=False, input_shape=(32, 32, 3))),
    ('nasnet_mobile_top', 'NASNetMobile', dict(include_top=True, input_shape=(32, 32, 3),
                                               classes=10)),
    ('nasnet_large_notop', 'NASNetLarge', dict(include_top=False, input_shape=(32, 32, 3))),
]

WEIGHTS_CASES = [
    ('mobilenet_025', 'MobileNet', dict(include_top=False, input_shape=(128, 128, 3),
                                        alpha=0.25)),
    ('mobilenet_v2_035', 'MobileNetV2', dict(include_top=True, input_shape=(64, 64, 3),
                                             alpha=0.35, classes=10)),
]


#: a small NASNet-A: 4 filters (penultimate_filters // 24), one normal cell per stage, the stem
#: and reduction cells of NASNetMobile (skip_reduction=False)
NASNET_KWARGS = dict(input_shape=(32, 32, 3), penultimate_filters=96, num_blocks=1,
                     stem_block_filters=8, skip_reduction=False, filter_multiplier=2,
                     include_top=True, classes=5)
#: values kept of each layer's output (np.linspace indices into its flattened first sample)
NASNET_SAMPLES = 64


def randomise(model, rng):
    """Every weight a seeded draw (BatchNormalization statistics and biases in [0.5, 1.5])."""
    new = []
    for w in model.get_weights():
        if w.ndim == 1:  # BatchNormalization statistics and biases: keep variances > 0
            new.append(rng.uniform(0.5, 1.5, w.shape).astype('float32'))
        else:
            new.append((rng.standard_normal(w.shape) * np.sqrt(2.0 / np.prod(w.shape[:-1])))
                       .astype('float32'))
    model.set_weights(new)


def write_nasnet(out):
    import keras
    from keras_applications import nasnet

    reset()
    model = nasnet.NASNet(weights=None, backend=keras.backend, layers=keras.layers,
                          models=keras.models, utils=keras.utils, **NASNET_KWARGS)
    rng = np.random.RandomState(2)
    randomise(model, rng)
    model.save_weights(os.path.join(out, 'nasnet_small.h5'))
    x = rng.uniform(-1, 1, (2,) + NASNET_KWARGS['input_shape']).astype('float32')
    arrays = {'x': x, 'y': model.predict(x)}
    probe = keras.models.Model(model.input, [layer.output for layer in model.layers[1:]])
    for layer, out_value in zip(model.layers[1:], probe.predict(x[:1])):
        flat = out_value[0].ravel()
        index = np.linspace(0, flat.size - 1, min(flat.size, NASNET_SAMPLES)).astype('int64')
        arrays['layer/' + layer.name] = flat[index]
    _preamble.write_npz(os.path.join(out, 'nasnet_small.npz'), arrays)
    _preamble.write_json(os.path.join(out, 'nasnet_small.json'),
                         {'_meta': META, 'kwargs': _preamble.to_py(NASNET_KWARGS),
                          'samples': NASNET_SAMPLES,
                          'architecture': describe(model, 'NASNet', NASNET_KWARGS)},
                         newline=True, sort_keys=True, separators=(',', ':'))
    print('nasnet_small', model.count_params(), len(model.layers))


def describe(model, function, kwargs):
    layers = []
    for layer in model.layers:
        layers.append({
            'name': layer.name,
            'class_name': layer.__class__.__name__,
            'output_shape': _preamble.to_py(layer.output_shape),
            'weights': [[w.name, [int(d) for d in w.shape]] for w in layer.weights],
        })
    return {
        'function': function,
        'kwargs': _preamble.to_py(kwargs),
        'model_name': model.name,
        'count_params': int(model.count_params()),
        'trainable_params': int(sum(np.prod(w.shape.as_list()) for w in model.trainable_weights)),
        'output_shape': _preamble.to_py(model.output_shape),
        'layers': layers,
    }


def main():
    import sys

    nasnet_only = '--nasnet-only' in sys.argv
    if nasnet_only:
        sys.argv.remove('--nasnet-only')
    out = _preamble.output_path(__doc__, 'packages/applications/tests/fixtures')
    _preamble.ensure_dir(out)
    write_nasnet(out)
    if nasnet_only:
        return
    cases = {}
    for name, function, kwargs in CASES:
        reset()
        model = getattr(applications, function)(weights=None, **kwargs)
        cases[name] = describe(model, function, kwargs)
        print(name, cases[name]['count_params'], len(model.layers))
    # compact: about a million characters of layer records
    _preamble.write_json(os.path.join(out, 'architectures.json'),
                         {'_meta': META, 'cases': cases}, newline=True, sort_keys=True,
                         separators=(',', ':'))

    arrays, weight_cases = {}, {}
    for name, function, kwargs in WEIGHTS_CASES:
        reset()
        model = getattr(applications, function)(weights=None, **kwargs)
        rng = np.random.RandomState(1)
        randomise(model, rng)
        model.save_weights(os.path.join(out, name + '.h5'))
        x = rng.uniform(-1, 1, (2,) + tuple(kwargs['input_shape'])).astype('float32')
        arrays[name + '/x'] = x
        arrays[name + '/y'] = model.predict(x)
        weight_cases[name] = {'function': function, 'kwargs': _preamble.to_py(kwargs)}
        print(name, model.count_params())
    _preamble.write_npz(os.path.join(out, 'weights_expected.npz'), arrays)
    _preamble.write_json(os.path.join(out, 'weights_cases.json'),
                         {'_meta': META, 'cases': weight_cases}, newline=True, indent=1,
                         sort_keys=True)


if __name__ == '__main__':
    main()
