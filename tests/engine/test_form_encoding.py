"""Form bodies are written exactly as ``urllib.parse.urlencode`` writes them."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from hypothesis import given
from hypothesis import strategies as st

from actions.destinations.request import form_encode, quote_form

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


@given(st.text(st.characters(blacklist_categories=())) | texts)
def test_quote_form_is_quote_plus(text: str) -> None:
    """Any text, lone surrogates included (both raise the same error for those)."""
    try:
        expected: str | type[Exception] = quote_plus(text)
    except UnicodeEncodeError:
        expected = UnicodeEncodeError
    try:
        got: str | type[Exception] = quote_form(text)
    except UnicodeEncodeError:
        got = UnicodeEncodeError
    assert got == expected


@given(st.lists(st.tuples(texts, texts), max_size=8), st.lists(texts, max_size=4))
def test_keys_encoded_before_give_the_same_text(
    items: list[tuple[str, str]], known: list[str]
) -> None:
    keys = {key: quote_form(key) for key in known}
    assert form_encode(items, keys) == urlencode(items)
