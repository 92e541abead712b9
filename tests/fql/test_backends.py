"""The compiled backend against the reference evaluator, and what the generated source holds.

Random trees over every construct (paths through objects and lists, every kind of literal,
lists, every built-in function and some declared ones, every operator) and random events
(missing fields, nulls, nested objects and lists, non-objects on the way): the generated
``matches`` must give exactly what :func:`actions.fql.reference.matches` gives."""

from __future__ import annotations

import pickle
import string
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import fql
from actions.fql import codegen, reference
from actions.fql.ast import And, Call, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path
from actions.fql.functions import ANY, BOOL, BUILTIN_FUNCTIONS, NUMBER, Function


def _shaky(value: Any) -> Any:
    """Raises on some inputs: a trigger calling it fails closed on those events."""
    if value == "boom":
        raise ValueError("boom")
    return value


def _loose_bool(value: Any) -> Any:
    """Declared to return a bool, returns 1 for 'one': only true is true, whatever declared."""
    return 1 if value == "one" else value == "yes"


FUNCTIONS = MappingProxyType(
    {
        **BUILTIN_FUNCTIONS,
        "shaky": Function("shaky", _shaky, (ANY,), ANY),
        "loose": Function("loose", _loose_bool, (ANY,), BOOL),
        "total": Function("total", lambda a, b: a + b, (ANY, ANY), NUMBER),
    }
)

KEYS = ["type", "event", "a", "b", "0", "1"]
SCALARS = [None, True, False, 0, 1, -1, 2, 0.0, 1.0, 2.5, -0.0, "", "a", "track", "1", "one"]
SCALARS += ["yes", "boom", "A*", "tr*", "*ck", "*ac*", "t?ack", "[a-t]*"]

keys = st.sampled_from(KEYS)
paths = st.builds(Path, st.lists(keys, min_size=1, max_size=6).map(tuple))
literals = st.builds(Literal, st.sampled_from(SCALARS))
string_lists = st.builds(
    ListLiteral,
    st.lists(st.builds(Literal, st.sampled_from(["track", "a", "", "1"])), max_size=10).map(tuple),
)


def _extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    operators = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
    return (
        st.builds(Not, inner)
        | st.builds(Compare, operators, inner, inner)
        | st.builds(Compare, operators, paths, literals)
        | st.builds(Compare, operators, literals, paths)
        | st.builds(In, inner, inner | string_lists)
        | st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(ListLiteral, st.lists(inner, max_size=3).map(tuple))
        | st.builds(
            Call, st.sampled_from(sorted(FUNCTIONS)), st.lists(inner, max_size=2).map(tuple)
        )
        | st.builds(Call, st.just("match"), st.tuples(inner, literals))
    )


@st.composite
def one_path_ors(draw: st.DrawFn) -> Expr:
    """`or` of string tests of one path (compiled as one membership test), sometimes with
    another test mixed in."""
    path = Path(draw(st.lists(st.sampled_from(["type", "0"]), min_size=1, max_size=2).map(tuple)))
    string = st.builds(Literal, st.sampled_from(["track", "a", "", "1"]))
    test = (
        st.builds(Compare, st.just("="), st.just(path), string)
        | st.builds(Compare, st.just("="), string, st.just(path))
        | st.builds(In, st.just(path), string_lists)
    )
    other = st.builds(Compare, st.sampled_from(["=", "!="]), st.just(path), literals)
    return Or(tuple(draw(st.lists(test | other, min_size=2, max_size=4))))


trees = st.recursive(literals | paths | string_lists | one_path_ors(), _extend, max_leaves=10)

values = st.recursive(
    st.sampled_from(SCALARS) | st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
events = st.dictionaries(keys, values, max_size=5) | values


def _compile(tree: Expr) -> fql.Trigger | None:
    try:
        return fql.compile(fql.format(tree), functions=FUNCTIONS)
    except fql.FQLSyntaxError:
        return None


@settings(max_examples=800, deadline=None)
@given(trees, events)
def test_the_compiled_trigger_is_the_reference(tree: Expr, event: Any) -> None:
    trigger = _compile(tree)
    if trigger is None:
        return
    expected = reference.matches(trigger.ast, event, FUNCTIONS)
    assert trigger.matches(event) is expected, (trigger.source, event, trigger.source_code)


@settings(max_examples=300, deadline=None)
@given(st.lists(trees, min_size=1, max_size=6), st.lists(events, min_size=1, max_size=4))
def test_a_trigger_set_is_the_reference_trigger_by_trigger(
    tree_list: list[Expr], sample: list[Any]
) -> None:
    triggers = [t for t in map(_compile, tree_list) if t is not None]
    triggers += triggers[::-1]  # every test appears twice: computed once, ahead
    many = fql.compile_many([t.source for t in triggers], functions=FUNCTIONS)
    for event in sample:
        expected = tuple(reference.matches(t.ast, event, FUNCTIONS) for t in triggers)
        got = many.matches(event)
        assert type(got) is tuple
        assert all(type(b) is bool for b in got)
        assert got == expected, ([t.source for t in triggers], event, many.source_code)


# -- no text of the trigger reaches the generated source -----------------------------------------

# Distinctive words: none can occur in source the generator writes by itself.
words = st.text(alphabet=string.ascii_letters, min_size=8, max_size=12).map(lambda w: "Qz" + w)
numbers = st.integers(10**7, 10**12) | st.integers(10**7, 10**12).map(lambda n: n + 0.5)
code_like = st.sampled_from(
    ["__import__('os').system('x')", "e); import os; (", "'''", '"""', "\\n", "_c0", "\n"]
)


@st.composite
def distinctive_triggers(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A trigger text and the values of its input text that must not reach the source."""
    seen: list[str] = []

    def key() -> str:
        word = draw(words)
        seen.append(word)
        return word

    def path() -> str:
        return ".".join(key() for _ in range(draw(st.integers(1, 6))))

    def text() -> str:
        word = draw(words | code_like)
        if word.startswith("Qz"):
            seen.append(word)
        return repr(word).replace("\\\\", "\\\\\\\\")

    def number() -> str:
        value = draw(numbers)
        seen.append(str(value))
        return str(value)

    def test() -> str:
        kind = draw(st.integers(0, 7))
        if kind == 0:
            return f"{path()} = {text()}"
        if kind == 1:
            return f"{path()} != {number()}"
        if kind == 2:
            return f"{path()} {draw(st.sampled_from(['<', '<=', '>', '>=']))} {number()}"
        if kind == 3:
            return f"{path()} in [{text()}, {text()}, {number()}]"
        if kind == 4:
            return f"match({path()}, {text()[:-1]}*{text()[0]})"
        if kind == 5:
            return f"contains(lowercase({path()}), {text()})"
        if kind == 6:
            return f"{path()} in [{text()}, {text()}, {text()}]"
        return f"!{path()}"

    parts = [test() for _ in range(draw(st.integers(1, 4)))]
    joiners = [draw(st.sampled_from([" and ", " or "])) for _ in parts[1:]]
    out = parts[0] + "".join(j + p for j, p in zip(joiners, parts[1:], strict=True))
    return out, seen


@settings(max_examples=300, deadline=None)
@given(st.lists(distinctive_triggers(), min_size=1, max_size=3))
def test_no_text_of_a_trigger_reaches_the_generated_source(
    found: list[tuple[str, list[str]]],
) -> None:
    texts = [text for text, _ in found]
    triggers = []
    for text in texts:
        try:
            triggers.append(fql.compile(text))
        except fql.FQLSyntaxError:
            continue
    sources = [t.source_code for t in triggers]
    sources.append(codegen.many_source([t.ast for t in triggers])[0])
    for source in sources:
        for _, seen in found:
            for value in seen:
                assert value not in source, (value, source)
        for forbidden in ("import", "os", "system", "'", '"', "\\"):
            assert forbidden not in source, (forbidden, source)


def test_the_generated_source_is_shown_and_triggers_pickle_by_text() -> None:
    trigger = fql.compile("type = 'track' and properties.revenue > 100")
    assert "def matches(e):" in trigger.source_code
    assert "track" not in trigger.source_code
    assert "revenue" not in trigger.source_code
    again = pickle.loads(pickle.dumps(trigger))
    assert again.source_code == trigger.source_code
    one_path = fql.compile('event = "A" or event in ["B", "C"] or "D" = event').source_code
    assert "==" not in one_path
    assert " in _c" in one_path  # one membership test
    assert again.matches({"type": "track", "properties": {"revenue": 101}}) is True


def test_a_trigger_set_shares_reads_and_tests_and_pickles_by_its_texts() -> None:
    texts = [
        'type = "track"',
        'type = "track" and event = "Order Completed"',
        "type = 'track' and properties.revenue > 100",
        "properties.revenue > 100 or properties.currency = 'EUR'",
        "lowercase(context.os.name) = 'ios'",
    ]
    many = fql.compile_many(texts)
    assert len(many) == 5
    assert [t.source for t in many.triggers] == texts
    source = many.source_code
    assert source.count(".get(") == 8  # each of the 8 paths and prefixes read once
    assert source.count("==") == 4  # type = "track" once for three triggers
    event = {"type": "track", "properties": {"revenue": 150}, "context": {"os": {"name": "iOS"}}}
    assert many.matches(event) == (True, False, True, True, True)
    assert many.matches("not an event") == (False,) * 5
    again = pickle.loads(pickle.dumps(many))
    assert again.matches(event) == many.matches(event)
    assert again.source_code == source
    assert fql.compile_many([]).matches({}) == ()
    loose = MappingProxyType({**BUILTIN_FUNCTIONS, "loose": FUNCTIONS["loose"]})
    mine = pickle.loads(pickle.dumps(fql.compile_many(["loose(x)"], functions=loose)))
    assert mine.matches({"x": "yes"}) == (True,)
    with pytest.raises(fql.FQLSyntaxError):
        fql.compile_many(["type = 'track'", "type =="])
    with pytest.raises(TypeError):
        fql.compile_many("type = 'track'")


def test_triggers_nested_to_the_depth_limit_compile_and_agree() -> None:
    depth = fql.MAX_DEPTH - 2
    texts = [
        "(" * depth + "type = 'x'" + ")" * depth,
        "!" * depth + "x",
        "length(" * depth + "x" + ")" * depth,
        "bool(" * depth + "x = 1" + ")" * depth,
        "true = (" * depth + "x = 1" + ")" * depth,
        "(a and (b or " * (depth // 2) + "x" + "))" * (depth // 2),
        "1 = length([" * (depth // 2) + "x" + "])" * (depth // 2),
        ".".join(["a"] * 2000) + " = 1",
    ]
    for text in texts:
        trigger = fql.compile(text)
        for event in ({"x": 1}, {"x": "x", "type": "x"}, {}):
            assert trigger.matches(event) is reference.matches(trigger.ast, event), text
        assert (
            codegen.many_function([trigger.ast] * 3)[0]({"x": 1})
            == (trigger.matches({"x": 1}),) * 3
        )
