"""The FQL syntax tree: immutable, typed nodes. ``start``/``end`` (source offsets) and
``parenthesized`` do not take part in equality, so ``parse(format(ast)) == ast``."""

from __future__ import annotations

from typing import TypeAlias

import attrs

Value: TypeAlias = "str | int | float | bool | None"


def _pos() -> int:
    return attrs.field(default=0, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Literal:
    value: str | int | float | bool | None
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class ListLiteral:
    items: tuple[Expr, ...]
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Path:
    keys: tuple[str, ...]
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)

    @property
    def dotted(self) -> str:
        return ".".join(self.keys)


@attrs.frozen
class Call:
    name: str
    args: tuple[Expr, ...]
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Not:
    operand: Expr
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Compare:
    op: str  # = != < <= > >=
    left: Expr
    right: Expr
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class In:
    left: Expr
    right: Expr
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class And:
    operands: tuple[Expr, ...]
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Or:
    operands: tuple[Expr, ...]
    start: int = _pos()
    end: int = _pos()
    parenthesized: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)


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
