"""Every script in docs/examples/ runs, for a few training steps (LAMELLA_EXAMPLE_STEPS), in a
fresh interpreter with every first-party package installed, and prints its result line.

Scripts added by others to docs/examples/ are run too when they are listed in EXPECTED; a
script missing from it fails this test, so a new example is never silently left untested."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
# script -> a line its output must contain (what it reports after training)
EXPECTED = {
    "mlp_digits.py": "test accuracy:",
    "cnn_digits.py": "(reloaded from",
    "lstm_text_classifier.py": "test accuracy:",
    "functional_multi_io.py": "history keys: ['digit_accuracy', 'digit_loss', 'even_accuracy',",
    "variational_autoencoder.py": "loss (reconstruction + KL) on held-out digits:",
    "seq2seq_lstm.py": "reversed exactly",
    "stateful_rnn.py": "test mse:",
}
# written and tested by other work (e.g. needs horovod): listed so the check below knows them
OTHERS = {"horovod_keras_mnist.py"}


def test_every_example_is_listed():
    scripts = {path.name for path in EXAMPLES.glob("*.py")}
    assert set(EXPECTED) <= scripts
    untested = scripts - OTHERS - set(EXPECTED)
    assert not untested, f"examples not run by this test: {sorted(untested)}"


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs_a_few_steps(script, run_python):
    code = f"import runpy; runpy.run_path({str(EXAMPLES / script)!r}, run_name='__main__')"
    proc = run_python(code, LAMELLA_EXAMPLE_STEPS="2")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert EXPECTED[script] in proc.stdout, proc.stdout[-2000:]
