"""Glob patterns for ``match``: ``*`` (any run), ``?`` (one character), ``[abc]``, ``[a-z]``,
``[!a]`` (not a), ``\\x`` (the character x). Whole string, case-sensitive.

A pattern is compiled once (bounded length, cached) into the fixed-width *segments* between its
``*``; matching never backtracks. Without a ``*`` the string must be the one segment. Otherwise
the first segment must start the string, the last must end it, and each one in between is found
at its leftmost place after the one before (leftmost is always right: a segment has a fixed
width, so taking it earlier never leaves less room for the rest). A segment of plain text is
found by ``str.find``; a segment with ``?`` or a set by a regular expression with no repetition
and no alternation, which tries each start position once, in at most its width in steps. A
string of n characters against a pattern of m characters costs O(n·m) at worst, and about O(n)
for the usual patterns. :func:`glob_to_regex`, the translation of a whole pattern into one
regular expression, is the reference the matcher is tested against; it is not used to match
(its ``.*`` backtrack: ``*a*a*a*a*b`` costs seconds on a 200-character string).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

MAX_PATTERN_LENGTH = 1_000

_Token = tuple[str, str | None] | None
"""``None`` for a ``*`` (a run of them is one); else the regular expression of one character
(``.`` for ``?``, a class for a set, an escaped character otherwise) and the character itself
when it is a plain one."""


def _tokens(pattern: str) -> list[_Token]:
    """The pattern as tokens. Raises ValueError for a reversed range."""
    out: list[_Token] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append((re.escape(pattern[i + 1]), pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
            out.append(None)
        elif char == "?":
            out.append((".", None))
        elif char == "[":
            parsed = _bracket(pattern, i)
            if parsed is None:
                out.append((re.escape(char), char))
            else:
                regex, i = parsed
                out.append((regex, None))
        else:
            out.append((re.escape(char), char))
        i += 1
    return out


def glob_to_regex(pattern: str) -> str:
    """The regular expression of a whole glob (``*`` as ``.*``; match with ``re.DOTALL``).
    The reference the matcher is tested against, not used to match. Raises ValueError for a
    reversed range (`[z-a]`)."""
    return "".join(".*" if token is None else token[0] for token in _tokens(pattern))


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


class _Segment:
    """A part of a pattern between two ``*``: ``width`` characters, plain ``text`` or, when it
    has ``?`` or a set, a regular expression without repetition or alternation."""

    __slots__ = ("regex", "text", "width")

    def __init__(self, tokens: list[tuple[str, str | None]]) -> None:
        self.width = len(tokens)
        chars = [char for _, char in tokens if char is not None]
        self.text: str | None = None
        self.regex: re.Pattern[str] | None = None
        if len(chars) == len(tokens):
            self.text = "".join(chars)
        else:
            self.regex = re.compile("".join(regex for regex, _ in tokens), re.DOTALL)


def _unused(value: str, start: int = 0, end: int = 0) -> re.Match[str] | None:
    """The stand-in for the regular expression of a plain-text segment (never called)."""
    raise AssertionError(value)


def _matcher(segments: list[_Segment]) -> Callable[[str], bool]:
    """The test of whole strings for a pattern's segments: one closure, with each segment's
    text or bound regular-expression method read once (no call per segment but the search)."""
    total = sum(segment.width for segment in segments)
    if len(segments) == 1:
        (only,) = segments
        if only.text is not None:
            return only.text.__eq__
        assert only.regex is not None
        fullmatch = only.regex.fullmatch
        return lambda value: fullmatch(value) is not None
    head, tail = segments[0], segments[-1]
    head_text, tail_text, tail_width = head.text, tail.text, tail.width
    head_match = head.regex.match if head.regex is not None else _unused
    tail_match = tail.regex.match if tail.regex is not None else _unused
    start = head.width
    middle = tuple(
        (s.text, s.regex.search if s.regex is not None else _unused, s.width)
        for s in segments[1:-1]  # never empty: a run of * is one token
    )

    def matches(value: str) -> bool:
        size = len(value)
        if size < total:
            return False
        end = size - tail_width
        if head_text is not None:
            if not value.startswith(head_text):
                return False
        elif head_match(value) is None:
            return False
        if tail_text is not None:
            if not value.endswith(tail_text):
                return False
        elif tail_match(value, end) is None:
            return False
        position = start
        for text, search, width in middle:
            if text is not None:
                position = value.find(text, position, end)
                if position < 0:
                    return False
            else:
                found = search(value, position, end)
                if found is None:
                    return False
                position = found.start()
            position += width
        return True

    return matches


class Glob:
    """A compiled glob: ``matches(value)`` tests whole strings (see the module's docstring for
    the cost)."""

    __slots__ = ("matches", "pattern")

    def __init__(self, pattern: str) -> None:
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise ValueError(f"glob pattern longer than {MAX_PATTERN_LENGTH} characters")
        self.pattern = pattern
        segments: list[_Segment] = []
        current: list[tuple[str, str | None]] = []
        for token in _tokens(pattern):
            if token is None:
                segments.append(_Segment(current))
                current = []
            else:
                current.append(token)
        segments.append(_Segment(current))
        self.matches: Callable[[str], bool] = _matcher(segments)

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> Glob:
    """The compiled glob (cached). Raises ValueError for a bad pattern (too long, or a
    reversed range)."""
    return Glob(pattern)


def glob_match(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern``; a bad pattern matches nothing."""
    try:
        glob = compile_glob(pattern)
    except ValueError:
        return False
    return glob.matches(value)


_SPECIAL = frozenset("*?[\\")


def glob_plan(pattern: str) -> tuple[str, str]:
    """The cheapest test that means the same as ``pattern``: ``("equals", text)``,
    ``("prefix", text)`` for ``abc*``, ``("suffix", text)`` for ``*abc``, ``("contains", text)``
    for ``*abc*``, ``("any", "")`` for ``*``, or ``("glob", pattern)``. Raises ValueError for a
    bad pattern."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"glob pattern longer than {MAX_PATTERN_LENGTH} characters")
    core = pattern.strip("*")
    if _SPECIAL & set(core):
        compile_glob(pattern)  # raises for a bad pattern
        return ("glob", pattern)
    if not pattern:
        return ("equals", "")
    if not core:
        return ("any", "")
    leading, trailing = pattern.startswith("*"), pattern.endswith("*")
    if leading and trailing:
        return ("contains", core)
    if leading:
        return ("suffix", core)
    if trailing:
        return ("prefix", core)
    return ("equals", core)


def glob_tester(pattern: str) -> Callable[[str], bool]:
    """A test of whole strings against ``pattern``, as cheap as :func:`glob_plan` allows.
    Raises ValueError for a bad pattern."""
    kind, text = glob_plan(pattern)
    if kind == "equals":
        return text.__eq__
    if kind == "any":
        return lambda value: True
    if kind == "contains":
        return lambda value: text in value
    if kind == "suffix":
        return lambda value: value.endswith(text)
    if kind == "prefix":
        return lambda value: value.startswith(text)
    return compile_glob(pattern).matches
