"""lamella-rich-progress with only lamella-core and this plugin: registered under its own name
by default, replacing the default progress bar (override=True) only when asked to."""

import re

import pytest
from lamella_rich_progress.progress import RichProgbarLogger

import lamella
from lamella.callbacks import ProgbarLogger
from lamella.plugins import loader, lookup
from lamella.testing import PlainSGD, SeededDense, mean_squared_error, toy_data

DIST = "lamella-rich-progress"


@pytest.fixture
def override(monkeypatch):
    """Plugins reloaded with LAMELLA_RICH_PROGRESS=1 for the test, and without it after."""
    monkeypatch.setenv("LAMELLA_RICH_PROGRESS", "1")
    loader.reset()
    yield
    monkeypatch.delenv("LAMELLA_RICH_PROGRESS")
    loader.reset()


def _fit(verbose=1, **kwargs):
    model = lamella.Sequential([SeededDense(3, "tanh", input_shape=(4,)), SeededDense(1, seed=1)])
    model.compile(PlainSGD(0.05), loss=mean_squared_error)
    return model.fit(*toy_data(32), epochs=2, batch_size=8, verbose=verbose, shuffle=False,
                     **kwargs)


def _info():
    return {i.name: i for i in lamella.plugins.plugin_infos()}[DIST]


def test_default_registers_its_own_name_only():
    loader.reset()
    info = _info()
    assert info.status == "loaded", info.error
    assert info.registered == {"callbacks": ["RichProgbarLogger"]}
    assert info.contract == ">=1.0,<2" and info.overrides == []
    assert lamella.callbacks.RichProgbarLogger is RichProgbarLogger
    assert lookup.find("callbacks", "ProgbarLogger") is ProgbarLogger


def test_opt_in_overrides_the_core_progress_bar(override):
    assert lookup.find("callbacks", "ProgbarLogger") is RichProgbarLogger
    assert lamella.callbacks.get("ProgbarLogger").__class__ is RichProgbarLogger
    info = _info()
    assert {"kind": "callbacks", "name": "ProgbarLogger", "replaced": "lamella-core"} in \
        info.overrides
    core = {i.name: i for i in lamella.plugins.plugin_infos()}["lamella-core"]
    assert {"kind": "callbacks", "name": "ProgbarLogger", "by": DIST} in core.overridden


def _normalise(text):
    # Keras's bar prints timings; everything else must be the same bytes
    return re.sub(r"\d+(\.\d+)?(s|ms|us)(/step|/sample)?", "T", text)


def test_not_a_terminal_prints_exactly_what_keras_prints(override, capsys):
    _fit()
    rich_out = capsys.readouterr().out
    loader.reset()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("LAMELLA_RICH_PROGRESS")
        _fit()
    keras_out = capsys.readouterr().out
    assert "Epoch 2/2" in keras_out
    assert _normalise(rich_out) == _normalise(keras_out)


def test_in_a_terminal_the_fit_bar_is_rich(override, capsys, monkeypatch):
    monkeypatch.setattr(RichProgbarLogger, "force_terminal", True)
    monkeypatch.setattr(RichProgbarLogger, "refresh_seconds", 0.0)
    history = _fit()
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "32/32" in out and "━" in out          # rich's bar and its sample count
    assert re.search(r"loss: \d+\.\d{4}", out)
    assert len(history.history["loss"]) == 2


def test_passed_explicitly_with_verbose_two_prints_keras_epoch_lines(capsys):
    _fit(verbose=2)
    out = capsys.readouterr().out
    assert re.search(r"Epoch 1/2\n.* - loss: \d", out)
