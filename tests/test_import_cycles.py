"""No import cycles among the project's modules (``chains``, ``tracer``, ``labs``).

The imports are read from the sources with :mod:`ast`, nothing is executed. Every import
counts, also one inside a function: a lazy import hides a cycle from the interpreter, not from a
reader, who still cannot understand either module without the other.

An edge goes to the module an import names: ``from a.b import c`` reaches ``a.b.c`` when that
is a module, else ``a.b`` (its ``__init__``). The parent packages Python runs first are not
edges; counting them would make every package whose ``__init__`` re-exports a submodule a cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("chains", "tracer", "labs")


def project_modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> source file, for every module of :data:`PACKAGES` under ``root``."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _imported(name: str, path: Path, node: ast.AST, modules: dict[str, Path]) -> list[str]:
    """The project modules one import statement of module ``name`` reaches."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in modules]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = ".".join(p for p in (package, node.module) if p)
    else:
        base = node.module or ""
    found = []
    for alias in node.names:
        target = f"{base}.{alias.name}"
        if target in modules:
            found.append(target)
        elif base in modules:
            found.append(base)
    return found


def import_graph(root: Path) -> nx.DiGraph:
    """Module -> module it imports; each edge keeps the ``file:line`` of its first import."""
    modules = project_modules(root)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _imported(name, path, node, modules):
                if target != name and not graph.has_edge(name, target):
                    graph.add_edge(name, target, at=f"{path.relative_to(root)}:{node.lineno}")
    return graph


def cycles_touching(package: str, root: Path = ROOT) -> list[str]:
    """One cycle of each strongly connected group of modules that has a module of ``package``."""
    graph = import_graph(root)
    found = []
    for group in nx.strongly_connected_components(graph):
        if len(group) < 2 or not any(m == package or m.startswith(package + ".") for m in group):
            continue
        cycle = nx.find_cycle(graph.subgraph(group))
        found.append(" -> ".join(f"{a} ({graph.edges[a, b]['at']})" for a, b in cycle) + f" -> {cycle[0][0]}")
    return sorted(found)


@pytest.mark.parametrize("package", ["chains", "tracer", "labs"])
def test_no_import_cycles(package):
    assert cycles_touching(package) == []


def test_a_cycle_is_found(tmp_path):
    """The walker sees a cycle made of a lazy import and an absolute one (what chains.evm once had)."""
    seam = tmp_path / "chains" / "seam"
    seam.mkdir(parents=True)
    (tmp_path / "chains" / "__init__.py").write_text("")
    (seam / "__init__.py").write_text("from .base import Base\n")
    (seam / "base.py").write_text("class Base: ...\n\n\ndef open_node():\n"
                                  "    from .node import Node\n    return Node()\n")
    (seam / "node.py").write_text("from chains.seam import base\n\n\nclass Node(base.Base): ...\n")
    (cycle,) = cycles_touching("chains", tmp_path)
    base, node = "chains.seam.base (chains/seam/base.py:5)", "chains.seam.node (chains/seam/node.py:1)"
    assert cycle in (f"{base} -> {node} -> chains.seam.base", f"{node} -> {base} -> chains.seam.node")
    assert cycles_touching("tracer", tmp_path) == []
    (seam / "base.py").write_text("class Base: ...\n")
    assert cycles_touching("chains", tmp_path) == []
