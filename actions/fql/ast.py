"""The FQL syntax tree: immutable, typed nodes. ``start``/``end`` (source offsets) and
``parenthesized`` do not take part in equality, so ``parse(format(ast)) == ast``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

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


_CHILDREN: dict[type, Callable[[Any], tuple[Expr, ...]]] = {
    Literal: lambda node: (),
    Path: lambda node: (),
    ListLiteral: lambda node: node.items,
    Call: lambda node: node.args,
    Not: lambda node: (node.operand,),
    Compare: lambda node: (node.left, node.right),
    In: lambda node: (node.left, node.right),
    And: lambda node: node.operands,
    Or: lambda node: node.operands,
}
"""Each node type's children, by its exact type (one look-up: the generators walk trees often)."""


def children(node: Expr) -> tuple[Expr, ...]:
    return _CHILDREN[type(node)](node)


def walk(node: Expr) -> list[Expr]:
    """Every node, parents before children (iterative: depth is bounded by the parser)."""
    out: list[Expr] = []
    stack = [node]
    of = _CHILDREN.__getitem__
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(of(type(current))(current)))
    return out
