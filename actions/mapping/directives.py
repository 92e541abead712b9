"""Directive declarations.

A directive is a declaration of its options plus its meaning: a plain function from its
options to its value, which the reference evaluator runs (:mod:`.reference`) and from which a
compiled form is derived. The declaration drives validation (types, required options, unknown
options, choices, lengths), so nothing can be optional when validating but required when running.

    @meaning_of("@upper", argument=Option("value", MAPPING))
    def upper(args, scope):
        value = args["value"]()  # MISSING when the path is missing: left as it is
        return value.upper() if isinstance(value, str) else value

A directive may also have a compile function, the fast form the compiled backend uses (each
option arrives at it already compiled); the two must agree (tests/mapping/test_reference.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs

from actions._declarations import declarations_table, reduce_declaration
from actions._repr import attrs_repr
from actions.errors import ActionsError, DataPath
from actions.mapping.paths import ParsedPath, read_path
from actions.mapping.values import MISSING, Evaluator, Settings, Transform

if TYPE_CHECKING:
    from actions.mapping.ir import Call, Node


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

    __repr__ = attrs_repr

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
    """What a compile function may use: where the directive is, its typed form (``call``: the
    options as IR nodes, to see that one is a constant or a path), and ``read`` to report an
    event path it reads (with ``declares_reads=True``)."""

    __repr__ = attrs_repr

    pointer: str
    path: DataPath
    read: Callable[[str], None]
    call: Call


@attrs.frozen
class OnOperand:
    """What a compile function may return instead of an evaluator when the directive's value is
    ``transform`` applied to the value of ``operand`` (one of its options' IR nodes, from
    ``ctx.call.args``; the transform of MISSING is MISSING when ``keeps_missing``): the backend
    evaluates the operand itself, inline when it is a short path (and an object reads it inline
    among its other fields)."""

    __repr__ = attrs_repr

    operand: Node
    transform: Transform
    keeps_missing: bool = False


DirectiveFunction = Callable[[Mapping[str, Any], CompileContext], "Evaluator | OnOperand"]


@attrs.frozen
class Scope:
    """Where a meaning runs: the data (``root``) and the settings."""

    __repr__ = attrs_repr

    root: Any
    settings: Settings

    def read(self, path: ParsedPath) -> Any:
        """The value at ``path`` (of the data, or of the settings), or MISSING."""
        return read_path(path, self.root, self.settings)


@attrs.frozen
class Lazy:
    """A mapping option as a meaning receives it: ``arg()`` is its value for the scope's data,
    ``arg.at(other)`` its value for other data (an item, an intermediate value). Evaluated only
    when called, so a branch not taken records no failure."""

    __repr__ = attrs_repr

    _evaluate: Callable[[Any], Any]
    _root: Any

    def __call__(self) -> Any:
        return self._evaluate(self._root)

    def at(self, root: Any) -> Any:
        return self._evaluate(root)


Meaning = Callable[[Mapping[str, Any], Scope], Any]
"""What a directive means: ``(options, scope) -> value or MISSING``; mapping options arrive as
:class:`Lazy` values (tuples of them for lists), literal ones as themselves. Raises
:class:`actions.mapping.DirectiveFailure` for a per-event failure."""

Parse = Callable[[Mapping[str, Any]], "Mapping[str, Any] | Any"]
"""A compile-time step over the typed options: parsed texts in place of literal ones, or an IR
node that replaces the call; raises :class:`OptionError`."""

Reads = Callable[[Mapping[str, Any]], "set[str] | list[str] | tuple[str, ...]"]
"""The event paths a directive reads itself, from its typed options (its mapping options report
their own)."""


@attrs.frozen
class Directive:
    """A directive's declaration: its name, its options, its meaning and (optionally) the
    function that compiles it. Declare one with :func:`meaning_of` or :func:`directive`; add it
    to an environment with ``env.extend(directives=[...])``."""

    __repr__ = attrs_repr

    name: str = attrs.field()
    function: DirectiveFunction | None
    """The compile function (the backend's fast form); None: derived from the meaning."""
    argument: Option | None = None
    options: tuple[Option, ...] = ()
    one_of: tuple[str, ...] = ()
    summary: str = ""
    declares_reads: bool = False
    """Every event path it reads is known: its mapping options', ``reads`` (or what its compile
    function reports through ``ctx.read``); otherwise the directive counts as reading the whole
    event (for ``CompiledMapping.paths`` and the engine's Spec check of the fields a
    subscription reads)."""
    meaning: Meaning | None = None
    """The executable meaning (the reference evaluator's); None: derived from the compile
    function."""
    parse: Parse | None = None
    reads: Reads | None = None

    @name.validator
    def _check(self, attribute: Any, value: str) -> None:
        if not _NAME.match(value):
            raise ActionsError(
                f"{value!r} is not a valid directive name: use @ and a lowercase letter"
            )
        if (self.argument is None) == (not self.options):
            raise ActionsError(f"{value}: declare either one argument or options")
        if self.function is None and self.meaning is None:
            raise ActionsError(f"{value}: declare a meaning or a compile function")

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def all_options(self) -> tuple[Option, ...]:
        """The options, or the one argument."""
        return self.options if self.argument is None else (self.argument,)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        fields = attrs.astuple(self, recurse=False)
        implementation = self.function or self.meaning
        assert implementation is not None
        return reduce_declaration(self, implementation, fields)


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
    meaning: Meaning | None = None,
    parse: Parse | None = None,
    reads: Reads | None = None,
) -> Callable[[DirectiveFunction | None], Directive]:
    """Declare a directive whose compile function is the decorated one (and whose meaning is
    ``meaning``, or derived from the compile function). ``argument`` for a directive whose value
    is one argument (``@path``); ``options`` for a directive whose value is an object of options
    (``@replace``); ``one_of`` names options of which exactly one must be given; ``parse`` and
    ``reads`` as for :class:`Directive`."""

    def declare(function: DirectiveFunction | None) -> Directive:
        return Directive(
            name,
            function,
            argument,
            tuple(options),
            tuple(one_of),
            summary,
            declares_reads,
            meaning,
            parse,
            reads,
        )

    return declare


def meaning_of(
    name: str,
    *,
    argument: Option | None = None,
    options: tuple[Option, ...] = (),
    one_of: tuple[str, ...] = (),
    summary: str = "",
    declares_reads: bool = False,
    parse: Parse | None = None,
    reads: Reads | None = None,
) -> Callable[[Meaning], Directive]:
    """Declare a directive whose meaning is the decorated function; its compiled form is
    derived from it (see :func:`directive` for the other arguments)."""

    def declare(meaning: Meaning) -> Directive:
        compiled = directive(
            name,
            argument=argument,
            options=options,
            one_of=one_of,
            summary=summary,
            declares_reads=declares_reads,
            meaning=meaning,
            parse=parse,
            reads=reads,
        )
        return compiled(None)

    return declare


def directives_table(declared: Iterable[Directive]) -> Directives:
    """An immutable table of ``declared`` by name; a name declared twice is an error."""
    return declarations_table(declared, lambda directive: directive.name, "directive")


def declared_in(module: ModuleType) -> list[Directive]:
    """The directives a module declares (its module-level :class:`Directive` values)."""
    return [value for value in vars(module).values() if isinstance(value, Directive)]
