"""JSON lines read as :func:`actions.cli.jsonlines.read_lines` reads them, parsed by orjson
when it can (``actions diff`` and ``actions profile`` read large streams).

Every line gives the same :class:`~actions.cli.jsonlines.Line` as ``read_lines`` would: the same
bounds, numbers, bytes and errors (the property tests compare the two on arbitrary bytes). A
line goes to orjson only when orjson reads it as the standard library does; any other line is
parsed by :func:`~actions.cli.jsonlines.parse`, so its event or error is exactly what
``actions run`` gives:

- a line with an integer past 64 bits, which orjson reads as a float (Python keeps it exact, or
  refuses it past ``sys.get_int_max_str_digits()``): when a line has 19 digits in a row, its
  event is searched for a float of at least 2**63, and if it holds one, the line is parsed again;
- a line orjson refuses (it is not UTF-8, not JSON, holds NaN, a number that overflows to
  infinity or a lone surrogate such as ``"\\ud800"``, which Python keeps);
- a line with more ``{`` and ``[`` than the depth bound, whose depth must be walked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from actions.cli.jsonlines import MAX_DEPTH, MAX_LINE_BYTES, Line, parse

_BOM = b"\xef\xbb\xbf"
_DRAIN = 1 << 16
_DIGITS = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
"""A table for bytes.translate: each digit to 0, anything else to a space."""
_LONG_NUMBER = b"0" * 19
"""Nineteen digits in a row: maybe a number orjson does not read as Python does (an integer of
18 digits fits in 63 bits)."""
_LIMIT = 2.0**63


def _big_float(value: Any) -> bool:
    """Whether ``value`` holds a float of at least 2**63 (either sign): what orjson makes of an
    integer past 64 bits."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float and not -_LIMIT < item < _LIMIT:
            return True
    return False


def read_lines(
    handle: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES, max_depth: int = MAX_DEPTH
) -> Iterator[Line]:
    """Each non-blank line of ``handle``, numbered from 1, parsed (see the module)."""
    number = 0
    readline, loads, refused, digits = (
        handle.readline,
        orjson.loads,
        orjson.JSONDecodeError,
        _DIGITS,
    )
    while True:
        first = number == 0
        chunk = readline(max_line_bytes + (4 if first else 1))
        if not chunk:
            return
        number += 1
        ended = chunk.endswith(b"\n")
        data = chunk[:-1] if ended else chunk
        if first and data.startswith(_BOM):
            data = data[len(_BOM) :]
        if len(data) > max_line_bytes:
            length = len(data)
            while not ended:  # the rest of the line, in bounded chunks, dropped
                more = readline(_DRAIN)
                if not more:
                    break
                ended = more.endswith(b"\n")
                length += len(more) - ended
            yield Line(
                number,
                None,
                length,
                error=f"is {length:,} bytes long, over the limit of {max_line_bytes:,} "
                "(--max-line-bytes)",
            )
            continue
        if not data.strip():
            continue
        if data.startswith(_BOM):  # only the first line may start with one
            mark = "starts with a byte-order mark (only the first line may)"
            yield Line(number, data, len(data), error=mark)
            continue
        if data.count(b"{") + data.count(b"[") <= max_depth:
            try:
                event = loads(data)
            except refused:
                pass
            else:
                if _LONG_NUMBER not in data.translate(digits) or not _big_float(event):
                    yield Line(number, data, len(data), event)
                    continue
        event, error = parse(data, max_depth)
        yield Line(number, data, len(data), event, error)


__all__ = ["read_lines"]
