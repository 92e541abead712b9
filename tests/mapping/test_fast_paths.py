"""The compiled fast paths give what the general rules give: path readers and inline reads agree
with :func:`lookup`; dict subclasses read as dicts; the @flatten and @arrayPath bounds hold."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actions.jsonvalues import number_text
from actions.mapping import MISSING, compile
from actions.mapping.builtin import MAX_FLATTEN_KEYS, MAX_ITEMS, _dated
from actions.mapping.paths import lookup

KEYS = ["a", "b", "c", "0"]

scalars = st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "x", "A b"])
data = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=25,
)
paths = st.lists(st.sampled_from(KEYS[:3]), min_size=1, max_size=5).map(tuple)


def _text(keys: tuple[str, ...]) -> str:
    return "$." + ".".join(keys)


def _run(mapping: Any, root: Any) -> Any:
    """The compiled closure on any root (the public API refuses a root that is not an object;
    the closures also run on @arrayPath items, which can be anything)."""
    return compile(mapping).evaluator(root, {}, [])


@settings(max_examples=300, deadline=None)
@given(root=data, keys=paths)
def test_path_readers_agree_with_lookup(root: Any, keys: tuple[str, ...]) -> None:
    assert _run({"@path": _text(keys)}, root) == lookup(root, keys)


@settings(max_examples=300, deadline=None)
@given(root=data, fields=st.lists(paths, min_size=1, max_size=6))
def test_objects_agree_with_lookup(root: Any, fields: list[tuple[str, ...]]) -> None:
    # Objects read short paths inline (and a shared first key once): same values as lookup,
    # in mapping order, missing ones left out; the same for directives on those paths.
    mapping: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for index, keys in enumerate(fields):
        value = lookup(root, keys)
        mapping[f"p{index}"] = {"@path": _text(keys)}
        mapping[f"c{index}"] = {"@case": {"operator": "upper", "value": {"@path": _text(keys)}}}
        mapping[f"t{index}"] = {"@template": "<{{" + ".".join(keys) + "}}>"}
        mapping[f"o{index}"] = {"@coalesce": [{"@path": _text(keys)}, "fallback"]}
        if value is not MISSING:
            expected[f"p{index}"] = value
            expected[f"c{index}"] = value.upper() if isinstance(value, str) else value
        text = _run({"@template": "{{" + ".".join(keys) + "}}"}, root)
        expected[f"t{index}"] = f"<{text}>"
        expected[f"o{index}"] = "fallback" if value is MISSING or value is None else value
    failures: list[Any] = []
    value = compile(mapping).evaluator(root, {}, failures)
    assert failures == []
    assert list(value.items()) == list(expected.items())


class Event(dict[str, Any]):
    pass


class Loud(dict[str, Any]):
    def get(self, key: Any, default: Any = None) -> Any:
        raise AssertionError("a path reads the keys, not the get method")


def test_dict_subclass_events() -> None:
    event = Event(
        event="Order Completed",
        context=OrderedDict(os=Event(name="iOS"), campaign=Event(a=1, b=Event(c=2))),
        properties=defaultdict(list, products=[Event(sku="A"), OrderedDict(sku="B")]),
    )
    mapping = compile(
        {
            "name": {"@path": "$.event"},
            "os": {"@case": {"operator": "lower", "value": {"@path": "$.context.os.name"}}},
            "nope": {"@path": "$.properties.nope"},
            "campaign": {"@flatten": {"value": {"@path": "$.context.campaign"}}},
            "items": {"@arrayPath": ["$.properties.products", {"sku": {"@path": "$.sku"}}]},
            "label": {"@template": "{{event}}/{{context.os.name}}"},
        }
    )
    assert mapping.apply(event) == {
        "name": "Order Completed",
        "os": "ios",
        "campaign": {"a": 1, "b.c": 2},
        "items": [{"sku": "A"}, {"sku": "B"}],
        "label": "Order Completed/iOS",
    }
    assert "nope" not in event["properties"], "a defaultdict is read, never written"
    loud = Loud(a=Loud(b=1))
    assert compile({"x": {"@path": "$.a.b"}, "y": {"@path": "$.a"}}).apply(loud) == {
        "x": 1,
        "y": loud["a"],
    }


def test_template_of_a_string_subclass_is_plain_text() -> None:
    class Shout(str):
        def __str__(self) -> str:
            return "SHOUT"

    text = compile({"@template": "<{{a}}>"}).apply({"a": Shout("quiet")})
    assert text == "<quiet>"
    assert type(text) is str


def test_flatten_key_limit_on_flat_objects() -> None:
    mapping = compile({"f": {"@flatten": {"value": {"@path": "$.v"}}}})
    at_limit = {f"k{i}": i for i in range(MAX_FLATTEN_KEYS)}
    value, failures = mapping.evaluate({"v": at_limit})
    assert value == {"f": at_limit}
    assert failures == ()
    over = {**at_limit, "one more": 1}
    value, failures = mapping.evaluate({"v": over})
    assert value == {}
    assert [f.pointer for f in failures] == ["/f"]
    assert "more than" in failures[0].message
    # Flat keys first, then a nested object that goes over the limit.
    mixed = {**{f"k{i}": i for i in range(MAX_FLATTEN_KEYS - 1)}, "n": {"a": 1, "b": 2}}
    value, failures = mapping.evaluate({"v": mixed})
    assert value == {}
    assert [f.pointer for f in failures] == ["/f"]


def test_array_path_item_limit() -> None:
    mapping = compile({"i": {"@arrayPath": ["$.v", {"s": {"@path": "$.s"}}]}})
    value, failures = mapping.evaluate({"v": [{"s": 1}] * MAX_ITEMS})
    assert len(value["i"]) == MAX_ITEMS
    assert failures == ()
    value, failures = mapping.evaluate({"v": [{"s": 1}] * (MAX_ITEMS + 1)})
    assert value == {}
    assert [f.pointer for f in failures] == ["/i"]


@given(
    st.text(st.characters(categories=["Nd"]), min_size=4, max_size=4)
    | st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.text(max_size=20),
)
def test_text_that_starts_as_a_date_is_no_number(digits: str, rest: str) -> None:
    # @convert to a time spares the number's parse for such text: it could not be one.
    text = (digits + "-" + rest).strip()
    assert _dated(text)
    assert number_text(text, plus_sign=True) is None
