"""Directive declarations.

A directive is one small function plus a declaration of its options. The declaration drives both
validation (types, required options, unknown options, choices, lengths) and compilation (each
option arrives at the function already compiled), so nothing can be optional when validating but
required when running.

    @directive("@upper", argument=Option("value", MAPPING))
    def upper(args, ctx):
        value = args["value"]
        return lambda root, settings, failures: str(value(root, settings, failures)).upper()
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from types import MappingProxyType, ModuleType
from typing import Any

import attrs

from actions._declarations import reduce_declaration
from actions.errors import ActionsError, DataPath
from actions.mapping.values import MISSING, Evaluator


class Kind(Enum):
    """What an option accepts, and what the directive function receives for it."""

    MAPPING = "a mapping value"  # any mapping -> Evaluator
    OBJECT_MAPPING = "an object"  # a raw object or a directive -> Evaluator
    STRING_OR_DIRECTIVE = "a string or a directive"  # -> str (literal) or Evaluator
    MAPPINGS = "a list of mapping values"  # -> tuple[Evaluator, ...]
    STRING = "a string"  # -> str
    STRINGS = "a list of strings"  # -> tuple[str, ...]
    BOOLEAN = "a boolean"  # -> bool
    INTEGER = "an integer"  # -> int
    FQL = "an FQL condition"  # -> compiled trigger
    ARRAY_PATH = (
        "an array of a path and an optional item shape"  # -> (str | Evaluator, Evaluator | None)
    )


MAPPING = Kind.MAPPING
OBJECT_MAPPING = Kind.OBJECT_MAPPING
STRING_OR_DIRECTIVE = Kind.STRING_OR_DIRECTIVE
MAPPINGS = Kind.MAPPINGS
STRING = Kind.STRING
STRINGS = Kind.STRINGS
BOOLEAN = Kind.BOOLEAN
INTEGER = Kind.INTEGER
FQL = Kind.FQL
ARRAY_PATH = Kind.ARRAY_PATH


@attrs.frozen
class Option:
    """One option of a directive (or its single argument)."""

    name: str
    kind: Kind
    required: bool = False
    default: Any = MISSING
    choices: tuple[str, ...] = ()
    min_length: int | None = None
    """Shortest string (STRING kinds), or fewest items (MAPPINGS: at least 1 when None)."""
    max_length: int | None = None
    description: str = ""
    relative: bool = False
    """Paths inside this option read something other than the event (an item, an intermediate
    value): they are not reported among the event paths the mapping reads."""


class OptionError(ActionsError):
    """Raised by a directive's compile function for a problem in one of its options."""

    def __init__(
        self,
        option: str | None,
        message: str,
        *,
        hint: str | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message)
        self.option = option
        self.message = message
        self.hint = hint
        self.offset = offset
        """Where in the option's text the problem is (a template's character), when known."""


@attrs.frozen
class CompileContext:
    """What a directive function may use while compiling: where it is, and the collectors."""

    pointer: str
    path: DataPath
    read: Callable[[str], None]
    compile_value: Callable[[Any, DataPath], Evaluator]


DirectiveFunction = Callable[[Mapping[str, Any], CompileContext], Evaluator]


@attrs.frozen
class Directive:
    """A directive's declaration: its name, its options and the function that compiles it.
    Declare one with :func:`directive`; add it to an environment with
    ``env.extend(directives=[...])``."""

    name: str = attrs.field()
    function: DirectiveFunction
    argument: Option | None = None
    options: tuple[Option, ...] = ()
    one_of: tuple[str, ...] = ()
    summary: str = ""
    declares_reads: bool = False
    """The function reports every event path it reads through ``ctx.read``; otherwise the
    directive counts as reading the whole event (for ``CompiledMapping.paths`` and the engine's
    Spec check of the fields a subscription reads)."""

    @name.validator
    def _check(self, attribute: Any, value: str) -> None:
        if not _NAME.match(value):
            raise ActionsError(
                f"{value!r} is not a valid directive name: use @ and a lowercase letter"
            )
        if (self.argument is None) == (not self.options):
            raise ActionsError(f"{value}: declare either one argument or options")

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        fields = attrs.astuple(self, recurse=False)
        return reduce_declaration(self, self.function, fields)


_NAME = re.compile(r"^@[a-z][a-zA-Z0-9]+$")

Directives = Mapping[str, Directive]
"""The directives a mapping may use, by name (an environment's ``directives``)."""


def directive(
    name: str,
    *,
    argument: Option | None = None,
    options: tuple[Option, ...] = (),
    one_of: tuple[str, ...] = (),
    summary: str = "",
    declares_reads: bool = False,
) -> Callable[[DirectiveFunction], Directive]:
    """Declare a directive whose compile function is the decorated one. ``argument`` for a
    directive whose value is one argument (``@path``); ``options`` for a directive whose value
    is an object of options (``@replace``); ``one_of`` names options of which exactly one must
    be given."""

    def declare(function: DirectiveFunction) -> Directive:
        return Directive(
            name, function, argument, tuple(options), tuple(one_of), summary, declares_reads
        )

    return declare


def directives_table(declared: Iterable[Directive]) -> Directives:
    """An immutable table of ``declared`` by name; a name declared twice is an error."""
    table: dict[str, Directive] = {}
    for declaration in declared:
        if declaration.name in table:
            raise ActionsError(f"directive {declaration.name} is declared twice")
        table[declaration.name] = declaration
    return MappingProxyType(table)


def declared_in(module: ModuleType) -> list[Directive]:
    """The directives a module declares (its module-level :class:`Directive` values)."""
    return [value for value in vars(module).values() if isinstance(value, Directive)]
