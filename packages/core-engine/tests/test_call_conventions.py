"""A call to one of the project's own functions passes at most six arguments by position.

Long positional calls (``fit_loop(`` with 19 of them once) are where arguments silently swap
places; past six, name them. Calls into torch, NumPy and the standard library are exempt: their
signatures are not ours to change.
"""

import ast
import pathlib

MAX_POSITIONAL = 6
REPO = pathlib.Path(__file__).resolve().parents[3]
FOREIGN_ROOTS = {"torch", "F", "nn", "np", "numpy", "math", "_VF", "os", "struct", "zlib"}


def _sources():
    return sorted(REPO.glob("packages/*/src/**/*.py"))


def _project_names(paths):
    """Every function and class name the project defines (its callables)."""
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def _root_name(func):
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def _callee_name(func):
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _long_positional_calls(paths, project_names, root=REPO):
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            positional = sum(1 for arg in node.args if not isinstance(arg, ast.Starred))
            if positional <= MAX_POSITIONAL:
                continue
            if _root_name(node.func) in FOREIGN_ROOTS:
                continue
            if _callee_name(node.func) in project_names:
                yield f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node.func)}(...) " \
                      f"with {positional} positional arguments"


def test_the_scan_sees_the_sources():
    paths = _sources()
    assert len(paths) > 50, f"expected the packages' sources under {REPO}/packages"
    assert "Trainer" in _project_names(paths)


def test_no_project_call_passes_more_than_six_positional_arguments():
    paths = _sources()
    offenders = list(_long_positional_calls(paths, _project_names(paths)))
    assert not offenders, "name these arguments:\n" + "\n".join(offenders)


def test_the_rule_catches_a_long_positional_call(tmp_path):
    source = tmp_path / "module.py"
    source.write_text("def f(*a):\n    pass\n\nf(1, 2, 3, 4, 5, 6, 7)\n"
                      "torch.lstm(1, 2, 3, 4, 5, 6, 7)\n")
    offenders = list(_long_positional_calls([source], {"f"}, root=tmp_path))
    assert len(offenders) == 1 and "f(...) with 7" in offenders[0].split(": ", 1)[1]
