"""The Spec's field tables are data (actions/spec/fields.json): sound, checked when loaded, and
the tables of docs/spec.md say what they hold."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from actions import spec
from actions.errors import ActionsError

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = json.loads(spec.FIELDS_FILE.read_text(encoding="utf-8"))
DOCS = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")


def test_the_shipped_tables_are_sound_and_are_the_modules() -> None:
    assert spec._check_fields(DATA) == []
    assert tuple(DATA["call_types"]) == spec.CALL_TYPES
    assert DATA["common"] == spec.COMMON
    assert DATA["per_type"] == spec.PER_TYPE
    assert {call: tuple(names) for call, names in DATA["required"].items()} == spec.REQUIRED
    assert spec.FIELDS_FILE.parent == Path(spec.__file__).parent  # shipped inside the package


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(DATA)
    if change == "type":
        data["common"]["context"]["ip"] = "text"
    elif change == "required":
        data["required"]["track"] = ["event", "revenue"]
    elif change == "documented":
        data["documented"]["track"]["event"] = ["name"]
    elif change == "twice":
        data["context_extras"].append("device.adid")
    elif change == "call":
        del data["per_type"]["alias"]
    elif change == "shadow":
        data["per_type"]["track"]["userId"] = "string"
    elif change == "part":
        data["extra"] = {}
    return data


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("type", "$.common.context.ip: 'text' is not a type: use one of string, number"),
        ("required", "$.required.track: 'revenue' is not a field of track"),
        ("documented", "$.documented.track: 'event' is not an object field of track"),
        ("twice", "$.context_extras: names listed twice: device.adid"),
        ("call", "$.per_type: must have one entry per call type, in order"),
        ("shadow", "$.per_type.track: also common: ['userId']"),
        ("part", "$: must hold call_types, common, per_type"),
    ],
)
def test_a_broken_table_is_refused_with_its_place(change: str, problem: str) -> None:
    problems = spec._check_fields(_broken(change))
    assert any(p.startswith(problem) for p in problems), problems
    with pytest.raises(ActionsError, match=r"^fields\.json: the Spec field tables are not sound"):
        spec._load_fields(json.dumps(_broken(change)), "fields.json")


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(ActionsError, match=r"^fields\.json: not JSON"):
        spec._load_fields(b"{", "fields.json")


def test_the_types_the_data_may_use_are_the_ones_the_checks_know() -> None:
    kinds: set[str] = set()

    def walk(table: dict[str, Any]) -> None:
        for kind in table.values():
            walk(kind) if isinstance(kind, dict) else kinds.add(kind)

    walk(DATA["common"])
    for table in DATA["per_type"].values():
        walk(table)
    assert kinds <= set(spec._EXACT_TYPES)


# -- docs/spec.md -------------------------------------------------------------------------------


def _table(header: str) -> list[list[str]]:
    """The rows (cells) of the Markdown table under the header line ``header``."""
    start = DOCS.index(header + "\n")
    rows = []
    for line in DOCS[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", cell))


_KINDS = {"string": "string", "number": "number", "boolean": "boolean", "object": "object"}


def _kind(words: str) -> str:
    found = {kind for word, kind in _KINDS.items() if re.search(rf"\b{word}s?\b", words)}
    assert len(found) == 1, f"say one type: {words!r}"
    return found.pop()


def _leaves(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, kind in table.items():
        if isinstance(kind, dict):
            out.update(_leaves(kind, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = kind
    return out


def documented_context(rows: list[list[str]]) -> dict[str, str]:
    """The context fields of the docs' table and their types. A name that starts with a dot
    shares the parent of the first name of its cell (``campaign.name``, ``.source``); a type
    cell may add fields of another type after a semicolon (``booleans; `network.carrier` a
    string``)."""
    found: dict[str, str] = {}
    for field_cell, type_cell in rows:
        names = _names(field_cell)
        parent = names[0].rpartition(".")[0]
        first, *more = re.sub(r"\([^)]*\)", "", type_cell).split(";")
        for name in names:
            found[f"{parent}{name}" if name.startswith(".") else name] = _kind(first)
        for segment in more:
            for name in _names(segment):
                found[name] = _kind(re.sub(r"`[^`]+`", "", segment))
    return found


def test_the_docs_context_table_is_the_data() -> None:
    documented = documented_context(_table("| field | type |"))
    declared = _leaves(DATA["common"]["context"])
    missing = sorted(set(declared) - set(documented))
    extra = sorted(set(documented) - set(declared))
    assert not missing, f"docs/spec.md's context table lacks: {missing}"
    assert not extra, f"docs/spec.md's context table names fields the data has not: {extra}"
    wrong = {k: (documented[k], declared[k]) for k in declared if documented[k] != declared[k]}
    assert not wrong, f"docs/spec.md gives these types (docs, data): {wrong}"


def test_the_docs_common_fields_table_is_the_data() -> None:
    documented = {name for cell, _ in _table("| field | rule |") for name in _names(cell)}
    assert documented == set(DATA["common"]), documented ^ set(DATA["common"])


def test_the_docs_call_type_table_is_the_data() -> None:
    seen: list[str] = []
    for calls, rule in _table("| call | rule |"):
        for call in _names(calls):
            seen.append(call)
            fields = set(DATA["per_type"][call]) | set(DATA["required"][call])
            assert set(_names(rule)) == fields, (call, set(_names(rule)) ^ fields)
            assert ("required" in rule) == bool(DATA["required"][call]), call
    assert seen == sorted(seen, key=DATA["call_types"].index)
    assert set(seen) == set(DATA["call_types"])


def test_the_docs_table_reader_sees_a_wrong_row() -> None:
    rows = [
        ["`device.id`, `.model`", "strings"],
        ["`network.wifi`", "booleans; `network.x` a number"],
    ]
    assert documented_context(rows) == {
        "device.id": "string",
        "device.model": "string",
        "network.wifi": "boolean",
        "network.x": "number",
    }
