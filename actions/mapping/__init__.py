"""The mapping language: how each destination field is filled from an event.

A mapping is any JSON/YAML value. Raw values are copied as they are; an object with exactly one
``@``-key is a directive (Segment's ``@path``, ``@template``, ``@if``, ... plus ``@coalesce``,
``@lookup``, ``@omit``, ``@convert``, ``@hash``). :func:`compile` validates a mapping completely
into its typed form (:mod:`.ir`) and builds a function from it; :meth:`CompiledMapping.evaluate`
applies it to one event; :mod:`.reference` evaluates the typed form the plain way (what each
directive means). See docs/mapping.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_names
from actions.errors import DataPath, Diagnostic
from actions.fql.functions import Functions
from actions.mapping import compiler
from actions.mapping.catalog import BUILTIN_DIRECTIVES
from actions.mapping.compiler import (
    DEFAULT_BACKEND,
    BackendName,
    CompiledMapping,
    MappingDataError,
    MappingError,
    is_directive,
)
from actions.mapping.directives import (
    Directive,
    Directives,
    Kind,
    Lazy,
    OnOperand,
    Option,
    OptionError,
    Scope,
    directive,
    directives_table,
    meaning_of,
)
from actions.mapping.values import MISSING, DirectiveFailure, MappingFailure
from actions.yamlsource import SourceMap

if TYPE_CHECKING:  # imported when first used (see __getattr__): running a mapping does not
    from actions.mapping.tracing import TraceEntry, trace


def compile(
    mapping: Any,
    *,
    source: SourceMap | None = None,
    base_path: DataPath = (),
    directives: Directives | None = None,
    functions: Functions | None = None,
    backend: BackendName | None = None,
) -> CompiledMapping:
    """Validate ``mapping`` completely and compile it, with ``directives`` and ``functions``
    (an environment's; the built-ins when None). Raises :class:`MappingError` listing every
    problem. The caller's mapping is copied, never changed. ``backend``: ``"closures"`` or
    ``"source"`` (a Python function written for the mapping); the default when None."""
    return compiler.compile_mapping(
        mapping,
        source=source,
        base_path=base_path,
        directives=BUILTIN_DIRECTIVES if directives is None else directives,
        **({} if functions is None else {"functions": functions}),
        backend=DEFAULT_BACKEND if backend is None else backend,
    )


def check(
    mapping: Any,
    *,
    source: SourceMap | None = None,
    base_path: DataPath = (),
    directives: Directives | None = None,
    functions: Functions | None = None,
) -> list[Diagnostic]:
    """Every problem in ``mapping``, without raising."""
    return compiler.check(
        mapping,
        source=source,
        base_path=base_path,
        directives=BUILTIN_DIRECTIVES if directives is None else directives,
        **({} if functions is None else {"functions": functions}),
    )


__all__ = [
    "BUILTIN_DIRECTIVES",
    "DEFAULT_BACKEND",
    "MISSING",
    "CompiledMapping",
    "Directive",
    "DirectiveFailure",
    "Directives",
    "Kind",
    "Lazy",
    "MappingDataError",
    "MappingError",
    "MappingFailure",
    "OnOperand",
    "Option",
    "OptionError",
    "Scope",
    "TraceEntry",
    "check",
    "compile",
    "directive",
    "directives_table",
    "is_directive",
    "meaning_of",
    "trace",
]


_LAZY = {"TraceEntry": "actions.mapping.tracing", "trace": "actions.mapping.tracing"}
"""Public names whose module is imported when the name is first used: ``actions explain``'s
trace (with the reference evaluator it runs) is not on the path of a run."""


__getattr__ = lazy_names(globals(), _LAZY)
