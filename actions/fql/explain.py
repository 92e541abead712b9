"""A trigger explained on one event: each sub-expression with its value (``actions explain``,
:meth:`actions.fql.Trigger.explain`). Imported when first used: running triggers never needs
it."""

from __future__ import annotations

from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.fql.ast import And, Call, Compare, Expr, In, Literal, Not, Or
from actions.fql.format import format_fql
from actions.fql.functions import BUILTIN_FUNCTIONS, Functions
from actions.fql.reference import evaluate


@attrs.frozen
class ExplainNode:
    """One sub-expression, its value on one event, and its parts."""

    __repr__ = attrs_repr

    text: str
    value: Any
    children: tuple[ExplainNode, ...] = ()

    def render(self, indent: int = 0) -> str:
        shown = "missing/null" if self.value is None else repr(self.value)
        lines = [f"{'  ' * indent}{self.text}  →  {shown}"]
        lines.extend(child.render(indent + 1) for child in self.children)
        return "\n".join(lines)


def explain(node: Expr, event: Any, functions: Functions = BUILTIN_FUNCTIONS) -> ExplainNode:
    """``node`` and its parts, each with its value on ``event`` (by the reference evaluator)."""
    value = evaluate(node, event, functions) if isinstance(event, dict) else None
    parts: tuple[Expr, ...] = ()
    if isinstance(node, And | Or):
        parts = node.operands
    elif isinstance(node, Not):
        parts = (node.operand,)
    elif isinstance(node, Compare | In):
        parts = tuple(p for p in (node.left, node.right) if not isinstance(p, Literal))
    elif isinstance(node, Call):
        parts = tuple(a for a in node.args if not isinstance(a, Literal))
    return ExplainNode(format_fql(node), value, tuple(explain(p, event, functions) for p in parts))


__all__ = ["ExplainNode", "explain"]
