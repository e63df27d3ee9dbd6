"""The VGG network both ``vgg16`` and ``vgg19`` build: five blocks of 3×3 convolutions, each
ending in a max-pooling, then the classifier (Keras 2.3.1's layer names and order).

The two modules differ only in how many convolutions blocks 3-5 hold, the model's name and
the weight files; each keeps its own ``WEIGHTS_PATH`` constants (a mirror is set there, as in
Keras) and passes them in when called.
"""

from . import _common
from ._keras import get_submodules_from_kwargs

#: filters of each block's convolutions
_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(name, convs_per_block, weight_files, *, include_top, weights, input_tensor,
              input_shape, pooling, classes, **kwargs):
    """The VGG model ``name`` with ``convs_per_block[i]`` convolutions in block ``i + 1``.

    ``weight_files`` maps ``include_top`` to ``(file name, URL, md5)`` of the ImageNet weights.
    """
    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.resolve_image_input(
        backend, layers, input_tensor=input_tensor, input_shape=input_shape,
        default_size=224, min_size=32, include_top=include_top, weights=weights)

    x = img_input
    for block, (filters, convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3),
                              activation='relu',
                              padding='same',
                              name=f'block{block}_conv{conv}')(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f'block{block}_pool')(x)

    if include_top:
        # Classification block
        x = layers.Flatten(name='flatten')(x)
        x = layers.Dense(4096, activation='relu', name='fc1')(x)
        x = layers.Dense(4096, activation='relu', name='fc2')(x)
        x = layers.Dense(classes, activation='softmax', name='predictions')(x)
    else:
        x = _common.pool_features(layers, x, pooling)

    model = models.Model(_common.model_inputs(keras_utils, input_tensor, img_input), x, name=name)
    return _common.load_weights(model, weights, keras_utils, include_top, weight_files)
