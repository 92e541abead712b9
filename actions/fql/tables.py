"""The FQL parser's tables, built once from ``grammars/fql.lark`` and shipped as data.

Building the LALR parser from the grammar (``Lark(...)``) takes some 30 ms, at the first
trigger of every process. Lark can write a built parser out as plain data (its rules, terminals
and parse table: what its standalone tool uses) and rebuild the parser from that data in about
2 ms. ``fql_parser.json`` next to this module holds that data as JSON, with the Lark version
and the text of the grammar it was built from: :func:`load_parser` uses it only when both
match the running Lark and the grammar file, and gives None otherwise (or if the file does not
load), so that the parser is then built from the grammar as before; :mod:`actions.fql.lalr`
parses with it (without Lark) when the grammar matches. The file is JSON, read with
``json.loads``: no pickle, nothing run.

Lark numbers the parser's states and tokens in an order that changes from process to process;
:func:`parser_data` renumbers them in a canonical order (tokens by name, states in the order a
walk from the start state reaches them), so that the same grammar always gives the same file.
``python -m actions.fql.tables`` writes it; ``--check`` exits with 1 when it differs from what
would be written. A test holds the file equal to it and the two parsers to the same results.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions._resources import write_or_check

if TYPE_CHECKING:
    import lark

TABLES_FILE = Path(__file__).with_name("fql_parser.json")
"""The parser's data: ``{"lark": version, "grammar": text, "data": ..., "memo": ...}``."""

_NOT_DATA = ("transformer", "lexer_callbacks")
"""Options that are code, not data: given again when the parser is loaded."""


def parser_data(parser: lark.Lark) -> tuple[dict[str, Any], dict[int, Any]]:
    """(data, memo) of a built LALR parser, as Lark serializes them, in a canonical order."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in _NOT_DATA}
    table = data["parser"]["parser"]
    data["parser"]["parser"] = _canonical(table)
    return data, memo


def _canonical(table: dict[str, Any]) -> dict[str, Any]:
    """The parse table with its tokens numbered by name and its states in the order a walk
    from the start states reaches them (each state's actions in token order)."""
    names: dict[int, str] = table["tokens"]
    token_id = {name: i for i, name in enumerate(sorted(names.values()))}
    states: dict[int, dict[int, tuple[int, Any]]] = table["states"]
    order: dict[int, int] = {}
    queue = deque(table["start_states"][start] for start in sorted(table["start_states"]))
    while queue:
        state = queue.popleft()
        if state in order:
            continue
        order[state] = len(order)
        for token in sorted(states[state], key=lambda t: token_id[names[t]]):
            action, arg = states[state][token]
            if action == 0:  # a shift or a goto: arg is the next state
                queue.append(arg)
    if len(order) != len(states):
        raise ValueError("the parse table has states no walk from the start reaches")
    new_states = {}
    for state in sorted(order, key=order.__getitem__):
        actions = {}
        for token in sorted(states[state], key=lambda t: token_id[names[t]]):
            action, arg = states[state][token]
            actions[token_id[names[token]]] = (action, order[arg] if action == 0 else arg)
        new_states[order[state]] = actions
    return {
        "tokens": {i: name for name, i in token_id.items()},
        "states": new_states,
        "start_states": {k: order[v] for k, v in sorted(table["start_states"].items())},
        "end_states": {k: order[v] for k, v in sorted(table["end_states"].items())},
    }


def _encode(value: Any) -> Any:
    """JSON for Lark's data: a dict with int keys becomes ``{"#int": [[key, value], ...]}``
    and a tuple ``{"#tuple": [...]}``; :func:`_decode` turns them back."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            if "#int" in value or "#tuple" in value:
                raise ValueError("a key of the parser's data is one of the JSON tags")
            return {k: _encode(v) for k, v in value.items()}
        if not all(type(k) is int for k in value):
            raise ValueError(f"keys that are neither all text nor all int: {list(value)}")
        return {"#int": [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"#tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"not data: {value!r}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "#int" in obj:
            return {int(k): v for k, v in obj["#int"]}
        if "#tuple" in obj:
            return tuple(obj["#tuple"])
    return obj


def document(parser: lark.Lark, grammar: str) -> dict[str, Any]:
    """What the file holds for ``parser``, built from ``grammar``."""
    import lark

    data, memo = parser_data(parser)
    return {
        "lark": lark.__version__,
        "grammar": grammar,
        "data": _encode(data),
        "memo": _encode(memo),
    }


def document_text(parser: lark.Lark, grammar: str) -> str:
    return json.dumps(document(parser, grammar), separators=(",", ":"), sort_keys=True) + "\n"


def read_document(
    text: str | bytes, grammar: str, lark_version: str | None = None
) -> tuple[dict[str, Any], dict[int, Any]] | None:
    """(data, memo) from the file's text, or None when it was written from another grammar
    (or, when ``lark_version`` is given, by another version of Lark)."""
    doc = json.loads(text, object_hook=_decode)
    if doc.get("grammar") != grammar:
        return None
    if lark_version is not None and doc.get("lark") != lark_version:
        return None
    data, memo = doc["data"], doc["memo"]
    if not isinstance(data, dict) or not isinstance(memo, dict):
        return None
    return data, memo


def read_tables(text: str | bytes, grammar: str) -> tuple[dict[str, Any], dict[int, Any]] | None:
    """(data, memo) for the running Lark, or None (see :func:`read_document`)."""
    import lark

    return read_document(text, grammar, lark.__version__)


def load_parser(grammar: str, **options: Any) -> lark.Lark | None:
    """The parser from :data:`TABLES_FILE` with ``options`` (the transformer and the lexer
    callbacks), or None when the file is missing, stale or does not load."""
    import lark

    try:
        tables = read_tables(TABLES_FILE.read_bytes(), grammar)
        if tables is None:
            return None
        # What Lark's standalone tool calls: the parser from its data, with the options that
        # are code.
        load: Any = lark.Lark._load_from_dict
        parser: lark.Lark = load(*tables, **options)
    except Exception:  # any failure: the caller builds the parser from the grammar
        return None
    return parser


def main(argv: list[str] | None = None) -> int:
    """Write :data:`TABLES_FILE` (with ``--check``, only say whether it is current)."""
    from actions.fql.parser import build_parser, grammar_text

    args = sys.argv[1:] if argv is None else argv
    grammar = grammar_text()
    text = document_text(build_parser(grammar), grammar)
    return write_or_check(TABLES_FILE, text, "actions.fql.tables", args)


if __name__ == "__main__":
    raise SystemExit(main())
