"""Run Keras 2.3 example scripts unchanged, offline, on real Keras 2.3.1 and on lamella.

The measurement of issue 14 ("real Keras 2.3 scripts run unchanged"): the official examples
(kept OUTSIDE the repository; only their numeric constants are reduced in the copies) run in a
temporary HOME whose ``~/.keras`` holds small fake datasets in the exact formats Keras
downloads, and the same script runs under both interpreters with the same seeds.

    python tools/keras231/example_harness.py setup HOME        # either interpreter
    /tmp/keras231/bin/python tools/keras231/example_harness.py weights HOME
    HOME=HOME python tools/keras231/example_harness.py run lamella SCRIPT [ARGS...]
    HOME=HOME /tmp/keras231/bin/python tools/keras231/example_harness.py run keras SCRIPT ...

``setup`` writes mnist.npz, imdb.npz (+ word index), reuters.npz (+ word index), the CIFAR-10
tarball (Keras's loader needs 5 x 10,000 training images), nietzsche.txt, the bAbI tarball and
image_ocr's word lists (as ``wordlists.tgz.tar.gz``: where ``get_file(..., untar=True)`` looks),
plus stand-ins for matplotlib/pylab/pydot (neither environment has them, nor GraphViz: every
plot is a no-op in both runs). ``weights`` (Keras 2.3.1 only) saves random-valued VGG16, VGG19
and InceptionV3 no-top weight files and a whole ResNet50's (for class_activation_maps) under
Keras's file names. The data is not Keras's bytes, so ``run`` turns off get_file's hash check -
the one patch; nothing else of either library is
touched. Python 3.7 code (it runs under Keras 2.3.1's interpreter too).
"""

import importlib.util
import io
import json
import os
import pickle
import random
import runpy
import sys
import tarfile

STUBS = {
    "matplotlib/__init__.py": "def use(*a, **k):\n    pass\n",
    "matplotlib/pyplot.py": (
        "class _Any(object):\n"
        "    def __call__(self, *a, **k):\n        return _Any()\n"
        "    def __getattr__(self, name):\n        return _Any()\n"
        "def savefig(fname, *a, **k):\n    open(fname, 'wb').close()\n"
        "def __getattr__(name):\n    return _Any()\n"),
    "pydot.py": (
        "class _Graph(object):\n"
        "    def __init__(self, *a, **k):\n        pass\n"
        "    def __getattr__(self, name):\n        return lambda *a, **k: None\n"
        "    def get_node(self, name):\n        return [Node()]\n"
        "    def write(self, path, format=None, **k):\n        open(path, 'wb').close()\n"
        "    def create(self, *a, **k):\n        return b''\n"
        "class Dot(_Graph):\n    pass\nclass Node(_Graph):\n    pass\n"
        "class Edge(_Graph):\n    pass\nclass Cluster(_Graph):\n    pass\n"),
}
STUBS["pylab.py"] = STUBS["matplotlib/pyplot.py"]


def _images(rng, n, shape, classes):
    templates = rng.rand(classes, *shape)
    labels = rng.randint(0, classes, n)
    pixels = 0.6 * templates[labels] + 0.4 * rng.rand(n, *shape)
    return (pixels * 255).astype("uint8"), labels.astype("uint8")


def _sequences(rng, n, vocab, classes, lengths):
    import numpy as np

    labels = rng.randint(0, classes, n)
    out = np.empty(n, dtype=object)
    for i, label in enumerate(labels):
        seq = rng.randint(4, vocab, rng.randint(*lengths))
        hits = max(1, len(seq) // 5)  # words that depend on the label: a learnable task
        where = rng.randint(0, len(seq), hits)
        seq[where] = 4 + (label * 7) % (vocab - 4) + rng.randint(0, 5, hits)
        out[i] = [1] + [int(v) for v in seq]
    return out, labels.astype("int64")


def _add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def setup(home):
    import numpy as np

    rng = np.random.RandomState(0)
    random.seed(0)
    data = os.path.join(home, ".keras", "datasets")
    os.makedirs(data, exist_ok=True)
    x, y = _images(rng, 1200, (28, 28), 10)
    np.savez(os.path.join(data, "mnist.npz"), x_train=x[:1000], y_train=y[:1000],
             x_test=x[1000:], y_test=y[1000:])
    index = {"w%d" % i: i for i in range(1, 3001)}
    for name in ("imdb", "reuters"):
        with open(os.path.join(data, name + "_word_index.json"), "w") as handle:
            json.dump(index, handle)
    x, y = _sequences(rng, 600, 3000, 2, (20, 200))
    np.savez(os.path.join(data, "imdb.npz"), x_train=x[:500], y_train=y[:500],
             x_test=x[500:], y_test=y[500:])
    x, y = _sequences(rng, 600, 3000, 46, (10, 100))
    np.savez(os.path.join(data, "reuters.npz"), x=x, y=y)
    with tarfile.open(os.path.join(data, "cifar-10-batches-py.tar.gz"), "w:gz") as tar:
        for name in ["data_batch_%d" % i for i in range(1, 6)] + ["test_batch"]:
            x, y = _images(rng, 10000, (3072,), 10)
            record = {b"data": x, b"labels": [int(v) for v in y]}
            _add(tar, "cifar-10-batches-py/" + name, pickle.dumps(record, protocol=2))
    words = ["the", "will", "to", "power", "is", "truth", "a", "woman", "and", "of"]
    with open(os.path.join(data, "nietzsche.txt"), "w") as handle:
        handle.write(" ".join(" ".join(rng.choice(words, 12)) + "." for _ in range(300)))
    people, places = ["Mary", "John", "Sandra", "Daniel"], ["kitchen", "garden", "office"]
    with tarfile.open(os.path.join(data, "babi-tasks-v1-2.tar.gz"), "w:gz") as tar:
        for folder in ("tasks_1-20_v1-2/en", "tasks_1-20_v1-2/en-10k"):
            for task in ("qa1_single-supporting-fact", "qa2_two-supporting-facts"):
                for part, count in (("train", 200), ("test", 50)):
                    lines = []
                    for _ in range(count):
                        where = {}
                        for i in range(1, 4):
                            who, place = random.choice(people), random.choice(places)
                            where[who] = place
                            lines.append("%d %s moved to the %s." % (i, who, place))
                        who = list(where)[0]
                        lines.append("4 Where is %s?\t%s\t1" % (who, where[who]))
                    _add(tar, "%s/%s_%s.txt" % (folder, task, part), "\n".join(lines).encode())
    letters = "abcdefghijklmnopqrstuvwxyz"  # image_ocr's word lists (a-z words, pairs)
    mono = ["".join(random.choice(letters) for _ in range(random.randint(2, 4)))
            for _ in range(600)]
    pairs = ["%s %s\t%d" % (random.choice(mono), random.choice(mono), 100 - i % 100)
             for i in range(600)]
    with tarfile.open(os.path.join(data, "wordlists.tgz.tar.gz"), "w:gz") as tar:
        for name, lines in (("wordlist_mono_clean.txt", mono), ("wordlist_bi_clean.txt", pairs)):
            _add(tar, name, ("\n".join(lines) + "\n").encode())
    for path, text in STUBS.items():
        target = os.path.join(home, "stubs", path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as handle:
            handle.write(text)


def weights(home):
    import numpy as np
    from keras.applications import inception_v3, resnet50, vgg16, vgg19

    np.random.seed(0)
    models = os.path.join(home, ".keras", "models")
    os.makedirs(models, exist_ok=True)
    for module, build, name in ((vgg16, "VGG16", "vgg16"), (vgg19, "VGG19", "vgg19"),
                                (inception_v3, "InceptionV3", "inception_v3")):
        model = getattr(module, build)(weights=None, include_top=False)
        model.save_weights(os.path.join(
            models, name + "_weights_tf_dim_ordering_tf_kernels_notop.h5"))
    # class_activation_maps builds the whole ResNet50 (with its 1000-class top)
    resnet50.ResNet50(weights=None).save_weights(
        os.path.join(models, "resnet50_weights_tf_dim_ordering_tf_kernels.h5"))


def run(mode, script, args):
    import numpy

    home = os.path.expanduser("~")
    sys.path.append(os.path.join(home, "stubs"))
    # the stand-in pydot even where a real one is installed (GraphViz is absent in both)
    spec = importlib.util.spec_from_file_location("pydot", os.path.join(home, "stubs", "pydot.py"))
    sys.modules["pydot"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules["pydot"])
    random.seed(0)
    numpy.random.seed(0)
    script = os.path.abspath(script)
    os.chdir(os.path.dirname(script))
    if mode == "lamella":
        import torch

        torch.manual_seed(0)
        import lamella_io.utils.data_utils as data_utils
        from lamella.run import main

        data_utils.validate_file = lambda *a, **k: True
        main([script] + list(args))
        return
    import tensorflow as tf

    tf.set_random_seed(0)
    import keras.utils.data_utils as data_utils

    data_utils.validate_file = lambda *a, **k: True
    sys.argv = [script] + list(args)
    sys.path.insert(0, os.path.dirname(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["setup"]:
        setup(sys.argv[2])
    elif command == ["weights"]:
        weights(sys.argv[2])
    elif command == ["run"] and sys.argv[2] in ("keras", "lamella"):
        run(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
