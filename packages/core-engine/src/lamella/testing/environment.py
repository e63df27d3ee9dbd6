"""The environment for a test's child Python process.

A child started by a test must find lamella where the parent found it, and that may be through
``PYTHONPATH`` (the GPU test machine installs the wheels with ``pip --target`` and points
``PYTHONPATH`` there), so ``PYTHONPATH`` is kept; ``LAMELLA_*`` switches are dropped so each
test sets its own.

Example::

    import subprocess, sys
    from lamella.testing import subprocess_env

    subprocess.run([sys.executable, "-c", "import lamella"], check=True,
                   env=subprocess_env(PYTHONPATH="/tmp/plugin-site", LAMELLA_STRICT_PLUGINS="1"))
"""

import os


def subprocess_env(**extra):
    """``os.environ`` without ``LAMELLA_*`` switches, plus ``extra``; an extra ``PYTHONPATH``
    goes in front of the inherited one instead of replacing it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAMELLA_")}
    inherited = env.get("PYTHONPATH")
    if extra.get("PYTHONPATH") and inherited:
        extra = {**extra, "PYTHONPATH": os.pathsep.join([extra["PYTHONPATH"], inherited])}
    env.update(extra)
    return env
