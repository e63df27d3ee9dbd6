"""Crash tests: run a Python script in a child process and SIGKILL it at a chosen moment.

The script signals the moment by creating a marker file (``NpzSaver(pause_on_call=...,
pause_marker=...)`` does so in the middle of a write); :func:`kill_at_marker` waits for the
file, kills the child with SIGKILL (no cleanup handlers run, as in a power cut or an OOM kill)
and returns what the marker file says.

Example::

    written = kill_at_marker(CHILD_SCRIPT, [str(tmp_path)], tmp_path / "writing")
"""

import os
import signal
import subprocess
import sys
import time


def kill_at_marker(script, args, marker, timeout=120.0):
    """Run ``python -c script *args``; SIGKILL it once ``marker`` exists; return the marker's
    text. Fails (``AssertionError``, with the child's output) if the child exits first or the
    marker does not appear within ``timeout`` seconds."""
    child = subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not os.path.exists(marker):
            assert child.poll() is None, child.stdout.read().decode()
            assert time.monotonic() < deadline, f"the child never created {marker}"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, f"the child exited with {child.returncode}"
    with open(marker, encoding="utf-8") as handle:
        return handle.read()
