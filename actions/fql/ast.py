"""The FQL syntax tree: immutable, typed nodes. ``start``/``end`` (source offsets) and
``parenthesized`` do not take part in equality, so ``parse(format(ast)) == ast``."""

from __future__ import annotations

from typing import TypeAlias

import attrs

from actions._repr import attrs_repr

Value: TypeAlias = "str | int | float | bool | None"


@attrs.frozen
class _Node:
    """Source offsets and parenthesisation: kept for messages, not part of equality."""

    __repr__ = attrs_repr

    start: int = attrs.field(default=0, eq=False, repr=False, kw_only=True)
    end: int = attrs.field(default=0, eq=False, repr=False, kw_only=True)
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Literal(_Node):
    __repr__ = attrs_repr

    value: str | int | float | bool | None


@attrs.frozen
class ListLiteral(_Node):
    __repr__ = attrs_repr

    items: tuple[Expr, ...]


@attrs.frozen
class Path(_Node):
    __repr__ = attrs_repr

    keys: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.keys)


@attrs.frozen
class Call(_Node):
    __repr__ = attrs_repr

    name: str
    args: tuple[Expr, ...]


@attrs.frozen
class Not(_Node):
    __repr__ = attrs_repr

    operand: Expr


@attrs.frozen
class Compare(_Node):
    __repr__ = attrs_repr

    op: str  # = != < <= > >=
    left: Expr
    right: Expr


@attrs.frozen
class In(_Node):
    __repr__ = attrs_repr

    left: Expr
    right: Expr


@attrs.frozen
class And(_Node):
    __repr__ = attrs_repr

    operands: tuple[Expr, ...]


@attrs.frozen
class Or(_Node):
    __repr__ = attrs_repr

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
