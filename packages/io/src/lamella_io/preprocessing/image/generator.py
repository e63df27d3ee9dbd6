"""``ImageDataGenerator``: real-time image augmentation (keras-preprocessing 1.1)."""

import warnings

import numpy as np

from lamella_io.preprocessing.image.affine import (
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    flip_axis,
)
from lamella_io.preprocessing.image.dataframe_iterator import DataFrameIterator
from lamella_io.preprocessing.image.iterators import DirectoryIterator, NumpyArrayIterator
from lamella_io.preprocessing.image.utils import resolve_format

__all__ = ["ImageDataGenerator"]


class ImageDataGenerator:
    """Generates batches of images with real-time augmentation, as Keras's.

    # Arguments
        featurewise_center: subtract the per-channel mean of the data given to :meth:`fit`.
        samplewise_center: subtract each image's mean.
        featurewise_std_normalization: divide by the per-channel std from :meth:`fit`.
        samplewise_std_normalization: divide each image by its std.
        zca_whitening: apply ZCA whitening (fit on :meth:`fit`'s data); ``zca_epsilon``.
        rotation_range: degrees, random rotation in ``[-r, r]``.
        width_shift_range, height_shift_range: a float (uniform in ``[-v, v]``; a fraction of
            the size if ``v < 1``, else pixels), an int ``v`` (a whole number of pixels drawn
            from ``range(v)`` with a random sign, as Keras does) or a list of allowed values.
        brightness_range: two floats; brightness factor drawn between them.
        shear_range: degrees, shear angle in ``[-s, s]``.
        zoom_range: a float ``z`` (zoom in ``[1-z, 1+z]``) or ``[lower, upper]``.
        channel_shift_range: random channel shift in ``[-c, c]``.
        fill_mode: ``'constant'``, ``'nearest'``, ``'reflect'`` or ``'wrap'``; ``cval`` for
            ``'constant'``.
        horizontal_flip, vertical_flip: random flips (probability 1/2).
        rescale: multiply the data by this (before any other standardization).
        preprocessing_function: applied to each image first (before rescaling).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        validation_split: fraction of images reserved for ``subset='validation'``.
        interpolation_order: 0 (nearest) or 1 (bilinear).
        dtype: dtype of the generated arrays.

    # Example

    >>> import numpy as np
    >>> x = np.random.RandomState(0).rand(8, 6, 6, 3).astype("float32")
    >>> y = np.arange(8) % 2
    >>> gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True, rescale=0.5,
    ...                          featurewise_center=True, validation_split=0.25)
    >>> gen.fit(x)
    >>> batch_x, batch_y = next(gen.flow(x, y, batch_size=4, seed=1, subset="training"))
    >>> batch_x.shape, batch_y.shape
    ((4, 6, 6, 3), (4,))
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format="channels_last", validation_split=0.0, interpolation_order=1,
                 dtype="float32"):
        # Keras: None means the backend's image_data_format() / floatx()
        data_format, dtype = resolve_format(data_format, dtype)
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype
        self.interpolation_order = interpolation_order
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and '
                             'column) or `"channels_first"` (channel before row and column). '
                             "Received: %s" % data_format)
        if fill_mode not in {"constant", "nearest", "reflect", "wrap"}:
            raise ValueError("fill_mode must be 'constant', 'nearest', 'reflect' or 'wrap', "
                             "got %r." % (fill_mode,))
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1.  Received: %s"
                             % validation_split)
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.principal_components = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                             "Received: %s" % (zoom_range,))
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of`featurewise_std_normalization`.", stacklevel=2)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError("`brightness_range should be tuple or list of two floats. "
                                 "Received: %s" % (brightness_range,))
        self.brightness_range = brightness_range

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", subset=None):
        """A :class:`NumpyArrayIterator` of augmented batches from in-memory data."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed,
                                  data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest"):
        """A :class:`DirectoryIterator` over ``directory/<class name>/<images>``."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode,
                                 data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class",
                            weight_col=None, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            subset=None, interpolation="nearest", validate_filenames=True,
                            **kwargs):
        """A :class:`DataFrameIterator` over the image files a pandas DataFrame lists (its
        ``x_col``) with their targets (``y_col``, read as ``class_mode`` says); needs pandas
        (``pip install 'lamella-io[pandas]'``).

        Keras 2.3.1's deprecated ``has_ext``, ``sort`` and ``drop_duplicates`` are accepted
        with its ``DeprecationWarning`` (and ignored, as Keras ignores them);
        ``class_mode='other'`` means ``'raw'``.

        Example::

            frame = pandas.DataFrame({"filename": ["a.png", "b.png"], "label": [0.5, 1.5]})
            batches = ImageDataGenerator().flow_from_dataframe(
                frame, "images", y_col="label", class_mode="raw", target_size=(32, 32))
        """
        deprecated = {
            "has_ext": "has_ext is deprecated, filenames in the dataframe have to match the "
                       "exact filenames in disk.",
            "sort": "sort is deprecated, batches will be created in the same order than the "
                    "filenames provided if shuffle is set to False.",
            "drop_duplicates": "drop_duplicates is deprecated, you can drop duplicates by "
                               "using the pandas.DataFrame.drop_duplicates method.",
        }
        unknown = sorted(set(kwargs) - set(deprecated))
        if unknown:
            raise TypeError(f"flow_from_dataframe() got an unexpected keyword argument "
                            f"{unknown[0]!r}")
        for name in kwargs:
            warnings.warn(deprecated[name], DeprecationWarning, stacklevel=2)
        if class_mode == "other":
            warnings.warn('`class_mode` "other" is deprecated, please use `class_mode` "raw".',
                          DeprecationWarning, stacklevel=2)
            class_mode = "raw"
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            validate_filenames=validate_filenames, dtype=self.dtype)

    def standardize(self, x):
        """Applies the normalization configuration in place (as Keras) to one image or a
        batch, and returns it."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`"
                              ", but it hasn't been fit on any training data. Fit it first by "
                              "calling `.fit(numpy_data)`.", stacklevel=2)
        if self.zca_whitening:
            if self.principal_components is not None:
                flatx = np.reshape(x, (-1, np.prod(x.shape[-3:])))
                x = np.reshape(np.dot(flatx, self.principal_components), x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't "
                              "been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
        return x

    def _shift(self, value, size):
        try:  # 1-D array-like or int
            t = np.random.choice(value)
            t *= np.random.choice([-1, 1])
        except ValueError:  # floating point
            t = np.random.uniform(-value, value)
        if np.max(value) < 1:
            t *= size
        return t

    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for one image, drawn in Keras's order from NumPy's global
        generator (seeded with ``seed`` if given)."""
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = (np.random.uniform(-self.rotation_range, self.rotation_range)
                 if self.rotation_range else 0)
        tx = self._shift(self.height_shift_range, img_shape[img_row_axis]) \
            if self.height_shift_range else 0
        ty = self._shift(self.width_shift_range, img_shape[img_col_axis]) \
            if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range,
                                                        self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Applies the parameters of :meth:`get_random_transform` to one image (rank 3)."""
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(x, theta=p.get("theta", 0), tx=p.get("tx", 0),
                                   ty=p.get("ty", 0), shear=p.get("shear", 0),
                                   zx=p.get("zx", 1), zy=p.get("zy", 1),
                                   row_axis=img_row_axis, col_axis=img_col_axis,
                                   channel_axis=img_channel_axis, fill_mode=self.fill_mode,
                                   cval=self.cval, order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], img_channel_axis)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, img_col_axis)
        if p.get("flip_vertical", False):
            x = flip_axis(x, img_row_axis)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"])
        return x

    def random_transform(self, x, seed=None):
        """One image, randomly augmented."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the statistics that featurewise centering/normalization and ZCA need.

        # Arguments
            x: rank-4 sample data.
            augment: fit on ``rounds`` randomly augmented copies of the data.
            rounds: number of augmentation passes.
            seed: random seed.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: "
                             + str(x.shape))
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn('Expected input to be images (as Numpy array) following the data '
                          'format convention "' + self.data_format + '" (channels on axis '
                          + str(self.channel_axis) + "), i.e. expected either 1, 3 or 4 channels "
                          "on axis " + str(self.channel_axis) + ". However, it was passed an "
                          "array with shape " + str(x.shape) + " ("
                          + str(x.shape[self.channel_axis]) + " channels).", stacklevel=2)
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros(tuple([rounds * x.shape[0]] + list(x.shape)[1:]), dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)),
                                   broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)),
                                  broadcast_shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat_x = np.reshape(x, (x.shape[0], x.shape[1] * x.shape[2] * x.shape[3]))
            sigma = np.dot(flat_x.T, flat_x) / flat_x.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            s_inv = 1.0 / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = (u * s_inv).dot(u.T)
