"""Every regular expression and small parser that reads event data, settings or pack text stays
linear on hostile input: each case feeds one adversarial input of about 100 kB (or the longest
input its reader accepts, when that is shorter) and must finish well within a generous bound.
The quadratic or exponential patterns these replaced took seconds on a few kilobytes; the
figures are in benchmarks/bench_hostile.py and docs/performance.md."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from actions import fql
from actions.cli.jsonlines import _parse_bytes
from actions.destinations.fields import FieldSpec, Invalid, compile_field
from actions.fql.functions import BUILTIN_FUNCTIONS
from actions.fql.glob import glob_match
from actions.fql.parser import MAX_LENGTH as FQL_MAX_LENGTH
from actions.jsonvalues import number_from_text
from actions.mapping import compile as compile_mapping
from actions.mapping.paths import PathSyntaxError, parse_path
from actions.mapping.template import placeholders

BOUND = 1.0
"""Seconds: generous (most cases take milliseconds; the slowest, @replace ignoring case with
the longest pattern, about 0.35 s), so a loaded machine does not fail it."""
N = 100_000


def _json_line(line: bytes) -> Any:
    return _parse_bytes(line, 64)


def _in_string(text: bytes) -> bytes:
    return b'{"a": "' + text + b'"}'


def _field(kind: str, **options: Any) -> Callable[[Any], Any]:
    coerce = compile_field(FieldSpec(name="x", type=kind, **options))

    def run(value: Any) -> Any:
        try:
            return coerce(value)
        except Invalid as exc:
            return exc.message

    return run


def _fql_function(name: str) -> Callable[[Any], Any]:
    return BUILTIN_FUNCTIONS[name].implementation


def _trigger(text: str) -> Callable[[Any], Any]:
    return fql.compile(text).matches


def _parse_fql(text: str) -> Any:
    try:
        return fql.compile(text)
    except fql.FQLSyntaxError as exc:
        return exc.kind


def _mapping(mapping: dict[str, Any]) -> Callable[[Any], Any]:
    compiled = compile_mapping(mapping)
    return lambda event: compiled.apply(event, {})


def _path(text: str) -> Any:
    try:
        return parse_path(text)
    except PathSyntaxError as exc:
        return str(exc)


def _lint_disable(line: str) -> Any:
    from actions.lint.runner import _DISABLE

    return _DISABLE.search(line)


def _plain_keys(text: str) -> Any:
    return fql.format(fql.parse(f"properties.{text} = 1"))


def _schema_patterns(key: str) -> Any:
    from actions.destinations.loading import schema_problems
    from actions.destinations.schema import DESTINATION_SCHEMA

    return schema_problems({key: 1, "slug": key}, DESTINATION_SCHEMA, None)


ones = "1" * N
CASES: list[tuple[str, Callable[[Any], Any], Any]] = [
    # Field coercion (per event): numbers, integers and formats.
    ("number field, digits then junk", _field("number"), ones + "x"),
    ("number field, digits with a dot then junk", _field("number"), ones + "." + ones + "x"),
    ("number field, exponent then junk", _field("number"), "1e" + ones + "x"),
    ("number field, spaces then junk", _field("number"), " " * N + "1 x"),
    ("number field, too many digits", _field("number"), ones),
    ("integer field, digits then junk", _field("integer"), ones + "x"),
    ("integer field, too many digits", _field("integer"), ones),
    ("email format, dots", _field("string", format="email"), "a@" + "." * N + "@"),
    ("email format, labels", _field("string", format="email"), "a@" + "b." * (N // 2) + " "),
    ("uri format", _field("string", format="uri"), "a" + "+" * N + " "),
    ("uuid format", _field("string", format="uuid"), "0" * N),
    ("ipv4 format", _field("string", format="ipv4"), "1." * (N // 2)),
    ("ipv6 format", _field("string", format="ipv6"), "1:" * (N // 2)),
    ("date format", _field("string", format="date"), "2026-" * (N // 5)),
    ("date-time format", _field("string", format="date-time"), "2026-01-01T" + "0" * N),
    ("datetime field", _field("datetime"), ones + "x"),
    ("number read from text", number_from_text, ones + ".5e" + ones + "x"),
    # FQL functions and globs (per event).
    ("FQL number()", _fql_function("number"), ones + "x"),
    ("FQL snakecase(), capitals", _fql_function("snakecase"), "A" * N + "a"),
    ("FQL kebabcase(), mixed", _fql_function("kebabcase"), "aA1é_" * (N // 5)),
    ("FQL match, inner stars", _trigger("match(event, '*a*a*a*a*b')"), {"event": "a" * N}),
    (
        "FQL match, inner stars, last found",
        _trigger("match(event, '*a*a*a*a*b*c')"),
        {"event": "a" * N + "b"},
    ),
    (
        "FQL match, sets and ?",
        _trigger("match(event, '*[ab]?[!c]*?a?b*d')"),
        {"event": "ab" * (N // 2)},
    ),
    (
        "FQL match, pattern read from the event",
        _trigger("match(event, properties.pattern)"),
        {"event": "a" * N, "properties": {"pattern": "*" + "?a" * 400 + "b*"}},
    ),
    ("FQL match, longest pattern", lambda v: glob_match("*a" * 500, v), "a" * N),
    # Mapping directives (per event).
    (
        "@convert to number",
        _mapping({"n": {"@convert": {"to": "number", "value": {"@path": "$.v"}}}}),
        {"v": "+" + ones + "x"},
    ),
    (
        "@convert to unix_seconds",
        _mapping({"n": {"@convert": {"to": "unix_seconds", "value": {"@path": "$.v"}}}}),
        {"v": ones + "e"},
    ),
    (
        "@replace, ignoring case",
        _mapping(
            {
                "s": {
                    "@replace": {
                        "value": {"@path": "$.v"},
                        "pattern": "a" * 255 + "b",
                        "ignorecase": True,
                    }
                }
            }
        ),
        {"v": "a" * N},
    ),
    # An input line of actions run (the search for integers orjson would read as floats).
    ("JSON line, one run of digits in a string", _json_line, _in_string(b"1" * N)),
    (
        "JSON line, runs of 19 digits in a string",
        _json_line,
        _in_string((b"x" + b"1" * 19) * (N // 20)),
    ),
    (
        "JSON line, spaces before each run",
        _json_line,
        _in_string((b" " * 80 + b"9" * 19) * (N // 99)),
    ),
    (
        "JSON line, colons and digits",
        _json_line,
        _in_string((b":" + b" -" * 15 + b"8" * 19) * (N // 50)),
    ),
    (
        "JSON line, long integers",
        _json_line,
        b"[" + b"1" * 19 + (b"," + b"1" * 19) * (N // 20) + b"]",
    ),
    # Pack text (compile time; the readers themselves take any length).
    ("template placeholders, open braces", placeholders, "{" * N),
    ("template placeholders, open triples", placeholders, "{{{a}" * (N // 5)),
    ("path, open brackets", _path, "[" * N),
    ("path, open brackets and colons", _path, "[:" * (N // 2)),
    ("path, open quoted key", _path, "['" + "a" * N),
    ("path, spaces in brackets", _path, "[ " * (N // 2)),
    ("FQL trigger, digits then junk", _parse_fql, "x = " + "1" * (FQL_MAX_LENGTH - 6) + "x"),
    ("FQL trigger, unclosed string", _parse_fql, "x = '" + "a" * (FQL_MAX_LENGTH - 5)),
    ("FQL trigger, path of dots", _parse_fql, "a" + ".a" * (FQL_MAX_LENGTH // 2 - 1) + "."),
    ("FQL trigger, escapes", _parse_fql, "x = '" + "\\'" * (FQL_MAX_LENGTH // 2 - 3) + "'"),
    ("FQL format, plain keys", _plain_keys, "a" * (FQL_MAX_LENGTH - 20)),
    ("lint disable comment", _lint_disable, "#" + " " * N + "#actions:" + " " * N),
    ("lint disable comment, repeated", _lint_disable, "# actions:disable-line" * (N // 22)),
    ("schema key patterns", _schema_patterns, "x" + "-" * N + "@"),
]


@pytest.mark.parametrize(("reader", "value"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_adversarial_input_is_read_in_linear_time(reader: Callable[[Any], Any], value: Any) -> None:
    reader(value)  # a first call compiles and caches what it needs
    best = BOUND
    for _ in range(3):  # the best of three, so that a busy machine does not fail it
        start = time.perf_counter()
        reader(value)
        best = min(best, time.perf_counter() - start)
    assert best < BOUND


def test_the_cases_are_adversarial() -> None:
    # The inputs are as large as announced (or at a reader's own limit).
    sizes = [len(str(value)) for _, _, value in CASES]
    assert min(sizes) >= FQL_MAX_LENGTH - 20
    assert sum(size >= N for size in sizes) >= 30
