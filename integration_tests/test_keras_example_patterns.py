"""Patterns from the official Keras 2.3 examples, in our own script run unchanged through
``python -m lamella.run`` (keras_scripts/example_patterns.py; it also runs on real Keras 2.3.1
with the same printed results): NumPy aliases of Keras 2.3's NumPy, a Lambda returning a
one-element list, a reloaded two-input model taken apart by ``input[0]`` and layer index, and
``from keras.layers import *`` for a custom layer."""

import pathlib
import subprocess
import sys

from lamella.testing import subprocess_env

SCRIPT = pathlib.Path(__file__).resolve().parent / "keras_scripts" / "example_patterns.py"


def test_example_patterns_run_unchanged_through_the_drop_in(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "lamella.run", str(SCRIPT)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600,
                          env=subprocess_env(KERAS_BACKEND="torch"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    # the lines real Keras 2.3.1 prints for the same script
    assert "history keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in out
    assert "listed output shape: (None, 6)" in out
    assert "encoder: (3, 8)" in out
    assert "star import: [[[2.0, 2.0], [2.0, 2.0]]]" in out
    assert float(out.split("accuracy: ")[-1]) > 0.8
