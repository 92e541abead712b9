"""Glob patterns for ``match``: ``*`` (any run), ``?`` (one character), ``[abc]``, ``[a-z]``,
``[!a]`` (not a), ``\\x`` (the character x). Whole string, case-sensitive. Translated to a
regular expression once per pattern (bounded length, cached)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

MAX_PATTERN_LENGTH = 1_000


def glob_to_regex(pattern: str) -> str:
    """The regular expression for a glob. Raises ValueError for a reversed range (`[z-a]`)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            parsed = _bracket(pattern, i)
            if parsed is None:
                out.append(re.escape(char))
            else:
                regex, i = parsed
                out.append(regex)
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """A character class starting at ``pattern[start] == '['``: its regex and the index of its
    closing ``]``, or None when it is never closed (then ``[`` is an ordinary character). A
    ``]`` right after ``[`` or ``[!`` is a member; ``\\x`` is the character x."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    if negate:
        i += 1
    members: list[str] = []
    escaped: list[bool] = []  # an escaped `-` is a member, never a range
    first = True
    while i < len(pattern):
        char = pattern[i]
        if char == "]" and not first:
            break
        escape = char == "\\" and i + 1 < len(pattern)
        if escape:
            i += 1
            char = pattern[i]
        members.append(char)
        escaped.append(escape)
        first = False
        i += 1
    else:
        return None
    parts: list[str] = []
    j = 0
    while j < len(members):
        if j + 2 < len(members) and members[j + 1] == "-" and not escaped[j + 1]:
            low, high = members[j], members[j + 2]
            if low > high:
                raise ValueError(f"the range {low}-{high} is reversed; write {high}-{low}")
            parts.append(f"{re.escape(low)}-{re.escape(high)}")
            j += 3
        else:
            parts.append(re.escape(members[j]))
            j += 1
    return f"[{'^' if negate else ''}{''.join(parts)}]", i


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"glob pattern longer than {MAX_PATTERN_LENGTH} characters")
    return re.compile(glob_to_regex(pattern), re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    try:
        regex = compile_glob(pattern)
    except (ValueError, re.error):
        return False
    return regex.fullmatch(value) is not None


_SPECIAL = frozenset("*?[\\")


def glob_tester(pattern: str) -> Callable[[str], bool]:
    """A test of whole strings against ``pattern``, as cheap as the pattern allows: plain text
    is ``==``, ``abc*`` a prefix test, ``*abc`` a suffix test, ``*abc*`` a substring test, and
    anything else a compiled regular expression. Raises ValueError for an over-long pattern."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"glob pattern longer than {MAX_PATTERN_LENGTH} characters")
    core = pattern.strip("*")
    if not _SPECIAL & set(core):
        leading, trailing = pattern.startswith("*"), pattern.endswith("*") and core != ""
        if not pattern:
            return "".__eq__
        if not core:
            return lambda value: True
        if leading and trailing:
            return lambda value: core in value
        if leading:
            return lambda value: value.endswith(core)
        if pattern.endswith("*"):
            return lambda value: value.startswith(core)
        return core.__eq__
    fullmatch = compile_glob(pattern).fullmatch
    return lambda value: fullmatch(value) is not None
