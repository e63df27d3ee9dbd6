"""Saving and loading through the file-format plugins (``lamella_savers``).

The core picks the saver whose ``extensions`` match the path (lamella-io registers HDF5 for
``.h5``/``.hdf5`` and Keras 3's formats for ``.keras``/``.weights.h5``; the longest match wins)
and hands it the model; the formats themselves live in plugins.

Writes are crash-safe whatever the saver: for a path, ``save_model`` and ``save_weights`` hand
the saver a temporary file beside the destination (same extension) through
:func:`lamella.utils.atomic_files.atomic_path`, which renames it into place once the saver
returns. A saver writes straight to the path it is given.
"""

import contextlib
import contextvars
import os

from lamella.plugins import lookup
from lamella.plugins.errors import UnknownComponentError
from lamella.utils.atomic_files import atomic_path


def saver_for(filepath):
    """The registered saver for ``filepath``'s extension; the longest matching extension wins
    (``x.weights.h5`` is Keras 3's weights file, ``x.h5`` Keras 2.3's HDF5)."""
    # An open file object or an h5py File/Group (no path to look at) goes to the HDF5 saver.
    path = os.fspath(filepath) if isinstance(filepath, (str, bytes, os.PathLike)) else ".h5"
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    registry = lookup.registry("savers")
    handled, broken, best = [], [], None
    for entry in registry.entries():
        try:
            saver = entry.obj
        except ImportError as exc:  # one plugin's broken format must not break the others
            broken.append(str(exc))
            continue
        extensions = tuple(getattr(saver, "extensions", ()))
        for ext in extensions:
            if path.lower().endswith(ext) and (best is None or len(ext) > best[0]):
                best = (len(ext), saver)
        handled += [f"{ext!r} ({entry.distribution})" for ext in extensions]
    if best is not None:
        return best[1]
    extension = os.path.splitext(path)[1] or path
    if path.lower().endswith((".h5", ".hdf5", ".keras")):
        # lamella-io's formats: say whether it is missing, switched off or broken, truthfully
        missing = lookup.missing_plugin_error("savers", extension, provider="lamella-io")
        if missing is not None:
            raise missing
    hint = (f"The installed file formats handle: {', '.join(handled)}." if handled
            else "No installed plugin provides a file format.")
    if broken:
        hint += " Formats that could not be imported: " + "; ".join(broken)
    raise UnknownComponentError("savers", extension, hint=hint)


@contextlib.contextmanager
def _writing(filepath, overwrite):
    """Yield ``(target, overwrite)`` for the saver: for a path, a temporary committed when the
    block ends (and ``overwrite=True``: it exists, created empty); anything else (an open
    ``h5py.File``) as it is."""
    if not isinstance(filepath, (str, bytes, os.PathLike)):
        yield filepath, overwrite
        return
    path = os.fsdecode(filepath)
    if not overwrite and os.path.exists(path):
        # Keras 2.3 asks on the terminal; a library call must not block on input.
        raise FileExistsError(f"{path!r} already exists and overwrite=False.")
    with atomic_path(path) as temp:
        yield temp, True


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save the whole model through the saver for ``filepath``'s extension, atomically.

    Example::

        lamella.saving.save_model(model, "model.h5")   # what model.save("model.h5") does
    """
    saver = saver_for(filepath)
    with _writing(filepath, overwrite) as (target, saver_overwrite):
        saver.save_model(model, target, overwrite=saver_overwrite,
                         include_optimizer=include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a whole model through the saver for ``filepath``'s extension.

    ``safe_mode`` (``True`` or ``None``: the default) refuses a file whose loading would run
    code stored in it (a ``Lambda``'s bytecode); only ``safe_mode=False`` itself allows it,
    for files you trust. Any other value is a ``TypeError`` (see :func:`check_safe_mode`).

    Example::

        model = lamella.saving.load_model("model.h5")   # what lamella.models.load_model does
    """
    safe_mode = check_safe_mode(safe_mode)  # before any file is opened
    return saver_for(filepath).load_model(filepath, custom_objects=custom_objects,
                                          compile=compile, safe_mode=safe_mode)


def save_weights(model, filepath, overwrite=True):
    """Save the model's weights through the saver for ``filepath``'s extension, atomically.

    Example::

        lamella.saving.save_weights(model, "weights.h5")   # model.save_weights("weights.h5")
    """
    saver = saver_for(filepath)
    with _writing(filepath, overwrite) as (target, saver_overwrite):
        saver.save_weights(model, target, overwrite=saver_overwrite)


def load_weights(model, filepath, by_name=False, skip_mismatch=False, reshape=False):
    # ``reshape`` is passed only when asked for, so savers written before it existed still work.
    extra = {"reshape": True} if reshape else {}
    saver_for(filepath).load_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch,
                                     **extra)


def to_yaml(config, **kwargs):
    try:  # PyYAML is optional (lamella-io installs it): imported only when YAML is asked for
        import yaml
    except ImportError as exc:
        raise ImportError("to_yaml needs PyYAML: pip install lamella-io (or pyyaml)") from exc
    return yaml.safe_dump(config, **kwargs)


# The safe-mode scopes open in this thread (``contextvars`` context), innermost last. Per context,
# never process-wide: a trusted ``load_model(..., safe_mode=False)`` in one thread must not let
# an untrusted ``model_from_json`` in another run the bytecode its file holds (Keras 3 keeps it
# thread-local too). A tuple, replaced on every change, so a context never sees another's list.
_SAFE_MODE_STACK: contextvars.ContextVar[tuple] = contextvars.ContextVar(
    "lamella_safe_mode", default=()
)


def check_safe_mode(value, argument="safe_mode"):
    """The boolean a ``safe_mode`` argument stands for: only ``False`` itself turns safety off.

    ``None`` means the default, which is safe (``True``); ``True``/``False`` are themselves;
    anything else (``0``, ``""``, ``"no"``, a NumPy bool) is a ``TypeError`` naming
    ``argument``, because guessing what a falsy value means would run a file's code.

    Example::

        check_safe_mode(None)    # True
        check_safe_mode(False)   # False
        check_safe_mode(0)       # TypeError: safe_mode must be True, False or None, not 0
    """
    if value is None:
        return True
    if value is True or value is False:
        return value
    raise TypeError(
        f"{argument} must be True, False or None (the default, safe), not {value!r} of type "
        f"{type(value).__name__}; only safe_mode=False loads code stored in a file."
    )


def safe_mode():
    """Whether loading code must refuse to run code stored in a file.

    ``True`` unless this thread (``contextvars`` context) is inside a loader called with
    ``safe_mode=False`` (a :class:`safe_mode_scope`); another thread's scope never counts.
    Layers that deserialise code (``Lambda``) ask this.

    Example::

        if not lamella.saving.safe_mode():
            function = unmarshal(code)   # the caller trusts this file
    """
    stack = _SAFE_MODE_STACK.get()
    return stack[-1] if stack else True


class safe_mode_scope:  # noqa: N801 (a context manager used like a function)
    """``with safe_mode_scope(False):`` marks a trusted load (``load_model(safe_mode=False)``).

    The scope holds for the current thread (``contextvars`` context) only, like a custom-object
    scope (:class:`lamella.utils.CustomObjectScope`); a new thread starts safe. ``safe_mode`` is
    checked by :func:`check_safe_mode`: ``None`` is safe, a non-boolean is a ``TypeError``.

    Example::

        with lamella.saving.safe_mode_scope(False):
            model = lamella.models.model_from_json(trusted_json)
    """

    def __init__(self, safe_mode=True):
        self.safe_mode = check_safe_mode(safe_mode)

    def __enter__(self):
        _SAFE_MODE_STACK.set(_SAFE_MODE_STACK.get() + (self.safe_mode,))
        return self

    def __exit__(self, *exc_info):
        # Scopes nest as with-blocks do, so this context's innermost one is this scope; the
        # state is per context, so one object may be entered in several threads at once.
        _SAFE_MODE_STACK.set(_SAFE_MODE_STACK.get()[:-1])
