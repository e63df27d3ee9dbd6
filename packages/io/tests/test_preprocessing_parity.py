"""lamella_io.preprocessing (and the dataset loaders) against outputs of the real Keras 2.3.1 /
keras-preprocessing 1.1.2 on the same inputs (fixtures from
tools/keras231/make_preprocessing_fixtures.py)."""

import json
import pathlib
import random
import shutil

import numpy as np
import pytest

from lamella_io.preprocessing import image, sequence, text

FIX = pathlib.Path(__file__).parent / "fixtures" / "preprocessing"
EXPECTED = json.loads((FIX / "expected.json").read_text())
with np.load(FIX / "expected.npz", allow_pickle=False) as _npz:
    ARR = {k: _npz[k] for k in _npz.files}

# Interpolation runs in float64 either way; float32 rounding of 0..255 values differs by ulps.
ATOL = 1e-3


# ------------------------------------------------------------------ sequence
@pytest.mark.parametrize("case", EXPECTED["pad_sequences"], ids=lambda c: json.dumps(c["kwargs"]))
def test_pad_sequences(case):
    seqs = [[1, 2, 3, 4, 5], [6, 7], [], [8], [9, 10, 11]]
    out = sequence.pad_sequences(seqs, **case["kwargs"])
    assert out.tolist() == case["out"] and str(out.dtype) == case["dtype"]


def test_pad_sequences_vectors_and_strings():
    seqs = [np.arange(6).reshape(3, 2), np.arange(2).reshape(1, 2) + 10]
    np.testing.assert_array_equal(sequence.pad_sequences(seqs, maxlen=2, dtype="float32"),
                                  ARR["pad_vec/out"])
    np.testing.assert_array_equal(
        sequence.pad_sequences(seqs, maxlen=4, padding="post", value=-2.0, dtype="float32"),
        ARR["pad_vec/out_post"])
    assert sequence.pad_sequences([["a", "b"], ["c"]], dtype=object,
                                  value="<pad>").tolist() == EXPECTED["pad_str"]


def test_make_sampling_table():
    np.testing.assert_allclose(sequence.make_sampling_table(10), EXPECTED["sampling_table"][0])
    np.testing.assert_allclose(sequence.make_sampling_table(50, sampling_factor=1e-3),
                               EXPECTED["sampling_table"][1])


@pytest.mark.parametrize("case", EXPECTED["skipgrams"], ids=lambda c: str(c["kwargs"])[:40])
def test_skipgrams(case):
    kwargs = dict(case["kwargs"])
    if "sampling_table" in kwargs:
        kwargs["sampling_table"] = np.array(kwargs["sampling_table"])
    random.seed(1234)  # negative samples draw from Python's random, as in Keras
    couples, labels = sequence.skipgrams([1, 2, 3, 0, 4, 5, 6, 2, 7], 8, **kwargs)
    assert couples == case["couples"] and labels == case["labels"]


@pytest.mark.parametrize("i", range(len(EXPECTED["timeseries"])))
def test_timeseries_generator(i):
    case = EXPECTED["timeseries"][i]
    gen = sequence.TimeseriesGenerator(ARR["ts/data"], ARR["ts/targets"], **case["kwargs"])
    assert len(gen) == case["len"]
    np.random.seed(100 + i)
    for b in range(len(gen)):
        x, y = gen[b]
        np.testing.assert_array_equal(x, ARR["ts/%d/x%d" % (i, b)])
        np.testing.assert_array_equal(y, ARR["ts/%d/y%d" % (i, b)])


def test_timeseries_json():
    gen = sequence.TimeseriesGenerator(np.arange(10), np.arange(10), length=2, batch_size=3)
    assert json.loads(gen.to_json()) == EXPECTED["timeseries_json"]


# ------------------------------------------------------------------ text
TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "Cats and dogs; cats, dogs?",
         "A man, a plan, a canal: Panama", "the THE The tHe", "Hello\tworld\nagain"]
TEST_TEXTS = ["the cat and the hat", "unknown words here", "dogs ate the mat", ""]


def config_for_compare(cfg):
    cfg = dict(cfg)
    for key in ("word_counts", "word_docs", "index_docs", "index_word", "word_index"):
        cfg[key] = json.loads(cfg[key])  # word_docs order follows set() order: compare as dicts
    return cfg


@pytest.mark.parametrize("i", range(len(EXPECTED["tokenizer"])))
def test_tokenizer(i):
    case = EXPECTED["tokenizer"][i]
    tok = text.Tokenizer(**case["kwargs"])
    tok.fit_on_texts(TEXTS)
    assert tok.word_index == case["word_index"]
    assert [list(p) for p in tok.word_counts.items()] == case["word_counts"]
    assert dict(tok.word_docs) == case["word_docs"]
    assert {str(k): v for k, v in tok.index_docs.items()} == case["index_docs"]
    assert tok.document_count == case["document_count"]
    texts = TEST_TEXTS + TEXTS[:2]
    seqs = tok.texts_to_sequences(texts)
    assert seqs == case["sequences"]
    assert tok.sequences_to_texts(seqs) == case["sequences_to_texts"]
    for mode in ["binary", "count", "tfidf", "freq"]:
        np.testing.assert_allclose(tok.texts_to_matrix(texts, mode=mode),
                                   ARR["tok/%d/%s" % (i, mode)], rtol=1e-12)
    ours = json.loads(tok.to_json())
    assert ours["class_name"] == case["json"]["class_name"] == "Tokenizer"
    assert config_for_compare(ours["config"]) == config_for_compare(case["json"]["config"])
    # Keras's JSON loads into lamella and gives the same sequences
    restored = text.tokenizer_from_json(json.dumps(case["json"]))
    assert restored.texts_to_sequences(texts) == case["sequences"]
    np.testing.assert_allclose(restored.texts_to_matrix(texts, mode="tfidf"),
                               ARR["tok/%d/tfidf" % i], rtol=1e-12)


def test_tokenizer_on_token_lists():
    tok = text.Tokenizer()
    tok.fit_on_texts([["Token", "LIST"], ["token"]])
    assert tok.word_index == EXPECTED["tokenizer_lists"]["word_index"]
    assert tok.texts_to_sequences([["TOKEN", "list", "x"]]) == EXPECTED["tokenizer_lists"]["seqs"]


def test_text_to_word_sequence():
    ours = [text.text_to_word_sequence(t) for t in TEXTS] + [
        text.text_to_word_sequence("Hello, World", lower=False),
        text.text_to_word_sequence("a-b-c d", filters="", split="-"),
        text.text_to_word_sequence("x::y", filters=":", split="::")]
    assert ours == EXPECTED["text_to_word_sequence"]


def test_hashing_trick_md5():
    for n, expected in zip((7, 1000), EXPECTED["hashing_trick_md5"]):
        assert [text.hashing_trick(t, n, hash_function="md5") for t in TEXTS] == expected
    assert text.hashing_trick("A, B; c", 50, hash_function="md5", filters=";", lower=False,
                              split=",") == EXPECTED["hashing_trick_md5_opts"]


# ------------------------------------------------------------------ image
@pytest.mark.parametrize("i", range(len(EXPECTED["affine_cases"])))
def test_apply_affine_transform(i):
    case = EXPECTED["affine_cases"][i]
    out = image.apply_affine_transform(ARR["affine/input"], row_axis=0, col_axis=1,
                                       channel_axis=2, fill_mode=case["fill_mode"],
                                       cval=case["cval"], order=case["order"], **case["params"])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ARR["affine/%d" % i], atol=ATOL)


@pytest.mark.parametrize("i", range(len(EXPECTED["idg"])),
                         ids=lambda i: "-".join(sorted(EXPECTED["idg"][i]["kwargs"]))[:60])
def test_image_data_generator_flow(i):
    case = EXPECTED["idg"][i]
    kw, opts = case["kwargs"], case["opts"]
    x, y = ARR["idg/x"], ARR["idg/y"]
    if kw.get("data_format") == "channels_first":
        x = x.transpose(0, 3, 1, 2).copy()
    if kw.get("zca_whitening"):
        x, y = ARR["idg/x_zca"], ARR["idg/y_zca"]
    gen = image.ImageDataGenerator(**kw)
    if opts.get("fit"):
        gen.fit(x, augment=opts.get("augment", False), seed=11)
        for attr, key in (("mean", "mean"), ("std", "std"), ("principal_components", "pc")):
            if "idg/%d/%s" % (i, key) in ARR:
                np.testing.assert_allclose(getattr(gen, attr), ARR["idg/%d/%s" % (i, key)],
                                           rtol=1e-4, atol=1e-4)
    it = gen.flow(x, y, batch_size=5, seed=7, subset=opts.get("subset"))
    assert len(it) == case["len"]
    tol = 1e-2 if kw.get("zca_whitening") else ATOL
    for b in range(case["batches"]):
        bx, by = next(it)
        np.testing.assert_allclose(bx, ARR["idg/%d/x%d" % (i, b)], atol=tol, rtol=1e-4)
        np.testing.assert_array_equal(by, ARR["idg/%d/y%d" % (i, b)])
    bx, by = it[0]
    np.testing.assert_allclose(bx, ARR["idg/%d/getitem_x" % i], atol=tol, rtol=1e-4)
    np.testing.assert_array_equal(by, ARR["idg/%d/getitem_y" % i])


@pytest.fixture
def images_dir(tmp_path, monkeypatch):
    shutil.copytree(FIX / "images", tmp_path / "images")
    monkeypatch.chdir(tmp_path)
    return "images"


@pytest.mark.parametrize("i", range(len(EXPECTED["directory"])))
def test_flow_from_directory(i, images_dir, capsys):
    case = EXPECTED["directory"][i]
    gen = image.ImageDataGenerator(**case["kwargs"])
    fkw = dict(case["flow_kwargs"])
    fkw["target_size"] = tuple(fkw["target_size"])
    it = gen.flow_from_directory(images_dir, **fkw)
    assert "Found %d images belonging to" % case["samples"] in capsys.readouterr().out
    assert it.filenames == case["filenames"]
    assert it.classes.tolist() == case["classes"]
    assert it.class_indices == case["class_indices"]
    assert len(it) == case["len"]
    # Pillow's resampling filters changed after Pillow 6 (used for the fixtures); resized
    # images are compared loosely, unresized ones exactly.
    resized = fkw["target_size"] != (10, 12)
    for b in range(2):
        batch = next(it)
        bx = batch[0] if isinstance(batch, tuple) else batch
        expected = ARR["dir/%d/x%d" % (i, b)]
        assert bx.shape == expected.shape
        if resized and fkw.get("interpolation", "nearest") != "nearest":
            assert np.abs(bx - expected).mean() < 3.0
        else:
            np.testing.assert_allclose(bx, expected, atol=ATOL)
        if isinstance(batch, tuple) and fkw.get("class_mode") != "input":
            np.testing.assert_array_equal(batch[1], ARR["dir/%d/y%d" % (i, b)])


def test_load_img_and_conversions():
    png = FIX / "images" / "cats" / "0.png"
    for mode in ["rgb", "grayscale", "rgba"]:
        # Pillow > 6 rounds RGB -> L differently (off by at most one grey level).
        np.testing.assert_allclose(image.img_to_array(image.load_img(png, color_mode=mode)),
                                   ARR["load_img/%s" % mode], atol=1 if mode == "grayscale" else 0)
    bilinear = image.img_to_array(image.load_img(png, target_size=(5, 7),
                                                 interpolation="bilinear"))
    assert bilinear.shape == ARR["load_img/bilinear"].shape
    assert np.abs(bilinear - ARR["load_img/bilinear"]).max() <= 2.0
    np.testing.assert_array_equal(image.img_to_array(image.load_img(png),
                                                     data_format="channels_first"),
                                  ARR["load_img/channels_first"])
    x = ARR["idg/x"][0]
    np.testing.assert_array_equal(image.img_to_array(image.array_to_img(x)),
                                  ARR["array_to_img/scaled"])
    np.testing.assert_array_equal(image.img_to_array(image.array_to_img(x[:, :, :1] / 10)),
                                  ARR["array_to_img/gray"])


# ------------------------------------------------------------------ dataset loaders
def _cases(name):
    return [(name, j) for j in range(len(EXPECTED["datasets"][name]))]


@pytest.mark.parametrize("name,j", _cases("imdb") + _cases("reuters") + _cases("boston_housing"))
def test_dataset_loader_parity(name, j, tmp_path):
    """Keras-format npz files written by NumPy 1.18 (object arrays pickled as in Keras's
    files) load through lamella's safe reader with Keras's exact results."""
    import importlib

    module = importlib.import_module("lamella_io.datasets." + name)
    case = EXPECTED["datasets"][name][j]
    src = (FIX / "datasets" / (name + ".npz")).as_uri().rsplit("/", 1)[0]
    (x, y), (xt, yt) = module.load_data(**case["kwargs"], base_url=src, file_hash=False,
                                        cache_dir=str(tmp_path))
    assert str(x.dtype) == case["x_dtype"] and list(x.shape) == case["x_shape"]
    if name == "boston_housing":
        np.testing.assert_array_equal(x, ARR["ds/%s/%d/x" % (name, j)])
        np.testing.assert_array_equal(xt, ARR["ds/%s/%d/xt" % (name, j)])
    else:
        assert [list(map(int, s)) for s in x] == case["x"]
        assert [list(map(int, s)) for s in xt] == case["xt"]
    assert y.tolist() == case["y"] and yt.tolist() == case["yt"]
