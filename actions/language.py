"""What packs and configs are written in: the mapping directives and the FQL functions.

Loading a pack and configuring a destination compile mappings and triggers against a
:class:`Language`; :data:`BUILTIN` is the built-in one. :meth:`Language.extend` returns a new
language with more directives or functions, and nothing global ever changes. An
:class:`actions.environment.Environment` is a language plus the lint rules: it is what the
public API takes as ``env``, and every function below it that takes an ``env`` uses only the
language part."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Self

import attrs

from actions._repr import attrs_repr
from actions.fql.functions import BUILTIN_FUNCTIONS, Function, Functions, functions_table
from actions.mapping.catalog import BUILTIN_DIRECTIVES
from actions.mapping.directives import Directive, Directives, directives_table


def table_repr(table: Mapping[str, Any]) -> str:
    """A table shown by its names."""
    return "{" + ", ".join(sorted(table)) + "}"


@attrs.frozen
class Language:
    """The directives a mapping may use and the functions a trigger may call, by name."""

    __repr__ = attrs_repr

    directives: Directives = attrs.field(default=BUILTIN_DIRECTIVES, repr=table_repr)
    functions: Functions = attrs.field(default=BUILTIN_FUNCTIONS, repr=table_repr)

    def extend(
        self,
        *,
        directives: Iterable[Directive] = (),
        functions: Iterable[Function] = (),
        **more: Any,
    ) -> Self:
        """A new language (of the same class) with these declarations added. A name it
        already has is an error: an extension adds words, it never changes what a pack
        already means."""
        directives, functions = tuple(directives), tuple(functions)
        changes: dict[str, Any] = dict(more)
        if directives:
            changes["directives"] = directives_table([*self.directives.values(), *directives])
        if functions:
            changes["functions"] = functions_table([*self.functions.values(), *functions])
        return attrs.evolve(self, **changes)

    @property
    def is_builtin(self) -> bool:
        """Only the built-in directives and functions."""
        return self.directives is BUILTIN_DIRECTIVES and self.functions is BUILTIN_FUNCTIONS

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Tables pickle as dicts (a built-in one as None); declarations pickle by name.
        plain = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            plain[field.name] = None if value is field.default else dict(value)
        return (_restore, (type(self), plain))


def _restore(cls: type[Language], plain: dict[str, Any]) -> Language:
    builtin = {field.name: field.default for field in attrs.fields(cls)}
    return cls(
        **{
            name: builtin[name] if value is None else MappingProxyType(value)
            for name, value in plain.items()
        }
    )


BUILTIN = Language()
"""The built-in directives and FQL functions."""
