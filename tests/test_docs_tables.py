"""The reference tables of the docs say what the declarations hold: docs/fql.md's functions and
docs/mapping.md's directives. A function or a directive declared and not documented (or
documented and not declared) fails here by name, as does a signature, an option list or a
summary that differs from its declaration."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from actions import fql, mapping
from actions.fql.functions import signature

ROOT = Path(__file__).resolve().parent.parent


def functions() -> Mapping[str, Any]:
    return fql.BUILTIN_FUNCTIONS


def directives() -> Mapping[str, Any]:
    return mapping.BUILTIN_DIRECTIVES


# -- reading Markdown tables --------------------------------------------------------------------


def section(file: str, heading: str) -> str:
    """The text of a ``## heading`` section, up to the next heading of that level."""
    text = (ROOT / "docs" / file).read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def rows(text: str, header: str) -> list[list[str]]:
    """The rows of the table whose header line is ``header``; ``\\|`` is a pipe in a cell."""
    lines = text[text.index(header + "\n") :].splitlines()[2:]
    out = []
    for line in lines:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        out.append([cell.strip().replace("\\|", "|") for cell in cells])
    return out


def compare(what: str, documented: set[str], declared: set[str]) -> None:
    missing, extra = sorted(declared - documented), sorted(documented - declared)
    message = f"{what}: missing from the docs: {missing or 'none'}; in the docs but not declared: "
    assert not missing, message + f"{extra or 'none'}"
    assert not extra, message + f"{extra}"


# -- FQL functions ------------------------------------------------------------------------------

SEMANTICS = section("fql.md", "## Semantics")


def documented_calls(text: str) -> dict[str, int]:
    """The functions named in the first cells of the semantics table, with their arity."""
    found: dict[str, int] = {}
    for first, *_ in rows(text, "| expression | result |"):
        for name, args in re.findall(r"`([a-z_][a-z0-9_]*)\(([^`]*)\)`", first):
            found[name] = len([a for a in args.split(",") if a.strip()])
    return found


def test_every_function_has_a_semantics_row_with_its_arity() -> None:
    documented = documented_calls(SEMANTICS)
    declared = functions()
    compare("docs/fql.md, the semantics table's functions", set(documented), set(declared))
    wrong = {
        name: (documented[name], len(declared[name].params))
        for name in declared
        if documented[name] != len(declared[name].params)
    }
    assert not wrong, f"docs/fql.md gives these functions other arities (docs, declared): {wrong}"


def test_the_function_reference_is_the_declarations() -> None:
    table = {
        cell.strip("`").split("(", 1)[0]: (cell.strip("`"), summary)
        for cell, summary in rows(SEMANTICS, "| signature | summary |")
    }
    declared = functions()
    compare("docs/fql.md, the function reference", set(table), set(declared))
    for name, function in declared.items():
        shown, summary = table[name]
        assert shown == signature(function), (
            f"docs/fql.md: {name}: {shown!r} is declared as {signature(function)!r}"
        )
        if function.doc:
            assert summary == function.doc, (
                f"docs/fql.md: {name}: {summary!r} is declared as {function.doc!r}"
            )


# -- directives ---------------------------------------------------------------------------------

DIRECTIVES = section("mapping.md", "## Directives")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def options_of(cell: str) -> tuple[list[str], set[str], list[str]]:
    """The option names of an options cell, the ones marked *req.*, and a leading ``one of``
    group. Text in parentheses describes an option (its choices, its default) and is skipped."""
    one_of: list[str] = []
    if cell.startswith("one of "):
        group, _, cell = cell.partition(";")
        one_of = re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", group))
    names, required = list(one_of), set()
    for name, note in re.findall(r"`([^`]+)`\s*(\([^)]*\))?", cell):
        if _IDENTIFIER.match(name):
            names.append(name)
            if note.startswith("(req."):
                required.add(name)
    # Backticked words inside a parenthesis were matched as notes, not names: drop any that
    # only appear inside one.
    outside = set(re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", cell))) | set(one_of)
    return [n for n in names if n in outside], required, one_of


def documented_directives() -> dict[str, tuple[str, str]]:
    return {
        name.strip("`"): (options, result)
        for name, options, result in rows(DIRECTIVES, "| directive | options | result |")
    }


def test_every_directive_is_in_the_table() -> None:
    compare("docs/mapping.md, the directive table", set(documented_directives()), set(directives()))


@pytest.mark.parametrize("name", sorted(directives()))
def test_each_directive_row_is_its_declaration(name: str) -> None:
    documented = documented_directives()
    if name not in documented:
        pytest.fail(f"docs/mapping.md: the directive table has no row for {name}")
    declared = directives()[name]
    cell, result = documented[name]
    names, required, one_of = options_of(cell)
    if declared.argument is not None:
        assert names == [], f"docs/mapping.md: {name} takes one argument, not options {names}"
    else:
        want = [option.name for option in declared.options]
        assert names == want, f"docs/mapping.md: {name}'s options are {want}, the docs say {names}"
        want_required = {option.name for option in declared.options if option.required}
        assert required == want_required, (
            f"docs/mapping.md: {name} requires {sorted(want_required)}, the docs mark "
            f"{sorted(required)}"
        )
        assert one_of == list(declared.one_of), (name, one_of, declared.one_of)
    if declared.summary:
        assert result.startswith(declared.summary), (
            f"docs/mapping.md: {name}'s result should start with its summary "
            f"{declared.summary!r}, not {result!r}"
        )


# -- the readers themselves ---------------------------------------------------------------------


def test_the_readers_see_names_options_and_pipes() -> None:
    text = "| expression | result |\n|---|---|\n| `a(x, y)`, `b()` | r |\n| `c \\| d` | e |\n"
    assert documented_calls(text) == {"a": 2, "b": 0}
    assert rows(text, "| expression | result |")[1] == ["`c | d`", "e"]
    assert options_of("one of `x`, `y` (req.); `z`") == (["x", "y", "z"], set(), ["x", "y"])
    assert options_of("`mode` (req.: `encode`/`decode`), `v` (`false`)") == (
        ["mode", "v"],
        {"mode"},
        [],
    )
    assert options_of("a path, or a directive giving one") == ([], set(), [])
    with pytest.raises(AssertionError, match=r"missing from the docs: \['new'\]"):
        compare("t", {"old"}, {"old", "new"})
