"""Safe mode: per thread (``contextvars`` context), and only ``safe_mode=False`` turns it off.

The attacks: a trusted ``load_model(..., safe_mode=False)`` in one thread opening the door for
an untrusted file loaded in another; and ``safe_mode=None`` / ``0`` (falsy, so "unsafe" to a
careless ``if not safe_mode``) reaching a saver. The Lambda-bytecode versions of these, with
every first-party package, are in ``integration_tests/test_safe_mode_threads.py``.
"""

import asyncio
import contextvars
import threading

import pytest

import lamella
from lamella import saving
from lamella.plugins import Component
from lamella.utils import custom_object_scope, get_custom_objects

TIMEOUT = 30


def _run_threads(*targets):
    """Run each target in its own thread; re-raise the first error any of them raised."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 (reported to the test below)
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


# --- per thread ------------------------------------------------------------------------------


def test_interleaved_scopes_each_see_their_own_value():
    # The order that broke the process-wide stack: A enters False, B enters True, A leaves
    # (popping B's True), then B reads A's False.
    step = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def thread_a():
        with saving.safe_mode_scope(False):
            step.wait()  # 1: A's scope is open
            step.wait()  # 2: B's scope is open
            seen["a inside"] = saving.safe_mode()
        step.wait()  # 3: A has left
        seen["a after"] = saving.safe_mode()
        step.wait()  # 4

    def thread_b():
        seen["b before"] = saving.safe_mode()
        step.wait()  # 1
        with saving.safe_mode_scope(True):
            step.wait()  # 2
            step.wait()  # 3
            seen["b inside"] = saving.safe_mode()
            step.wait()  # 4

    for _ in range(5):
        seen.clear()
        _run_threads(thread_a, thread_b)
        assert seen == {"a inside": False, "a after": True, "b before": True, "b inside": True}
    assert saving.safe_mode() is True


def test_an_unsafe_scope_in_one_thread_does_not_reach_another():
    opened = threading.Barrier(2, timeout=TIMEOUT)
    done = threading.Barrier(2, timeout=TIMEOUT)
    seen = []

    def trusted():
        with saving.safe_mode_scope(False):
            opened.wait()
            done.wait()

    def untrusted():
        opened.wait()
        seen.append(saving.safe_mode())
        done.wait()

    for _ in range(10):
        _run_threads(trusted, untrusted)
    assert seen == [True] * 10


def test_one_scope_object_entered_in_two_threads():
    scope = saving.safe_mode_scope(False)
    step = threading.Barrier(2, timeout=TIMEOUT)
    seen = []

    def enter_and_read():
        with scope:
            step.wait()
            seen.append(saving.safe_mode())
            step.wait()
        seen.append(saving.safe_mode())

    _run_threads(enter_and_read, enter_and_read)
    assert sorted(seen) == [False, False, True, True]


def test_nested_scopes_restore_the_outer_value():
    with saving.safe_mode_scope(False):
        with saving.safe_mode_scope(True):
            assert saving.safe_mode() is True
        assert saving.safe_mode() is False
        with saving.safe_mode_scope(None):  # None is the default: safe
            assert saving.safe_mode() is True
    assert saving.safe_mode() is True


def test_safe_mode_and_custom_objects_scopes_follow_the_same_context_rules():
    # Both are per contextvars context: a new thread starts outside both, a copied context
    # (what asyncio gives each task) carries both.
    marker = object()
    seen = {}

    def other_thread():
        seen["thread"] = (saving.safe_mode(), "ZqMarker" in get_custom_objects())

    async def task():
        return saving.safe_mode(), get_custom_objects().get("ZqMarker") is marker

    with saving.safe_mode_scope(False), custom_object_scope({"ZqMarker": marker}):
        _run_threads(other_thread)
        seen["copied"] = contextvars.copy_context().run(
            lambda: (saving.safe_mode(), get_custom_objects().get("ZqMarker") is marker)
        )
        seen["task"] = asyncio.run(task())
    assert seen == {"thread": (True, False), "copied": (False, True), "task": (False, True)}


# --- only False is unsafe --------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [(None, True), (True, True), (False, False)])
def test_check_safe_mode_accepts_booleans_and_none(value, expected):
    assert saving.check_safe_mode(value) is expected


@pytest.mark.parametrize("value", [0, 1, 0.0, "", "False", "no", [], (), object()])
def test_check_safe_mode_rejects_anything_else(value):
    with pytest.raises(TypeError, match="safe_mode must be True, False or None"):
        saving.check_safe_mode(value)
    with pytest.raises(TypeError, match="safe_mode"):
        saving.safe_mode_scope(value)


class _CodeRunningSaver:
    """A saver that, like a careless one, runs the file's code when ``not safe_mode``."""

    extensions = (".zqcode",)

    def __init__(self):
        self.ran = []

    def load_model(self, filepath, custom_objects=None, compile=True, safe_mode=True):
        if not safe_mode:
            self.ran.append(filepath)
        return safe_mode


@pytest.fixture
def code_saver(plugin_sandbox):
    saver = _CodeRunningSaver()
    plugin_sandbox.register({"savers": [Component("zqcode", saver)]})
    return saver


def test_load_model_safe_mode_none_is_safe(code_saver):
    assert lamella.models.load_model("evil.zqcode", safe_mode=None) is True
    assert lamella.saving.load_model("evil.zqcode", safe_mode=None) is True
    assert code_saver.ran == []


@pytest.mark.parametrize("value", [0, "", "false", [], 0.0])
def test_load_model_rejects_a_non_boolean_safe_mode(code_saver, value):
    with pytest.raises(TypeError, match="safe_mode must be True, False or None"):
        lamella.models.load_model("evil.zqcode", safe_mode=value)
    assert code_saver.ran == []


def test_load_model_safe_mode_false_is_the_one_way_out(code_saver):
    assert lamella.models.load_model("trusted.zqcode", safe_mode=False) is False
    assert code_saver.ran == ["trusted.zqcode"]


def test_one_custom_object_scope_entered_in_two_threads():
    # A careless user shares one scope object between worker threads, as safe_mode_scope allows:
    # A enters, B enters, A leaves first, then B reads and leaves.
    marker = object()
    scope = custom_object_scope({"ZqShared": marker})
    step = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def thread_a():
        with scope:
            step.wait()  # 1: A is inside
            step.wait()  # 2: B is inside
        seen["a after"] = "ZqShared" in get_custom_objects()
        step.wait()  # 3: A has left

    def thread_b():
        step.wait()  # 1
        with scope:
            step.wait()  # 2
            step.wait()  # 3
            seen["b inside"] = get_custom_objects().get("ZqShared") is marker
        seen["b after"] = "ZqShared" in get_custom_objects()

    _run_threads(thread_a, thread_b)
    assert seen == {"a after": False, "b inside": True, "b after": False}
