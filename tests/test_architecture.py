"""The import graph runs one way: load, validate, compile, run. Each folder (or top-level
module) of the package sits in one layer of docs/architecture.md, and may import only from its
own layer's units or from lower layers, at the top of a module or inside a function."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "actions"
DOC = PACKAGE.parent / "docs" / "architecture.md"

LAYERS: list[tuple[str, ...]] = [
    (
        "_version",
        "_declarations",
        "_generated",
        "_lazy",
        "_repr",
        "_resources",
        "errors",
        "jsonvalues",
    ),
    ("yamlsource", "spec"),
    ("samples",),
    ("fql",),
    ("mapping",),
    ("language",),
    ("destinations",),
    ("engine",),
    ("delivery", "plans"),
    ("analysis", "testing", "lint", "pipelines", "beam"),
    ("interop",),
    ("environment",),
    ("cli",),
    ("__init__", "__main__"),
]
"""Lowest first. A unit is a subpackage or a top-level module of ``actions``."""

RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every ``actions.*`` module ``path`` imports, with the line."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[tuple[str, int]]:
    """Every ``actions.*`` module a module of ``package`` imports, with the line, wherever the
    import is (a function's body included); relative imports resolved."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, node.lineno))
            if base == "actions":  # from actions import fql
                found.extend((f"actions.{alias.name}", node.lineno) for alias in node.names)
    return [(name, line) for name, line in found if name.startswith("actions.")]


def _units() -> set[str]:
    return {_unit(_module_of(path)) for path in PACKAGE.rglob("*.py")}


def test_every_unit_has_a_layer() -> None:
    assert _units() <= set(RANK), sorted(_units() - set(RANK))


def test_no_module_imports_upward() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = _unit(_module_of(path))
        for name, line in _imports(path):
            target = _unit(name)
            if target != me and RANK.get(target, -1) > RANK[me]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {me} imports {name}")
    assert not upward, "\n".join(upward)


def test_the_checker_sees_imports_in_functions_and_relative_ones() -> None:
    source = (
        "from ..errors import ActionsError\n"
        "from . import fields\n"
        "def configure():\n"
        "    from actions.engine.configure import configure\n"
        "    from actions import lint\n"
    )
    assert _imports_in(source, "actions.destinations") == [
        ("actions.errors", 1),
        ("actions.destinations", 2),
        ("actions.engine.configure", 4),
        ("actions.lint", 5),
    ]


@pytest.mark.parametrize("units", LAYERS, ids=lambda units: units[0])
def test_the_architecture_page_lists_each_layer(units: tuple[str, ...]) -> None:
    text = DOC.read_text(encoding="utf-8")
    for unit in units:
        if unit.startswith("_"):
            continue
        shown = f"{unit}/" if (PACKAGE / unit).is_dir() else f"{unit}.py"
        assert re.search(rf"`(actions/)?{re.escape(shown)}`", text), shown
