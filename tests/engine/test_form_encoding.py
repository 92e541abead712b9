"""Form bodies are written exactly as ``urllib.parse.urlencode`` writes them."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from actions.destinations.request import form_encode

texts = (
    st.text() | st.text(alphabet="abcXYZ019_.~-") | st.sampled_from(["", " ", "a b", "é", "+&="])
)


@given(st.lists(st.tuples(texts, texts), max_size=8))
def test_form_encode_is_urlencode(items: list[tuple[str, str]]) -> None:
    assert form_encode(items) == urlencode(items)


def test_plain_and_escaped_text() -> None:
    items = [("app_token", "4w565xzmb54d"), ("name", "Order Completed"), ("é", "a+b&c=d/~")]
    assert form_encode(items) == urlencode(items)
    assert form_encode(items).startswith("app_token=4w565xzmb54d&name=Order+Completed&")
