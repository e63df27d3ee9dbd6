"""Launching a script on 2 CPU processes under ``torchrun`` or ``horovodrun`` (gloo), bounded by
a timeout, for the multi-process tests and the ported Horovod example's test."""

import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

#: Seconds one launch may take before the test fails (a hang must not stall CI).
LAUNCH_TIMEOUT = int(os.environ.get("LAMELLA_LAUNCH_TIMEOUT", "600"))


def horovod_available():
    try:
        import horovod.torch  # noqa: F401
    except ImportError:
        return False
    return True


def require_horovod():
    """Skip without Horovod, unless ``LAMELLA_REQUIRE_HOROVOD=1`` (tools/test sets it after
    building Horovod), in which case its absence is a failure."""
    if horovod_available():
        return
    if os.environ.get("LAMELLA_REQUIRE_HOROVOD") == "1":
        pytest.fail("LAMELLA_REQUIRE_HOROVOD=1 but horovod.torch does not import")
    pytest.skip("Horovod is not installed (tools/build-horovod builds it)")


def command(launcher, script, *args, processes=2):
    """The command line that runs ``script`` on ``processes`` local CPU processes."""
    if launcher == "torchrun":
        return [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node",
                str(processes), "--max_restarts", "0", "--monitor_interval", "1", str(script),
                *map(str, args)]
    if launcher == "horovodrun":
        horovodrun = pathlib.Path(sys.executable).parent / "horovodrun"
        if not horovodrun.exists():
            horovodrun = shutil.which("horovodrun")
        return [str(horovodrun), "-np", str(processes), "-H", f"localhost:{processes}", "--gloo",
                sys.executable, str(script), *map(str, args)]
    if launcher == "single":
        return [sys.executable, str(script), *map(str, args)]
    raise ValueError(f"unknown launcher {launcher!r}")


def run(launcher, script, *args, cwd, timeout=LAUNCH_TIMEOUT, processes=2, env=None):
    """Run and return ``(returncode, output, seconds)``; a launch that outlives ``timeout``
    fails the test."""
    started = time.monotonic()
    environ = dict(os.environ, OMP_NUM_THREADS="1", LAMELLA_DIST_TIMEOUT="60", **(env or {}))
    try:
        done = subprocess.run(command(launcher, script, *args, processes=processes), cwd=cwd,
                              env=environ, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{launcher} {script.name} {args} did not finish in {timeout}s:\n"
                    f"{(exc.stdout or '')[-3000:]}{(exc.stderr or '')[-3000:]}")
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


WORKER = pathlib.Path(__file__).with_name("worker.py")
LAUNCHERS = {"ddp": "torchrun", "horovod": "horovodrun"}
_LAUNCHED = {}


def launch_train(strategy, tmp_path_factory):
    """``worker.py train`` under the strategy's launcher, once per session (one launch per
    launcher keeps the CI time down; test_multiprocess.py and test_overlap.py both check it):
    its output folder, which under Horovod holds overlap_worker.py's results too."""
    if strategy == "horovod":
        require_horovod()
    if strategy not in _LAUNCHED:
        out = tmp_path_factory.mktemp(strategy)
        code, output, seconds = run(LAUNCHERS[strategy], WORKER, "train", out, strategy,
                                    cwd=out)
        assert code == 0, output[-6000:]
        print(f"{LAUNCHERS[strategy]} train: {seconds:.1f}s")
        _LAUNCHED[strategy] = out
    return _LAUNCHED[strategy]
