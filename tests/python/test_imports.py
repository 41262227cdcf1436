"""The package's modules import in one direction: each layer only from its own or those below,
and no module reaches itself through its imports (a cycle), imports inside functions included.

The layers, lowest first, follow the data: settings and names, then the words, the model, the
customers and the delivery, then what reads the model's results (segments, report, scoring by
hand), then the release and the refresh that drives everything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import PROJECT_DIR

PACKAGE = "one_click"
LAYERS = [
    # settings, names, the logger: no import of the package's own
    {
        "languages",
        "layout",
        "log",
        "project",
        "duckdb_plugin",
        "warehouse_file",
        "dbt_failures",
        "waiting_dbt",
    },
    {"stats"},  # formulas: no import of the package's own
    {"labels", "i18n"},  # the words
    {"ml"},  # the model: called by the dbt Python models with every setting as an argument
    {"validate", "customers"},  # a delivery, and customers from anywhere
    {"marketing", "report", "score", "synth"},  # what reads the model's results
    {"monthly", "publish"},  # a release
    {"refresh"},  # drives all of the above
]


def modules(root: Path = PROJECT_DIR / PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its __init__)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The package's modules a file imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            # the longest known module the name falls in (a function import names its module)
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith(PACKAGE + ".") or name == PACKAGE:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = imports(path, set(known)) - {name}
        # a package's __init__ importing its own modules is how a package is made, not a cycle
        edges[name] = (
            {t for t in targets if not t.startswith(name + ".")}
            if path.stem == ("__init__")
            else targets
        )
    return edges


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for number, names in enumerate(LAYERS):
        if top in names:
            return number
    raise AssertionError(f"{module} is in no layer of tests/python/test_imports.py: add it")


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path back to its start, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_module_is_in_a_layer():
    for name in modules():
        if name != PACKAGE:
            layer(name)


def test_no_module_imports_a_layer_above_its_own():
    upward = [
        f"{source} (layer {layer(source)}) imports {target} (layer {layer(target)})"
        for source, targets in graph().items()
        if source != PACKAGE
        for target in sorted(targets)
        if target != PACKAGE and layer(target) > layer(source)
    ]
    assert upward == []


def test_no_import_cycle():
    assert find_cycle(graph()) is None


@pytest.mark.parametrize(
    ("edges", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ],
)
def test_the_cycle_search_finds_one(edges, cycle):
    assert find_cycle(edges) == cycle


def test_an_import_inside_a_function_counts(tmp_path):
    """The hidden kind: a function of the model importing the customers."""
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from one_click.customers import derive\n", encoding="utf-8")
    assert imports(source, set(modules())) == {"one_click.customers"}
