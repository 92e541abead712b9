"""A skipped or filtered outcome's line is written once and given again with each line number:
byte for byte the line of its fields and the number, however many outcomes are met."""

from __future__ import annotations

import inspect

from hypothesis import given
from hypothesis import strategies as st

from actions.cli.jsonlines import SHARED_MAX, dump, outcome_lines
from actions.engine.outcomes import Filtered, Outcome, Skipped

texts = st.text(st.characters(blacklist_categories=())) | st.sampled_from(["", "null", '"}'])
outcomes = st.builds(Skipped, st.none() | texts, st.none() | texts, texts) | st.builds(
    Filtered, texts, st.none() | texts
)


def _written(outcome: Outcome, number: int) -> bytes:
    return dump({**outcome.to_dict(), "line": number})


@given(st.lists(st.tuples(outcomes, st.integers(1, 10**12)), min_size=1, max_size=6))
def test_a_shared_outcome_gives_its_line_with_each_number(
    pairs: list[tuple[Outcome, int]],
) -> None:
    shown, revealed = outcome_lines(False), outcome_lines(True)
    for outcome, number in pairs * 2:  # each outcome met twice: written, then given again
        assert shown(outcome, number) == (outcome, _written(outcome, number))
        assert revealed(outcome, number + 1)[1] == _written(outcome, number + 1)


def test_past_the_limit_the_lines_are_written_again() -> None:
    lines = outcome_lines(False)
    many = [Skipped("s", "a", f"reason {n}") for n in range(SHARED_MAX + 5)]
    for number, outcome in enumerate(many * 2, start=1):
        assert lines(outcome, number)[1] == _written(outcome, number)
    assert len(_kept(lines)) <= SHARED_MAX


def test_each_stream_keeps_its_own_lines() -> None:
    first, second = outcome_lines(False), outcome_lines(False)
    outcome = Filtered("no enabled subscription matched the event")
    assert first(outcome, 1)[1] == second(outcome, 2)[1].replace(b"2}", b"1}")
    assert _kept(first) is not _kept(second)
    assert len(_kept(first)) == len(_kept(second)) == 1


def _kept(lines: object) -> dict[int, object]:
    """The lines an ``outcome_lines`` function keeps."""
    found: dict[int, object] = inspect.getclosurevars(lines).nonlocals["shared"]  # type: ignore[arg-type]
    return found
