"""lamella_io.preprocessing beyond the parity fixtures: errors, edge cases, doctests."""

import doctest
import importlib
import json
import random

import numpy as np
import pytest

from lamella_io.preprocessing import image, sequence, text

MODULES = ["lamella_io.preprocessing.sequence", "lamella_io.preprocessing.text",
           "lamella_io.preprocessing.image.utils", "lamella_io.preprocessing.image.affine",
           "lamella_io.preprocessing.image.generator"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    assert doctest.testmod(importlib.import_module(name)).failed == 0


# ------------------------------------------------------------------ sequence
def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="iterable"):
        sequence.pad_sequences(5)
    with pytest.raises(ValueError, match="non-iterable"):
        sequence.pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="Truncating"):
        sequence.pad_sequences([[1, 2]], maxlen=1, truncating="middle")
    with pytest.raises(ValueError, match="Padding"):
        sequence.pad_sequences([[1, 2]], padding="middle")
    with pytest.raises(ValueError, match="dtype"):
        sequence.pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="Shape of sample"):
        sequence.pad_sequences([np.zeros((2, 3)), np.zeros((2, 4))])


def test_pad_sequences_edge_cases():
    assert sequence.pad_sequences([[], []]).shape == (2, 0)
    assert sequence.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    assert sequence.pad_sequences(np.array([[1, 2], [3, 4]]), maxlen=3).tolist() == [[0, 1, 2],
                                                                                      [0, 3, 4]]
    assert sequence.pad_sequences([["ab"], ["c", "d"]], dtype="<U5", value="-").tolist() == [
        ["-", "ab"], ["c", "d"]]


def test_skipgrams_properties():
    random.seed(0)
    couples, labels = sequence.skipgrams([1, 2, 3, 4], 10, window_size=1)
    assert len(couples) == len(labels) == 12  # 6 positives, 6 negatives
    assert sorted(labels) == [0] * 6 + [1] * 6
    assert all(1 <= c[1] < 10 for c, lab in zip(couples, labels) if lab == 0)
    couples, labels = sequence.skipgrams([1, 2], 5, negative_samples=0, categorical=True)
    assert sorted(labels) == [[0, 1], [0, 1]]


def test_timeseries_generator_is_a_sequence_and_validates():
    from lamella.utils import Sequence

    gen = sequence.TimeseriesGenerator(np.arange(20), np.arange(20), length=4, batch_size=5)
    assert isinstance(gen, Sequence)
    batches = list(gen)
    assert len(batches) == len(gen) == 4 and batches[-1][0].shape == (1, 4)
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(np.arange(5), np.arange(4), length=2)
    with pytest.raises(ValueError, match="disallowed"):
        sequence.TimeseriesGenerator(np.arange(5), np.arange(5), length=10)
    restored = sequence.timeseries_generator_from_json(
        sequence.TimeseriesGenerator(np.arange(10), np.arange(10), length=2).to_json())
    assert restored.length == 2 and restored.data == list(range(10))


# ------------------------------------------------------------------ text
def test_one_hot_is_consistent_within_a_process():
    ids = text.one_hot("a b a c", 7)
    assert ids[0] == ids[2] and all(1 <= i < 7 for i in ids)
    assert text.hashing_trick("a b", 9, hash_function=len) == [2, 2]


def test_tokenizer_errors_and_legacy_args():
    with pytest.raises(ValueError, match="num_words"):
        text.Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="tfidf"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    tok = text.Tokenizer()
    tok.fit_on_texts(["a b"])
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tok.texts_to_matrix(["a"], mode="bogus")
    with pytest.warns(UserWarning, match="nb_words"):
        assert text.Tokenizer(nb_words=5).num_words == 5
    with pytest.raises(TypeError, match="Unrecognized"):
        text.Tokenizer(bogus=1)


def test_tokenizer_from_json_can_keep_fitting():
    tok = text.Tokenizer(oov_token="?")
    tok.fit_on_texts(["a b b"])
    restored = text.tokenizer_from_json(tok.to_json())
    restored.fit_on_texts(["c c c"])  # Keras's restored tokenizer fails here; lamella's works
    assert restored.word_index == {"?": 1, "c": 2, "b": 3, "a": 4}
    assert json.loads(restored.to_json())["config"]["document_count"] == 2


def test_fit_on_sequences_tfidf():
    tok = text.Tokenizer(num_words=5)
    tok.fit_on_sequences([[1, 2, 2], [3], [1, 3, 4]])
    m = tok.sequences_to_matrix([[1, 2, 2]], mode="tfidf")
    assert m.shape == (1, 5) and m[0, 2] > m[0, 1] > 0


# ------------------------------------------------------------------ image
def test_image_data_generator_argument_errors():
    with pytest.raises(ValueError, match="data_format"):
        image.ImageDataGenerator(data_format="nchw")
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="brightness_range"):
        image.ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="fill_mode"):
        image.ImageDataGenerator(fill_mode="mirror")
    gen = image.ImageDataGenerator()
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="same length"):
        gen.flow(np.zeros((2, 3, 3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="subset"):
        gen.flow(np.zeros((2, 3, 3, 1)), subset="test")


def test_flow_extras_sample_weight_and_saving(tmp_path):
    x = np.random.RandomState(0).rand(6, 5, 5, 3).astype("float32")
    misc = np.arange(6)
    gen = image.ImageDataGenerator(validation_split=0.5)
    it = gen.flow((x, misc), np.array([0, 1, 0, 1, 0, 1]), sample_weight=np.arange(6) * 1.0,
                  batch_size=2, shuffle=False, subset="training", save_to_dir=str(tmp_path))
    (bx, bmisc), by, bw = it[0]
    np.testing.assert_allclose(bx, x[3:5])
    assert bmisc.tolist() == [3, 4] and by.tolist() == [1, 0] and bw.tolist() == [3.0, 4.0]
    assert len(list(tmp_path.glob("*.png"))) == 2
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.array([0, 0, 0, 1, 1, 1]), subset="training")
    with pytest.raises(ValueError, match="Asked to retrieve"):
        it[5]


def test_iterator_loops_and_is_a_sequence():
    from lamella.utils import Sequence

    it = image.ImageDataGenerator().flow(np.zeros((5, 2, 2, 1)), batch_size=2, shuffle=False)
    assert isinstance(it, Sequence) and len(it) == 3
    sizes = [len(next(it)) for _ in range(4)]
    assert sizes == [2, 2, 1, 2]


def test_apply_affine_transform_rejects_high_orders():
    with pytest.raises(NotImplementedError):
        image.apply_affine_transform(np.zeros((3, 3, 1)), theta=10, order=3)


def test_flow_from_directory_class_modes(tmp_path, capsys):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for k in range(2):
            image.save_img(str(tmp_path / cls / f"{k}.png"), np.full((4, 4, 3), 40.0 * k + 10))
    gen = image.ImageDataGenerator()
    it = gen.flow_from_directory(str(tmp_path), target_size=(4, 4), batch_size=4,
                                 shuffle=False, class_mode="categorical")
    bx, by = next(it)
    assert bx.shape == (4, 4, 4, 3) and by.tolist() == [[1, 0], [1, 0], [0, 1], [0, 1]]
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(str(tmp_path), class_mode="other")
    with pytest.raises(ValueError, match="color mode"):
        gen.flow_from_directory(str(tmp_path), color_mode="cmyk")
    with pytest.raises(ValueError, match="subset"):
        gen.flow_from_directory(str(tmp_path), subset="test")


def test_image_utils_errors(tmp_path):
    with pytest.raises(ValueError, match="rank 3"):
        image.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="data_format"):
        image.array_to_img(np.zeros((2, 2, 3)), data_format="nhwc")
    with pytest.raises(ValueError, match="channel number"):
        image.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="data_format"):
        image.img_to_array(np.zeros((2, 2)), data_format="nhwc")
    path = tmp_path / "x.png"
    image.save_img(str(path), np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(str(path), color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        image.load_img(str(path), target_size=(2, 2), interpolation="magic")
    with pytest.warns(UserWarning, match="grayscale"):
        assert image.load_img(str(path), grayscale=True).mode == "L"
    assert image.list_pictures(str(tmp_path)) == [str(path)]
    big = image.array_to_img(np.full((2, 2, 1), 1000.0), scale=False)
    assert big.mode == "I"


def test_reachable_through_lamella_preprocessing():
    from lamella.preprocessing.image import ImageDataGenerator
    from lamella.preprocessing.sequence import pad_sequences
    from lamella.preprocessing.text import Tokenizer

    assert ImageDataGenerator is image.ImageDataGenerator
    assert pad_sequences is sequence.pad_sequences and Tokenizer is text.Tokenizer


def test_save_img_is_atomic_and_takes_the_format_from_the_extension(tmp_path):
    path = tmp_path / "img.v2.jpeg"
    image.save_img(path, np.full((4, 4, 3), 200.0), scale=False)
    assert image.load_img(str(path)).format == "JPEG"
    before = path.read_bytes()
    with pytest.raises((OSError, TypeError, ValueError)):  # Pillow refuses an unknown option
        image.save_img(str(path), np.zeros((4, 4, 3)), quality="best")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "img.v2.jpeg"]
    with pytest.raises(ValueError, match="unknown file extension"):
        image.save_img(str(tmp_path / "x.nope"), np.zeros((4, 4, 3)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.v2.jpeg"]
