"""What every Keras 2.3.1 fixture generator in ``tools/keras231`` shares.

The generators run under real Keras 2.3.1 (Python 3.7, tensorflow==1.15.5, keras==2.3.1,
h5py==2.10.0, numpy==1.18.5, protobuf==3.20.3; see README.md), so this module is Python 3.7
code. It imports neither NumPy nor TensorFlow at import time: the environment has to be set
before TensorFlow loads, and ``check_lamella_files.py`` also imports it from lamella's venv,
which has no TensorFlow. A generator starts::

    import _preamble

    _preamble.setup_environment(hash_seed=True)   # before TensorFlow is imported

    import numpy as np  # noqa: E402
    import keras  # noqa: E402

    _preamble.quiet_tensorflow()
    META = _preamble.versions('tools/keras231/make_layer_fixtures.py')

Scripts run as ``python tools/keras231/SCRIPT.py``, so this folder is on ``sys.path`` and
``import _preamble`` finds this file.
"""
from __future__ import print_function

import json
import os
import sys


def setup_environment(hash_seed=False):
    """CPU only and quiet TensorFlow logs; values already in the environment win.

    ``hash_seed`` also sets ``PYTHONHASHSEED=0`` for the scripts that always did (it reaches
    only processes started from here, not this interpreter).
    """
    os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    if hash_seed:
        os.environ.setdefault('PYTHONHASHSEED', '0')


def quiet_tensorflow():
    """Only errors from TensorFlow's own logger (Keras 2.3.1 on TF 1.15 warns a lot)."""
    import tensorflow as tf

    try:
        tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    except Exception:  # pragma: no cover  (an older TF without compat.v1)
        pass


def versions(generator):
    """The ``_meta`` record of a fixture: library versions and the script that wrote it."""
    import keras
    import numpy as np
    import tensorflow as tf

    return {
        'keras': keras.__version__,
        'tensorflow': tf.__version__,
        'numpy': np.__version__,
        'python': sys.version.split()[0],
        'generator': generator,
    }


def reset(seed=0):
    """A fresh Keras graph and the same NumPy and TensorFlow seeds, before each case."""
    import numpy as np
    import tensorflow as tf
    from keras import backend as K

    K.clear_session()
    np.random.seed(seed)
    tf.set_random_seed(seed)


def output_path(doc, default=None):
    """The script's one argument (where to write), else ``default``; with neither, print the
    script's docstring (its usage) and exit with status 2."""
    if len(sys.argv) > 2 or (len(sys.argv) < 2 and default is None):
        print(doc)
        sys.exit(2)
    return sys.argv[1] if len(sys.argv) == 2 else default


def ensure_dir(path):
    if not os.path.isdir(path):
        os.makedirs(path)


def to_py(obj):
    """Convert numpy scalars / arrays (recursively) into plain JSON types."""
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): to_py(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_py(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    return obj


def json_default(obj):
    """``json.dump(default=...)`` for NumPy arrays and scalars."""
    import numpy as np

    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError('not JSON serializable: %r' % (obj,))


def write_json(path, data, newline=False, **dump_kwargs):
    """``json.dump(data, **dump_kwargs)`` into ``path``; ``newline`` ends the file with one.

    Each fixture keeps the layout it always had (indent, key order, separators), so
    regenerating an unchanged fixture rewrites the same bytes.
    """
    with open(path, 'w') as handle:
        json.dump(data, handle, **dump_kwargs)
        if newline:
            handle.write('\n')


def write_npz(path, arrays, compressed=False):
    """The arrays, keyed ``CASE/NAME``, in one ``.npz`` file."""
    import numpy as np

    (np.savez_compressed if compressed else np.savez)(path, **arrays)
