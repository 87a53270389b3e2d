"""No import cycles among the app's own modules: each import arrow runs one way.

Every first-party module (``main.py`` and every top-level package, found by listing the project
root) is parsed with ``ast``; an import anywhere in a module counts, at the top or inside a
function (a lazy import still ties the two modules together), except under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOT_APP = frozenset({"tests", "bench"})


def first_party_modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for main.py and every package below the root."""
    modules = {"main": root / "main.py"}
    for package in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file() and p.name not in NOT_APP):
        for path in sorted(package.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST):
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """First-party modules ``name`` imports: ``from a.b import c`` is ``a.b.c`` when that is a
    module, else ``a.b``."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        found.update(target for target in targets if target in known and target != name)
    return found


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in sorted(graph[node]):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = first_party_modules(root)
    known = set(modules)
    return {name: imported_modules(name, path, known) for name, path in modules.items()}


def test_no_import_cycle_among_first_party_modules():
    graph = import_graph(ROOT)
    assert "fedinfra.commands" in graph["fedinfra.cli"], "the graph misses lazy (in-function) imports"
    assert find_cycles(graph) == []


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (
            {
                "pkg/cli.py": "from pkg import commands\n",
                "pkg/commands.py": "def f():\n    from pkg.cli import UsageError\n",
            },
            [["pkg.cli", "pkg.commands"]],
        ),
        (
            {"pkg/a.py": "from . import b\n", "pkg/b.py": "from .c import x\n", "pkg/c.py": "import pkg.a\n"},
            [["pkg.a", "pkg.b", "pkg.c"]],
        ),
        (
            {
                "pkg/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n",
                "pkg/b.py": "import pkg.a\n",
            },
            [],
        ),
    ],
    ids=["lazy import back (the old cli/commands pair)", "relative imports, three modules", "TYPE_CHECKING only"],
)
def test_the_check_finds_cycles(tmp_path, sources, expected):
    (tmp_path / "main.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    for name, text in sources.items():
        (tmp_path / name).write_text(text)
    assert find_cycles(import_graph(tmp_path)) == expected
