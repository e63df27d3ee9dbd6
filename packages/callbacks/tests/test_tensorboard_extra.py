"""Without the ``tensorboard`` extra, the TensorBoard callback fails at once with an error
naming the extra, and nothing else in lamella-callbacks needs the package."""

import subprocess
import sys

import pytest

import lamella
from lamella_callbacks import TensorBoard
from lamella_callbacks.tensorboard import _summary_writer


@pytest.fixture
def without_tensorboard(monkeypatch):
    # None in sys.modules: find_spec answers None and every import of it raises ImportError
    for name in list(sys.modules):
        if name == "tensorboard" or name.startswith(("tensorboard.", "torch.utils.tensorboard")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorboard", None)


def test_making_the_callback_names_the_extra(without_tensorboard, tmp_path):
    with pytest.raises(ImportError, match=r"pip install 'lamella-callbacks\[tensorboard\]'"):
        TensorBoard(log_dir=str(tmp_path))
    with pytest.raises(ImportError, match=r"lamella-callbacks\[tensorboard\]") as info:
        lamella.callbacks.get("TensorBoard")
    assert info.value.name == "tensorboard"


def test_the_writer_names_the_extra_too(without_tensorboard, tmp_path):
    with pytest.raises(ImportError, match=r"lamella-callbacks\[tensorboard\]"):
        _summary_writer(str(tmp_path))


def test_importing_the_package_does_not_import_tensorboard(tmp_path):
    code = ("import sys, lamella_callbacks, lamella\n"
            "lamella.callbacks.EarlyStopping(); lamella.callbacks.CSVLogger('log.csv')\n"
            "assert 'tensorboard' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
