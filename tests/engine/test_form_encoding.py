"""Form bodies are written exactly as ``urllib.parse.urlencode`` writes them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote_plus, urlencode

from hypothesis import given
from hypothesis import strategies as st

from actions.destinations.request import form_body, form_value, quote_form

texts = (
    st.text() | st.text(alphabet="abcXYZ019_.~-") | st.sampled_from(["", " ", "a b", "é", "+&="])
)


def test_plain_and_escaped_text() -> None:
    items = [("app_token", "4w565xzmb54d"), ("name", "Order Completed"), ("é", "a+b&c=d/~")]
    assert form_body(dict(items), {}) == urlencode(items)
    assert form_body(dict(items), {}).startswith("app_token=4w565xzmb54d&name=Order+Completed&")


def _quoted(quote: Callable[[str], str], text: str) -> str | type[Exception]:
    """``quote(text)``, or the error's type (a lone surrogate cannot be encoded)."""
    try:
        return quote(text)
    except UnicodeEncodeError:
        return UnicodeEncodeError


@given(st.text(st.characters(blacklist_categories=())) | texts)
def test_quote_form_is_quote_plus(text: str) -> None:
    """Any text, lone surrogates included (both raise the same error for those)."""
    assert _quoted(quote_form, text) == _quoted(quote_plus, text)


@given(st.lists(st.text(st.characters(blacklist_categories=())) | texts, min_size=1, max_size=30))
def test_long_text_is_quoted_as_quote_plus(pieces: list[str]) -> None:
    """Text long enough for the interleaved tables (40 bytes or more), lone surrogates
    included; the text repeated past the threshold too."""
    for text in ("".join(pieces), "".join(pieces) * 40, "\x00 é" + "".join(pieces) * 3):
        assert _quoted(quote_form, text) == _quoted(quote_plus, text)


def test_every_byte_around_the_threshold() -> None:
    every = "".join(chr(c) for c in range(256)) + "☃\U0001f600"
    for size in range(30, 50):
        for start in range(0, len(every), 7):
            text = (every * 2)[start : start + size]
            assert quote_form(text) == quote_plus(text)


VALUES = (
    st.none()
    | texts
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
)
BODY_VALUES = VALUES | st.lists(VALUES, max_size=3) | st.dictionaries(texts, VALUES, max_size=3)


@given(st.dictionaries(texts, BODY_VALUES, max_size=8), st.lists(texts, max_size=4))
def test_a_form_body_is_urlencode_of_its_values_as_text(
    values: dict[str, object], known: list[str]
) -> None:
    keys = {key: quote_form(key) for key in known}
    items = [
        (k, v if type(v) is str else form_value(v)) for k, v in values.items() if v is not None
    ]
    assert form_body(values, keys) == urlencode(items)


@given(st.text(st.characters(blacklist_categories=())) | texts)
def test_a_url_placeholder_is_quoted_as_quote_with_nothing_safe(text: str) -> None:
    """A URL template's placeholder: its value as ``quote(value, safe="")`` writes it (as it
    is when it holds only always-safe characters), lone surrogates included."""
    from urllib.parse import quote

    from actions.destinations.request import _url_template

    render = _url_template("https://x.test/{{a}}/e?b={{a}}")

    def url(value: str) -> str:
        return str(render({"a": value}, {}))

    def want(value: str) -> str:
        quoted = quote(value, safe="")
        return f"https://x.test/{quoted}/e?b={quoted}"

    assert _quoted(url, text) == _quoted(want, text)
