"""``import keras`` answered by lamella, in this process only: a drop-in for Keras 2.3 scripts.

:func:`install_keras_alias` puts an import finder at the front of ``sys.meta_path`` that
answers ``keras`` and every ``keras.<path>`` with the module ``lamella.<path>`` (the very
module object, so ``keras.layers.Dense is lamella.layers.Dense``). Nothing is written to disk
and no other process is affected: a real ``keras`` installation stays as it is and is used
again as soon as the alias is removed (:func:`uninstall_keras_alias`) or in any other process.
``python -m lamella.run script.py`` installs it and runs the script.

Example::

    import lamella
    lamella.install_keras_alias()

    import keras
    from keras.layers import Dense
    from keras import backend as K
    assert keras.layers.Dense is lamella.layers.Dense
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading

_lock = threading.Lock()


class _AliasLoader(importlib.abc.Loader):
    """Loads ``keras.<path>`` as the already imported module ``lamella.<path>``."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        # The lamella module ran its code when it was imported; nothing more to do.
        pass


class KerasAliasFinder(importlib.abc.MetaPathFinder):
    """The finder :func:`install_keras_alias` installs (one per process)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        lamella_name = "lamella" + fullname[len("keras"):]
        try:
            found = importlib.util.find_spec(lamella_name)
        except (ImportError, AttributeError, ValueError):
            found = None
        if found is None:
            # Keras has the module but lamella does not: say so instead of a bare
            # ModuleNotFoundError for "keras.x" that would suggest installing Keras.
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: the keras alias answers keras.* with "
                f"lamella.*, and lamella has no {lamella_name!r}. See "
                "integration_tests/keras_api_differences.yaml for what lamella does not mirror.",
                name=fullname)
        spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(lamella_name),
                                              is_package=found.submodule_search_locations
                                              is not None)
        return spec


def _finder():
    for finder in sys.meta_path:
        if isinstance(finder, KerasAliasFinder):
            return finder
    return None


def install_keras_alias():
    """Answer ``import keras`` (and every ``keras.*``) with lamella in this process.

    Raises ``RuntimeError`` when a real ``keras`` is already imported here: the script would
    otherwise mix two libraries' objects. Installing twice is harmless. Returns the finder.
    """
    with _lock:
        existing = _finder()
        if existing is not None:
            return existing
        real = sys.modules.get("keras")
        if real is not None and not getattr(real, "__name__", "").startswith("lamella"):
            raise RuntimeError(
                "install_keras_alias(): a real 'keras' module is already imported in this "
                f"process ({getattr(real, '__file__', real)!r}); install the alias before "
                "anything imports keras, or run the script with `python -m lamella.run`.")
        finder = KerasAliasFinder()
        sys.meta_path.insert(0, finder)
        return finder


def uninstall_keras_alias():
    """Remove the alias and forget the ``keras`` modules it answered (a later ``import keras``
    finds a real installation again, if there is one)."""
    with _lock:
        finder = _finder()
        if finder is None:
            return
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n == "keras" or n.startswith("keras.")]:
            if getattr(sys.modules[name], "__name__", "").startswith("lamella"):
                del sys.modules[name]
