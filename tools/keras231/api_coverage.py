"""Compare lamella's public API with Keras 2.3.1's, module path by module path.

The reference is ``integration_tests/fixtures/keras231_api.json``, written by
``dump_api.py`` under real Keras 2.3.1. Each Keras module path ``keras.X`` must import as
``lamella.X`` with the same public names, and each class or function must accept Keras's
arguments. The differences lamella intends (and those still being worked on) are listed, each
with its reason, in ``integration_tests/keras_api_differences.yaml``;
``integration_tests/test_keras_api_coverage.py`` fails on any difference not listed there and on
any listed difference that no longer exists, so the list can only shrink.

Usage (from the repository root, in lamella's venv)::

    python tools/keras231/api_coverage.py --report        # coverage figures, per module
    python tools/keras231/api_coverage.py --differences   # every difference, one per line

A difference is named by an id:

- ``keras.X`` — the module path does not import as ``lamella.X`` (its names are not listed again);
- ``keras.X:Name`` — the name is missing there;
- ``keras.X:Name()`` — the class (its ``__init__``) or function does not accept Keras's arguments;
- ``keras.X:Name.member`` / ``keras.X:Name.member()`` — a public method or property of a class
  missing / with a different signature.

Signatures are compared as calls: Keras's parameters must come first in lamella's, in the same
order, with the same names, kinds and defaults (a default that is not a plain value, such as a
function object, only has to exist; lamella may give a default where Keras requires the
argument); ``*args``/``**kwargs`` must be there where Keras has them; lamella may add
parameters after Keras's only with defaults, so every call that is valid in Keras means the same
in lamella (*compatible*). A signature is *equal* when lamella adds nothing.

Methods and properties are compared for the classes whose members are Keras's API
(``MEMBER_CLASSES``: the engine's Layer and models, the base classes of callbacks, optimizers,
losses and metrics, ``Sequence``, the preprocessing classes). A layer's own members mirror its
constructor arguments, which lamella keeps as instance attributes, so they are not compared on
the class.
"""

import argparse
import importlib
import inspect
import json
import pathlib
import sys
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "integration_tests" / "fixtures" / "keras231_api.json"
DIFFERENCES = ROOT / "integration_tests" / "keras_api_differences.yaml"

JSON_SCALARS = (type(None), bool, int, float, str)
#: Keras classes (where Keras defines them) whose public methods and properties are compared
MEMBER_CLASSES = frozenset({
    "keras.engine.base_layer.Layer", "keras.engine.network.Network",
    "keras.engine.training.Model", "keras.engine.sequential.Sequential",
    "keras.callbacks.callbacks.Callback", "keras.optimizers.Optimizer",
    "keras.losses.Loss", "keras.metrics.Metric", "keras.utils.data_utils.Sequence",
    "keras_preprocessing.image.image_data_generator.ImageDataGenerator",
    "keras_preprocessing.text.Tokenizer",
})
VAR_KINDS = ("VAR_POSITIONAL", "VAR_KEYWORD")


def load_reference(path=REFERENCE):
    with open(path) as handle:
        return json.load(handle)["modules"]


def load_differences(path=DIFFERENCES):
    """``(intended, pending)``: ``{id: reason}`` and ``{id: (owner, reason)}``."""
    import yaml

    with open(path) as handle:
        data = yaml.safe_load(handle) or {}
    unknown = set(data) - {"intended", "pending"}
    if unknown:
        raise ValueError(f"{path}: unknown sections {sorted(unknown)}; expected 'intended' "
                         "and 'pending'")
    intended = dict(data.get("intended") or {})
    pending = {}
    for owner, entries in (data.get("pending") or {}).items():
        for key, reason in (entries or {}).items():
            if key in pending or key in intended:
                raise ValueError(f"{path}: {key} is listed twice")
            pending[key] = (owner, reason)
    for key, reason in list(intended.items()) + [(k, r) for k, (_, r) in pending.items()]:
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{path}: {key} has no reason")
    return intended, pending


def lamella_path(keras_path):
    return "lamella" + keras_path[len("keras"):]


def json_default(value):
    if isinstance(value, JSON_SCALARS):
        if isinstance(value, float) and value != value:
            return {"repr": "nan"}
        return value
    if isinstance(value, (tuple, list)) and all(isinstance(v, JSON_SCALARS) for v in value):
        return list(value)
    return {"repr": repr(value)}


def parameters(func, drop_first):
    """The signature as ``dump_api.py`` records it, or None where Python cannot tell."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = []
    for i, p in enumerate(sig.parameters.values()):
        if drop_first and i == 0 and p.name in ("self", "cls"):
            continue
        entry = {"name": p.name, "kind": p.kind.name}
        if p.default is not inspect.Parameter.empty:
            entry["default"] = json_default(p.default)
        params.append(entry)
    return params


def object_parameters(obj):
    if inspect.isclass(obj):
        return parameters(obj.__init__, drop_first=True)
    return parameters(obj, drop_first=False)


def same_default(keras, ours):
    if "default" not in keras:  # lamella may make a required argument optional
        return True
    if "default" not in ours:
        return False
    kd, od = keras["default"], ours["default"]
    if isinstance(kd, dict):  # not a plain value: that there is a default is what can be checked
        return True
    if isinstance(kd, float) or isinstance(od, float):
        return isinstance(od, (int, float)) and isinstance(kd, (int, float)) and \
            not isinstance(od, bool) and not isinstance(kd, bool) and float(kd) == float(od)
    return kd == od and type(kd) is type(od)


def compare_signatures(keras, ours):
    """``(compatible, equal)`` for two recorded signatures (None: unknown, taken as equal)."""
    if keras is None or ours is None:
        return True, True
    kfixed = [p for p in keras if p["kind"] not in VAR_KINDS]
    ofixed = [p for p in ours if p["kind"] not in VAR_KINDS]
    if len(ofixed) < len(kfixed):
        return False, False
    for k, o in zip(kfixed, ofixed):
        if k["name"] != o["name"] or k["kind"] != o["kind"] or not same_default(k, o):
            return False, False
    if any("default" not in p and p["kind"] != "VAR_KEYWORD" for p in ofixed[len(kfixed):]):
        return False, False
    for kind in VAR_KINDS:
        if any(p["kind"] == kind for p in keras) and not any(p["kind"] == kind for p in ours):
            return False, False
    ours_var = [p["kind"] for p in ours if p["kind"] in VAR_KINDS]
    keras_var = [p["kind"] for p in keras if p["kind"] in VAR_KINDS]
    same_required = all(("default" in k) == ("default" in o) for k, o in zip(kfixed, ofixed))
    return True, len(ofixed) == len(kfixed) and ours_var == keras_var and same_required


def _import(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module(path)


def _getattr(obj, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return True, getattr(obj, name)
        except (AttributeError, ImportError):
            return False, None


class Coverage:
    """The comparison: ``differences`` (``{id: detail}``) and per-module figures."""

    def __init__(self, reference):
        self.reference = reference
        self.differences = {}
        self.modules = {}  # keras path -> dict(names=, present=, compatible=, equal=)
        self._seen = {}  # id(lamella object) -> first difference id for its signature
        for path in sorted(reference):
            self._module(path, reference[path])

    def _module(self, path, names):
        figures = dict(names=len(names), present=0, compatible=0, equal=0, imported=False)
        self.modules[path] = figures
        try:
            module = _import(lamella_path(path))
        except ImportError as exc:
            self.differences[path] = f"{lamella_path(path)} does not import: {exc}"
            return
        figures["imported"] = True
        for name, entry in sorted(names.items()):
            key = f"{path}:{name}"
            found, obj = _getattr(module, name)
            if not found:
                self.differences[key] = f"{lamella_path(path)} has no {name}"
                continue
            figures["present"] += 1
            compatible, equal = self._signature(self._canonical(key, entry), entry, obj)
            figures["compatible"] += compatible
            figures["equal"] += equal
            if (entry["kind"] == "class" and inspect.isclass(obj)
                    and f"{entry['defined_in']}.{name}" in MEMBER_CLASSES):
                self._members(self._canonical(key, entry), entry.get("members", {}), obj)

    def _canonical(self, key, entry):
        """Where a re-exported name's differences are listed: the module Keras defines it in,
        when that module is one of the paths."""
        name = key.split(":")[1]
        home = entry.get("defined_in")
        if home in self.reference and name in self.reference[home]:
            return f"{home}:{name}"
        return key

    def _signature(self, key, entry, obj):
        if entry["kind"] == "constant":
            return True, True
        if not callable(obj):
            self.differences[key + "()"] = f"lamella's {key} is not callable"
            return False, False
        ours = object_parameters(obj)
        compatible, equal = compare_signatures(entry["signature"], ours)
        if not compatible and id(obj) not in self._seen:
            # One difference per lamella object: a class re-exported at five Keras paths is
            # one thing to fix, listed where Keras defines it (or where it is first met).
            self._seen[id(obj)] = key
            self.differences[key + "()"] = (f"Keras {format_signature(entry['signature'])}, "
                                            f"lamella {format_signature(ours)}")
        return compatible, equal

    def _members(self, key, members, cls):
        if id(cls) in self._seen and self._seen[id(cls)] != key:
            return
        self._seen.setdefault(id(cls), key)
        for name, member in sorted(members.items()):
            found, value = _getattr_static(cls, name)
            if not found:
                self.differences[f"{key}.{name}"] = f"lamella's {cls.__name__} has no {name}"
                continue
            if member["kind"] == "method" and callable(value):
                ours = parameters(value, drop_first=not isinstance(value, staticmethod))
                if isinstance(value, staticmethod):
                    ours = parameters(value.__func__, drop_first=False)
                compatible, _ = compare_signatures(member.get("signature"), ours)
                if not compatible:
                    self.differences[f"{key}.{name}()"] = (
                        f"Keras {format_signature(member.get('signature'))}, "
                        f"lamella {format_signature(ours)}")

    def totals(self):
        total = {k: 0 for k in ("names", "present", "compatible", "equal")}
        for figures in self.modules.values():
            for k in total:
                total[k] += figures[k]
        total["modules"] = len(self.modules)
        total["imported"] = sum(f["imported"] for f in self.modules.values())
        return total


def _getattr_static(cls, name):
    for klass in cls.__mro__:
        if name in vars(klass):
            return True, vars(klass)[name]
    return _getattr(cls, name)


def format_signature(params):
    if params is None:
        return "(?)"
    out = []
    for p in params:
        prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(p["kind"], "")
        text = prefix + p["name"]
        if "default" in p:
            d = p["default"]
            text += "=" + (d["repr"] if isinstance(d, dict) else repr(d))
        out.append(text)
    return "(" + ", ".join(out) + ")"


def covered_by(key, listed):
    """The listed id that accounts for ``key`` (itself, or its whole module)."""
    if key in listed:
        return key
    module = key.split(":")[0]
    if module in listed and module != key:
        return module
    return None


def check(coverage, intended, pending):
    """``(unlisted, stale)``: differences nobody listed, and listed ids that are not differences
    any more (a listed module counts as long as anything in it differs)."""
    listed = set(intended) | set(pending)
    unlisted = {k: v for k, v in coverage.differences.items() if covered_by(k, listed) is None}
    used = {covered_by(k, listed) for k in coverage.differences}
    stale = sorted(listed - used)
    return unlisted, stale


def report(coverage, out=None):
    out = out or sys.stdout
    width = max(len(p) for p in coverage.modules)
    print(f"{'Keras 2.3.1 module':<{width}}  names present compatible equal", file=out)
    for path, f in coverage.modules.items():
        flag = "" if f["imported"] else "  (module missing)"
        print(f"{path:<{width}}  {f['names']:5d} {f['present']:7d} {f['compatible']:10d} "
              f"{f['equal']:5d}{flag}", file=out)
    t = coverage.totals()
    print(f"\nmodules importable: {t['imported']} of {t['modules']}", file=out)
    print(f"names present: {t['present']} of {t['names']}", file=out)
    print(f"signatures compatible (Keras's calls work): {t['compatible']} of {t['names']}",
          file=out)
    print(f"signatures equal: {t['equal']} of {t['names']}", file=out)
    print(f"differences: {len(coverage.differences)}", file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", action="store_true", help="coverage figures per module")
    parser.add_argument("--differences", action="store_true",
                        help="every difference, and whether the reviewed list has it")
    parser.add_argument("--reference", default=str(REFERENCE))
    args = parser.parse_args(argv)
    coverage = Coverage(load_reference(args.reference))
    if args.differences:
        intended, pending = load_differences()
        listed = set(intended) | set(pending)
        for key, detail in sorted(coverage.differences.items()):
            mark = "listed " if covered_by(key, listed) else "NEW    "
            print(f"{mark}{key}: {detail}")
        _, stale = check(coverage, intended, pending)
        for key in stale:
            print(f"STALE  {key}")
    if args.report or not args.differences:
        report(coverage)
    return 0


if __name__ == "__main__":
    sys.exit(main())
