"""FQL, the trigger language: which events reach a destination.

    >>> from actions import fql
    >>> trigger = fql.compile("type = 'track' and event = 'Order Completed'")
    >>> trigger.matches({"type": "track", "event": "Order Completed"})
    True

:func:`parse` gives an immutable syntax tree, :func:`format` prints it back canonically, and
:func:`compile` turns text into a :class:`Trigger` whose :meth:`Trigger.matches` is a plain
Python function generated from the tree. A trigger that does not compile raises
:class:`FQLSyntaxError`; a compiled trigger never raises and never matches anything that is
not an object. :func:`compile_many` tests many triggers in one call (a tuple of booleans),
computing what they share once. See docs/fql.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from actions._repr import attrs_repr
from actions.fql.ast import Expr
from actions.fql.codegen import many_function
from actions.fql.compile import check, compile_matcher, index_is_exact, index_of, paths_of
from actions.fql.errors import FQLError, FQLSyntaxError
from actions.fql.format import format_fql as format
from actions.fql.functions import BUILTIN_FUNCTIONS, Function, Functions, function
from actions.fql.parser import MAX_DEPTH, MAX_LENGTH, parse

if TYPE_CHECKING:  # imported when first used (see __getattr__): running triggers needs neither
    from actions.fql import analysis
    from actions.fql.explain import ExplainNode
    from actions.fql.many import TriggerSet


@attrs.frozen(eq=False)
class Trigger:
    """A compiled trigger. Immutable, thread-safe, and pickles (by its text).

    ``matches(event)`` is True when the event satisfies the trigger; it never raises and is
    False for anything that is not a dict. It is the generated function itself (no method call
    in between), which is what keeps a trigger close to a hand-written predicate."""

    __repr__ = attrs_repr

    source: str
    ast: Expr
    paths: frozenset[tuple[str, ...]]
    index: Mapping[tuple[str, ...], frozenset[str]]
    """Paths whose value must be one of a set of strings for the trigger to hold."""
    matches: Callable[[object], bool] = attrs.field(repr=False)
    exact: bool = False
    """The trigger holds exactly when each path of ``index`` holds one of its strings, so the
    index alone decides it (``type = "track" and event in ["A", "B"]``)."""

    functions: Functions = attrs.field(default=BUILTIN_FUNCTIONS, repr=False)
    """The functions the trigger was compiled with (an environment's)."""

    source_code: str = attrs.field(default="", repr=False)
    """The Python source ``matches`` was compiled from, for reading (see docs/fql.md, Speed).
    It holds none of the trigger's text: every value is a constant bound by name."""

    def explain(self, event: object) -> ExplainNode:
        """Each sub-expression with its value on ``event``."""
        from actions.fql.explain import explain

        return explain(self.ast, event, self.functions)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self.functions is BUILTIN_FUNCTIONS:
            return (compile, (self.source,))
        return (_compile_with, (self.source, dict(self.functions)))


def compile(text: str, *, functions: Functions | None = None) -> Trigger:
    """Parse, check and compile ``text``. Raises :class:`FQLSyntaxError`. ``functions``: the
    functions it may call (an environment's; the built-ins when None). Triggers over the
    built-in functions are cached by text (the 1024 most recently used)."""
    if not isinstance(text, str):
        raise FQLSyntaxError(
            f"a trigger must be text, not {type(text).__name__}", source="", offset=0, kind="empty"
        )
    if functions is None or functions is BUILTIN_FUNCTIONS:
        return _compile(text)
    return _build(text, functions)


@lru_cache(maxsize=1024)
def _compile(text: str) -> Trigger:
    return _build(text, BUILTIN_FUNCTIONS)


def _compile_with(text: str, functions: dict[str, Function]) -> Trigger:
    return compile(text, functions=MappingProxyType(functions))


def _build(text: str, functions: Functions) -> Trigger:
    ast = parse(text)
    check(ast, text, functions)
    matches, source_code = compile_matcher(ast, functions)
    return Trigger(
        text,
        ast,
        paths_of(ast),
        index_of(ast),
        matches,
        index_is_exact(ast),
        functions,
        source_code,
    )


def compile_many(texts: Iterable[str], *, functions: Functions | None = None) -> TriggerSet:
    """Compile ``texts`` into one :class:`TriggerSet`. Raises :class:`FQLSyntaxError` for the
    first text that does not compile. ``functions`` as for :func:`compile`."""
    if isinstance(texts, str):
        raise TypeError("compile_many takes a list of trigger texts, not one text")
    table = BUILTIN_FUNCTIONS if functions is None else functions
    return combine([compile(text, functions=table) for text in texts], functions=table)


def combine(triggers: Sequence[Trigger], *, functions: Functions | None = None) -> TriggerSet:
    """One :class:`TriggerSet` of triggers already compiled with the same functions
    (``functions``, else the first trigger's: what :func:`compile_many` gives for their
    texts)."""
    table = functions if functions is not None else BUILTIN_FUNCTIONS
    if functions is None and triggers:
        table = triggers[0].functions
    if any(trigger.functions is not table for trigger in triggers):
        raise ValueError("the triggers were compiled with different functions")
    from actions.fql.many import TriggerSet

    matches, source_code = many_function([trigger.ast for trigger in triggers], table)
    return TriggerSet(tuple(triggers), matches, table, source_code)


def _compile_many_with(texts: list[str], functions: dict[str, Function]) -> TriggerSet:
    return compile_many(texts, functions=MappingProxyType(functions))


def clear_cache() -> None:
    """Forget every compiled trigger (benchmarks measure compile time with it)."""
    _compile.cache_clear()


__all__ = [
    "BUILTIN_FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExplainNode",
    "Expr",
    "FQLError",
    "FQLSyntaxError",
    "Function",
    "Functions",
    "Trigger",
    "TriggerSet",
    "analysis",
    "clear_cache",
    "combine",
    "compile",
    "compile_many",
    "format",
    "function",
    "parse",
]


_LAZY = {"ExplainNode": "actions.fql.explain", "TriggerSet": "actions.fql.many"}
"""Public names whose module is imported when the name is first used: running one trigger
needs neither (each is an attrs class, which attrs builds at import)."""


def __getattr__(name: str) -> Any:
    # The linter's analysis is imported when first reached: a run does not need it.
    if name == "analysis":
        import actions.fql.analysis

        return actions.fql.analysis
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
