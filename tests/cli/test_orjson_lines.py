"""Reading lines with orjson gives exactly what Python's json gives (actions.cli.jsonlines read
with orjson first, against the same reader with json alone), on every input: ``actions run``,
``diff`` and ``profile`` read lines this way."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.cli import jsonlines
from actions.cli.jsonlines import MAX_DEPTH, Line


def _typed(line: Line) -> tuple[Any, ...]:
    """A line with its event as JSON text: 1 and 1.0, True and 1 are told apart."""
    event = json.dumps(line.event) if line.error is None else None
    return (line.number, line.data, line.length, line.error, event)


@contextmanager
def _json_alone() -> Iterator[None]:
    """The reader with orjson refusing every line, so that json parses each one."""

    def refuse(data: bytes) -> Any:
        raise ValueError("json alone")

    saved = jsonlines._orjson_loads
    jsonlines._orjson_loads = refuse
    try:
        yield
    finally:
        jsonlines._orjson_loads = saved


def _same(data: bytes, max_line_bytes: int = jsonlines.MAX_LINE_BYTES, depth: int = 64) -> None:
    fast = [_typed(x) for x in jsonlines.read_lines(io.BytesIO(data), max_line_bytes, depth)]
    with _json_alone():
        slow = [_typed(x) for x in jsonlines.read_lines(io.BytesIO(data), max_line_bytes, depth)]
    assert fast == slow


# Lines where orjson and Python's json differ (each must end as Python reads it), and others.
LINES = {
    "an integer past 64 bits": b'{"n": 18446744073709551616}',
    "a negative integer past 64 bits": b'{"n": -9223372036854775809}',
    "the largest unsigned 64-bit integer": b'{"n": 18446744073709551615}',
    "19 digits in a string": b'{"id": "1234567890123456789"}',
    "an integer of 5,000 digits": b'{"n": ' + b"9" * 5000 + b"}",
    "a lone surrogate": b'{"a": "x\\ud800"}',
    "a reversed surrogate pair": b'{"a": "\\udc00\\ud800"}',
    "a surrogate pair": b'{"a": "\\ud83d\\ude00"}',
    "an encoded surrogate": b'{"a": "\xed\xa0\x80"}',
    "invalid UTF-8": b'{"a": "\xff"}',
    "NaN": b'{"a": NaN}',
    "-Infinity": b'{"a": -Infinity}',
    "a float overflowing": b'{"a": 1e999}',
    "a float underflowing": b'{"a": 1e-400}',
    "negative zero": b'{"a": -0.0, "b": -0}',
    "duplicate keys": b'{"a": 1, "b": 2, "a": 3}',
    "a control character": b'{"a": "\x01"}',
    "a NUL escape": b'{"\\u0000": 1}',
    "trailing data": b'{"a": 1} 2',
    "a carriage return": b'{"a": 1}\r',
    "whitespace around": b' \t{"a": 1} ',
    "a byte-order mark after the first line": b'\xef\xbb\xbf{"a": 1}',
    "a byte-order mark inside": b' \xef\xbb\xbf{"a": 1}',
    "exactly the depth limit": b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,
    "one level too deep": b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
    "many brackets, shallow": b"[" + b"[],{}," * 40 + b"1]",
    "brackets in strings": b'{"a": "' + b"[{" * 50 + b'"}',
    "10,000 levels": b"[" * 10_000 + b"]" * 10_000,
    "a string event": b'"hello"',
    "null": b"null",
    "not JSON": b"{not json",
}


@pytest.mark.parametrize("line", LINES.values(), ids=LINES.keys())
@pytest.mark.parametrize("first", [True, False], ids=["first line", "second line"])
def test_each_line_reads_as_actions_run_reads_it(line: bytes, first: bool) -> None:
    _same(line if first else b'{"a": 1}\n' + line + b"\n")
    _same(b"\xef\xbb\xbf" + line + b"\n\n" + line)


def test_over_long_lines_and_blank_lines() -> None:
    lines = [b"x" * 200, b"", b"  ", b'{"a": 1}', b'{"b": "' + b"y" * 100 + b'"}', b"\r"]
    _same(b"\n".join(lines) + b"\n", max_line_bytes=64)
    _same(b"\n".join(lines), max_line_bytes=64)


TEXT = st.text(st.characters(codec=None), max_size=12)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=30,
)


@given(st.lists(st.tuples(JSON_VALUES, st.booleans()), max_size=6), st.integers(1, 6))
def test_any_json_reads_the_same(values: list[tuple[Any, bool]], depth: int) -> None:
    """Values of any type and size (with lone surrogates written as escapes, or as raw UTF-8
    where they are not), at depth bounds small enough to meet."""
    lines = []
    for value, ascii_only in values:
        text = json.dumps(value, ensure_ascii=ascii_only)
        lines.append(text.encode("utf-8", "surrogatepass"))
    _same(b"\n".join(lines), depth=depth)


@given(st.lists(st.binary(max_size=80), max_size=12))
def test_any_bytes_read_the_same(pieces: list[bytes]) -> None:
    _same(b"\n".join(pieces), max_line_bytes=64)
