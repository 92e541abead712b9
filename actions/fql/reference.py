"""What an FQL trigger means: a plain interpreter over the syntax tree.

This is the executable form of the semantics table of docs/fql.md. It fuses nothing and
specialises nothing; the compiled backend (:mod:`actions.fql.codegen`) must agree with it on
every tree and every event, which the differential property tests check. ``explain`` shows its
values. Events are JSON values as :func:`json.loads` makes them.

- A path reads keys of objects; a key of ASCII digits also reads that position of a list.
  Anything missing, or anything else on the way, is ``null``.
- ``=`` is typed equality (:func:`actions.fql.functions.equal`): the same type and equal, so
  ``5 = 5.0`` but not ``1 = true``; ``!=`` is its negation.
- ``<`` ``<=`` ``>`` ``>=`` hold only between two numbers (booleans are not numbers).
- ``x in list`` holds when the right side is a list with an element equal to ``x``.
- ``!``, ``and``, ``or``: only ``true`` is true (``!0`` is true); ``and``/``or`` stop at the
  first operand that decides them. Every other construct evaluates all its parts.
- A function is looked up in the functions table and called with its arguments' values.
- A trigger matches an event when the event is an object and the whole expression is exactly
  ``true``; an exception anywhere (a function failing on odd data) means no match.
"""

from __future__ import annotations

from typing import Any

from actions.fql.ast import And, Call, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path
from actions.fql.functions import BUILTIN_FUNCTIONS, Functions, equal


def list_position(key: str) -> int | None:
    """The list position a path key addresses (``"0"``, ``"12"``), or None."""
    return int(key) if key.isascii() and key.isdigit() else None


def read(keys: tuple[str, ...], event: Any) -> Any:
    """The value at ``keys``; None when missing or when a non-container is on the way."""
    value = event
    for key in keys:
        position = list_position(key)
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and position is not None and position < len(value):
            value = value[position]
        else:
            return None
    return value


def is_number(value: Any) -> bool:
    """Numbers are ints and floats; booleans are not numbers."""
    return type(value) in (int, float)


def evaluate(node: Expr, event: Any, functions: Functions = BUILTIN_FUNCTIONS) -> Any:
    """The value of ``node`` on ``event``. Raises whatever a function raises."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, ListLiteral):
        return [evaluate(item, event, functions) for item in node.items]
    if isinstance(node, Path):
        return read(node.keys, event)
    if isinstance(node, Call):
        args = [evaluate(arg, event, functions) for arg in node.args]
        return functions[node.name].implementation(*args)
    if isinstance(node, Not):
        return evaluate(node.operand, event, functions) is not True
    if isinstance(node, And):
        return all(evaluate(o, event, functions) is True for o in node.operands)
    if isinstance(node, Or):
        return any(evaluate(o, event, functions) is True for o in node.operands)
    assert isinstance(node, Compare | In)
    left = evaluate(node.left, event, functions)
    right = evaluate(node.right, event, functions)
    if isinstance(node, In):
        return isinstance(right, list) and any(equal(left, item) for item in right)
    if node.op == "=":
        return equal(left, right)
    if node.op == "!=":
        return not equal(left, right)
    if not (is_number(left) and is_number(right)):
        return False
    if node.op == "<":
        return bool(left < right)
    if node.op == "<=":
        return bool(left <= right)
    if node.op == ">":
        return bool(left > right)
    return bool(left >= right)


def matches(node: Expr, event: Any, functions: Functions = BUILTIN_FUNCTIONS) -> bool:
    """Whether the trigger ``node`` matches ``event``."""
    if not isinstance(event, dict):
        return False
    try:
        return evaluate(node, event, functions) is True
    except Exception:  # a function failing on odd data, or a pathologically deep value
        return False
