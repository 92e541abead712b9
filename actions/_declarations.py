"""Declarations (an FQL function, a directive, a lint rule): their immutable tables, and
pickling them by the name they are declared under.

A declaration made with a decorator (``@function``, ``@directive``, ``@rule``) takes the place
of its implementation in its module, so pickle cannot find the implementation by name; it finds
the declaration instead, by the same name."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from actions.errors import ActionsError

T = TypeVar("T")


def declarations_table(
    declared: Iterable[T], name_of: Callable[[T], str], what: str
) -> Mapping[str, T]:
    """An immutable table of ``declared`` by name, in order; a name declared twice is an error
    (``what`` names the kind: "FQL function")."""
    table: dict[str, T] = {}
    for declaration in declared:
        name = name_of(declaration)
        if name in table:
            raise ActionsError(f"{what} {name} is declared twice")
        table[name] = declaration
    return MappingProxyType(table)


def reduce_declaration(
    declaration: object, implementation: Callable[..., Any], fields: tuple[Any, ...]
) -> tuple[Any, tuple[Any, ...]]:
    """``__reduce__`` for ``declaration``: by name when its module holds it under the
    implementation's name, else by its fields."""
    module = getattr(implementation, "__module__", None)
    name = getattr(implementation, "__qualname__", "")
    if module and _declared(module, name) is declaration:
        return (_declared, (module, name))
    return (type(declaration), fields)


def _declared(module: str, qualname: str) -> Any:
    value: Any = importlib.import_module(module)
    for part in qualname.split("."):
        value = getattr(value, part, None)
    return value
