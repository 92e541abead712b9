"""Small helpers for JSON values shared across the library."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from json import encoder as _encoder
from typing import Any

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)

# The C encoder behind ``json``, made once: ``JSONEncoder.encode`` makes a new one on every
# call, which is most of the cost of encoding a small payload. No circular-reference markers
# (a shared markers table would not be thread-safe); a circular value ends in RecursionError
# instead of ValueError. Where the C accelerator is missing, the encoder above does the work.
_make_encoder = getattr(_encoder, "c_make_encoder", None)


def _python_chunks(value: Any, _level: int) -> tuple[str]:
    return (_COMPACT.encode(value),)


COMPACT_CHUNKS: Callable[[Any, int], Iterable[str]] = (
    _python_chunks
    if _make_encoder is None
    else _make_encoder(None, str, _encoder.encode_basestring, None, ":", ",", False, False, True)
)
"""Compact JSON text in chunks: ``"".join(COMPACT_CHUNKS(value, 0))`` is
:func:`compact_json`, with no Python call in between where the C encoder is there (for the
per-request path)."""


def compact_json(value: Any) -> str:
    """Compact JSON text, UTF-8 kept as is; objects that are not JSON values as their ``str``."""
    return "".join(COMPACT_CHUNKS(value, 0))


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
