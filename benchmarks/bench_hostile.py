"""Time per adversarial input for each reader of event data and pack text that used to
backtrack, before (the regular expression it replaced) and now; and, now, at 100 kB.

Run: python benchmarks/bench_hostile.py

A second table gives the everyday cost of globs on ordinary event names, old and new.

The old readers are run on inputs small enough to finish (their cost grows with the square of
the size, or exponentially for globs); the new ones on the same input and on 100 kB.
"""

from __future__ import annotations

import re
import time
import timeit
from collections.abc import Callable
from typing import Any

from actions import fql
from actions.destinations.fields import FieldSpec, Invalid, compile_field
from actions.fql.glob import Glob, glob_to_regex
from actions.mapping import compile as compile_mapping
from actions.mapping.paths import PathSyntaxError, parse_path
from actions.mapping.template import placeholders

BIG = 100_000

# The regular expressions that were replaced, as they were.
OLD_NUMBER = re.compile(r"^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")
OLD_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
OLD_PLACEHOLDER = re.compile(r"\{\{\{([^}]*)\}\}\}|\{\{([^}]*)\}\}")
OLD_JSONPATH = re.compile(r"\*|\.\.|\[\s*\?|\[[^\]]*:[^\]]*\]|\[\s*\d+\s*,")


def _field(kind: str, **options: Any) -> Callable[[Any], Any]:
    coerce = compile_field(FieldSpec(name="x", type=kind, **options))

    def run(value: Any) -> Any:
        try:
            return coerce(value)
        except Invalid as exc:
            return exc.message

    return run


def _path(text: str) -> Any:
    try:
        return parse_path(text)
    except PathSyntaxError as exc:
        return str(exc)


def _old_glob(pattern: str) -> Callable[[str], Any]:
    regex = re.compile(glob_to_regex(pattern), re.DOTALL)
    return regex.fullmatch


def _trigger(text: str) -> Callable[[str], Any]:
    matches = fql.compile(text).matches
    return lambda value: matches({"event": value})


def _convert(to: str) -> Callable[[str], Any]:
    compiled = compile_mapping({"n": {"@convert": {"to": to, "value": {"@path": "$.v"}}}})
    return lambda value: compiled.apply({"v": value}, {})


# name, input (a function of the size), old reader or None, size for the old one, new reader
CASES: list[tuple[str, str, Callable[[int], Any], Callable[[Any], Any] | None, int, Callable[[Any], Any]]] = [  # noqa: E501
    ("number field", '"1" * n + "x"', lambda n: "1" * n + "x", OLD_NUMBER.match, 8_000,
     _field("number")),
    ("integer field", '"1" * n + "x"', lambda n: "1" * n + "x", None, 0, _field("integer")),
    ("email format", '"a@" + "." * n + "@"', lambda n: "a@" + "." * n + "@", OLD_EMAIL.match,
     10_000, _field("string", format="email")),
    ("FQL match '*a*a*a*a*b'", '"a" * n', lambda n: "a" * n, _old_glob("*a*a*a*a*b"), 120,
     _trigger("match(event, '*a*a*a*a*b')")),
    ("FQL match '*[ab]*[ab]*[ab]*c'", '"ab" * (n // 2)', lambda n: "ab" * (n // 2),
     _old_glob("*[ab]*[ab]*[ab]*c"), 200, _trigger("match(event, '*[ab]*[ab]*[ab]*c')")),
    ("FQL match, 800-character pattern", '"a" * n', lambda n: "a" * n, None, 0,
     _trigger("match(event, '*" + "?a" * 400 + "b*')")),
    ("FQL number()", '"1" * n + "x"', lambda n: "1" * n + "x", OLD_NUMBER.match, 8_000,
     _trigger("number(event) > 0")),
    ("@convert to number", '"1" * n + "x"', lambda n: "1" * n + "x", None, 0,
     _convert("number")),
    ("template placeholders", '"{" * n', lambda n: "{" * n, OLD_PLACEHOLDER.findall, 10_000,
     placeholders),
    ("path (JSONPath markers)", '"[" * n', lambda n: "[" * n, OLD_JSONPATH.search, 10_000,
     _path),
]  # fmt: skip


def timed(reader: Callable[[Any], Any], value: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        reader(value)
        best = min(best, time.perf_counter() - start)
    return best


def _show(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def main() -> None:
    print("| reader | input | old, n | old | new, same n | new, n = 100,000 |")
    print("|---|---|---|---|---|---|")
    for name, shape, make, old, old_size, new in CASES:
        new(make(8))  # compile and cache what the reader needs
        if old is not None:
            value = make(old_size)
            old_time = _show(timed(old, value, 1))
            same = _show(timed(new, value, 5))
            size = f"{old_size:,}"
        else:
            old_time = same = size = "—"
        big = _show(timed(new, make(BIG), 3))
        print(f"| {name} | `{shape}` | {size} | {old_time} | {same} | {big} |", flush=True)


NAMES = ["Order Completed", "Product Viewed", "Checkout Step 2 Viewed", "Signed Up", "Cart Viewed"]
GLOBS = ["Order ?ompleted", "*Product [A-Z]*", "Checkout*Step ?*", "[!S]*ed", "*o*e*"]


def ordinary_globs() -> None:
    """The everyday cost: globs that are not a plain prefix, suffix or substring test, on
    ordinary event names, old (the whole-pattern regular expression) and new."""
    print()
    print("| glob, on 5 ordinary event names | old, per name | new, per name |")
    print("|---|---|---|")
    for pattern in GLOBS:
        new = Glob(pattern).matches
        old = re.compile(glob_to_regex(pattern), re.DOTALL).fullmatch
        tests = (
            lambda old=old: [old(n) is not None for n in NAMES],
            lambda new=new: [new(n) for n in NAMES],
        )
        runs = 20_000 * len(NAMES)
        costs = [min(timeit.repeat(t, number=20_000, repeat=7)) / runs for t in tests]
        print(f"| `{pattern}` | {costs[0] * 1e9:.0f} ns | {costs[1] * 1e9:.0f} ns |", flush=True)


if __name__ == "__main__":
    main()
    ordinary_globs()
