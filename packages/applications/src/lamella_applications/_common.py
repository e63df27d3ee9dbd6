"""What every application does around its network: check ``weights``/``classes``, make the
input, pool the features without the top, make the model and load its weights.

keras_applications 1.0.8 repeats these steps, word for word, in each module; here each is one
function, with Keras's messages. What differs per model stays in its module: the default and
minimum input sizes, the pooling layers' names, the model's name and its weight files (URLs and
md5 hashes as module constants, so that a mirror can be set as in Keras).

The modules call them as ``_common.NAME`` (no helper becomes a name of ``vgg16``, ...).

Example::

    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.resolve_image_input(
        backend, layers, input_tensor=input_tensor, input_shape=input_shape,
        default_size=224, min_size=32, include_top=include_top, weights=weights)
    x = ...  # the network, then the module's own top, or without it:
    x = _common.pool_features(layers, x, pooling)
    inputs = _common.model_inputs(keras_utils, input_tensor, img_input)
    model = models.Model(inputs, x, name='vgg16')
    return _common.load_weights(model, weights, keras_utils, include_top, {
        True: (FILE, URL, MD5), False: (FILE_NO_TOP, URL_NO_TOP, MD5_NO_TOP)})
"""

import os

from .imagenet_utils import _obtain_input_shape


def check_weights_argument(weights, include_top, classes):
    """Keras's checks: ``weights`` is ``None``, ``'imagenet'`` or an existing file, and the
    ImageNet top has 1000 classes."""
    if not (weights in {'imagenet', None} or os.path.exists(weights)):
        raise ValueError('The `weights` argument should be either '
                         '`None` (random initialization), `imagenet` '
                         '(pre-training on ImageNet), '
                         'or the path to the weights file to be loaded.')
    if weights == 'imagenet' and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with `include_top`'
                         ' as true, `classes` should be 1000')


def image_input(backend, layers, input_tensor, input_shape):
    """The model's input: a new ``Input`` of ``input_shape``, one wrapping ``input_tensor``
    when that is a plain tensor, or ``input_tensor`` itself when it is a symbolic tensor."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def resolve_image_input(backend, layers, *, input_tensor, input_shape, default_size, min_size,
                        include_top, weights):
    """``input_shape`` checked and completed as Keras does (``_obtain_input_shape``: the
    default size with the top or ImageNet weights, at least ``min_size`` pixels), then the
    :func:`image_input`."""
    input_shape = _obtain_input_shape(input_shape,
                                      default_size=default_size,
                                      min_size=min_size,
                                      data_format=backend.image_data_format(),
                                      require_flatten=include_top,
                                      weights=weights)
    return image_input(backend, layers, input_tensor, input_shape)


def pool_features(layers, x, pooling, avg_name=None, max_name=None):
    """``pooling`` without the top: ``'avg'`` or ``'max'`` global pooling; Keras adds no layer
    for any other value (``None`` or an unknown name alike)."""
    if pooling == 'avg':
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == 'max':
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def model_inputs(keras_utils, input_tensor, img_input):
    """The model's inputs: those ``input_tensor`` comes from (it may be an intermediate tensor
    of a bigger graph), else the new input."""
    if input_tensor is not None:
        return keras_utils.get_source_inputs(input_tensor)
    return img_input


def load_weights(model, weights, keras_utils, include_top, imagenet_files):
    """Load ``weights`` into ``model`` and return it.

    ``'imagenet'``: the file ``imagenet_files[include_top]`` names, ``(file name, URL, md5 or
    None)``, fetched once into the cache's ``models`` folder (``get_file`` checks the md5 where
    Keras gives one); a path: that file; ``None``: the initial weights stay.
    """
    if weights == 'imagenet':
        file_name, url, file_hash = imagenet_files[bool(include_top)]
        weights = keras_utils.get_file(file_name, url, cache_subdir='models',
                                       file_hash=file_hash)
    if weights is not None:
        model.load_weights(weights)
    return model
