"""Keras 2.3 scripts run on lamella with only their imports changed (keras_scripts/)."""

import pathlib
import re
import subprocess
import sys

SCRIPTS = pathlib.Path(__file__).resolve().parent / "keras_scripts"


# The scripts stay as Keras wrote them (unseeded); the runner seeds Python, NumPy and torch
# first so a run is reproducible. Unseeded, the MLP's test accuracy on the small digits set
# spread from 0.906 to 0.989 over ten runs, before and after the same code, so a threshold
# alone made the test flaky. With seed 0 it reaches 0.956 (same figure on the old tree).
SEEDED_RUN = """
import random, runpy, sys
import numpy, torch
random.seed(0); numpy.random.seed(0); torch.manual_seed(0)
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run(script):
    proc = subprocess.run([sys.executable, "-c", SEEDED_RUN, str(SCRIPTS / script)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_mnist_mlp_example_reaches_keras_accuracy():
    out = run("mlp.py")
    assert "Trainable params: 301,066" in out
    assert re.search(r"Epoch 20/20\n - \d+s - loss: [\d.]+ - accuracy: [\d.]+ - val_loss", out)
    accuracy = float(re.search(r"Test accuracy: ([\d.]+)", out).group(1))
    assert accuracy >= 0.95


def test_two_input_two_output_functional_script():
    out = run("two_inputs_two_outputs.py")
    assert ("history keys: ['label_accuracy', 'label_loss', 'loss', 'score_loss', "
            "'val_label_accuracy', 'val_label_loss', 'val_loss', 'val_score_loss']") in out
    metrics = eval(re.search(r"metrics: (\{.*\})", out).group(1))  # noqa: S307 - our own output
    assert metrics["label_accuracy"] > 0.8
    assert "prediction shapes: [(5, 2), (5, 1)]" in out
