"""Image preprocessing (keras-preprocessing 1.1's ``image`` module): ``ImageDataGenerator``,
its iterators, affine transforms, and Pillow-based ``load_img``/``img_to_array``/``array_to_img``.

Images are read with Pillow; transforms run in NumPy (no SciPy needed).
"""

from lamella_io.preprocessing.image.affine import (
                                                   apply_affine_transform,
                                                   apply_brightness_shift,
                                                   apply_channel_shift,
                                                   flip_axis,
                                                   random_brightness,
                                                   random_channel_shift,
                                                   random_rotation,
                                                   random_shear,
                                                   random_shift,
                                                   random_zoom,
                                                   transform_matrix_offset_center,
)
from lamella_io.preprocessing.image.dataframe_iterator import DataFrameIterator
from lamella_io.preprocessing.image.generator import ImageDataGenerator
from lamella_io.preprocessing.image.iterators import DirectoryIterator, Iterator, NumpyArrayIterator
from lamella_io.preprocessing.image.utils import (
                                                   array_to_img,
                                                   img_to_array,
                                                   list_pictures,
                                                   load_img,
                                                   save_img,
)

__all__ = ["DataFrameIterator", "DirectoryIterator", "ImageDataGenerator", "Iterator",
           "NumpyArrayIterator",
           "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift",
           "array_to_img", "flip_axis", "img_to_array", "list_pictures", "load_img",
           "random_brightness", "random_channel_shift", "random_rotation", "random_shear",
           "random_shift", "random_zoom", "save_img", "transform_matrix_offset_center"]
