"""Glob patterns for ``match``: ``*`` (any run), ``?`` (one character), ``[abc]``, ``[a-z]``,
``[!a]`` (not a), ``\\x`` (the character x). Whole string, case-sensitive. Translated to a
regular expression once per pattern (bounded length, cached)."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_PATTERN_LENGTH = 1_000


def glob_to_regex(pattern: str) -> str:
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
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                negate = body[:1] in ("!", "^")
                if negate:
                    body = body[1:]
                body = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
                out.append(f"[{'^' if negate else ''}{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


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
