"""``python -m lamella.run script.py``: an unmodified Keras 2.3 script (``import keras``) runs on
lamella, with ``sys.argv``, ``__main__`` and exit statuses as ``python script.py`` gives them,
while a real ``keras`` (Keras 3 is in the dev venv) stays untouched in every other process."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "integration_tests" / "keras_scripts" / "keras_drop_in.py"


def run(*args, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAMELLA_")}
    env.pop("PYTHONPATH", None)
    env["KERAS_BACKEND"] = "torch"  # for the real Keras 3 of the dev venv
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd, env=env)


def test_a_keras_script_runs_unchanged():
    proc = run("-m", "lamella.run", str(SCRIPT), "--epochs", "4")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "keras module: lamella" in out  # `import keras` was answered by lamella
    assert "history keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in out
    assert "argv: ['--epochs', '4']" in out
    assert float(out.split("accuracy: ")[-1].split()[0]) > 0.8


def test_the_script_exit_status_is_the_exit_status(tmp_path):
    proc = run("-m", "lamella.run", str(SCRIPT), "--epochs", "1", "--min-accuracy", "1.01")
    assert proc.returncode == 3, proc.stderr[-2000:]
    failing = tmp_path / "fails.py"
    failing.write_text("import keras\nassert __name__ == '__main__'\n"
                       "import sys\nprint(sys.argv)\nraise ValueError('boom')\n")
    proc = run("-m", "lamella.run", str(failing), "a", "b", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"['{failing}', 'a', 'b']" in proc.stdout
    assert "ValueError: boom" in proc.stderr


def test_the_script_folder_comes_first_on_sys_path(tmp_path):
    (tmp_path / "helper_for_drop_in.py").write_text("VALUE = 42\n")
    (tmp_path / "main.py").write_text("import helper_for_drop_in\n"
                                      "print(helper_for_drop_in.VALUE)\n")
    proc = run("-m", "lamella.run", str(tmp_path / "main.py"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "42"


def test_usage_and_a_missing_script():
    proc = run("-m", "lamella.run")
    assert proc.returncode == 2 and "usage: python -m lamella.run" in proc.stderr
    proc = run("-m", "lamella.run", "no_such_script.py")
    assert proc.returncode == 2 and "no_such_script.py" in proc.stderr


def test_a_real_keras_is_left_alone_outside_the_alias():
    code = ("import lamella, sys\n"
            "lamella.install_keras_alias()\n"
            "import keras, keras.layers\n"
            "from keras.layers.convolutional import Conv2D\n"
            "assert keras.layers.Dense is lamella.layers.Dense\n"
            "assert Conv2D is lamella.layers.Conv2D\n"
            "lamella.uninstall_keras_alias()\n"
            "import keras\n"
            "print(keras.__name__, keras.__version__.split('.')[0])\n")
    proc = run("-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["keras", "3"]  # the real Keras 3 of the dev venv


def test_installing_after_a_real_keras_is_refused():
    proc = run("-c", "import keras, lamella\nlamella.install_keras_alias()")
    assert proc.returncode == 1
    assert "a real 'keras' module is already imported" in proc.stderr
