"""``DataFrameIterator``: batches of images whose files (and targets) a pandas DataFrame lists,
as keras-preprocessing 1.1 builds them (what ``ImageDataGenerator.flow_from_dataframe``
returns).

pandas is an optional dependency of lamella-io (``pip install 'lamella-io[pandas]'``): nothing
here imports it until an iterator is made, and then an ``ImportError`` names the extra.
"""

import importlib.util
import os
import warnings

import numpy as np

from lamella_io.preprocessing.image.iterators import BatchFromFilesMixin, Iterator
from lamella_io.preprocessing.image.utils import resolve_format

__all__ = ["DataFrameIterator"]

MISSING_PANDAS = (
    "DataFrameIterator (ImageDataGenerator.flow_from_dataframe) reads a pandas DataFrame; "
    "pandas is an optional dependency of lamella-io: pip install 'lamella-io[pandas]' (or pip "
    "install pandas)."
)


def _require_pandas():
    if importlib.util.find_spec("pandas") is None:
        raise ImportError(MISSING_PANDAS, name="pandas")
    import pandas

    return pandas


def validate_filename(filename, white_list_formats):
    """Whether ``filename`` is an existing file with one of the image extensions."""
    return filename.lower().endswith(white_list_formats) and os.path.isfile(filename)


class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """Batches ``(x, y[, sample_weight])`` of images listed in a DataFrame (Keras 2.3.1's
    ``keras.preprocessing.image.DataFrameIterator``).

    ``dataframe[x_col]`` holds the file names, relative to ``directory`` (or absolute paths
    when ``directory`` is ``None``). The targets follow ``class_mode``:

    - ``'categorical'`` (default): ``y_col`` holds a class name, or a list/tuple of them
      (multi-label); one-hot (multi-hot) rows, classes sorted unless ``classes`` names them;
    - ``'binary'`` / ``'sparse'``: ``y_col`` holds class names (strings), two for binary;
      the class index;
    - ``'raw'``: the values of ``y_col`` (a column or a list of columns) as they are;
    - ``'multi_output'``: ``y_col`` is a list of columns, one target array each;
    - ``'input'``: the images again (autoencoders); ``None``: images only.

    ``weight_col`` names a numeric column of sample weights. With ``validate_filenames``
    (default) rows whose file is missing or not an image are dropped, with a warning; rows
    whose classes are not in ``classes`` are dropped too. ``subset`` (with the generator's
    ``validation_split``) takes the first fraction of the rows for ``'validation'``, the rest
    for ``'training'``.

    Example::

        frame = pandas.DataFrame({"filename": ["a.png", "b.png"], "class": ["cat", "dog"]})
        batches = ImageDataGenerator(rescale=1 / 255).flow_from_dataframe(
            frame, directory="images", target_size=(64, 64), batch_size=2)
        x, y = batches[0]          # (2, 64, 64, 3), one-hot (2, 2)
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse",
                           None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename",
                 y_col="class", weight_col=None, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format="channels_last", save_to_dir=None, save_prefix="",
                 save_format="png", subset=None, interpolation="nearest", dtype="float32",
                 validate_filenames=True):
        pandas = _require_pandas()
        if not isinstance(dataframe, pandas.DataFrame):
            raise TypeError(f"DataFrameIterator: `dataframe` must be a pandas DataFrame, got "
                            f"{type(dataframe).__name__}.")
        data_format, dtype = resolve_format(data_format, dtype)
        self.set_processing_attrs(
            image_data_generator, target_size=target_size, color_mode=color_mode,
            data_format=data_format, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation)
        df = dataframe.copy()
        self.directory = directory or ""
        self.class_mode = class_mode
        self.dtype = dtype
        self._check_params(df, x_col, y_col, weight_col, classes)
        if validate_filenames:  # keep the rows whose file is a readable image
            df = self._filter_valid_filepaths(df, x_col)
        num_classes = None
        if class_mode not in ["input", "multi_output", "raw", None]:
            df, classes = self._filter_classes(df, y_col, classes)
            num_classes = len(classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if self.split:
            num_files = len(df)
            start, stop = int(self.split[0] * num_files), int(self.split[1] * num_files)
            df = df.iloc[start:stop, :]
        if class_mode not in ["input", "multi_output", "raw", None]:
            self.classes = self.get_classes(df, y_col)
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        if class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        if num_classes is None:
            print(f"Found {self.samples} {validated} image filenames.")
        else:
            print(f"Found {self.samples} {validated} image filenames belonging to "
                  f"{num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, name) for name in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check_params(self, df, x_col, y_col, weight_col, classes):
        if self.class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {self.class_mode}; expected one of: "
                             f"{self.allowed_class_modes}")
        if self.class_mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'If class_mode="{self.class_mode}", y_col must be a list. '
                            f"Received {type(y_col).__name__}.")
        for column, argument in [(x_col, "x_col"), (weight_col, "weight_col")] + (
                [(c, "y_col") for c in (y_col if isinstance(y_col, list) else [y_col])]
                if self.class_mode is not None and self.class_mode != "input" else []):
            if column is not None and column not in df.columns:
                raise KeyError(f"DataFrameIterator: {argument}={column!r} is not a column of "
                               f"the dataframe (columns: {list(df.columns)}).")
        if not all(df[x_col].apply(lambda x: isinstance(x, str))):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        if self.class_mode in {"binary", "sparse"}:
            if not all(df[y_col].apply(lambda x: isinstance(x, str))):
                raise TypeError(f'If class_mode="{self.class_mode}", y_col="{y_col}" column '
                                f"values must be strings.")
        if self.class_mode == "binary":
            if classes:
                if len(set(classes)) != 2:
                    raise ValueError(f'If class_mode="binary" there must be 2 classes. '
                                     f"{len(set(classes))} class/es were given.")
            elif df[y_col].nunique() != 2:
                raise ValueError(f'If class_mode="binary" there must be 2 classes. Found '
                                 f"{df[y_col].nunique()} classes.")
        if self.class_mode == "categorical":
            if not all(df[y_col].apply(lambda x: isinstance(x, (str, list, tuple)))):
                raise TypeError(f'If class_mode="{self.class_mode}", y_col="{y_col}" column '
                                f"values must be type string, list or tuple.")
        if classes and self.class_mode in {"input", "multi_output", "raw", None}:
            warnings.warn(f'`classes` will be ignored given the class_mode="{self.class_mode}"',
                          stacklevel=3)
        if weight_col and not issubclass(df[weight_col].dtype.type, np.number):
            raise TypeError(f"Column weight_col={weight_col} must be numeric.")

    def get_classes(self, df, y_col):
        """Each row's class index (or list of indices for a multi-label row)."""
        labels = []
        for label in df[y_col]:
            if isinstance(label, (list, tuple)):
                labels.append([self.class_indices[one] for one in label])
            else:
                labels.append(self.class_indices[label])
        return labels

    @staticmethod
    def _filter_classes(df, y_col, classes):
        """The rows with at least one known class (unknown ones removed from multi-label
        rows), and the sorted class names."""
        df = df.copy()

        def remove_classes(labels, classes):
            if isinstance(labels, (list, tuple)):
                return [one for one in labels if one in classes] or None
            if isinstance(labels, str):
                return labels if labels in classes else None
            raise TypeError(f"Expect string, list or tuple but found {type(labels)} in "
                            f"{y_col} column ")

        if classes:
            classes = set(classes)
            df[y_col] = df[y_col].apply(lambda x: remove_classes(x, classes))
        else:
            classes = set()
            for value in df[y_col]:
                if isinstance(value, (list, tuple)):
                    classes.update(value)
                else:
                    classes.add(value)
        return df.dropna(subset=[y_col]), sorted(classes)

    def _filter_valid_filepaths(self, df, x_col):
        filepaths = df[x_col].map(lambda name: os.path.join(self.directory, name))
        mask = filepaths.apply(validate_filename, args=(self.white_list_formats,))
        invalid = int((~mask).sum())
        if invalid:
            warnings.warn(f'Found {invalid} invalid image filename(s) in x_col="{x_col}". '
                          f"These filename(s) will be ignored.", stacklevel=3)
        return df[mask]

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        if self.class_mode in {"multi_output", "raw"}:
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
