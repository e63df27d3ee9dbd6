"""Safe mode against a real Lambda's bytecode: per thread, and only ``safe_mode=False`` is unsafe.

The untrusted model's Lambda, if its bytecode ever ran, would set an environment variable; each
test checks that it never does.
"""

import json
import os
import threading

import numpy as np
import pytest

import lamella
from lamella.layers import Lambda, Layer
from lamella_io.hdf5 import model_file
from lamella_io.hdf5.saver import SAVER
from lamella_io.safety import UnsafeConfigError, check_config_is_safe

PWNED = "LAMELLA_ZQ_PWNED"
TIMEOUT = 60


def _untrusted_model():
    # What an attacker ships: a Lambda whose marshalled bytecode has a side effect.
    evil = Lambda(lambda x: (__import__("os").environ.__setitem__("LAMELLA_ZQ_PWNED", "1"), x)[1],
                  input_shape=(3,))
    return lamella.Sequential([evil])


def _untrusted_json():
    text = _untrusted_model().to_json()
    os.environ.pop(PWNED, None)  # building the model here ran it: that is not loading it
    return text


class ZqGate(Layer):
    """An identity layer whose from_config holds the loader at two barriers: the trusted load
    is inside ``load_model(..., safe_mode=False)`` while the other thread loads."""

    barriers = None

    def call(self, inputs):
        return inputs

    @classmethod
    def from_config(cls, config):
        opened, done = cls.barriers
        opened.wait()  # the trusted load's unsafe scope is open now
        done.wait()  # until the untrusted load has finished
        return cls(**config)


@pytest.fixture
def no_pwn():
    os.environ.pop(PWNED, None)
    yield
    assert os.environ.pop(PWNED, None) is None, "the untrusted bytecode ran"


@pytest.fixture
def trusted_path(tmp_path):
    path = str(tmp_path / "trusted.h5")
    lamella.Sequential([ZqGate(input_shape=(3,))]).save(path)
    return path


def test_trusted_unsafe_load_in_one_thread_never_unlocks_another(trusted_path, no_pwn):
    untrusted = _untrusted_json()
    outcomes, errors = [], []

    def load_trusted():
        try:
            lamella.models.load_model(trusted_path, safe_mode=False, compile=False,
                                      custom_objects={"ZqGate": ZqGate})
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    def load_untrusted():
        opened, done = ZqGate.barriers
        try:
            opened.wait()
            try:
                lamella.models.model_from_json(untrusted)
                outcomes.append("loaded")
            except Exception as exc:  # noqa: BLE001 (anything but the refusal fails the test)
                refused = isinstance(exc, ValueError) and "safe_mode=False" in str(exc)
                outcomes.append("refused" if refused else f"ran the bytecode, then {exc!r}")
        finally:
            done.wait()

    for _ in range(10):
        ZqGate.barriers = (threading.Barrier(2, timeout=TIMEOUT),
                           threading.Barrier(2, timeout=TIMEOUT))
        threads = [threading.Thread(target=load_trusted), threading.Thread(target=load_untrusted)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        assert not errors, errors
    assert outcomes == ["refused"] * 10


def _untrusted_file(tmp_path):
    path = str(tmp_path / "untrusted.h5")
    _untrusted_model().save(path)
    os.environ.pop(PWNED, None)  # building the model here ran it: that is not loading it
    return path


def test_load_model_safe_mode_none_refuses_the_bytecode(tmp_path, no_pwn):
    path = _untrusted_file(tmp_path)
    with pytest.raises(UnsafeConfigError):
        lamella.models.load_model(path, safe_mode=None)
    with pytest.raises(UnsafeConfigError):
        SAVER.load_model(path, safe_mode=None)  # the saver called directly
    with pytest.raises(UnsafeConfigError):
        model_file.model_from_file_config(json.loads(_untrusted_json()), safe_mode=None)
    with pytest.raises(UnsafeConfigError):
        check_config_is_safe(json.loads(_untrusted_json()), safe_mode=None)


@pytest.mark.parametrize("value", [0, "", [], 0.0, "False"])
def test_load_model_non_boolean_safe_mode_is_a_type_error(tmp_path, no_pwn, value):
    path = _untrusted_file(tmp_path)
    with pytest.raises(TypeError, match="safe_mode"):
        lamella.models.load_model(path, safe_mode=value)
    with pytest.raises(TypeError, match="safe_mode"):
        model_file.model_from_file_config(json.loads(_untrusted_json()), safe_mode=value)
    layer_config = json.loads(_untrusted_json())["config"]["layers"][0]["config"]
    with pytest.raises(TypeError, match="safe_mode"):
        Lambda.from_config(layer_config, safe_mode=value)


def test_safe_mode_false_still_loads_a_trusted_lambda(tmp_path):
    square = lamella.Sequential([Lambda(lambda x: x * x, input_shape=(3,))])
    path = str(tmp_path / "square.h5")
    square.save(path)
    model = lamella.models.load_model(path, safe_mode=False, compile=False)
    assert model.predict(np.array([[1.0, 2.0, 3.0]])).tolist() == [[1.0, 4.0, 9.0]]
