"""Globs for `match`: without backslashes they mean what the standard library's fnmatchcase
means (a second, independent implementation); backslash escapes, and the cheap tests literal
patterns compile to, agree with the regular expression of the whole pattern (the reference:
:func:`glob_to_regex`; the matcher itself never backtracks)."""

from __future__ import annotations

import fnmatch
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.fql.glob import (
    MAX_PATTERN_LENGTH,
    Glob,
    compile_glob,
    glob_match,
    glob_tester,
    glob_to_regex,
)

pattern_chars = st.text(alphabet="ab*?[]!-^\\c.", max_size=8)
subjects = st.text(alphabet="abc]![-*?\\.\n", max_size=6)


@settings(max_examples=300, deadline=None)
@given(pattern_chars.filter(lambda p: "\\" not in p and "[^" not in p), subjects)
def test_agrees_with_fnmatchcase(pattern: str, subject: str) -> None:
    # fnmatch reads "[^" as a class holding "^"; FQL reads it as "[!" (none of), as
    # docs/fql.md says: those patterns are tested below.
    try:
        compile_glob(pattern)
    except ValueError:  # a reversed range: a compile error for literals, no match otherwise
        assert glob_match(pattern, subject) is False
        return
    assert glob_match(pattern, subject) is fnmatch.fnmatchcase(subject, pattern), pattern


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [("[^?]", "?", False), ("[^?]", "a", True), ("[^a-c]x", "dx", True), ("[^a-c]x", "bx", False)],
)
def test_caret_after_bracket_is_none_of(pattern: str, subject: str, expected: bool) -> None:
    assert glob_match(pattern, subject) is expected
    assert glob_match(pattern.replace("[^", "[!"), subject) is expected


@settings(max_examples=300, deadline=None)
@given(pattern_chars, subjects)
def test_fast_tests_agree_with_the_regular_expression(pattern: str, subject: str) -> None:
    try:
        tester = glob_tester(pattern)
    except ValueError:
        return
    reference = re.fullmatch(glob_to_regex(pattern), subject, re.DOTALL) is not None
    assert tester(subject) is reference, pattern


@settings(max_examples=1000, deadline=None)
@given(
    st.text(alphabet="ab*?[]!-^\\\n", max_size=10),
    st.text(alphabet="ab]![-*?\\\n", max_size=12),
)
def test_matcher_agrees_with_the_reference_regular_expression(pattern: str, subject: str) -> None:
    try:
        glob = Glob(pattern)
    except ValueError:
        with pytest.raises(ValueError, match="reversed"):
            glob_to_regex(pattern)
        return
    reference = re.fullmatch(glob_to_regex(pattern), subject, re.DOTALL) is not None
    assert glob.matches(subject) is reference, (pattern, subject)


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("ab\\*d", "ab*d", True),
        ("ab\\*d", "abxd", False),
        ("a\\?c", "a?c", True),
        ("a\\?c", "abc", False),
        ("\\[x]", "[x]", True),
        ("a\\\\b", "a\\b", True),
        ("[\\]]", "]", True),
        ("trailing\\", "trailing\\", True),
        ("[a\\-z]", "-", True),
        ("[a\\-z]", "b", False),
        ("[a-z]", "b", True),
    ],
)
def test_backslash_escapes(pattern: str, subject: str, expected: bool) -> None:
    assert glob_match(pattern, subject) is expected
    assert glob_tester(pattern)(subject) is expected


def test_pattern_length_is_bounded() -> None:
    with pytest.raises(ValueError, match="longer than"):
        glob_tester("a" * (MAX_PATTERN_LENGTH + 1))
    assert glob_match("a" * (MAX_PATTERN_LENGTH + 1), "a") is False
