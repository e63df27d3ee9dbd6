"""Every hook is documented: a docstring in contract.py and an entry in docs/plugins.md."""

import json
import pathlib
import re

import pytest

from lamella.plugins import contract

ROOT = pathlib.Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"

HOOKS = sorted(
    name
    for name, value in vars(contract).items()
    if name.startswith("lamella_") and hasattr(value, f"{contract.PROJECT_NAME}_spec")
)


def test_hooks_were_found():
    assert "lamella_layers" in HOOKS and "lamella_resolve_metric" in HOOKS
    assert set(HOOKS) == set(contract.KINDS_BY_HOOK) | {"lamella_resolve_metric"}


@pytest.mark.parametrize("hook", HOOKS)
def test_hookspec_has_a_docstring(hook):
    doc = getattr(contract, hook).__doc__ or ""
    assert len(doc.strip()) >= 20, f"{hook} needs a docstring saying what it returns"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_in_the_plugin_guide(hook):
    assert re.search(rf"`{hook}[`(]", GUIDE.read_text()), (
        f"docs/plugins.md does not document {hook}"
    )


@pytest.mark.parametrize(
    "topic",
    [
        "LAMELLA_DISABLE_PLUGINS",
        "LAMELLA_LOAD_PLUGINS",
        "LAMELLA_STRICT_PLUGINS",
        "LAMELLA_TRACE_PLUGINS",
        "lamella plugins --json",
        "override=True",
        '"module:attr"',
        "aliases",
        "requires",
    ],
)
def test_guide_covers_the_contract(topic):
    assert topic in GUIDE.read_text()


def _quick_start_files():
    """The files of the guide's first plugin: each code block that opens with ``# <path>``."""
    text = GUIDE.read_text()
    files = {}
    for block in re.findall(r"```(?:toml|python)\n(.*?)```", text, flags=re.S):
        first, _, rest = block.partition("\n")
        path = first.removeprefix("# ").strip()
        if first.startswith("# ") and (path.endswith(".toml") or path.endswith(".py")) \
                and "/" in path or path == "pyproject.toml":
            files.setdefault(path, rest)
    return files


def test_the_guides_first_plugin_installs_and_works(tmp_path, pip_target, run_python):
    files = _quick_start_files()
    assert {"pyproject.toml", "src/my_plugin/_plugin.py"} <= set(files), sorted(files)
    source = tmp_path / "my-plugin"
    for path, content in files.items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(content)
    site = pip_target(source, tmp_path / "site")
    probe = ("import json, torch, lamella; from lamella.plugins import plugin_infos;"
             "f = lamella.activations.get('lecun_tanh'); x = torch.linspace(-3, 3, 7);"
             "expected = 1.7159 * torch.tanh(x * 2 / 3);"
             "print(json.dumps({'ok': bool(torch.allclose(f(x), expected)),"
             " 'status': {i.name: i.status for i in plugin_infos()}.get('my-plugin')}))")
    proc = run_python(probe, PYTHONPATH=str(site))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == {"ok": True, "status": "loaded"}
