"""JSON lines from untrusted bytes, and JSON lines out that are always valid UTF-8.

Reading never raises for what a line holds: each line is read as bytes, at most
``max_line_bytes`` of it kept in memory (the rest of an over-long line is read in chunks and
dropped), then decoded and parsed with bounds; a line that breaks one gives a :class:`Line` with
an ``error`` (a message without the line number: ``is not JSON: ...``). The bounds:

- a line's length (``MAX_LINE_BYTES``, 1 MiB; the line ending is not counted);
- UTF-8 only; a byte-order mark at the start of the first line is dropped;
- nesting depth (``MAX_DEPTH``, 64 levels: the event object itself is level 1), far above what
  Segment events use (5 or 6) and far below where the engine's recursive steps (Spec check,
  mapping, coercion, JSON encoding, a few Python frames per level) meet Python's recursion
  limit of 1,000;
- integers of at most Python's ``sys.get_int_max_str_digits()`` digits (4,300 unless
  ``PYTHONINTMAXSTRDIGITS`` says otherwise);
- no ``NaN``, ``Infinity`` or number that overflows to infinity (``1e999``): JSON has none, and
  no request may carry one.

Speed: a line is parsed by orjson, several times faster than the standard library's ``json``;
where the two would read a line differently, the line is read by ``json`` as before, so that
what a line gives (its event, or its error and its message) does not depend on the parser.
orjson refuses what ``json`` accepts with the hooks above in two cases (a lone surrogate written
as an escape, ``"\\ud800"``; nesting deeper than 1,024 levels), and reads an integer beyond 64
bits as a float where ``json`` gives the integer. So a line orjson refuses, whose value is not an
object or an array, or that may hold an integer of 19 digits or more (a run of 19 digits after
``:``, ``,`` or ``[``) is read by ``json``; every other error (not UTF-8, not JSON, ``NaN``,
``1e999``) is one that both refuse, and ``json`` gives the message.

Lines are written by orjson, compact (no space after ``:`` and ``,``); what orjson refuses or
writes differently from JSON (see :func:`dump`) by ``json``'s encoder in the same form.
"""

from __future__ import annotations

import base64
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

import orjson

from actions.engine.outcomes import Failed, Filtered, Outcome, Problem, Skipped
from actions.jsonvalues import json_line as dump

MAX_LINE_BYTES = 1 << 20
MAX_DEPTH = 64
_BOM = b"\xef\xbb\xbf"
_DRAIN = 1 << 16


class Line(NamedTuple):
    """One non-blank input line: its number, its bytes (None when over-long: not kept), and
    either the event or the error that stops it. Immutable (a named tuple: one is made per input
    line, and an attrs class costs ten times as much to make)."""

    number: int
    data: bytes | None
    length: int
    event: Any = None
    error: str | None = None

    @property
    def raw(self) -> dict[str, Any]:
        """The line for a dead-letter row, to replay it: ``raw``, the line as text (exact when
        it is UTF-8; else with each bad byte written ``\\xNN``), and when it is not UTF-8,
        ``raw_base64``, its exact bytes. An over-long line is not kept: ``raw`` is None and
        ``length`` gives its size."""
        if self.data is None:
            return {"raw": None, "length": self.length}
        try:
            return {"raw": self.data.decode("utf-8")}
        except UnicodeDecodeError:
            return {
                "raw": self.data.decode("utf-8", "backslashreplace"),
                "raw_base64": base64.b64encode(self.data).decode("ascii"),
            }


class _NotFinite(ValueError):
    pass


def _constant(name: str) -> float:
    raise _NotFinite(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotFinite(f"the number {text[:40]} is too large for a double")
    return value


# Made once: json.loads with hooks would build a decoder per call.
_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_float)


def parse(data: bytes, max_depth: int = MAX_DEPTH) -> tuple[Any, str | None]:
    """The event in ``data`` (one line, or a whole file: a byte-order mark at its start is
    dropped), or None and why not (a message that reads after "line 3" or "the event":
    ``is not JSON: ...``)."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    return _parse_bytes(data, max_depth)


# Every digit as "0", every "[" as "{", every other byte as itself: one pass over a line gives
# both its brackets (a bound on its depth) and its runs of digits.
_DIGITS = bytes.maketrans(b"123456789[", b"000000000{")
_LONG_RUN = b"0" * 19
_NOT_ZERO = re.compile(b"[^0]").search
_BEFORE_NUMBER = frozenset(b":,[")
_JSON_SPACE = frozenset(b" \t\r\n")


def _may_hold_a_long_integer(data: bytes, digits: bytes) -> bool:
    """Whether a run of 19 digits or more in ``data`` (``digits``: ``data`` translated by
    ``_DIGITS``) may be an integer (orjson reads one beyond 64 bits as a float): a run that
    follows ``:``, ``,`` or ``[`` (with spaces and a minus sign between). A run in a string
    never does, unless the string holds such text (then the line is read by ``json``, as
    before: slower, the same result)."""
    at = digits.find(_LONG_RUN)
    while at >= 0:
        before = at - 1
        if before >= 0 and data[before] == 0x2D:  # "-"
            before -= 1
        while before >= 0 and data[before] in _JSON_SPACE:
            before -= 1
        if before < 0 or data[before] in _BEFORE_NUMBER:
            return True
        end = _NOT_ZERO(digits, at + len(_LONG_RUN))
        if end is None:
            return False
        at = digits.find(_LONG_RUN, end.start())
    return False


def _parse_bytes(data: bytes, max_depth: int) -> tuple[Any, str | None]:
    """As :func:`parse`, for a line without a byte-order mark: orjson first, ``json`` where the
    two would differ (see the module)."""
    try:
        event = _orjson_loads(data)
    except ValueError:  # orjson.JSONDecodeError: json gives the error, or accepts the line
        return _parse_json(data, max_depth)
    if type(event) is not dict and type(event) is not list:
        return _parse_json(data, max_depth)  # a float may be an integer beyond 64 bits
    digits = data.translate(_DIGITS)
    if _LONG_RUN in digits and _may_hold_a_long_integer(data, digits):
        return _parse_json(data, max_depth)
    # The line's brackets bound the depth (no byte of a multi-byte UTF-8 character is one).
    if digits.count(b"{") > max_depth and _deeper(event, max_depth):
        return None, f"is nested deeper than {max_depth} levels"
    return event, None


_orjson_loads = orjson.loads
_new_line: Any = tuple.__new__  # a Line made without a Python call: Line(...) costs one


def _parse_json(data: bytes, max_depth: int) -> tuple[Any, str | None]:
    """As :func:`parse`, for a line without a byte-order mark, by ``json`` alone."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (
            f"is not UTF-8: byte 0x{data[exc.start]:02x} at byte {exc.start + 1} cannot be decoded"
        )
    return parse_text(text, max_depth)


def parse_text(text: str, max_depth: int = MAX_DEPTH) -> tuple[Any, str | None]:
    """As :func:`parse`, for text."""
    deeper = f"is nested deeper than {max_depth} levels"
    try:
        event = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return None, f"is not JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return None, deeper
    except _NotFinite as exc:
        return None, f"is not JSON: {exc}"
    except ValueError as exc:  # Python's limit on the digits of an integer
        if "integer string conversion" not in str(exc):
            return None, f"is not JSON: {exc}"
        return None, (
            f"has an integer of more than {sys.get_int_max_str_digits():,} digits "
            "(Python's limit; PYTHONINTMAXSTRDIGITS changes it)"
        )
    # The text's brackets bound the depth: most events need no walk.
    if text.count("{") + text.count("[") > max_depth and _deeper(event, max_depth):
        return None, deeper
    return event, None


def _deeper(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays deeper than ``limit`` (itself level 1)."""
    if not isinstance(value, (dict, list)):
        return False
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def read_lines(
    handle: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES, max_depth: int = MAX_DEPTH
) -> Iterator[Line]:
    """Each non-blank line of ``handle``, numbered from 1, parsed (see the module)."""
    readline, new, limit = handle.readline, _new_line, max_line_bytes + 1
    chunk = readline(max_line_bytes + 4)  # the first line may start with a byte-order mark
    if chunk.startswith(_BOM):
        chunk = chunk[len(_BOM) :]
    number = 0
    while chunk:
        number += 1
        data = chunk[:-1] if chunk[-1] == 0x0A else chunk  # without its "\n"
        if len(data) > max_line_bytes:
            length, ended = len(data), data is not chunk
            while not ended:  # the rest of the line, in bounded chunks, dropped
                more = readline(_DRAIN)
                if not more:
                    break
                ended = more.endswith(b"\n")
                length += len(more) - ended
            limited = f"over the limit of {max_line_bytes:,} (--max-line-bytes)"
            yield new(Line, (number, None, length, None, f"is {length:,} bytes long, {limited}"))
        elif not data or data.isspace():  # ASCII whitespace only, as bytes.strip() strips
            pass
        elif data.startswith(_BOM):  # only the first line may start with one
            mark = "starts with a byte-order mark (only the first line may)"
            yield new(Line, (number, data, len(data), None, mark))
        else:
            yield new(Line, (number, data, len(data), *_parse_bytes(data, max_depth)))
        chunk = readline(limit)


OutcomeLines = Callable[[Outcome, int], tuple[Outcome, bytes]]
"""Gives the output line of an outcome of an input line, and the outcome it stands for."""


def outcome_lines(reveal_secrets: bool) -> OutcomeLines:
    """The output lines of one stream's outcomes: ``line(outcome, number)`` gives the line of
    an outcome of input line ``number`` (as shown, unless ``reveal_secrets``) and the outcome it
    stands for (an outcome JSON cannot hold, NaN, an infinity or nesting too deep, is written as
    a failed outcome of its line instead). A skipped or filtered outcome's line is written once
    and then given with each line number: the engine makes one such outcome per skip rule (and
    one for no match) and gives it for every event it stands for, so most lines are one of a
    few. Those lines are kept by the outcome's id, the outcome alongside (so its id is not
    reused while it is kept), at most :data:`SHARED_MAX` (then forgotten, and written again).
    One per stream: nothing is shared between streams or threads."""
    shared: dict[int, tuple[Outcome, bytes]] = {}

    def line(outcome: Outcome, number: int) -> tuple[Outcome, bytes]:
        kind = type(outcome)
        if kind is Skipped or kind is Filtered:
            known = shared.get(id(outcome))
            if known is not None and known[0] is outcome:
                return outcome, b"%s%d}\n" % (known[1], number)
            try:
                start = dump(outcome.to_dict())[:-2] + b',"line":'  # without its "}\n"
            except (ValueError, RecursionError):
                pass  # not text after all: written as any outcome
            else:
                if len(shared) >= SHARED_MAX:
                    shared.clear()
                shared[id(outcome)] = (outcome, start)
                return outcome, b"%s%d}\n" % (start, number)
        try:
            record = outcome.to_dict(reveal_secrets=reveal_secrets)
            record["line"] = number
            return outcome, dump(record)
        except (ValueError, RecursionError):
            message = "gave an outcome JSON cannot hold (NaN, an infinity, or nesting too deep)"
            failed = Failed((Problem("$", f"line {number} {message}"),))
            return failed, dump({**failed.to_dict(), "line": number})

    return line


SHARED_MAX = 1024
"""The most skipped and filtered outcome lines a function of :func:`outcome_lines` keeps."""


__all__ = [
    "MAX_DEPTH",
    "MAX_LINE_BYTES",
    "SHARED_MAX",
    "Line",
    "OutcomeLines",
    "dump",
    "outcome_lines",
    "parse",
    "parse_text",
    "read_lines",
]
