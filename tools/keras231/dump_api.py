"""Dump Keras 2.3.1's public API: module paths, public names and signatures, into one JSON.

How to regenerate (CPU only, Python 3.7; README.md sets up the environment):

    CUDA_VISIBLE_DEVICES= /tmp/keras231/bin/python tools/keras231/dump_api.py \
        integration_tests/fixtures/keras231_api.json

What counts as public (the same rule for every module, so the dump needs no hand-kept list):

- a module is every module under ``keras`` whose dotted path has no part starting with ``_``,
  except the per-backend implementation modules (``keras.backend.tensorflow_backend`` and the
  like: ``keras.backend`` is the public path of the same functions);
- a public name of a module is a name without a leading ``_`` bound there to a class or a
  function that Keras (or ``keras_applications`` / ``keras_preprocessing``, which Keras
  re-exports) defines, or to a constant (``str``, ``int``, ``float``, ``bool``, ``tuple``) that
  the module itself assigns in upper case. A module's ``__all__``, where it has one, wins.
  Imported helper modules (``np``, ``K``, ``six``) and third-party objects are not public.
- a signature is ``inspect.signature`` of the function, or of the class's ``__init__``: each
  parameter's name, kind and default. Defaults that are JSON values (``None``, numbers,
  strings, and tuples/lists of them) are kept as values; others as ``{"repr": ...}``.
  A function imported from another module is a helper import and not public there, except in a
  package's ``__init__`` and in the modules that exist to re-export (``REEXPORT_MODULES``:
  ``keras.engine.topology``, ``keras.models``, ``keras.preprocessing.image``, ...,
  and ``keras.applications.*``, which wrap ``keras_applications``' functions), which
  still leave out Keras's internal helpers (``has_arg``, ``to_list``: ``HELPER_MODULES``);
  classes are public wherever they are bound (``from keras.layers.convolutional import
  MaxPooling2D`` is Keras's documented backwards compatibility).
- for classes, the public methods and properties the class itself defines (``members``, with
  method signatures) and its Keras base classes (``bases``, dotted names), so that
  ``Model.load_weights`` and ``Model.input`` can be checked without repeating inherited members.

The JSON: ``{"_meta": {...}, "modules": {path: {name: entry}}}``, an entry being
``{"kind": "class"|"function"|"constant", "defined_in": module, "signature": [...] or null,
"members": {...}, "bases": [...]}``.
"""
from __future__ import print_function

import importlib
import inspect
import os
import pkgutil
import sys

import _preamble

_preamble.setup_environment()

import keras  # noqa: E402

_preamble.quiet_tensorflow()
META = _preamble.versions('tools/keras231/dump_api.py')

KERAS_ORIGINS = ('keras', 'keras_applications', 'keras_preprocessing')
#: the per-backend modules behind ``keras.backend`` (loading theano/cntk ones would fail anyway)
BACKEND_IMPLEMENTATIONS = ('keras.backend.tensorflow_backend', 'keras.backend.theano_backend',
                           'keras.backend.cntk_backend', 'keras.backend.load_backend',
                           'keras.backend.common')
JSON_SCALARS = (type(None), bool, int, float, str)


def is_keras_object(obj):
    module = getattr(obj, '__module__', None) or ''
    return module.split('.')[0] in KERAS_ORIGINS


def module_paths():
    paths = ['keras']
    for info in pkgutil.walk_packages(keras.__path__, 'keras.'):
        name = info.name
        if any(part.startswith('_') for part in name.split('.')):
            continue
        if name in BACKEND_IMPLEMENTATIONS or '.tests' in name:
            continue
        paths.append(name)
    return sorted(paths)


def json_default(value):
    if isinstance(value, JSON_SCALARS):
        if isinstance(value, float) and value != value:
            return {'repr': 'nan'}
        return value
    if isinstance(value, (tuple, list)) and all(isinstance(v, JSON_SCALARS) for v in value):
        return list(value)
    return {'repr': repr(value)}


def application_original(name, module_path):
    """keras.applications wraps each keras_applications function in a ``wrapper(*args,
    **kwargs)`` (``keras_modules_injection``): the original's parameters are the real ones."""
    import keras_applications

    candidates = [module_path.rsplit('.', 1)[1]] + [
        info.name for info in pkgutil.iter_modules(keras_applications.__path__)]
    for sub in candidates:
        try:
            module = importlib.import_module('keras_applications.' + sub)
        except ImportError:
            continue
        if callable(getattr(module, name, None)):
            return getattr(module, name)
    return None


def signature_of(obj, name=None, module_path=''):
    target = obj.__init__ if inspect.isclass(obj) else obj
    if getattr(obj, '__module__', None) == 'keras.applications' and \
            getattr(obj, '__name__', None) == 'wrapper':
        target = application_original(name, module_path) or target
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    params = []
    for i, p in enumerate(sig.parameters.values()):
        if inspect.isclass(obj) and i == 0 and p.name == 'self':
            continue
        entry = {'name': p.name, 'kind': p.kind.name}
        if p.default is not inspect.Parameter.empty:
            entry['default'] = json_default(p.default)
        params.append(entry)
    return params


def method_signature(func):
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = []
    for i, p in enumerate(sig.parameters.values()):
        if i == 0 and p.name in ('self', 'cls'):
            continue
        entry = {'name': p.name, 'kind': p.kind.name}
        if p.default is not inspect.Parameter.empty:
            entry['default'] = json_default(p.default)
        params.append(entry)
    return params


def members_of(cls):
    """Public methods and properties a Keras class defines itself."""
    members = {}
    for klass in (cls,):
        for name, value in vars(klass).items():
            if name.startswith('_'):
                continue
            if isinstance(value, property):
                members[name] = {'kind': 'property'}
            elif isinstance(value, (staticmethod, classmethod)):
                members[name] = {'kind': 'method', 'signature': method_signature(
                    getattr(cls, name))}
            elif inspect.isfunction(value):
                members[name] = {'kind': 'method', 'signature': method_signature(value)}
    return members


#: modules Keras documents as the place of names defined elsewhere (besides packages' __init__)
REEXPORT_MODULES = ('keras.engine.topology', 'keras.models', 'keras.objectives', 'keras.metrics',
                    'keras.preprocessing.image', 'keras.preprocessing.sequence',
                    'keras.preprocessing.text')
#: where Keras's own helper functions live; a re-export module imports them for its own use
HELPER_MODULES = ('keras.utils.generic_utils', 'keras.backend.tensorflow_backend')


def public_names(module):
    is_package = (hasattr(module, '__path__') or module.__name__ in REEXPORT_MODULES
                  or module.__name__.startswith('keras.applications.'))
    names = getattr(module, '__all__', None)
    explicit = names is not None
    if names is None:
        names = [n for n in vars(module) if not n.startswith('_')]
    entries = {}
    for name in sorted(names):
        value = getattr(module, name)
        if inspect.ismodule(value):
            continue
        if inspect.isclass(value) or inspect.isfunction(value) or inspect.isbuiltin(value):
            if not explicit and not is_keras_object(value):
                continue
            if (not explicit and not is_package and not inspect.isclass(value)
                    and value.__module__ != module.__name__):
                continue  # a helper the module imported for its own use
            if (not explicit and module.__name__ in REEXPORT_MODULES
                    and not inspect.isclass(value) and value.__module__ in HELPER_MODULES):
                continue
            entry = {
                'kind': 'class' if inspect.isclass(value) else 'function',
                'defined_in': value.__module__,
                'signature': signature_of(value, name, module.__name__),
            }
            if inspect.isclass(value):
                entry['members'] = members_of(value)
                entry['bases'] = ['%s.%s' % (b.__module__, b.__name__)
                                  for b in value.__mro__[1:] if is_keras_object(b)]
            entries[name] = entry
        elif name.isupper() and isinstance(value, (str, int, float, bool, tuple)):
            entries[name] = {'kind': 'constant', 'defined_in': module.__name__,
                             'signature': None}
    return entries


def main():
    out = _preamble.output_path(__doc__, 'integration_tests/fixtures/keras231_api.json')
    modules = {}
    for path in module_paths():
        try:
            module = importlib.import_module(path)
        except Exception as exc:  # a module that needs what Keras 2.3.1 does not ship
            print('skipped %s: %s' % (path, exc), file=sys.stderr)
            continue
        names = public_names(module)
        if names:
            modules[path] = names
    _preamble.ensure_dir(os.path.dirname(out) or '.')
    _preamble.write_json(out, {'_meta': META, 'modules': modules}, newline=True, indent=1,
                         sort_keys=True)
    total = sum(len(v) for v in modules.values())
    print('wrote %s: %d modules, %d names' % (out, len(modules), total))


if __name__ == '__main__':
    main()
