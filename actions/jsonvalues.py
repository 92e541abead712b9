"""Small helpers for JSON values shared across the library."""

from __future__ import annotations

import json
from typing import Any

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def compact_json(value: Any) -> str:
    """Compact JSON text, UTF-8 kept as is (one encoder built once: ``json.dumps`` with options
    builds a new encoder on every call)."""
    return _COMPACT.encode(value)


def type_name(value: object) -> str:
    """JSON type names for messages: null, boolean, number, string, array, object."""
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
    objects and arrays as compact JSON; ``None`` as the empty string."""
    if isinstance(value, str):
        return value
    if value is None:
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
    return _COMPACT.encode(value)
