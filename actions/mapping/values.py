"""The values every mapping module shares: the MISSING sentinel, evaluators, per-event failures."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

import attrs


class _Missing:
    """The type of :data:`MISSING`: "no value here" (a key absent from the output)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""No value: a missing path, a condition with no branch, a failed conversion. Removed from
objects, turned into ``null`` inside arrays."""

Settings: TypeAlias = Mapping[str, Any]
Failures: TypeAlias = list["MappingFailure"]
Evaluator: TypeAlias = Callable[[Any, Settings, Failures], Any]
"""A compiled mapping node: ``(root data, settings, failures) -> value or MISSING``."""


@attrs.frozen
class MappingFailure:
    """Why one field could not be produced for one event. ``pointer`` is the JSON pointer of the
    field inside the mapping (for plain objects, the same as inside the output)."""

    pointer: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class DirectiveFailure(Exception):
    """Raised by a directive while applying a mapping to one event; caught by the enclosing
    object or array, which records a :class:`MappingFailure` and leaves the field out. Never
    escapes :meth:`CompiledMapping.evaluate`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def type_name(value: object) -> str:
    """JSON-ish type names for messages."""
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def to_text(value: Any) -> str:
    """A value as text, the way JSON writes it: ``false``, ``0``, ``9.5``, ``5`` (not ``5.0``),
    objects and arrays as compact JSON; null and missing as the empty string."""
    if isinstance(value, str):
        return value
    if value is None or value is MISSING:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
