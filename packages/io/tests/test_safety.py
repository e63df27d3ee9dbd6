"""Loading never runs code from a file unless asked to, and bad files fail clearly."""

import json
import pathlib
import re

import h5py
import numpy as np
import pytest

import lamella
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import toy_sequential as sequential
from lamella_io.hdf5.files import HDF5FormatError
from lamella_io.safety import UnsafeConfigError

SOURCE = pathlib.Path(__file__).resolve().parent.parent / "src" / "lamella_io"

# What Keras 2.3.1 writes for Lambda(lambda x: x * 2): base64 marshal of the code object.
KERAS2_LAMBDA = {
    "class_name": "Lambda",
    "config": {"name": "double", "trainable": True, "dtype": "float32",
               "function": ["4wEAAAAAAAAAAQAAAAIAAABTAAAAcwgAAAB8AGQBFABTACkCTukCAAAAqQApAdoB"
                            "eHIBAAAAcgEAAAD6CDxzdGRpbj7aCDxsYW1iZGE+AQAAAPMAAAAA\n", None, None],
               "function_type": "lambda", "module": "__main__", "output_shape": None,
               "output_shape_type": "raw", "output_shape_module": None, "arguments": {}},
}


def write_model_file(path, layers):
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": layers}}
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = np.bytes_(json.dumps(config).encode())
        f.attrs["keras_version"] = np.bytes_(b"2.3.1")
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.asarray([b"double"])
        group.create_group("double").attrs["weight_names"] = np.asarray([])


def test_keras2_lambda_bytecode_is_refused_in_safe_mode(tmp_path):
    path = tmp_path / "lambda.h5"
    write_model_file(path, [{"class_name": "InputLayer",
                             "config": {"batch_input_shape": [None, 3], "name": "inp"}},
                            KERAS2_LAMBDA])
    with pytest.raises(UnsafeConfigError) as info:
        lamella.models.load_model(str(path))
    message = str(info.value)
    assert "safe_mode=False" in message and "'double'" in message and "lambda.h5" in message


def test_safe_mode_false_gets_past_the_check(tmp_path):
    path = tmp_path / "lambda.h5"
    write_model_file(path, [KERAS2_LAMBDA])
    with pytest.raises(Exception) as info:  # no Lambda layer in this environment, or it loads
        lamella.models.load_model(str(path), safe_mode=False, compile=False)
    assert not isinstance(info.value, UnsafeConfigError)


def test_keras3_lambda_form_is_refused(tmp_path):
    path = tmp_path / "k3.h5"
    layer = {"class_name": "Lambda", "config": {
        "name": "fn", "function": {"class_name": "__lambda__",
                                   "config": {"code": "4wEAAAAA", "defaults": None,
                                              "closure": None}}}}
    write_model_file(path, [layer])
    with pytest.raises(UnsafeConfigError, match="safe_mode=False"):
        lamella.models.load_model(str(path))


def test_named_function_lambda_is_not_refused():
    from lamella_io.safety import check_config_is_safe

    check_config_is_safe({"class_name": "Lambda",
                          "config": {"function": "my_fn", "function_type": "function"}})


def test_no_unsafe_deserialisation_in_the_source():
    forbidden = re.compile(r"\b(import pickle|import marshal|from pickle|from marshal|"
                           r"eval\(|exec\(|yaml\.load\(|allow_pickle=True|yaml\.unsafe_load)")
    for path in SOURCE.rglob("*.py"):
        if path.name == "_safe_pickle.py":
            # Keras's imdb/reuters/CIFAR files are pickles; this module reads them with an
            # allow-list unpickler
            # (test_datasets.py::test_pickled_code_in_a_dataset_file_is_refused).
            text = path.read_text()
            assert "class SafeUnpickler(pickle.Unpickler)" in text and "def find_class" in text
            assert "pickle.load(" not in text and "pickle.loads(" not in text
            continue
        assert not forbidden.search(path.read_text()), path


def test_empty_file(tmp_path):
    (tmp_path / "empty.h5").write_bytes(b"")
    with pytest.raises(HDF5FormatError, match=r"empty\.h5.*empty"):
        lamella.models.load_model(str(tmp_path / "empty.h5"))
    with pytest.raises(HDF5FormatError, match=r"empty\.h5"):
        sequential().load_weights(str(tmp_path / "empty.h5"))


def test_not_an_hdf5_file(tmp_path):
    (tmp_path / "text.h5").write_text("this is not HDF5\n" * 100)
    with pytest.raises(HDF5FormatError, match=r"text\.h5.*not a readable HDF5 file"):
        lamella.models.load_model(str(tmp_path / "text.h5"))


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9])
def test_truncated_file(tmp_path, keep):
    model = sequential(units=(64, 32))
    model.save(str(tmp_path / "full.h5"))
    blob = (tmp_path / "full.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(blob[: int(len(blob) * keep)])
    with pytest.raises((HDF5FormatError, ValueError)) as info:
        lamella.models.load_model(str(tmp_path / "cut.h5"), custom_objects=CUSTOM)
    assert "cut.h5" in str(info.value)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nowhere.h5"):
        lamella.models.load_model("nowhere.h5")


def test_weights_file_given_to_load_model(tmp_path):
    sequential().save_weights(str(tmp_path / "w.h5"))
    with pytest.raises(HDF5FormatError, match=r"w\.h5.*no model found.*load_weights"):
        lamella.models.load_model(str(tmp_path / "w.h5"))


def test_foreign_hdf5_file(tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"] = np.arange(10)
    with pytest.raises(HDF5FormatError, match=r"data\.h5.*holds no weights"):
        sequential().load_weights(str(tmp_path / "data.h5"))


def test_wrong_architecture_names_the_first_mismatch(tmp_path):
    sequential(units=(5, 3)).save(str(tmp_path / "m.h5"))
    other = sequential(units=(6, 3))
    with pytest.raises(ValueError) as info:
        other.load_weights(str(tmp_path / "m.h5"))
    message = str(info.value)
    assert "m.h5" in message and other.layers[0].name in message
    assert "(4, 5)" in message and "(4, 6)" in message


def test_yaml_is_read_with_a_safe_loader():
    import yaml

    evil = "!!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(yaml.YAMLError):
        lamella.models.model_from_yaml(evil)
