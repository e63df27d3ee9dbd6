"""The README's main job (tools/demo runs examples/digits_cnn.py) keeps doing what it says."""

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_demo_trains_saves_reloads_and_reaches_095(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "digits_cnn.py")],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "LAMELLA_DEMO_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (tmp_path / "digits.h5").is_file()
    accuracy = float(re.search(r"test accuracy: ([\d.]+)", proc.stdout).group(1))
    assert accuracy >= 0.95
    assert "reloaded model predicts identically: True" in proc.stdout
    assert "Epoch 15/15" in proc.stdout
