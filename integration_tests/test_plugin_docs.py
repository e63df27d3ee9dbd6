"""Every hook is documented: a docstring in contract.py and an entry in docs/plugins.md."""

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
