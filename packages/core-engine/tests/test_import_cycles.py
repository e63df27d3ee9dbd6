"""No import cycles inside any first-party package.

The sources are parsed, never imported: this test runs with only lamella-core installed, yet
checks every package under ``packages/*/src``. Every ``import`` statement counts, at module level
or inside a function (a function-level import that closes a cycle is still a cycle, only a
deferred one), except those under ``if TYPE_CHECKING:``. Edges are kept inside one package; the
facades (``lamella.layers`` and friends) reach plugins through the registry at run time, which is
no import.
"""

import ast
from pathlib import Path

import pytest

PACKAGES_DIR = Path(__file__).resolve().parents[2]  # packages/
CORE_PACKAGE = "core-engine"

#: Packages known to hold a cycle, with the cycle; each is xfailed (strictly: fixing it makes the
#: test fail until the entry is removed). Keep empty when there are none.
KNOWN_CYCLES = {}


def _package_dirs():
    return sorted(p for p in PACKAGES_DIR.glob("*/src") if p.is_dir())


def _module_name(src, path):
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect_modules(src):
    """``{module name: path}`` for every ``.py`` file under ``src`` (a folder without
    ``__init__.py`` counts too: Python imports it as a namespace package)."""
    modules = {}
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src).parts
        if any(part.startswith(".") or part == "__pycache__" for part in relative):
            continue
        modules[_module_name(src, path)] = path
    return modules


def _is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree):
    """Every import node of ``tree`` except those guarded by ``if TYPE_CHECKING:``."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        pending.extend(ast.iter_child_nodes(node))


def _resolve_relative(module, is_package, node):
    if not node.level:
        return node.module or ""
    parts = module.split(".") if module else []
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def _deepest_known(name, modules):
    """The most specific module of ``modules`` that ``name`` (a dotted name) lives in, or None."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _executed_by_import(importer, target, modules):
    """The modules that importing ``target`` from ``importer`` may run: ``target`` and its parent
    packages (``import a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first), less the packages
    ``importer`` lives in, which are already being imported when it runs."""
    own = importer.split(".")
    parts = target.split(".")
    executed = set()
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        if name in modules and name != importer and parts[:depth] != own[:depth]:
            executed.add(name)
    return executed


def import_graph(modules):
    """``{module: {modules of the same package it imports}}`` from each file's import statements.

    An import of ``pkg.sub.mod`` counts as importing ``pkg.sub`` as well, since Python runs a
    package's ``__init__`` before its modules: a cycle through an ``__init__`` that re-exports
    names is as real as any other.
    """
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve_relative(module, is_package, node)
                # ``from pkg import submodule`` imports the submodule; ``from pkg import name``
                # only pkg itself.
                targets = [f"{base}.{alias.name}" if base else alias.name for alias in node.names
                           if alias.name != "*"] or [base]
            for target in targets:
                found = _deepest_known(target, modules)
                if found is not None:
                    edges.update(_executed_by_import(module, found, modules))
        graph[module] = edges
    return graph


def strong_components(graph):
    """The strongly connected components of more than one module (each one or more cycles).

    Tarjan's algorithm, iterative so that deep graphs cannot exhaust Python's recursion limit.
    """
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return components


def find_cycles(graph):
    """One cycle (a list of modules, first repeated at the end) per strongly connected component."""
    return [_cycle_in(graph, component) for component in strong_components(graph)]


def _cycle_in(graph, component):
    """A shortest cycle through the smallest module of a strongly connected ``component``."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    return paths[node] + [start]
                if child not in paths:
                    paths[child] = paths[node] + [child]
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")  # pragma: no cover


def _package_params():
    params = []
    for src in _package_dirs():
        name = src.parent.name
        marks = ()
        if name in KNOWN_CYCLES:
            marks = pytest.mark.xfail(strict=True,
                                      reason=f"known import cycle: {KNOWN_CYCLES[name]}")
        params.append(pytest.param(src, id=name, marks=marks))
    return params


def test_sources_are_found():
    # A wrong path would make every package test below vanish or pass on nothing.
    packages = _package_dirs()
    assert any(src.parent.name == CORE_PACKAGE for src in packages), (
        f"lamella-core's sources not found under {PACKAGES_DIR}")
    for src in packages:
        assert collect_modules(src), f"no Python modules found under {src}"
    core = collect_modules(PACKAGES_DIR / CORE_PACKAGE / "src")
    assert "lamella.engine.base_layer" in core and "lamella" in core, sorted(core)


@pytest.mark.parametrize("src", _package_params())
def test_no_import_cycles(src):
    modules = collect_modules(src)
    assert modules, f"no Python modules found under {src}"
    graph = import_graph(modules)
    components = strong_components(graph)
    assert not components, f"import cycles in {src.parent.name}:\n" + "\n".join(
        f"  {' -> '.join(_cycle_in(graph, component))}  (modules in this tangle: "
        f"{', '.join(sorted(component))})" for component in components)


# --- the checker itself ---------------------------------------------------------------------


def _write(root, files):
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_checker_finds_function_level_and_relative_cycles(tmp_path):
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "def f():\n    from .c import g\n",
        "pkg/c.py": "import pkg.a\n",
        "pkg/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/e.py": "from .. import d\nimport os\n",
    })
    graph = import_graph(collect_modules(tmp_path))
    assert graph["pkg.d"] == set()
    assert graph["pkg.sub.e"] == {"pkg.d"}
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_checker_counts_parent_packages(tmp_path):
    # pkg.a imports pkg.sub.b, which first runs pkg/sub/__init__.py, which imports pkg.a.
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.sub.b import x\n",
        "pkg/sub/__init__.py": "from pkg.a import y\n",
        "pkg/sub/b.py": "from pkg.sub import c\nx = 1\n",
        "pkg/sub/c.py": "",
    })
    graph = import_graph(collect_modules(tmp_path))
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg.sub.c"}  # its own package is already running
    assert find_cycles(graph) == [["pkg.a", "pkg.sub", "pkg.a"]]


def test_checker_accepts_an_acyclic_package(tmp_path):
    _write(tmp_path, {"pkg/__init__.py": "from pkg.a import x\n", "pkg/a.py": "x = 1\n"})
    graph = import_graph(collect_modules(tmp_path))
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": set()}
    assert find_cycles(graph) == []


def test_checker_reads_namespace_packages(tmp_path):
    # A folder without __init__.py is still imported (PEP 420), so its modules are checked.
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/ns/f.py": "from pkg.ns import g\n",
        "pkg/ns/g.py": "import pkg.ns.f\n",
    })
    modules = collect_modules(tmp_path)
    assert sorted(modules) == ["pkg", "pkg.ns.f", "pkg.ns.g"]
    assert find_cycles(import_graph(modules)) == [["pkg.ns.f", "pkg.ns.g", "pkg.ns.f"]]
