"""Hostile and damaged ``.keras`` files: refused with errors naming the file and the member."""

import io
import json
import pickle
import zipfile

import h5py
import numpy as np
import pytest

import lamella
from lamella.plugins.errors import UnknownComponentError
from lamella.testing import CUSTOM_OBJECTS as CUSTOM
from lamella.testing import toy_sequential
from lamella_io.keras_v3 import KerasArchiveError, archive
from lamella_io.safety import UnsafeConfigError

load = lamella.models.load_model


@pytest.fixture
def good(tmp_path):
    """The members of a valid .keras file."""
    toy_sequential().save(str(tmp_path / "good.keras"))
    with zipfile.ZipFile(tmp_path / "good.keras") as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def with_config(good, edit):
    config = json.loads(good["config.json"])
    edit(config)
    return {**good, "config.json": json.dumps(config).encode()}


@pytest.mark.parametrize("name, reason", [
    ("../evil.txt", "outside the archive"),
    ("assets/../../evil.txt", "outside the archive"),
    ("/etc/evil", "absolute path"),
    ("C:/evil", "absolute path"),
    ("assets\\evil", "backslash"),
])
def test_zip_slip_names_are_refused(tmp_path, good, name, reason):
    path = write(tmp_path / "slip.keras", {**good, name: b"x"})
    with pytest.raises(KerasArchiveError, match=rf"slip\.keras.*{reason}") as info:
        load(path, custom_objects=CUSTOM)
    assert repr(name) in str(info.value)


def test_duplicate_members_are_refused(tmp_path, good):
    path = tmp_path / "dup.keras"
    with pytest.warns(UserWarning):  # zipfile itself warns about the duplicate
        write(path, good)
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("config.json", b"{}")
    with pytest.raises(KerasArchiveError, match="'config.json' appears twice"):
        load(str(path))


def test_declared_size_over_the_bound(tmp_path, good, monkeypatch):
    monkeypatch.setattr(archive, "MAX_JSON_BYTES", 200)  # over metadata.json, under config
    path = write(tmp_path / "big.keras", good)
    with pytest.raises(KerasArchiveError, match=r"big\.keras.*'config\.json' declares \d+ "
                                                r"bytes, over the 200-byte limit"):
        load(path, custom_objects=CUSTOM)


def test_compression_bomb(tmp_path, good):
    path = write(tmp_path / "bomb.keras", {**good, "assets/zeros": bytes(8 * 2**20)},
                 compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(KerasArchiveError, match=r"'assets/zeros'.*compression.*zip bomb"):
        load(path, custom_objects=CUSTOM)


def test_too_many_members(tmp_path, good, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 4)
    members = {**good, **{f"assets/{i}": b"" for i in range(3)}}
    with pytest.raises(KerasArchiveError, match="6 members; at most 4"):
        load(write(tmp_path / "many.keras", members), custom_objects=CUSTOM)


def test_not_a_zip_and_truncated(tmp_path, good):
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(KerasArchiveError, match=r"text\.keras.*not a readable \.keras file"):
        load(str(tmp_path / "text.keras"))
    data = open(write(tmp_path / "ok.keras", good), "rb").read()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(KerasArchiveError, match=r"cut\.keras"):
        load(str(tmp_path / "cut.keras"))
    with pytest.raises(FileNotFoundError):
        load(str(tmp_path / "missing.keras"))


def test_malformed_json_names_the_member(tmp_path, good):
    path = write(tmp_path / "bad.keras", {**good, "config.json": b'{"class_name": '})
    with pytest.raises(KerasArchiveError, match=r"bad\.keras.*'config\.json' is not valid JSON"):
        load(path)


def test_missing_members(tmp_path, good):
    no_config = {k: v for k, v in good.items() if k != "config.json"}
    with pytest.raises(KerasArchiveError, match="no member 'config.json'"):
        load(write(tmp_path / "a.keras", no_config))
    no_weights = {k: v for k, v in good.items() if k != "model.weights.h5"}
    with pytest.raises(KerasArchiveError, match="neither 'model.weights.h5' nor"):
        load(write(tmp_path / "b.keras", no_weights), custom_objects=CUSTOM)


def test_unknown_class_names_the_layer(tmp_path, good):
    def rename(config):
        config["config"]["layers"][1]["class_name"] = "NoSuchLayer"

    path = write(tmp_path / "u.keras", with_config(good, rename))
    with pytest.raises(UnknownComponentError, match=r"'NoSuchLayer'.*u\.keras:config\.json"):
        load(path, custom_objects=CUSTOM)


def test_not_a_model_config(tmp_path, good):
    path = write(tmp_path / "l.keras", {**good, "config.json": b"[1, 2]"})
    with pytest.raises(ValueError, match=r"l\.keras:config\.json: expected a model config"):
        load(path)


def test_keras3_lambda_is_refused_in_safe_mode(tmp_path, good):
    def add_lambda(config):
        config["config"]["layers"].append({
            "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "evil", "function": {
                "class_name": "__lambda__", "config": {"code": "BASE64", "defaults": None,
                                                       "closure": None}}}})

    path = write(tmp_path / "lam.keras", with_config(good, add_lambda))
    with pytest.raises(UnsafeConfigError,
                       match=r"lam\.keras:config\.json.*layers\[3\].*safe_mode=False"):
        load(path, custom_objects=CUSTOM)


def test_wrong_weights_shape_changes_nothing(tmp_path, good):
    store = h5py.File(io.BytesIO(good["model.weights.h5"]), "r")
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as out:
        for name in ("layers", "vars"):
            store.copy(name, out)
        del out["layers/seeded_dense_1/vars/0"]
        out["layers/seeded_dense_1/vars/0"] = np.zeros((7, 7), "float32")
    store.close()
    path = write(tmp_path / "w.keras", {**good, "model.weights.h5": buffer.getvalue()})
    with pytest.raises(ValueError, match=r"w\.keras:model\.weights\.h5.*shape \(7, 7\)"):
        load(path, custom_objects=CUSTOM)


def test_external_links_in_the_weights_are_refused(tmp_path, good):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as out:
        out["layers/seeded_dense/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")
    path = write(tmp_path / "x.keras", {**good, "model.weights.h5": buffer.getvalue()})
    with pytest.raises(ValueError, match="(?i)link"):
        load(path, custom_objects=CUSTOM)


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_npz_with_code_is_refused(tmp_path, good):
    buffer = io.BytesIO()
    np.savez(buffer, **{"layers/seeded_dense": np.array(_Evil(), dtype=object)})
    members = {k: v for k, v in good.items() if k != "model.weights.h5"}
    members["model.weights.npz"] = buffer.getvalue()
    path = write(tmp_path / "pk.keras", members)
    with pytest.raises(KerasArchiveError, match=r"pk\.keras:model\.weights\.npz") as info:
        load(path, custom_objects=CUSTOM)
    assert isinstance(info.value.__cause__, pickle.UnpicklingError)
