"""``python -m lamella.run script.py [args...]``: run an unmodified Keras 2.3 script on lamella.

The script runs as ``python script.py [args...]`` would run it — ``__name__ == "__main__"``,
``sys.argv == ["script.py", args...]``, the script's folder first on ``sys.path``, its exit
status (``sys.exit(n)``, 1 for an uncaught exception) — except that ``import keras`` and every
``keras.*`` import are answered by lamella (:func:`lamella.install_keras_alias`), in this
process only, and NumPy names Keras 2.3's NumPy still had (``np.float``, ``np.int``...) are
restored there (:mod:`lamella.numpy_aliases`). ``python -m lamella.run -m package.module
[args...]`` runs a module the same way.

Example::

    python -m lamella.run mnist_mlp.py --epochs 3
"""

import os
import runpy
import sys

USAGE = ("usage: python -m lamella.run script.py [args...]\n"
         "       python -m lamella.run -m module [args...]\n"
         "Runs a Keras 2.3 script with `import keras` answered by lamella.")


def main(argv=None):
    """Run the script or module named in ``argv`` (default ``sys.argv[1:]``); returns only
    when it ends without ``sys.exit``."""
    from lamella.keras_alias import install_keras_alias
    from lamella.numpy_aliases import install_numpy_aliases

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        raise SystemExit(2 if not argv else 0)
    install_keras_alias()
    install_numpy_aliases()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            raise SystemExit(2)
        sys.argv = argv[1:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    script = argv[0]
    if not os.path.exists(script):
        print(f"python -m lamella.run: can't open file {script!r}: no such file", file=sys.stderr)
        raise SystemExit(2)
    sys.argv = argv
    # As `python script.py`: the script's folder replaces this module's entry in sys.path.
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
