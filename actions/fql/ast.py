"""The FQL syntax tree: immutable, typed nodes. ``start``/``end`` (source offsets) and
``parenthesized`` do not take part in equality, so ``parse(format(ast)) == ast``."""

from __future__ import annotations

from typing import TypeAlias

import attrs

Value: TypeAlias = "str | int | float | bool | None"


@attrs.frozen
class _Node:
    """Source offsets and parenthesisation: kept for messages, not part of equality."""

    start: int = attrs.field(default=0, eq=False, repr=False, kw_only=True)
    end: int = attrs.field(default=0, eq=False, repr=False, kw_only=True)
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Literal(_Node):
    value: str | int | float | bool | None


@attrs.frozen
class ListLiteral(_Node):
    items: tuple[Expr, ...]


@attrs.frozen
class Path(_Node):
    keys: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.keys)


@attrs.frozen
class Call(_Node):
    name: str
    args: tuple[Expr, ...]


@attrs.frozen
class Not(_Node):
    operand: Expr


@attrs.frozen
class Compare(_Node):
    op: str  # = != < <= > >=
    left: Expr
    right: Expr


@attrs.frozen
class In(_Node):
    left: Expr
    right: Expr


@attrs.frozen
class And(_Node):
    operands: tuple[Expr, ...]


@attrs.frozen
class Or(_Node):
    operands: tuple[Expr, ...]


Expr: TypeAlias = Literal | ListLiteral | Path | Call | Not | Compare | In | And | Or


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, ListLiteral):
        return node.items
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Compare | In):
        return (node.left, node.right)
    if isinstance(node, And | Or):
        return node.operands
    return ()


def walk(node: Expr) -> list[Expr]:
    """Every node, parents before children (iterative: depth is bounded by the parser)."""
    out: list[Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out
