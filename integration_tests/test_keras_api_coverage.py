"""lamella's public API against Keras 2.3.1's, module path by module path.

The reference is a dump of real Keras 2.3.1 (``tools/keras231/dump_api.py``); the comparison is
``tools/keras231/api_coverage.py``; the differences lamella keeps (and those still being worked
on) are in ``integration_tests/keras_api_differences.yaml``, each with a reason. A difference
not listed fails, and so does a listed one that no longer exists: the list only shrinks.
"""

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "api_coverage", ROOT / "tools" / "keras231" / "api_coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api = _load_tool()


@pytest.fixture(scope="module")
def coverage():
    return api.Coverage(api.load_reference())


@pytest.fixture(scope="module")
def listed():
    return api.load_differences()


def test_every_difference_is_listed_with_a_reason(coverage, listed):
    unlisted, _ = api.check(coverage, *listed)
    assert not unlisted, (
        "differences from Keras 2.3.1 that keras_api_differences.yaml does not list (fix them, "
        "or list them with a reason):\n" + "\n".join(f"{k}: {v}" for k, v in
                                                     sorted(unlisted.items())))


def test_no_listed_difference_is_stale(coverage, listed):
    _, stale = api.check(coverage, *listed)
    assert not stale, ("keras_api_differences.yaml lists differences that no longer exist; "
                       "remove them:\n" + "\n".join(stale))


def test_the_reference_covers_keras_public_modules():
    reference = api.load_reference()
    for path in ("keras.layers.convolutional", "keras.utils.data_utils", "keras.engine.topology",
                 "keras.callbacks.callbacks", "keras.backend", "keras.applications",
                 "keras.wrappers.scikit_learn", "keras.preprocessing.image"):
        assert path in reference
    assert "Conv2D" in reference["keras.layers.convolutional"]
    assert "MaxPooling2D" in reference["keras.layers.convolutional"]  # Keras's re-export
    assert "to_list" not in reference["keras.models"]  # a helper import, not public
    adam = [p["name"] for p in reference["keras.optimizers"]["Adam"]["signature"]]
    assert adam[:4] == ["learning_rate", "beta_1", "beta_2", "amsgrad"]


@pytest.mark.parametrize("keras, ours, compatible, equal", [
    ([{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"}],
     [{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"}], True, True),
    # lamella may add a parameter with a default after Keras's
    ([{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"}],
     [{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"},
      {"name": "b", "kind": "KEYWORD_ONLY", "default": None}], True, False),
    # a required extra parameter breaks Keras's calls
    ([{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"}],
     [{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"}, {"name": "b", "kind": "KEYWORD_ONLY"}],
     False, False),
    # positional order matters (Adam(0.001, 0.9, 0.999, True))
    ([{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"},
      {"name": "b", "kind": "POSITIONAL_OR_KEYWORD"}],
     [{"name": "b", "kind": "POSITIONAL_OR_KEYWORD"},
      {"name": "a", "kind": "POSITIONAL_OR_KEYWORD"}], False, False),
    # a different default
    ([{"name": "r", "kind": "POSITIONAL_OR_KEYWORD", "default": "sum_over_batch_size"}],
     [{"name": "r", "kind": "POSITIONAL_OR_KEYWORD", "default": "auto"}], False, False),
    # 1e-07 and 1e-7 are one default; True is not 1
    ([{"name": "e", "kind": "POSITIONAL_OR_KEYWORD", "default": 1e-07}],
     [{"name": "e", "kind": "POSITIONAL_OR_KEYWORD", "default": 0.0000001}], True, True),
    ([{"name": "e", "kind": "POSITIONAL_OR_KEYWORD", "default": True}],
     [{"name": "e", "kind": "POSITIONAL_OR_KEYWORD", "default": 1}], False, False),
    # **kwargs must stay where Keras has it
    ([{"name": "kwargs", "kind": "VAR_KEYWORD"}], [], False, False),
])
def test_signature_rule(keras, ours, compatible, equal):
    assert api.compare_signatures(keras, ours) == (compatible, equal)


def test_report_prints_figures(coverage, capsys):
    api.report(coverage)
    out = capsys.readouterr().out
    assert "names present:" in out and "keras.layers.convolutional" in out
