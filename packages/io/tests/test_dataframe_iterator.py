"""ImageDataGenerator.flow_from_dataframe / DataFrameIterator (keras.preprocessing.image) on a
small folder of PNGs written by the test: Keras 2.3.1's x_col/y_col/weight_col, every
class_mode, validate_filenames, classes, subset, and the errors. pandas is an optional
dependency of lamella-io (the ``pandas`` extra): without it these tests skip, except the one
that checks the ImportError naming the extra."""

import importlib.util
import warnings

import numpy as np
import pytest
from PIL import Image

from lamella.preprocessing.image import DataFrameIterator, ImageDataGenerator
from lamella.utils import Sequence

RNG = np.random.RandomState(3)
PIXELS = {f"img{i}.png": RNG.randint(0, 256, size=(4, 5, 3)).astype("uint8") for i in range(6)}
CLASSES = ["cat", "dog", "cat", "bird", "dog", "cat"]


@pytest.fixture
def pd():
    return pytest.importorskip("pandas", reason="the pandas extra of lamella-io is not installed")


@pytest.fixture
def images(tmp_path):
    for name, pixels in PIXELS.items():
        Image.fromarray(pixels).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def frame(pd, **extra):
    return pd.DataFrame({"filename": list(PIXELS), "class": CLASSES, **extra})


def flow(pd, images, df=None, **kwargs):
    kwargs.setdefault("target_size", (4, 5))
    kwargs.setdefault("shuffle", False)
    kwargs.setdefault("batch_size", 6)
    generator = kwargs.pop("generator", ImageDataGenerator())
    return generator.flow_from_dataframe(frame(pd) if df is None else df, str(images), **kwargs)


def stacked(names):
    return np.stack([PIXELS[n] for n in names]).astype("float32")


def test_categorical_default_reads_the_files_in_order(pd, images, capsys):
    batches = flow(pd, images, batch_size=4)
    assert "Found 6 validated image filenames belonging to 3 classes." in capsys.readouterr().out
    assert isinstance(batches, DataFrameIterator) and isinstance(batches, Sequence)
    assert batches.class_indices == {"bird": 0, "cat": 1, "dog": 2}
    assert batches.classes == [1, 2, 1, 0, 2, 1] and batches.filenames == list(PIXELS)
    assert len(batches) == 2
    x, y = batches[0]
    np.testing.assert_array_equal(x, stacked(list(PIXELS)[:4]))
    np.testing.assert_array_equal(y, np.eye(3, dtype="float32")[[1, 2, 1, 0]])
    x, y = batches[1]   # the last, shorter batch
    assert x.shape == (2, 4, 5, 3) and y.shape == (2, 3)


def test_multi_label_rows_and_classes_filter(pd, images):
    labels = [["cat", "dog"], ("dog",), "cat", ["bird", "fish"], "fish", "cat"]
    df = pd.DataFrame({"filename": list(PIXELS), "class": labels})
    batches = flow(pd, images, df, classes=["cat", "dog"])
    # rows left with no known class are dropped; unknown classes leave a multi-label row
    assert batches.filenames == ["img0.png", "img1.png", "img2.png", "img5.png"]
    _, y = batches[0]
    np.testing.assert_array_equal(y, [[1, 1], [0, 1], [1, 0], [1, 0]])


@pytest.mark.parametrize("mode", ["binary", "sparse"])
def test_binary_and_sparse_give_class_indices(pd, images, mode):
    df = frame(pd)[frame(pd)["class"] != "bird"]
    _, y = flow(pd, images, df, class_mode=mode)[0]
    assert y.dtype == np.float32 and y.tolist() == [0, 1, 0, 1, 0]


def test_raw_multi_output_input_none_and_sample_weights(pd, images):
    df = frame(pd, age=np.arange(6.0), size=np.arange(6.0) * 10, w=np.linspace(0.5, 1, 6))
    x, y = flow(pd, images, df, y_col="age", class_mode="raw")[0]
    assert y.tolist() == list(range(6))
    _, y = flow(pd, images, df, y_col=["age", "size"], class_mode="raw")[0]
    assert y.shape == (6, 2)
    _, (ages, sizes) = flow(pd, images, df, y_col=["age", "size"], class_mode="multi_output")[0]
    assert ages.tolist() == list(range(6)) and sizes.tolist() == [0, 10, 20, 30, 40, 50]
    x, again = flow(pd, images, df, class_mode="input")[0]
    np.testing.assert_array_equal(x, again)
    only = flow(pd, images, df, class_mode=None)[0]
    np.testing.assert_array_equal(only, stacked(list(PIXELS)))
    x, y, w = flow(pd, images, df, y_col="age", class_mode="raw", weight_col="w")[0]
    np.testing.assert_allclose(w, np.linspace(0.5, 1, 6))


def test_validate_filenames_drops_missing_and_non_images(pd, images):
    df = pd.DataFrame({"filename": ["img0.png", "gone.png", "notes.txt", str(images / "img1.png")],
                       "class": ["a", "b", "a", "b"]})
    with pytest.warns(UserWarning,
                      match=r'Found 2 invalid image filename\(s\) in x_col="filename"'):
        batches = flow(pd, images, df)
    assert batches.filenames == ["img0.png", str(images / "img1.png")]  # absolute paths too
    batches = flow(pd, images, df, validate_filenames=False)
    assert len(batches.filenames) == 4
    with pytest.raises(FileNotFoundError):
        batches[0]


def test_subset_and_augmentation_and_rescale(pd, images):
    generator = ImageDataGenerator(validation_split=0.5, rescale=1 / 255.0)
    validation = flow(pd, images, generator=generator, subset="validation")
    training = flow(pd, images, generator=generator, subset="training")
    assert validation.filenames == list(PIXELS)[:3] and training.filenames == list(PIXELS)[3:]
    x, _ = training[0]
    np.testing.assert_allclose(x, stacked(list(PIXELS)[3:]) / 255.0, rtol=1e-6)
    resized = flow(pd, images, target_size=(8, 10), color_mode="grayscale")
    assert resized[0][0].shape == (6, 8, 10, 1)


def test_keras_deprecations_and_argument_errors(pd, images):
    with pytest.warns(DeprecationWarning, match="has_ext is deprecated"):
        flow(pd, images, has_ext=True)
    with pytest.warns(DeprecationWarning, match='"other" is deprecated'):
        batches = flow(pd, images, frame(pd, v=np.ones(6)), y_col="v", class_mode="other")
    assert batches.class_mode == "raw"
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        flow(pd, images, colour="rgb")
    with pytest.raises(TypeError, match="must be a pandas DataFrame, got dict"):
        ImageDataGenerator().flow_from_dataframe({"filename": ["img0.png"]}, str(images))
    with pytest.raises(ValueError, match='class_mode="binary" there must be 2 classes. Found 3'):
        flow(pd, images, class_mode="binary")
    with pytest.raises(ValueError, match="Invalid class_mode: onehot"):
        flow(pd, images, class_mode="onehot")
    with pytest.raises(TypeError, match="y_col must be a list"):
        flow(pd, images, class_mode="multi_output")
    with pytest.raises(KeyError, match="y_col='label' is not a column"):
        flow(pd, images, y_col="label")
    with pytest.raises(TypeError, match="weight_col=class must be numeric"):
        flow(pd, images, weight_col="class")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flow(pd, images)   # no warning for a plain call


def test_without_pandas_the_error_names_the_extra(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pandas" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install 'lamella-io\[pandas\]'"):
        ImageDataGenerator().flow_from_dataframe(object(), str(tmp_path))
