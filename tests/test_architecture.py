"""The features plug in one way: no feature package imports another that imports it back, and
the routes are imported by name, never loaded from a string.

Every import statement of eukz_platform/ counts, at the top of a module or inside a function;
only those under ``if TYPE_CHECKING:`` (annotations, never run) are left out. A node is a
sub-package (``groups``, ``search``, …) or a top-level module that a sub-package imports
(``visibility``, ``forms``, …).
"""

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "eukz_platform"


def _modules():
    """(path, module parts under eukz_platform, is a package's __init__) of every module."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            yield path, parts[:-1], True
        else:
            yield path, parts, False


def _type_checking_only(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _imported(node: ast.Import | ast.ImportFrom, parts: list[str], is_init: bool):
    """The modules (parts under eukz_platform) an import statement names."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.startswith("eukz_platform."):
                yield alias.name.split(".")[1:]
        return
    if node.level:
        package = parts if is_init else parts[:-1]
        base = package[: len(package) - (node.level - 1)]
    elif node.module and (node.module + ".").startswith("eukz_platform."):
        base = []
        module = node.module.split(".", 1)[1] if "." in node.module else None
        yield from _from_names(base, module, node.names)
        return
    else:
        return
    yield from _from_names(base, node.module, node.names)


def _from_names(base: list[str], module: str | None, names: list[ast.alias]):
    if module:
        yield base + module.split(".")
    else:  # from . import a, b: each name may be a module
        for alias in names:
            yield base + [alias.name]


def _node(parts: list[str]) -> str | None:
    """The feature package, or the top-level module, that a module belongs to."""
    if not parts:
        return None
    if (PACKAGE / parts[0]).is_dir():
        return parts[0]
    if (PACKAGE / f"{parts[0]}.py").is_file():
        return parts[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """Which node imports which, from every import statement of eukz_platform/."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path, parts, is_init in _modules():
        me = _node(parts)
        if me is None:  # the factory, eukz_platform/__init__.py, registers everything
            continue
        in_package = len(parts) > 1 or is_init
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_only(tree)
        for statement in ast.walk(tree):
            if id(statement) in skip or not isinstance(statement, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(statement, parts, is_init):
                other = _node(target)
                if other is None or other == me:
                    continue
                # A top-level module counts when a package imports it.
                if (PACKAGE / other).is_dir() or in_package:
                    edges[me].add(other)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of nodes that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _a_cycle(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """One path round a group of nodes that import each other: a → b → … → a."""
    members = set(group)
    start = group[0]
    paths = [[start]]
    while paths:
        path = paths.pop(0)
        for w in sorted(edges.get(path[-1], set()) & members):
            if w == start:
                return path + [start]
            if w not in path:
                paths.append(path + [w])
    return group


def test_the_graph_sees_the_imports_it_must():
    edges = import_graph()
    assert "core" in edges["groups"]
    assert "visibility" in edges["search"]  # a top-level module imported by a package
    assert "contacts" in edges["cli"]  # imported inside a function only (cli.py)


def test_no_feature_imports_one_that_imports_it():
    edges = import_graph()
    found = [
        f"{' <-> '.join(group)} (for one: {' → '.join(_a_cycle(group, edges))})"
        for group in cycles(edges)
    ]
    assert not found, "features that import each other:\n" + "\n".join(found)


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert _a_cycle(["a", "b", "c"], edges) == ["a", "b", "c", "a"]


def test_routes_are_imported_by_name():
    """No module loads another from a string (importlib), so readers and tools can follow
    every blueprint's routes."""
    loaders = []
    for path, _parts, _is_init in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                names = [ast.unparse(node.func)]
            if any("import_module" in n or n.startswith("importlib") for n in names):
                loaders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
            if any(n == "__import__" for n in names):
                loaders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not loaders, "modules loaded from a string: " + ", ".join(loaders)


def test_each_blueprint_imports_its_routes():
    """``bp`` is made in the package's __init__.py, which then imports its routes."""
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        text = init.read_text(encoding="utf-8")
        if "Blueprint(" in text:
            tree = ast.parse(text)
            imported = {
                a.name
                for node in tree.body
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None
                for a in node.names
            }
            assert "routes" in imported, f"{init.parent.name}/__init__.py imports no routes"
            assert (init.parent / "routes.py").is_file()
