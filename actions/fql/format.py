"""Canonical FQL text: ``parse(format(ast)) == ast``."""

from __future__ import annotations

import re

from actions.fql.ast import And, Call, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path
from actions.fql.parser import KEYWORDS

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$\-]+")


def _key(key: str, first: bool) -> str:
    out = []
    for index, char in enumerate(key):
        plain = _PLAIN_KEY.fullmatch(char) is not None
        if first and index == 0 and (char.isdigit() or char == "-"):
            plain = False
        out.append(char if plain else "\\" + char)
    text = "".join(out)
    if first and key in KEYWORDS:
        text = "\\" + text
    return text


def format_path(keys: tuple[str, ...]) -> str:
    return ".".join(_key(k, i == 0) for i, k in enumerate(keys))


def format_literal(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    assert isinstance(value, str)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrap(node: Expr, loose: tuple[type, ...]) -> str:
    text = format_fql(node)
    return f"({text})" if isinstance(node, loose) else text


def format_fql(node: Expr) -> str:
    """The canonical text of a syntax tree."""
    if isinstance(node, Literal):
        return format_literal(node.value)
    if isinstance(node, Path):
        return format_path(node.keys)
    if isinstance(node, ListLiteral):
        return "[" + ", ".join(format_fql(i) for i in node.items) + "]"
    if isinstance(node, Call):
        return f"{node.name}(" + ", ".join(format_fql(a) for a in node.args) + ")"
    if isinstance(node, Not):
        return "!" + _wrap(node.operand, (Compare, In, And, Or))
    if isinstance(node, Compare):
        loose = (Compare, In, And, Or)
        return f"{_wrap(node.left, loose)} {node.op} {_wrap(node.right, loose)}"
    if isinstance(node, In):
        loose = (Compare, In, And, Or)
        return f"{_wrap(node.left, loose)} in {_wrap(node.right, loose)}"
    if isinstance(node, And):
        return " and ".join(_wrap(o, (And, Or)) for o in node.operands)
    if isinstance(node, Or):
        return " or ".join(_wrap(o, (Or,)) for o in node.operands)
    raise TypeError(node)
