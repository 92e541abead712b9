"""The mapping language: how each destination field is filled from an event.

A mapping is any JSON/YAML value. Raw values are copied as they are; an object with exactly one
``@``-key is a directive (Segment's ``@path``, ``@template``, ``@if``, ... plus ``@coalesce``,
``@lookup``, ``@omit``, ``@convert``, ``@hash``). :func:`compile` validates a mapping completely
and turns it into closures; :meth:`CompiledMapping.evaluate` applies it to one event. See
docs/mapping.md.
"""

from __future__ import annotations

from actions.mapping import builtin as _builtin  # registers the built-in directives
from actions.mapping import hashing as _hashing  # registers @hash
from actions.mapping import liquid as _liquid  # registers @liquid
from actions.mapping.compiler import (
    CompiledMapping,
    MappingDataError,
    MappingError,
    check,
    is_directive,
)
from actions.mapping.compiler import compile_mapping as compile
from actions.mapping.directives import REGISTRY, Kind, Option, OptionError, register_directive
from actions.mapping.trace import TraceEntry, trace
from actions.mapping.values import MISSING, DirectiveFailure, MappingFailure

del _builtin, _hashing, _liquid

__all__ = [
    "MISSING",
    "REGISTRY",
    "CompiledMapping",
    "DirectiveFailure",
    "Kind",
    "MappingDataError",
    "MappingError",
    "MappingFailure",
    "Option",
    "OptionError",
    "TraceEntry",
    "check",
    "compile",
    "is_directive",
    "register_directive",
    "trace",
]
