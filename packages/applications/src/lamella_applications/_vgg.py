"""The VGG network both ``vgg16`` and ``vgg19`` build: five blocks of 3×3 convolutions, each
ending in a max-pooling, then the classifier (Keras 2.3.1's layer names and order).

The two modules differ only in how many convolutions blocks 3-5 hold, the model's name and
the weight files; each keeps its own ``WEIGHTS_PATH`` constants (a mirror is set there, as in
Keras) and passes them in when called.
"""

import os

from ._keras import get_submodules_from_kwargs
from .imagenet_utils import _obtain_input_shape

#: filters of each block's convolutions
_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(name, convs_per_block, weight_files, *, include_top, weights, input_tensor,
              input_shape, pooling, classes, **kwargs):
    """The VGG model ``name`` with ``convs_per_block[i]`` convolutions in block ``i + 1``.

    ``weight_files`` maps ``include_top`` to ``(file name, URL, md5)`` of the ImageNet weights.
    """
    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)

    if not (weights in {'imagenet', None} or os.path.exists(weights)):
        raise ValueError('The `weights` argument should be either '
                         '`None` (random initialization), `imagenet` '
                         '(pre-training on ImageNet), '
                         'or the path to the weights file to be loaded.')

    if weights == 'imagenet' and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with `include_top`'
                         ' as true, `classes` should be 1000')
    # Determine proper input shape
    input_shape = _obtain_input_shape(input_shape,
                                      default_size=224,
                                      min_size=32,
                                      data_format=backend.image_data_format(),
                                      require_flatten=include_top,
                                      weights=weights)

    if input_tensor is None:
        img_input = layers.Input(shape=input_shape)
    elif not backend.is_keras_tensor(input_tensor):
        img_input = layers.Input(tensor=input_tensor, shape=input_shape)
    else:
        img_input = input_tensor

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
    elif pooling == 'avg':
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == 'max':
        x = layers.GlobalMaxPooling2D()(x)

    # Ensure that the model takes into account
    # any potential predecessors of `input_tensor`.
    if input_tensor is not None:
        inputs = keras_utils.get_source_inputs(input_tensor)
    else:
        inputs = img_input
    model = models.Model(inputs, x, name=name)

    if weights == 'imagenet':
        file_name, url, file_hash = weight_files[bool(include_top)]
        weights = keras_utils.get_file(file_name, url, cache_subdir='models',
                                       file_hash=file_hash)
    if weights is not None:
        model.load_weights(weights)
    return model
