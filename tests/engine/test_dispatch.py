"""The dispatch index is an exact filter: the subscriptions that fire through it are exactly
those whose trigger matches when every trigger is evaluated on every event, in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import actions
from actions import fql
from actions.engine.dispatch import DispatchIndex

DEMO = Path(__file__).parent / "packs" / "demo"
SETTINGS = {"api_key": "sekret-123", "tokens": {"Order Completed": "tok-oc"}}

TYPES = ["track", "page", "identify", "screen"]
NAMES = ["A", "B", "Order 17", "Ünï cødé", "名前", "e\u0301"]  # the last one decomposed
PLANS = ["p1", "p17", "P17"]
APPS = ["x", "y"]

# -- a grammar of triggers ----------------------------------------------------------------------

_PATHS: dict[str, list[str]] = {
    "type": TYPES,
    "event": NAMES,
    "properties.plan": PLANS,
    "context.app.name": APPS,
    "properties.items.0": PLANS,
}


def _quote(text: str) -> str:
    return '"' + text + '"'


@st.composite
def _atom(draw: st.DrawFn) -> str:
    path = draw(st.sampled_from(sorted(_PATHS)))
    value = _quote(draw(st.sampled_from(_PATHS[path])))
    values = draw(st.lists(st.sampled_from(_PATHS[path]), min_size=1, max_size=3))
    listed = ", ".join(_quote(v) for v in values)
    glob = _quote(draw(st.sampled_from(["A*", "p?", "*"])))
    part = _quote(draw(st.sampled_from(["1", "Order", "x"])))
    shapes = [
        f"{path} = {value}",
        f"{value} = {path}",
        f"{path} != {value}",
        f"{path} in [{listed}]",
        f"{path} in [{listed}, 3]",
        f"{path} = null",
        f"{path} != null",
        f"{path} = 17",
        "properties.n > 1",
        f"match({path}, {glob})",
        f"contains({path}, {part})",
        f"lowercase({path}) = {value}",
        "event = type",
        "contains(properties.tags, 'vip')",
    ]
    return draw(st.sampled_from(shapes))


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda xs: " and ".join(xs)),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: " or ".join(xs)),
        children.map(lambda x: f"({x})"),
        children.map(lambda x: f"!({x})"),
    )


TRIGGER = st.recursive(_atom(), _combine, max_leaves=6)

_ANYTHING = st.one_of(
    st.none(),
    st.integers(-2, 20),
    st.booleans(),
    st.lists(st.sampled_from(PLANS), max_size=2),
    st.just({"a": 1}),
)

EVENT = st.fixed_dictionaries(
    {},
    optional={
        "type": st.one_of(st.sampled_from([*TYPES, "group"]), _ANYTHING),
        "event": st.one_of(st.sampled_from([*NAMES, "C", "é"]), _ANYTHING),
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "plan": st.one_of(st.sampled_from(PLANS), _ANYTHING),
                "items": st.lists(st.one_of(st.sampled_from(PLANS), _ANYTHING), max_size=2),
                "n": st.integers(0, 3),
                "tags": st.lists(st.sampled_from(["vip", "x"]), max_size=2),
            },
        ),
        "context": st.fixed_dictionaries(
            {"app": st.one_of(st.fixed_dictionaries({"name": st.sampled_from(APPS)}), _ANYTHING)}
        ),
    },
)


def _compiled(texts: list[str]) -> list[fql.Trigger]:
    triggers = []
    for text in texts:
        try:
            triggers.append(fql.compile(text))
        except fql.FQLSyntaxError:  # a comparison the checker rejects (`null = 17`, ...)
            assume(False)
    return triggers


def _fired(index: DispatchIndex[int], event: dict[str, Any]) -> list[int]:
    candidates = index.candidates(event)
    positions = [item for item, _ in candidates]
    assert positions == sorted(set(positions)), "candidates in configuration order, once each"
    return [item for item, matches in candidates if matches is None or matches(event)]


def _every(triggers: list[fql.Trigger], event: dict[str, Any]) -> list[int]:
    return [i for i, trigger in enumerate(triggers) if trigger.matches(event)]


@settings(max_examples=400, deadline=None)
@given(st.lists(TRIGGER, min_size=1, max_size=8), st.lists(EVENT, min_size=1, max_size=8))
def test_the_index_fires_exactly_the_triggers_that_match(
    texts: list[str], events: list[dict[str, Any]]
) -> None:
    triggers = _compiled(texts)
    pairs = list(enumerate(triggers))
    merged = DispatchIndex.build(pairs)
    unmerged = DispatchIndex.build(pairs, fold_limit=0)  # parts merged per event instead
    assert unmerged.fold is None
    for event in events:
        want = _every(triggers, event)
        assert _fired(merged, event) == want, (texts, event)
        assert _fired(unmerged, event) == want, (texts, event)
        # The engine's fast path: type, then name, straight from the table.
        if merged.table:
            try:
                table, default = merged.table[event.get("type")]
                fast = table.get(event.get("event"), default)
            except (KeyError, TypeError):  # the engine asks candidates(): a type that is no
                # call type nor named by a trigger, or an unhashable type or name
                continue
            assert fast == merged.candidates(event)


@settings(max_examples=60, deadline=None)
@given(st.lists(TRIGGER, min_size=1, max_size=5), st.lists(EVENT, min_size=1, max_size=5))
def test_the_engine_fires_exactly_the_triggers_that_match(
    texts: list[str], events: list[dict[str, Any]]
) -> None:
    triggers = _compiled(texts)
    subscriptions = [
        {"name": f"s{i}", "action": "track", "trigger": text} for i, text in enumerate(texts)
    ]
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS, subscriptions)
    for drawn in events:
        # A valid envelope, so that every event reaches dispatch.
        event = {**drawn, "userId": "u", "context": {"device": {"id": "d"}}}
        event["type"] = drawn["type"] if drawn.get("type") in TYPES else "track"
        if event["type"] == "track" and not isinstance(drawn.get("event"), str):
            event["event"] = "C"
        if event["type"] == "page" and not isinstance(drawn.get("event"), str | None):
            del event["event"]
        want = [f"s{i}" for i in _every(triggers, event)]
        got = [o.subscription for o in configured.process(event)]
        assert got == (want or [None]), (texts, event)


# -- targeted cases -----------------------------------------------------------------------------


def _index(texts: list[str], fold_limit: int | None = None) -> DispatchIndex[int]:
    pairs = [(i, fql.compile(text)) for i, text in enumerate(texts)]
    if fold_limit is None:
        return DispatchIndex.build(pairs)
    return DispatchIndex.build(pairs, fold_limit=fold_limit)


def _table_size(index: DispatchIndex[int]) -> int:
    assert index.fold is not None
    return len(index.fold) + sum(len(table) for table, _ in index.fold.values())


@pytest.mark.parametrize("fold_limit", [None, 0])
def test_names_with_ids_find_only_their_subscription(fold_limit: int | None) -> None:
    texts = [f'type = "track" and event = "Order {i}"' for i in range(1000)]
    texts += ["properties.n > 1", 'type = "track"']
    index = _index(texts, fold_limit)
    found = index.candidates({"type": "track", "event": "Order 17"})
    assert [item for item, _ in found] == [17, 1000, 1001]
    assert [matches for _, matches in found][0::2] == [None, None]  # decided by the look-up
    # A name with an id no trigger names: only what accepts any name.
    unknown = index.candidates({"type": "track", "event": "Order 1000000"})
    assert [item for item, _ in unknown] == [1000, 1001]
    assert index.describe() == {
        "named": 1000,
        "by path": 0,
        "typed": 1,
        "always": 1,
        "never": 0,
        "paths": 0,
    }


def test_ten_thousand_new_names_store_nothing() -> None:
    index = _index(['type = "track" and event = "A"', 'type = "track"', "event = 'B'"])
    before = _table_size(index)
    for number in range(10_000):
        event = {"type": "track", "event": f"Name {number}"}
        assert [item for item, _ in index.candidates(event)] == [1]
        table, default = index.table["track"]
        assert [item for item, _ in table.get(event["event"], default)] == [1]
    assert _table_size(index) == before


def test_the_engine_keeps_no_cache_per_event_name() -> None:
    subscriptions = [
        {"name": "a", "action": "track", "trigger": 'type = "track" and event = "A"'},
        {"name": "any", "action": "track", "trigger": 'type = "track" and properties.n > 1'},
    ]
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS, subscriptions)
    table = configured._dispatch.table
    sizes = (len(table), sum(len(names) for names, _ in table.values()))
    base = {"type": "track", "userId": "u", "context": {"device": {"id": "d"}}}
    for number in range(10_000):
        event = {**base, "event": f"Order {number:05d}", "properties": {"n": number % 3}}
        [outcome] = configured.process(event)
        assert outcome.subscription == ("any" if number % 3 == 2 else None)
    assert (len(table), sum(len(names) for names, _ in table.values())) == sizes
    assert configured.counts.events == 10_000


def test_unicode_names_are_compared_as_written() -> None:
    composed, decomposed = "\u00e9", "e\u0301"  # é, two ways: different strings in FQL too
    index = _index([f'event = "{composed}"', f'event = "{decomposed}"', 'event = "名前 🎉"'])
    for name, want in ((composed, [0]), (decomposed, [1]), ("名前 🎉", [2]), ("名前", [])):
        event = {"type": "track", "event": name}
        assert _fired(index, event) == want


@pytest.mark.parametrize(
    "name",
    [None, 17, 1.5, True, ["A"], {"A": 1}, "", "A "],
    ids=["null", "int", "float", "bool", "list", "object", "empty", "trailing-space"],
)
def test_missing_null_and_non_string_names(name: object) -> None:
    texts = ['event = "A"', "event = null", "event != 'A'", 'type = "track"', "properties.n > 1"]
    triggers = [fql.compile(t) for t in texts]
    for fold_limit in (None, 0):
        index = _index(texts, fold_limit)
        event: dict[str, Any] = {"type": "track", "properties": {"n": 2}, "event": name}
        assert _fired(index, event) == _every(triggers, event)
        del event["event"]
        assert _fired(index, event) == _every(triggers, event) == [1, 2, 3, 4]


def test_type_only_triggers() -> None:
    texts = ['type = "track"', "type in ['page', 'screen']", "type != 'track'", 'type = "x"']
    index = _index(texts)
    table, default = index.table["page"]
    assert "Anything" not in table
    assert [(item, matches) for item, matches in default] == [
        (1, None),
        (2, index.entries[2][1]),
    ]
    for type_ in ["track", "page", "screen", "identify", "x", "group", None, 5]:
        event = {"type": type_, "event": "A"}
        assert _fired(index, event) == _every([fql.compile(t) for t in texts], event)
    assert index.describe()["typed"] == 3
    assert index.describe()["always"] == 1


def test_a_trigger_that_can_never_match_is_filed_nowhere() -> None:
    index = _index(['event = "A" and event = "B"', 'event = "A"'])
    assert index.never == (0,)
    assert [item for item, _ in index.candidates({"type": "track", "event": "A"})] == [1]


def test_property_equality_is_indexed_on_the_path_most_triggers_share() -> None:
    texts = [f'type = "track" and properties.plan = "p{i}"' for i in range(1000)]
    texts.append('context.app.name = "x" and properties.plan = "p3"')
    texts.append('properties.plan = "p3" or context.app.name = "x"')  # two paths: always
    index = _index(texts)
    assert [p.keys for p in index.paths] == [("properties", "plan")]
    assert index.table == {}  # the table alone cannot know; the engine asks candidates()
    event = {"type": "track", "event": "Any 1", "properties": {"plan": "p3"}}
    assert [item for item, _ in index.candidates(event)] == [3, 1000, 1001]
    assert _fired(index, event) == [3, 1001]
    assert [item for item, _ in index.candidates({"type": "track", "event": "A"})] == [1001]
    for odd in (None, 3, ["p3"], {"p3": 1}):
        assert _fired(index, {"type": "track", "properties": {"plan": odd}}) == []


def test_the_index_merges_path_hits_with_names_in_configuration_order() -> None:
    texts = [
        "properties.n > 1",
        'properties.plan = "p1"',
        'event = "A"',
        'context.app.name = "x"',
        'type = "track"',
        'properties.plan in ["p1", "p2"] and event != "B"',
    ]
    triggers = [fql.compile(t) for t in texts]
    index = _index(texts)
    event = {
        "type": "track",
        "event": "A",
        "properties": {"plan": "p1", "n": 5},
        "context": {"app": {"name": "x"}},
    }
    assert [item for item, _ in index.candidates(event)] == [0, 1, 2, 3, 4, 5]
    assert _fired(index, event) == _every(triggers, event) == [0, 1, 2, 3, 4, 5]


def test_index_paths_read_list_positions_as_triggers_do() -> None:
    texts = ['properties.items.0 = "p1"', 'properties.items.1 = "p1"']
    triggers = [fql.compile(t) for t in texts]
    index = _index(texts)
    for items in (["p1"], ["x", "p1"], [], "p1", {"0": "p1"}, [["p1"]]):
        event = {"type": "track", "properties": {"items": items}}
        assert _fired(index, event) == _every(triggers, event)


def test_the_merged_table_is_bounded() -> None:
    # 300 types and 300 names under any type, and 20 triggers checked for every event, would
    # merge into 90,000 tuples of 22 entries: past the bound, the parts merge per event.
    texts = [f'type = "t{i}"' for i in range(300)] + [f'event = "n{i}"' for i in range(300)]
    texts += [f"properties.n > {i}" for i in range(20)]
    index = _index(texts)
    assert index.fold is None
    assert index.table == {}
    event = {"type": "t7", "event": "n9", "properties": {"n": 1}}
    assert [item for item, _ in index.candidates(event)] == [7, 309, *range(600, 620)]
    assert _fired(index, event) == [7, 309, 600]
    assert _index(texts[:600]).fold is not None  # 180,000 entries: merged ahead of time


def test_a_path_read_that_fails_is_no_hit() -> None:
    # `\²` (the key ²) is a digit to str.isdigit but not to int(): over a list, the read fails.
    index = _index([r'type = "track" and properties.a.\² = "x"', 'type = "track"'])
    event = {"type": "track", "properties": {"a": ["x"]}}
    assert [item for item, _ in index.candidates(event)] == [1]
    assert _fired(index, {"type": "track", "properties": {"a": {"²": "x"}}}) == [0, 1]
