"""``data_format=None`` (and ``dtype=None``) in ``preprocessing.image`` mean the backend's
``image_data_format()`` and ``floatx()``, as in Keras 2.3.1 (issue 14, item 9)."""

import numpy as np
import pytest

from lamella import backend as K
from lamella.preprocessing import image


@pytest.fixture
def channels_first():
    K.set_image_data_format("channels_first")
    yield
    K.set_image_data_format("channels_last")


def test_image_data_generator_none_is_the_backend_format():
    gen = image.ImageDataGenerator(data_format=None, rescale=1 / 255.0)
    assert gen.data_format == K.image_data_format() == "channels_last"
    x = np.random.RandomState(0).rand(4, 6, 6, 3).astype("float32")
    batch_x, batch_y = next(gen.flow(x, np.arange(4), batch_size=2, shuffle=False))
    assert batch_x.shape == (2, 6, 6, 3) and batch_x.dtype == np.float32


def test_channels_first_backend_reaches_every_default(channels_first):
    gen = image.ImageDataGenerator(data_format=None)
    assert gen.data_format == "channels_first" and gen.channel_axis == 1
    x = np.zeros((2, 3, 5, 4), dtype="float32")
    batch_x, _ = next(image.NumpyArrayIterator(x, np.arange(2), gen, batch_size=2))
    assert batch_x.shape == (2, 3, 5, 4)
    img = image.array_to_img(np.ones((3, 5, 4)))  # read as (c, h, w)
    assert img.size == (4, 5)
    assert image.img_to_array(img).shape == (3, 5, 4)


def test_dtype_none_is_floatx():
    arr = image.img_to_array(image.array_to_img(np.ones((2, 2, 1))), dtype=None)
    assert arr.dtype == np.dtype(K.floatx())


def test_a_bad_format_is_still_rejected():
    with pytest.raises(ValueError, match="data_format"):
        image.ImageDataGenerator(data_format="channels_middle")
