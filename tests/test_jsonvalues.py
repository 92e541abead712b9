"""Compact JSON text: the C encoder made once, and its stand-in, agree with ``json.dumps``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actions.jsonvalues import COMPACT_CHUNKS, _python_chunks, compact_json

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8")),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_compact_json_is_json_dumps_compact_with_utf8_kept(value: Any) -> None:
    want = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert compact_json(value) == want
    assert "".join(COMPACT_CHUNKS(value, 0)) == want
    assert "".join(_python_chunks(value, 0)) == want


def test_values_that_are_not_json_are_written_as_their_text() -> None:
    class Stamp:
        def __str__(self) -> str:
            return "2026-12-05"

    assert compact_json({"at": Stamp(), "n": [1, 2.5]}) == '{"at":"2026-12-05","n":[1,2.5]}'
    assert "".join(_python_chunks({"at": Stamp()}, 0)) == '{"at":"2026-12-05"}'
