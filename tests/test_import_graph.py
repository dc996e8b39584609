"""Dependencies between tipnlp modules run one way: no two modules import each other.

Lazy imports inside functions count too: they hide a cycle from the interpreter, not from a reader.
"""

from __future__ import annotations

import ast

from conftest import REPO

SRC = REPO / "src" / "tipnlp"


def _module_name(path) -> str:
    parts = ("tipnlp", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the tipnlp modules it imports anywhere in its body (importing a package's submodule
    does not count as importing the package)."""
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("tipnlp"):
                subs = {f"{node.module}.{a.name}" for a in node.names} & set(modules)
                deps |= subs or {node.module}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("tipnlp")}
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def test_no_two_modules_import_each_other():
    graph = import_graph()
    mutual = sorted({tuple(sorted((a, b))) for a, deps in graph.items() for b in deps if a in graph.get(b, set())})
    assert mutual == []


def test_corpus_does_not_import_gold_and_review_formats_does_not_import_review_io():
    graph = import_graph()
    assert "tipnlp.gold" not in graph["tipnlp.corpus"]
    assert "tipnlp.review.io" not in graph["tipnlp.review.formats"]
