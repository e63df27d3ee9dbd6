"""save_weights / load_weights in Keras's legacy HDF5 layout."""

import pathlib
import warnings

import h5py
import numpy as np
import pytest

import lamella
from lamella.testing import ScaleShift as TinyNorm
from lamella.testing import SeededDense as TinyDense
from lamella.testing import randomize_weights as randomize
from lamella.testing import toy_functional as functional
from lamella.testing import toy_inputs as data
from lamella.testing import toy_sequential as sequential
from lamella_io.hdf5.files import HDF5FormatError
from lamella_io.hdf5.weights import HDF5_OBJECT_HEADER_LIMIT, load_attributes, save_attributes

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "keras231"


def names(group, attribute):
    return [n.decode() for n in group.attrs[attribute]]


def test_weights_file_layout(tmp_path):
    model = randomize(sequential(units=(5, 3), norm=True))
    path = tmp_path / "w.h5"
    model.save_weights(str(path))
    layer_names = [layer.name for layer in model.layers]
    with h5py.File(path, "r") as f:
        assert names(f, "layer_names") == layer_names
        assert f.attrs["backend"] in (b"pytorch", "pytorch")
        assert "keras_version" in f.attrs
        first = layer_names[0]
        assert names(f[first], "weight_names") == [f"{first}/kernel:0", f"{first}/bias:0"]
        np.testing.assert_array_equal(f[first][first]["kernel:0"][()],
                                      model.layers[0].get_weights()[0])
        # trainable weights first, then non-trainable ones
        norm = layer_names[-1]
        assert names(f[norm], "weight_names") == [f"{norm}/gamma:0", f"{norm}/moving_mean:0"]


def test_round_trip_into_a_fresh_model_with_other_layer_names(tmp_path):
    model = randomize(sequential(norm=True))
    model.save_weights(str(tmp_path / "w.hdf5"))
    fresh = sequential(norm=True)
    assert [l.name for l in fresh.layers] != [l.name for l in model.layers]
    fresh.load_weights(str(tmp_path / "w.hdf5"))
    x = data()
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))


def test_functional_file_lists_input_layers_with_no_weights(tmp_path):
    model = randomize(functional())
    model.save_weights(str(tmp_path / "f.h5"))
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert names(f, "layer_names") == [l.name for l in model.layers]
        assert "in_a" in names(f, "layer_names")
        assert len(f["in_a"].attrs["weight_names"]) == 0
    fresh = functional()
    fresh.load_weights(str(tmp_path / "f.h5"))
    x = [data(seed=1), data(seed=2)]
    for a, b in zip(fresh.predict(x), model.predict(x)):
        np.testing.assert_array_equal(a, b)


def test_nested_model_is_one_group_trainable_weights_first(tmp_path):
    inner = lamella.Sequential([TinyDense(5, "relu", input_shape=(4,), name="in_d"),
                                TinyNorm(name="in_norm"), TinyDense(3, name="in_d2")],
                               name="inner")
    inp = lamella.Input((4,), name="outer_in")
    model = randomize(lamella.Model(inp, TinyDense(2, name="head")(inner(inp))))
    model.save_weights(str(tmp_path / "n.h5"))
    with h5py.File(tmp_path / "n.h5", "r") as f:
        assert names(f, "layer_names") == ["outer_in", "inner", "head"]
        assert names(f["inner"], "weight_names") == [
            "in_d/kernel:0", "in_d/bias:0", "in_norm/gamma:0", "in_d2/kernel:0", "in_d2/bias:0",
            "in_norm/moving_mean:0"]
    inner2 = lamella.Sequential([TinyDense(5, "relu", input_shape=(4,)), TinyNorm(),
                                 TinyDense(3)])
    inp2 = lamella.Input((4,))
    fresh = lamella.Model(inp2, TinyDense(2)(inner2(inp2)))
    fresh.load_weights(str(tmp_path / "n.h5"))
    np.testing.assert_array_equal(fresh.predict(data()), model.predict(data()))


def test_by_name_loads_matching_layers_and_skips_the_rest(tmp_path):
    source = randomize(lamella.Sequential([TinyDense(5, input_shape=(4,), name="a"),
                                           TinyDense(3, name="b")]))
    source.save_weights(str(tmp_path / "w.h5"))
    target = lamella.Sequential([TinyDense(5, input_shape=(4,), name="a"),
                                 TinyDense(5, name="extra"), TinyDense(3, name="c")])
    before = target.get_layer("extra").get_weights()
    target.load_weights(str(tmp_path / "w.h5"), by_name=True)
    for got, want in zip(target.get_layer("a").get_weights(), source.get_layer("a").get_weights()):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(target.get_layer("extra").get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_by_name_shape_mismatch_raises_naming_file_layer_and_shapes(tmp_path):
    randomize(lamella.Sequential([TinyDense(5, input_shape=(4,), name="a")])).save_weights(
        str(tmp_path / "w.h5"))
    target = lamella.Sequential([TinyDense(6, input_shape=(4,), name="a")])
    with pytest.raises(ValueError) as info:
        target.load_weights(str(tmp_path / "w.h5"), by_name=True)
    message = str(info.value)
    assert "w.h5" in message and "'a'" in message and "(4, 5)" in message and "(4, 6)" in message


def test_skip_mismatch_warns_and_loads_what_fits(tmp_path):
    source = randomize(lamella.Sequential([TinyDense(5, input_shape=(4,), name="a"),
                                           TinyDense(3, name="b")]))
    source.save_weights(str(tmp_path / "w.h5"))
    target = lamella.Sequential([TinyDense(5, input_shape=(4,), name="a"), TinyDense(2, name="b")])
    before = target.get_layer("b").get_weights()
    with pytest.warns(UserWarning, match="Skipping loading of weights for layer 'b'"):
        target.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(target.get_layer("a").get_weights()[0],
                                  source.get_layer("a").get_weights()[0])
    np.testing.assert_array_equal(target.get_layer("b").get_weights()[0], before[0])


def test_topological_count_mismatch_names_the_file_and_both_counts(tmp_path):
    sequential(units=(5, 3)).save_weights(str(tmp_path / "two.h5"))
    with pytest.raises(ValueError, match=r"two\.h5.*containing 2 layers.*model with 3 layers"):
        sequential(units=(5, 3, 2)).load_weights(str(tmp_path / "two.h5"))


def test_topological_shape_mismatch_leaves_the_model_unchanged(tmp_path):
    sequential(units=(5, 3)).save_weights(str(tmp_path / "w.h5"))
    target = sequential(units=(5, 4))
    before = target.get_weights()
    with pytest.raises(ValueError) as info:
        target.load_weights(str(tmp_path / "w.h5"))
    assert "(5, 3)" in str(info.value) and "(5, 4)" in str(info.value)
    assert target.layers[1].name in str(info.value)
    for got, want in zip(target.get_weights(), before):  # nothing was half-loaded
        np.testing.assert_array_equal(got, want)


def test_unbuilt_model_gets_a_clear_error(tmp_path):
    sequential().save_weights(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match="not built"):
        lamella.Sequential([TinyDense(5), TinyDense(3)]).load_weights(str(tmp_path / "w.h5"))


def test_attribute_chunking_matches_keras():
    long_names = [f"layer_{i}_" + "x" * 990 for i in range(100)]  # ~100 KB
    with h5py.File("chunk.h5", "w", driver="core", backing_store=False) as f:
        save_attributes(f, "layer_names", long_names)
        assert "layer_names" not in f.attrs
        assert {"layer_names0", "layer_names1"} <= set(f.attrs)
        assert all(f.attrs[k].nbytes <= HDF5_OBJECT_HEADER_LIMIT for k in f.attrs)
        assert load_attributes(f, "layer_names") == long_names
        save_attributes(f, "layer_names", ["short"])  # rewriting drops the old chunks
        assert list(f.attrs) == ["layer_names"] and load_attributes(f, "layer_names") == ["short"]


def test_model_with_chunked_layer_names_round_trips(tmp_path):
    stack = [TinyDense(2, input_shape=(3,), name="d0_" + "x" * 997)]
    stack += [TinyDense(2, name=f"d{i}_" + "x" * 997) for i in range(1, 70)]
    model = randomize(lamella.Sequential(stack))
    model.save_weights(str(tmp_path / "w.h5"))
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert "layer_names0" in f.attrs and "layer_names" not in f.attrs
    fresh = lamella.Sequential([TinyDense(2, input_shape=(3,))] + [TinyDense(2) for _ in range(69)])
    fresh.load_weights(str(tmp_path / "w.h5"))
    x = data(dim=3)
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))


def test_h5py_file_and_group_objects_are_accepted(tmp_path):
    model = randomize(sequential())
    with h5py.File(tmp_path / "several.h5", "w") as f:
        model.save_weights(f.create_group("first"))
    fresh = sequential()
    with h5py.File(tmp_path / "several.h5", "r") as f:
        fresh.load_weights(f["first"])
    np.testing.assert_array_equal(fresh.predict(data()), model.predict(data()))


def test_load_weights_reads_a_whole_model_files_weights(tmp_path):
    model = randomize(sequential())
    model.save(str(tmp_path / "m.h5"))
    fresh = sequential()
    fresh.load_weights(str(tmp_path / "m.h5"))
    np.testing.assert_array_equal(fresh.predict(data()), model.predict(data()))


# --- files written by real Keras 2.3.1 (tools/keras231/make_io_fixtures.py) ---------------------

def keras_functional_twin():
    a, b = lamella.Input((4,), name="in_a"), lamella.Input((4,), name="in_b")
    shared = TinyDense(5, "tanh", name="shared")
    out_a = TinyDense(3, "softmax", name="out_a")(shared(a))
    out_b = TinyDense(1, name="out_b")(TinyDense(4, "relu", name="hid_b")(shared(b)))
    return lamella.Model([a, b], [out_a, out_b])


@pytest.mark.parametrize("by_name", [False, True])
@pytest.mark.parametrize("filename", ["functional_two_in_two_out.weights.h5",
                                      "functional_two_in_two_out.h5"])
def test_keras231_weights_load_with_equal_predictions(filename, by_name):
    expected = np.load(FIXTURES / "expected.npz")
    model = keras_functional_twin()
    model.load_weights(str(FIXTURES / filename), by_name=by_name)
    got = model.predict([expected["functional_two_in_two_out/x0"],
                         expected["functional_two_in_two_out/x1"]])
    for index, prediction in enumerate(got):
        np.testing.assert_allclose(prediction, expected[f"functional_two_in_two_out/y{index}"],
                                   atol=1e-5, rtol=0)


def test_keras231_nested_frozen_weights_load():
    expected = np.load(FIXTURES / "expected.npz")
    inner = lamella.Sequential([TinyDense(5, "relu", input_shape=(4,)), TinyDense(3)])
    inner.layers[0].trainable = False
    inp = lamella.Input((4,))
    model = lamella.Model(inp, TinyDense(2)(inner(inp)))
    model.load_weights(str(FIXTURES / "nested_frozen.weights.h5"))
    np.testing.assert_allclose(model.predict(expected["nested_frozen/x0"]),
                               expected["nested_frozen/y0"], atol=1e-5, rtol=0)


def test_no_warnings_on_a_clean_round_trip(tmp_path):
    model = sequential()
    model.save_weights(str(tmp_path / "w.h5"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sequential().load_weights(str(tmp_path / "w.h5"))


def test_format_error_is_a_value_error():
    assert issubclass(HDF5FormatError, ValueError)
