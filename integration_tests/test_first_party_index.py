"""The core's index of first-party names matches what the first-party packages register."""

import importlib.machinery
import importlib.util
import pathlib
import subprocess
import sys

import pytest

from lamella.plugins import MissingPluginError, first_party, loader, lookup

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tools" / "gen-first-party-index"
FIRST_PARTY_FILE = ROOT / "packages/core-engine/src/lamella/plugins/first_party.py"


@pytest.fixture(scope="module")
def generator():
    loader = importlib.machinery.SourceFileLoader("gen_first_party_index", str(GENERATOR))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def live_index(generator):
    index = generator.build_index(ROOT)
    loader.reset()
    return index


def _committed():
    namespace = {}
    exec(compile(FIRST_PARTY_FILE.read_text(), str(FIRST_PARTY_FILE), "exec"), namespace)
    return namespace["FIRST_PARTY"]


def test_generator_is_executable():
    assert GENERATOR.stat().st_mode & 0o111
    assert GENERATOR.read_text().startswith("#!")


def test_first_party_distributions_are_the_packages(generator):
    names = generator.first_party_distributions(ROOT)
    assert "lamella-core" not in names
    assert names == {
        "lamella-layers", "lamella-optimizers", "lamella-losses", "lamella-callbacks",
        "lamella-io", "lamella-distributed", "lamella-applications",
    }


def test_index_matches_live_registry(live_index):
    committed = _committed()
    assert committed == first_party.FIRST_PARTY  # the imported module is that file
    if committed != live_index:
        stale = {k: sorted(set(committed.get(k, {})) ^ set(live_index.get(k, {})))
                 for k in set(committed) | set(live_index)}
        pytest.fail(
            "first_party.py disagrees with the live registry; run tools/gen-first-party-index. "
            f"Names that differ, by kind: { {k: v for k, v in stale.items() if v} }"
        )


def test_index_file_is_the_generators_exact_output(generator, live_index):
    assert FIRST_PARTY_FILE.read_text() == generator.render(live_index)


def test_render_is_sorted_and_stable(generator):
    shuffled = {"b": {"z": "lamella-x", "a": "lamella-y"}, "a": {"Q": "lamella-z"}}
    text = generator.render(shuffled)
    assert text == generator.render(dict(reversed(list(shuffled.items()))))
    namespace = {}
    exec(text, namespace)
    assert namespace["FIRST_PARTY"] == shuffled
    assert list(namespace["FIRST_PARTY"]) == ["a", "b"]
    assert list(namespace["FIRST_PARTY"]["b"]) == ["a", "z"]


def test_every_indexed_name_resolves_to_its_distribution(live_index):
    loader.reset()
    try:
        for kind, table in live_index.items():
            registry = lookup.registry(kind)
            for name, distribution in table.items():
                entry = registry.find(name)
                assert entry is not None and entry.distribution == distribution, (kind, name)
                assert distribution.startswith("lamella-") and distribution != "lamella-core"
    finally:
        loader.reset()


def test_check_mode_agrees():
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_missing_distribution_hint_uses_the_index(live_index, monkeypatch):
    # pretend one first-party package is absent: its names must produce the install hint
    kind, table = next((k, t) for k, t in sorted(live_index.items()) if t)
    name, distribution = sorted(table.items())[0]
    monkeypatch.setenv("LAMELLA_DISABLE_PLUGINS", distribution)
    monkeypatch.delenv("LAMELLA_LOAD_PLUGINS", raising=False)
    loader.reset()
    try:
        with pytest.raises(MissingPluginError) as info:
            lookup.resolve(kind, name)
        assert info.value.provider == distribution
        # it is installed, only switched off: the error says so, not "pip install"
        assert f"switched off by LAMELLA_DISABLE_PLUGINS='{distribution}'" in str(info.value)
        monkeypatch.setattr(lookup, "provider_status", lambda name: ("not installed", None))
        with pytest.raises(MissingPluginError, match=f"pip install {distribution}"):
            lookup.resolve(kind, name)
    finally:
        loader.reset()
    assert not loader.is_loaded()
