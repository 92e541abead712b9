"""@hash: normalisation is idempotent, already-hashed values pass, long input is bounded, and
the docs list every directive."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from actions import mapping
from actions.mapping import BUILTIN_DIRECTIVES
from actions.mapping.hashing import (
    ALGORITHMS,
    MAX_HASH_TEXT,
    hash_shape,
    normalize_email,
    normalize_name,
    normalize_phone,
)

ROOT = Path(__file__).parent.parent.parent


def _hash(text: str | None) -> str | None:
    return (
        None if text is None else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    )


@given(st.text())
def test_email_and_name_normalisation_is_idempotent(text: str) -> None:
    for normalize in (normalize_email, normalize_name):
        once = normalize(text)
        assert _hash(once) == _hash(normalize(once))


phones = st.one_of(
    st.text(alphabet="0123456789 +-().", max_size=24),
    st.builds(
        lambda cc, digits, sep: f"+{cc}{sep}{digits}",
        st.sampled_from(["1", "44", "33", "49", "39", "81", "61", "55"]),
        st.text(alphabet="0123456789", min_size=6, max_size=12),
        st.sampled_from(["", " ", "-", " (0) "]),
    ),
)


@given(phones, st.sampled_from([None, "US", "GB", "FR", "IT", "DE"]))
def test_phone_normalisation_is_idempotent(text: str, country: str | None) -> None:
    once = normalize_phone(text, country)
    if once is not None:
        assert once.startswith("+")
        assert once[1:].isdigit()
        assert _hash(once) == _hash(normalize_phone(once, country))
        assert normalize_phone(once, None) == once  # E.164 needs no country


@given(st.text(max_size=80), st.sampled_from(["email", "name", "none", "phone"]))
def test_hash_of_normalised_value_is_stable(text: str, preset: str) -> None:
    """hash(normalize(x)) == hash(normalize(normalize(x))), through the directive itself."""
    options = {"normalize": preset} | ({"country": "US"} if preset == "phone" else {})
    compiled = mapping.compile({"@hash": {"value": {"@path": "$.v"}, **options}})
    first = compiled.apply({"v": text})
    normalizer = {
        "email": normalize_email,
        "name": normalize_name,
        "none": lambda t: t,
        "phone": lambda t: normalize_phone(t, "US"),
    }[preset]
    normal = normalizer(text)
    if normal:
        assert compiled.apply({"v": normal}) == first


@given(st.binary(min_size=0, max_size=64), st.sampled_from(sorted(ALGORITHMS)))
def test_a_digest_passes_as_it_is(data: bytes, algorithm: str) -> None:
    import base64

    digest = ALGORITHMS[algorithm](data).digest()
    for encoding, text in (("hex", digest.hex()), ("base64", base64.b64encode(digest).decode())):
        compiled = mapping.compile(
            {"@hash": {"value": {"@path": "$.v"}, "algorithm": algorithm, "encoding": encoding}}
        )
        assert compiled.apply({"v": text}) == text
        assert hash_shape(algorithm, encoding)(text) == text


@given(st.text(max_size=100))
def test_a_hash_is_always_of_the_chosen_shape(text: str) -> None:
    for algorithm in ALGORITHMS:
        for encoding in ("hex", "base64"):
            compiled = mapping.compile(
                {"@hash": {"value": {"@path": "$.v"}, "algorithm": algorithm, "encoding": encoding}}
            )
            result = compiled.apply({"v": text})
            if text.strip():
                assert hash_shape(algorithm, encoding)(result) == result


def test_long_text_is_a_failure_and_adversarial_text_does_not_stall() -> None:
    compiled = mapping.compile(
        {"h": {"@hash": {"value": {"@path": "$.v"}, "normalize": "phone", "country": "US"}}}
    )
    value, failures = compiled.evaluate({"v": "1" * (MAX_HASH_TEXT + 1)})
    assert value == {}
    assert "longer than" in failures[0].message
    start = time.process_time()
    for text in (
        "+" * MAX_HASH_TEXT,
        "(" * MAX_HASH_TEXT,
        "1 " * (MAX_HASH_TEXT // 2),
        "a" * 63 + "g",
        "1-" * 125,  # the slowest 250 characters found for phonenumbers (0.4 ms)
        "+" + "1 " * 124,
        "+1" + "0" * 248,
    ):
        for shape in ("email", "phone", "name"):
            options = {"normalize": shape} | ({"country": "US"} if shape == "phone" else {})
            mapping.compile({"@hash": {"value": {"@path": "$.v"}, **options}}).evaluate({"v": text})
    assert time.process_time() - start < 1.0


def test_every_directive_is_in_the_docs_table() -> None:
    text = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(@\w+)` \|", text, re.MULTILINE))
    assert set(BUILTIN_DIRECTIVES) <= rows, set(BUILTIN_DIRECTIVES) - rows
