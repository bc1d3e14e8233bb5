"""No import cycles among our modules, counting imports inside functions too.

An import inside a function hides a cycle from Python (it runs after both modules loaded) but
not from a reader: the engine, the handlers, the CLI, the local stack, the testbed and the
benchmarks each import in one direction. Imports under `if TYPE_CHECKING:` never run, so they
do not count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REPO = Path(__file__).parents[2]
# Each folder that holds first-party packages (pyproject.toml's packages.find).
ROOTS = (
    "layers/engine",
    "src/ingest",
    "src/process",
    "src/admin",
    "src/sweeper",
    "local",
    "testbed",
    "bench",
    "sam",
    "cli",
)

type Graph = dict[str, set[str]]


def modules(root: Path) -> dict[str, Path]:
    """Each module under `root` by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imported(tree: ast.AST, name: str, is_package: bool) -> Iterator[str]:
    """The dotted names `tree` imports at run time (a `from` import: the module and each
    name, which may be a submodule)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            package = name.split(".") if is_package else name.split(".")[:-1]
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)
        yield from _imported(node, name, is_package)


def import_graph(found: dict[str, Path]) -> Graph:
    """Which of `found` each of them imports."""
    graph: Graph = {}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = set(_imported(tree, name, path.name == "__init__.py"))
        graph[name] = {target for target in imported if target in found and target != name}
    return graph


def cycle(graph: Graph) -> list[str]:
    """One import cycle of `graph`, as the modules along it (the first again at the end); [] if
    there is none."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        found: list[str] = error.args[1]
        return found
    return []


def test_no_import_cycle_in_our_packages():
    # Given every first-party module
    found: dict[str, Path] = {}
    for root in ROOTS:
        found |= modules(REPO / root)

    # When their imports are read, at module level and inside functions alike
    graph = import_graph(found)

    # Then no module reaches itself back through them
    assert "webhook_engine.wiring" in graph
    assert cycle(graph) == []


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path):
    # Given a package whose modules import each other, one of them inside a function
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from pkg import a\n    return a\n")
    (package / "c.py").write_text("from . import a\n")

    # When the imports are read
    graph = import_graph(modules(tmp_path))

    # Then the cycle is found, and the module that only imports one of them is not in it
    assert sorted(set(cycle(graph))) == ["pkg.a", "pkg.b"]
