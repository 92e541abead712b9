"""The ``source`` backend: one Python function written per mapping. No text of a mapping (keys,
constants, paths, templates, directive options) ever reaches the source: it is made of our own
names and punctuation only, every value bound as a constant. (That it gives what the reference
evaluator gives is tests/mapping/test_reference.py's, for both backends.)"""

from __future__ import annotations

import io
import pickle
import re
import tokenize
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actions.mapping import MISSING, compile
from actions.mapping.paths import path_text

OURS = re.compile(
    r"_[a-zA-Z]+\d*|root|settings|failures|def|if|is|not|and|or|else|return|try|except|del|None"
)

text = st.text(min_size=1, max_size=12)
CONDITIONS = ['type = "track"', "properties.total > 1", 'context.os.name = "iOS"']
# Path keys and template text without the characters of JSONPath and placeholders, so that
# every mapping compiles.
plain = st.text(st.characters(blacklist_characters="*[]?:,.{}$'\"\\"), min_size=1, max_size=12)
keys = st.lists(plain, min_size=1, max_size=4).map(tuple)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | text
    | keys.map(lambda k: {"@path": path_text(k)})
    | st.tuples(keys, plain).map(lambda t: {"@template": f"{t[1]}{{{{{path_text(t[0])}}}}}"})
    | st.tuples(keys, text).map(lambda t: {"@coalesce": [{"@path": path_text(t[0])}, t[1]]})
    | st.tuples(keys, text).map(
        lambda t: {"@replace": {"value": {"@path": path_text(t[0])}, "pattern": t[1]}}
    )
    | st.tuples(keys, text).map(
        lambda t: {"@if": {"exists": {"@path": path_text(t[0])}, "then": t[1]}}
    )
    | text.map(lambda t: {"@literal": t})
    | st.tuples(keys, text, text).map(
        lambda t: {"@if": {"blank": {"@path": path_text(t[0])}, "then": t[1], "else": t[2]}}
    )
    | st.tuples(st.sampled_from(CONDITIONS), text).map(
        lambda t: {"@if": {"when": t[0], "then": {"@if": {"when": t[0], "then": t[1]}}}}
    )
)
mappings = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(text.filter(lambda k: not k.startswith("@")), inner, max_size=4)
    ),
    max_leaves=15,
)


def _names(source: str) -> list[tuple[int, str]]:
    return [
        (token.type, token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type in (tokenize.NAME, tokenize.STRING, tokenize.NUMBER)
    ]


@settings(max_examples=400, deadline=None)
@given(mapping=mappings)
def test_no_mapping_text_reaches_the_source(mapping: Any) -> None:
    source = compile(mapping, backend="source").source_code
    assert source is not None
    for kind, token in _names(source):
        assert kind == tokenize.NAME, (token, source)
        assert OURS.fullmatch(token), (token, source)


def test_the_source_can_be_read_and_the_mapping_pickles_with_its_backend() -> None:
    mapping = {
        "__import__('os')": {"@path": "$.context['__class__'].x"},
        "b": {"@coalesce": [{"@path": "$.a"}, "'; raise SystemExit #"]},
        "n": [1, {"@path": "$.missing"}],
    }
    compiled = compile(mapping, backend="source")
    assert compiled.source_code is not None
    assert compiled.source_code.startswith("def _mapping(root, settings, failures):")
    assert "import" not in compiled.source_code
    assert "SystemExit" not in compiled.source_code
    event = {"context": {"__class__": {"x": 1}}}
    expected = {"__import__('os')": 1, "b": "'; raise SystemExit #", "n": [1, None]}
    assert compiled.apply(event) == expected
    again = pickle.loads(pickle.dumps(compiled))
    assert again.backend == "source"
    assert again.source_code == compiled.source_code
    assert again.apply(event) == expected
    assert compile(mapping, backend="closures").source_code is None


def test_a_failure_is_recorded_where_it_belongs() -> None:
    # The generated body gives way to the closures when anything raises: the failure is the
    # field's, the other fields are kept.
    mapping = {
        "ok": {"@path": "$.a"},
        "bad": {"@json": {"mode": "decode", "value": {"@path": "$.a"}}},
        "deep": {"@path": "$.a.b"},  # $.a is text: a path through it is missing
    }
    compiled = compile(mapping, backend="source")
    value, failures = compiled.evaluate({"a": "{x"})
    assert value == {"ok": "{x"}
    assert [f.pointer for f in failures] == ["/bad"]
    assert compiled.evaluate([1]) == (MISSING, compiled.evaluate([1])[1])
