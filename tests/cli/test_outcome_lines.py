"""A skipped or filtered outcome's line is written once and given again with each line number:
byte for byte the line of its fields and the number, however many outcomes are met."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from actions.cli import jsonlines
from actions.cli.jsonlines import dump, outcome_line
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
    for outcome, number in pairs * 2:  # each outcome met twice: written, then given again
        assert outcome_line(outcome, number, False) == (outcome, _written(outcome, number))
        assert outcome_line(outcome, number + 1, True)[1] == _written(outcome, number + 1)


def test_past_the_limit_the_lines_are_written_again() -> None:
    many = [Skipped("s", "a", f"reason {n}") for n in range(jsonlines._SHARED_MAX + 5)]
    for number, outcome in enumerate(many * 2, start=1):
        assert outcome_line(outcome, number, False)[1] == _written(outcome, number)
    assert len(jsonlines._shared_lines) <= jsonlines._SHARED_MAX
