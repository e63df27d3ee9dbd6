"""``lamella.install_keras_alias()``: ``keras`` and ``keras.<path>`` imports answered by the
``lamella.<path>`` modules, in one process (each test runs in a fresh interpreter)."""

import subprocess
import sys
import textwrap


def run(code):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300)
    return proc


def test_keras_paths_are_lamella_modules():
    proc = run("""
        import lamella
        lamella.install_keras_alias()
        lamella.install_keras_alias()          # twice is harmless
        import keras
        import keras.utils.generic_utils
        from keras import backend as K
        from keras.engine.topology import Layer, Input
        from keras.utils.conv_utils import conv_output_length
        from keras.engine.base_layer import InputSpec
        assert keras is lamella
        assert keras.utils.generic_utils is lamella.utils.generic_utils
        assert K is lamella.backend
        assert Layer is lamella.engine.base_layer.Layer
        assert conv_output_length(28, 3, "valid", 1) == 26
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_keras_path_lamella_lacks_names_the_alias():
    proc = run("""
        import lamella
        lamella.install_keras_alias()
        try:
            import keras.no_such_module
        except ModuleNotFoundError as exc:
            assert exc.name == "keras.no_such_module"
            print(exc)
    """)
    assert proc.returncode == 0, proc.stderr
    assert "lamella has no 'lamella.no_such_module'" in proc.stdout


def test_uninstall_forgets_the_aliased_modules():
    proc = run("""
        import sys, lamella
        lamella.install_keras_alias()
        import keras.layers
        lamella.uninstall_keras_alias()
        assert "keras" not in sys.modules and "keras.layers" not in sys.modules
        assert not any(type(f).__name__ == "KerasAliasFinder" for f in sys.meta_path)
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
