"""Small helpers for JSON values shared across the library."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from json import encoder as _encoder
from math import isfinite
from typing import Any

import orjson

MAX_INTEGER_DIGITS = 4_300
"""Most digits of an integer read from text (Python's own limit on converting text to ``int``,
whose cost grows with the square of the digits): a longer one is not a number."""

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str, allow_nan=False)

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
    else _make_encoder(None, str, _encoder.encode_basestring, None, ":", ",", False, False, False)
)
"""Compact JSON text in chunks: ``"".join(COMPACT_CHUNKS(value, 0))`` is
:func:`compact_json`, with no Python call in between where the C encoder is there (for the
per-request path). Strict: NaN and ±Infinity raise ValueError (they are not JSON)."""


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_TEXT_CHUNKS: Callable[[Any, int], Iterable[str]] | None = (
    None
    if _make_encoder is None
    else _make_encoder(
        None, _not_json, _encoder.encode_basestring, None, ":", ",", False, False, True
    )
)


def json_text(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``, to the character, with
    the C encoder made once: NaN and ±Infinity written as ``NaN``, ``Infinity``; TypeError for a
    value that is not JSON; a circular value ends in RecursionError (not ValueError). An object
    of plain values (FQL's ``string()`` of a flat object) is written by orjson, to the same
    text, several times faster."""
    if _TEXT_CHUNKS is None:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if type(value) is dict and PLAIN_DUMPS is not None:
        text = _plain_object_json(value, set(map(type, value.values())))
        if text is not None:
            return text
    return "".join(_TEXT_CHUNKS(value, 0))


def _plain_object_json(value: dict[str, Any], types: set[type]) -> str | None:
    """An object of plain values (see :data:`PLAIN_DUMPS`; ``types``: the types of its values)
    as orjson writes it, the text every encoder here writes for it; None for any other object,
    or one orjson refuses."""
    assert PLAIN_DUMPS is not None
    if types <= _PLAIN_TYPES and (
        float not in types or all(plain_float(v) for v in value.values() if type(v) is float)
    ):
        try:
            return PLAIN_DUMPS(value).decode()
        except TypeError:  # an integer past 64 bits, a lone surrogate, a key not a string
            pass
    return None


def compact_json(value: Any) -> str:
    """Compact JSON text, UTF-8 kept as is; objects that are not JSON values as their ``str``.
    Raises ValueError for NaN or ±Infinity anywhere in the value (see :func:`non_finite_path`).
    A plain value (see :func:`plain_tree`) is written by orjson, to the same text."""
    if type(value) is dict:
        return flat_json(value)
    return _tree_json(value)


def plain_tree(value: Any) -> bool:
    """Whether orjson writes ``value`` as Python's encoder does, as far as types tell: objects
    and arrays (dicts and lists of those exact types) of plain values (see
    :data:`PLAIN_DUMPS`) at any depth. What orjson then refuses (an integer past 64 bits, a
    lone surrogate, a key that is not a string, nesting past 254 levels) raises TypeError."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:  # the most common by far: one test
            continue
        if kind is dict:
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is float:  # plain_float, without the call
            if not (item - item == 0.0 and (item >= 1e-4 or item <= -1e-4 or item == 0.0)):
                return False
        elif kind not in _PLAIN_TYPES:
            return False
    return True


def _tree_json(value: Any) -> str:
    """:func:`compact_json` of any value: by orjson when it is a plain tree."""
    if PLAIN_DUMPS is not None and plain_tree(value):
        try:
            return PLAIN_DUMPS(value).decode()
        except TypeError:  # an integer past 64 bits, a lone surrogate, a key not a string
            pass
    return "".join(COMPACT_CHUNKS(value, 0))


# orjson writes an object whose values are all of these exact types as COMPACT_CHUNKS does,
# but for NaN and ±Infinity (orjson writes null), floats under 1e-4 in size (orjson writes
# 1e-7 for 1e-07, 0.00001 for 1e-05), and what orjson refuses: integers past 64 bits, lone
# surrogates. No subclass (orjson writes an IntEnum's value, say, as Python's encoder does
# not), no nesting (an Enum or a datetime inside would be written otherwise).
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def _orjson_agrees() -> bool:
    """Whether this orjson writes plain objects as Python's encoder does: floats of every
    size from 1e-4 up, integers, text (checked once, at import; a version that does not is not
    used)."""
    probes: list[Any] = [
        {"a": 0.1, "b": 1e16, "c": 1.5e300, "d": 1e-4, "e": 1e15, "f": 123456789012345.6},
        {"a": -0.0, "b": 100.0, "c": -2.5e-4, "d": 1e22, "e": 9.99e15, "f": 0.000123},
        {"a": 2**64 - 1, "b": -(2**63), "c": True, "d": None, "e": 'é\u2028\x7f\x00\x1f"\\/'},
    ]
    try:
        return all(orjson.dumps(p).decode() == "".join(COMPACT_CHUNKS(p, 0)) for p in probes)
    except orjson.JSONEncodeError:
        return False


PLAIN_DUMPS: Callable[[Any], bytes] | None = orjson.dumps if _orjson_agrees() else None
"""orjson's encoder, when it writes plain objects as :func:`compact_json` does (else None).
A plain object is a dict whose values are strings, integers, booleans or null, of those exact
types, or finite floats that are 0 or at least 1e-4 in size. It raises TypeError for what it
refuses (an integer past 64 bits, a lone surrogate): leave those to :func:`compact_json`."""


_CLEAN_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def writes_cleanly(value: Any) -> bool:
    """Whether ``value`` is surely written as JSON, compact or as form text, without an error:
    objects (string keys), arrays, strings without lone surrogates, integers within 64 bits,
    finite floats, booleans and null. Told by orjson, in C: what it refuses (a subclass, a
    date or a dataclass too) it raises for; NaN and ±Infinity it writes as null, so a value
    whose text holds ``null`` is searched for them (in Python, as :func:`json_line` does). A
    quick check, not a definition: no means "not known"."""
    try:
        data = orjson.dumps(value, option=_CLEAN_OPTIONS)
    except orjson.JSONEncodeError:
        return False
    return b"null" not in data or not _holds_non_finite(value)


def plain_float(value: float) -> bool:
    """Whether orjson writes this float as Python does: finite, and 0 or at least 1e-4 in size."""
    return value - value == 0.0 and (value >= 1e-4 or value <= -1e-4 or value == 0.0)


def flat_json(value: dict[str, Any]) -> str:
    """:func:`compact_json` of an object: by orjson (several times faster) when it is plain
    (see :data:`PLAIN_DUMPS`), or holds objects and arrays that are (:func:`plain_tree`),
    else by Python's encoder."""
    if PLAIN_DUMPS is not None:
        types = set(map(type, value.values()))
        text = _plain_object_json(value, types)
        if text is not None:
            return text
        if dict in types or list in types:  # (never so of a plain object)
            return _tree_json(value)
    return "".join(COMPACT_CHUNKS(value, 0))


def is_finite(value: float) -> bool:
    """Whether a float is neither NaN nor ±Infinity."""
    return value - value == 0.0


def non_finite_path(value: Any, limit: int = 100_000) -> tuple[str | int, ...] | None:
    """The path (keys and positions) of the first NaN or ±Infinity inside ``value``, depth
    first in order, or None. Looks at ``limit`` values at most (then None): a walk for the
    message of a request that cannot be encoded, not a check."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    seen = 0
    while stack and seen < limit:
        path, item = stack.pop()
        seen += 1
        if isinstance(item, float):
            if not is_finite(item):
                return path
        elif isinstance(item, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list | tuple):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(item))))
    return None


def number_text(text: str, *, plus_sign: bool = False) -> tuple[str, bool] | None:
    """``(the number's text, whether it is an integer)`` when ``text`` writes a decimal number,
    else None. The number is ``-?(digits[.digits?] | .digits)([eE][-+]?digits)?`` (a leading
    ``+`` too with ``plus_sign``), with any whitespace around; digits are Unicode decimal
    digits (what ``\\d`` and ``str.isdecimal`` mean). One pass over the text, no regular
    expression: linear on any input."""
    written = text.strip()
    body = written[1:] if written[:1] == "-" or (plus_sign and written[:1] == "+") else written
    mantissa, mark, exponent = body.partition("e")
    if not mark:
        mantissa, mark, exponent = body.partition("E")
    if mark:
        digits = exponent[1:] if exponent[:1] in ("-", "+") else exponent
        if not digits.isdecimal():  # also rejects "", and a second e or E
            return None
    whole, dot, fraction = mantissa.partition(".")
    if whole:
        if not whole.isdecimal() or (fraction and not fraction.isdecimal()):
            return None
    elif not (dot and fraction.isdecimal()):
        return None
    return written, not dot and not mark


def number_from_text(text: str, *, plus_sign: bool = False) -> int | float | None:
    """The number ``text`` writes (see :func:`number_text`): an ``int`` for an integer, else a
    ``float``. None when it is not a number, or one no request can carry: a float that
    overflows to Infinity (``"1e999"``) or an integer of more than :data:`MAX_INTEGER_DIGITS`
    digits. Never NaN or Infinity (``"nan"``, ``"inf"``, ``"Infinity"`` are not numbers)."""
    found = number_text(text, plus_sign=plus_sign)
    if found is None:
        return None
    written, integer = found
    if integer:
        if len(written) > MAX_INTEGER_DIGITS + 1:
            return None
        try:
            return int(written)
        except ValueError:  # a lower limit set for this process
            return None
    number = float(written)
    return number if is_finite(number) else None


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
    objects and arrays as compact JSON; ``None`` as the empty string. Raises ValueError for NaN
    or ±Infinity, also inside an object or array (JSON has no text for them)."""
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
        if value - value == 0.0:
            return float.__repr__(value)  # what JSON writes for a finite float
        return _COMPACT.encode(value)  # NaN, ±Infinity: the encoder's ValueError
    return compact_json(value)


_ORJSON_DUMPS = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE
# The fallback, made once (json.dumps with options would build an encoder per call): the same
# compact form as orjson's, for what orjson refuses.
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
_ENCODE_ASCII = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode


def json_line(record: Any) -> bytes:
    """One JSON line, compact (no space after ``:`` and ``,``), always valid UTF-8. Raises
    ValueError for NaN or an infinity, RecursionError for a value nested too deeply (past
    Python's recursion limit), TypeError for a value that is not JSON.

    Written by orjson; what orjson refuses is written by ``json``'s encoder in the same compact
    form: an integer beyond 64 bits, a key that is not a string (written as ``json`` writes it),
    nesting past 254 levels, and a string that cannot be UTF-8 (a lone surrogate, such as
    ``"\\ud800"``: the record is then written with ASCII escapes). orjson writes NaN and the
    infinities as ``null``: a line with ``null`` in it is checked for them (a walk over the
    record, only then). A float is written in its shortest form, as ``repr`` writes it but for the
    zero-padding of a negative exponent (``1e-7``, where ``json`` writes ``1e-07``): the same
    number either way."""
    try:
        data = _ORJSON_DUMPS(record, option=_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError
        try:
            return (_ENCODE(record) + "\n").encode("utf-8")
        except UnicodeEncodeError:
            return (_ENCODE_ASCII(record) + "\n").encode("ascii")
    if b"null" in data and _holds_non_finite(record):
        raise ValueError("NaN and the infinities are not JSON numbers")
    return data


def json_line_text(record: Any) -> str:
    """:func:`json_line` as text, for a file opened as text (``actions run --send``'s output,
    a delivery dead letter): a record is written whatever it holds. One JSON cannot hold (NaN
    or an infinity, which only an event given in Python can bring) is written as Python's
    ``json`` writes it (``NaN``, ``Infinity``), in ASCII, as these lines always were."""
    try:
        return json_line(record).decode("utf-8")
    except ValueError:
        return json.dumps(record, separators=(",", ":")) + "\n"


def _holds_non_finite(value: Any) -> bool:
    """Whether ``value`` holds NaN or an infinity at any depth (a value orjson wrote: objects,
    arrays, tuples, scalars)."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if isinstance(item, float):
            if not isfinite(item):
                return True
        elif isinstance(item, dict):
            extend(item.values())
        elif isinstance(item, (list, tuple)):
            extend(item)
    return False
