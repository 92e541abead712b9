from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from _loaded import exact
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import yamlsource
from actions.errors import Location
from actions.yamlsource import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    load_yaml,
)


def test_values_and_locations() -> None:
    loaded = load_yaml("a:\n  b: [1, 'x']\n", "f.yaml")
    assert loaded.value == {"a": {"b": [1, "x"]}}
    assert loaded.problems == ()
    assert loaded.source.locate(("a", "b", 1)) == Location("f.yaml", 2, 10, 2, 13)
    assert loaded.source.locate(("a", "b"), key=True) == Location("f.yaml", 2, 3, 2, 4)
    # An unknown path falls back to its nearest known ancestor.
    assert loaded.source.locate(("a", "b", 7, "z")) == loaded.source.locate(("a", "b"))


def test_duplicate_keys_are_reported_and_last_wins() -> None:
    loaded = load_yaml("k: 1\nk: 2\n", "f.yaml")
    assert loaded.value == {"k": 2}
    [problem] = loaded.problems
    assert problem.rule == "duplicate-key"
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (2, 1)
    assert "line 1" in problem.message


def test_keys_stay_strings_and_yaml11_scalars_are_recorded() -> None:
    loaded = load_yaml("on: yes\nversion: 1.10\n")
    assert loaded.value == {"on": True, "version": 1.1}
    assert loaded.source.scalars[("on",)].tag == "tag:yaml.org,2002:bool"
    assert loaded.source.scalars[("version",)].raw == "1.10"


def test_tag_is_a_problem_not_a_crash() -> None:
    loaded = load_yaml("trigger: !contains(event)\n")
    assert loaded.value == {"trigger": "!contains(event)"}
    assert [p.rule for p in loaded.problems] == ["yaml-tag"]


def test_syntax_error_has_a_location() -> None:
    loaded = load_yaml("a: [1, 2\nb: 3\n", "bad.yaml")
    assert loaded.value is None
    [problem] = loaded.problems
    assert problem.rule == "yaml-syntax"
    assert problem.location is not None
    assert problem.location.file == "bad.yaml"


def test_offsets_inside_scalars() -> None:
    text = 'plain: type = "track"\nquoted: "a \\" b == c"\nblock: |\n  type = "x"\n  and y == 1\n'
    source = load_yaml(text).source
    plain = source.locate_in_scalar(("plain",), 5)
    assert plain is not None
    assert (plain.line, plain.column) == (1, 13)
    quoted = source.locate_in_scalar(("quoted",), 6)  # the first "=" after the escaped quote
    assert quoted is not None
    assert text.splitlines()[1][quoted.column - 1] == "="
    block = source.locate_in_scalar(("block",), 11 + 6)
    assert block is not None
    assert (block.line, block.column) == (5, 9)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    loaded = load_yaml("[" * 5000 + "]" * 5000)
    assert loaded.value is None
    assert loaded.problems[0].rule == "yaml-limit"


def _laughs(levels: int, width: int = 9) -> str:
    """The "billion laughs" document: each level is a list of `width` aliases of the one
    before, so it expands to width**levels values."""
    lines = ["a: &a [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [6, 9])
def test_alias_bombs_are_refused_before_values_are_built(levels: int) -> None:
    text = _laughs(levels)
    assert len(text) < 400
    started = time.perf_counter()
    loaded = load_yaml(text, "bomb.yaml")
    assert time.perf_counter() - started < 1.0  # does not stall (9 levels: 387 million values)
    assert loaded.value is None
    [problem] = loaded.problems
    assert problem.rule == "yaml-aliases"
    assert problem.location is not None
    # The first value whose aliases go over the budget: 9**5 values under `e`.
    assert (problem.location.file, problem.location.line) == ("bomb.yaml", 5)
    assert f"{MAX_YAML_ALIAS_NODES:,}" in problem.message


def test_aliases_within_the_budget_load() -> None:
    text = _laughs(4)  # 9**4 = 6561 values from aliases
    loaded = load_yaml(text)
    assert loaded.problems == ()
    assert len(loaded.value["d"]) == 9
    assert loaded.value["d"][8][8][8] == ["lol"] * 9
    merged = load_yaml("base: &base {a: 1, b: 2}\nthing:\n  <<: *base\n  b: 3\n")
    assert merged.value["thing"] == {"a": 1, "b": 3}


def test_the_alias_budget_can_be_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_YAML_ALIAS_NODES", 100)
    assert [p.rule for p in load_yaml(_laughs(3)).problems] == ["yaml-aliases"]
    assert load_yaml(_laughs(2)).problems == ()


def test_a_recursive_alias_is_a_problem_not_a_hang() -> None:
    loaded = load_yaml("a: &a [1, *a]\n")
    assert [p.rule for p in loaded.problems] == ["yaml-syntax"]
    assert "recursive" in loaded.problems[0].message


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_document_over_the_size_limit_is_refused_unread(as_bytes: bool) -> None:
    text = "k: " + "x" * MAX_YAML_BYTES + "\n"
    loaded = load_yaml(text.encode() if as_bytes else text, "big.yaml")
    assert loaded.value is None
    [problem] = loaded.problems
    assert problem.rule == "yaml-limit"
    assert problem.location == Location("big.yaml", 1, 1)
    assert f"at most {MAX_YAML_BYTES:,}" in problem.message
    # The limit counts UTF-8 bytes, not characters.
    wide = "k: " + "é" * (MAX_YAML_BYTES // 2) + "\n"
    assert [p.rule for p in load_yaml(wide).problems] == ["yaml-limit"]


def test_nesting_is_bounded() -> None:
    def nested(depth: int) -> str:  # `depth` mappings and lists, the root included
        return "k: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"

    assert load_yaml(nested(MAX_YAML_DEPTH)).problems == ()
    loaded = load_yaml(nested(MAX_YAML_DEPTH + 1), "deep.yaml")
    [problem] = loaded.problems
    assert problem.rule == "yaml-limit"
    assert problem.location is not None
    assert problem.location.line == 1
    # Aliases count where they are used: a shallow anchor used deep down is measured there.
    half = MAX_YAML_DEPTH // 2 + 1
    text = "a: &a " + "[" * half + "]" * half + "\nb: " + "[" * half + "*a" + "]" * half + "\n"
    assert [p.rule for p in load_yaml(text).problems] == ["yaml-limit"]


def test_bytes_that_are_not_utf8_are_located() -> None:
    loaded = load_yaml(b"a: 1\nb: caf\xc3\xa9 na\xefve\n", "latin.yaml")
    assert loaded.value is None
    [problem] = loaded.problems
    assert problem.rule == "yaml-encoding"
    assert "0xef" in problem.message
    # Line 2, column of the bad byte counted in characters (the é before it is one).
    assert problem.location == Location("latin.yaml", 2, 11, 2, 12)
    utf16 = load_yaml("a: 1\n".encode("utf-16"), "wide.yaml")
    assert [p.rule for p in utf16.problems] == ["yaml-encoding"]
    assert utf16.problems[0].location == Location("wide.yaml", 1, 1, 1, 2)


def test_utf8_bytes_load_like_text() -> None:
    text = "name: café\nk: [1, 'x']\n"
    from_bytes = load_yaml(("\ufeff" + text).encode(), "f.yaml")  # a byte order mark is dropped
    from_text = load_yaml(text, "f.yaml")
    assert from_bytes.value == from_text.value == {"name": "café", "k": [1, "x"]}
    assert from_bytes.source.values == from_text.source.values
    assert from_bytes.source.scalars[("k", 1)].raw == "'x'"


@pytest.fixture(params=["libyaml", "python"])
def composer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both composers: PyYAML's C one (when it was built with libyaml) and its Python one."""
    if request.param == "python":
        monkeypatch.setattr(yamlsource, "_Loader", yaml.SafeLoader)
    else:
        assert yaml.__with_libyaml__  # the test extra installs PyYAML wheels, built with it
        monkeypatch.setattr(yamlsource, "_Loader", yaml.CSafeLoader)
    return str(request.param)


def test_a_control_character_is_located(composer: str) -> None:
    loaded = load_yaml("a: 1\nbé: é\x07\n", "bell.yaml")
    [problem] = loaded.problems
    assert problem.rule == "yaml-syntax"
    assert problem.location == Location("bell.yaml", 2, 6)
    assert "U+0007" in problem.message


def test_both_composers_give_the_same_values_and_positions(composer: str) -> None:
    text = (Path(__file__).parent.parent / "mappings" / "adjust" / "destination.yaml").read_text(
        encoding="utf-8"
    )
    loaded = load_yaml(text, "adjust.yaml")
    assert loaded.problems == ()
    assert loaded.value == yaml.safe_load(text)
    trigger = loaded.source.scalars[("actions", "send_event", "default_trigger")]
    assert (trigger.style, trigger.raw) == (None, 'type = "track"')
    assert trigger.start.line == text.splitlines().index('    default_trigger: type = "track"') + 1
    assert [p.rule for p in load_yaml(_laughs(9)).problems] == ["yaml-aliases"]
    nested = "k: " + "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH + "\n"
    assert [p.rule for p in load_yaml(nested).problems] == ["yaml-limit"]


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.integers(0, 9),
        lambda inner: st.lists(inner, min_size=1, max_size=4),
        max_leaves=20,
    ),
    st.integers(1, 5),
)
def test_alias_expansion_counts_what_would_be_built(tree: Any, uses: int) -> None:
    """A value used `uses` times through aliases is accepted exactly when the values the
    aliases add stay within the budget."""

    def count(node: Any) -> int:
        return 1 + sum(count(child) for child in node) if isinstance(node, list) else 1

    anchor = json.dumps(tree)
    text = f"a: &a {anchor}\nb: [" + ", ".join(["*a"] * uses) + "]\n"
    budget = 3 * count(tree)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "MAX_YAML_ALIAS_NODES", budget)
        loaded = load_yaml(text)
    added = uses * count(tree)
    if added <= budget:
        assert loaded.problems == ()
        assert loaded.value == {"a": tree, "b": [tree] * uses}
    else:
        assert [p.rule for p in loaded.problems] == ["yaml-aliases"]


def test_the_number_of_values_is_bounded() -> None:
    def flat(values: int) -> str:  # the root mapping, its key, the list and its items
        return "k: [" + ", ".join(["0"] * (values - 3)) + "]\n"

    assert load_yaml(flat(MAX_YAML_NODES)).problems == ()
    loaded = load_yaml(flat(MAX_YAML_NODES + 1), "dense.yaml")
    assert loaded.value is None
    [problem] = loaded.problems
    assert problem.rule == "yaml-limit"
    assert f"{MAX_YAML_NODES:,}" in problem.message


def test_a_lone_surrogate_is_a_located_encoding_problem(composer: str) -> None:
    # Text from bytes decoded with surrogateescape: libyaml cannot encode it, the Python
    # reader refuses the character; both say where it is.
    loaded = load_yaml("a: 1\nb: x\udcff\n", "escaped.yaml")
    assert loaded.value is None
    [problem] = loaded.problems
    assert problem.rule == "yaml-encoding"
    assert "U+DCFF" in problem.message
    assert problem.location == Location("escaped.yaml", 2, 5)


# Parsed data (documents parsed when the package was built: actions.destinations.shipped)

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_TREES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


def _through_json(data: Any) -> Any:
    import orjson

    return orjson.loads(json.dumps(data, ensure_ascii=False))


@settings(max_examples=300, deadline=None)
@given(
    _TREES.filter(lambda tree: tree is not None),
    st.sampled_from([None, "'", '"']),
    st.booleans(),
    st.sampled_from(["f.yaml", None]),
)
def test_parsed_data_rebuilds_what_the_parser_gives(
    tree: Any, style: str | None, flow: bool, file: str | None
) -> None:
    text = yaml.safe_dump(tree, default_style=style, default_flow_style=flow, allow_unicode=True)
    loaded = load_yaml(text, file)
    data = yamlsource.to_parsed(loaded)
    if loaded.problems or loaded.value is None:
        assert data is None
        return
    assert data is not None
    rebuilt = yamlsource.from_parsed(_through_json(data), text, file)
    assert rebuilt is not None
    assert exact(rebuilt) == exact(loaded)
    assert rebuilt == loaded


def test_parsed_data_gives_the_locations_of_a_real_document() -> None:
    text = "# a pack\nname: Demo\nlist:\n  - a: 'x'\n    b: >\n      folded\n  - [1, 2.5, yes]\n"
    loaded = load_yaml(text, "d.yaml")
    data = yamlsource.to_parsed(loaded)
    rebuilt = yamlsource.from_parsed(_through_json(data), text, "d.yaml")
    assert rebuilt is not None
    assert rebuilt.source.locate(("list", 0, "b")) == Location("d.yaml", 5, 8, 7, 1)
    assert rebuilt.source.locate_in_scalar(("list", 0, "a"), 0) == loaded.source.locate_in_scalar(
        ("list", 0, "a"), 0
    )
    assert rebuilt.source.scalars[("list", 1, 2)].raw == "yes"
    assert exact(rebuilt) == exact(loaded)


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty: no value
        "a: 1\na: 2\n",  # a problem
        "when: 2026-12-06\n",  # a date
        "x: .nan\n",
        "x: .inf\n",
        "x: 18446744073709551616\n",  # beyond 64 bits
        "x: !!binary aGVsbG8=\n",
    ],
)
def test_a_document_json_does_not_carry_exactly_has_no_parsed_data(text: str) -> None:
    assert yamlsource.to_parsed(load_yaml(text)) is None


def test_parsed_data_is_used_only_for_its_own_text_and_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "a: [1, 2]\nb: c\n"
    data = _through_json(yamlsource.to_parsed(load_yaml(text)))
    assert yamlsource.from_parsed(data, text, None) is not None
    assert yamlsource.from_parsed(data, text + " ", None) is None
    for broken in ({**data, "format": 0}, {**data, "tags": None}, {**data, "value": None}, [], 1):
        assert yamlsource.from_parsed(broken, text, None) is None
    monkeypatch.setattr(yamlsource, "MAX_YAML_DEPTH", 1)
    assert yamlsource.from_parsed(data, text, None) is None  # the limits have changed


def test_parsed_locations_that_do_not_fit_the_value_come_from_the_text() -> None:
    text = "a: [1, 2]\nb: c\n"
    data = _through_json(yamlsource.to_parsed(load_yaml(text, "f.yaml")))
    data["values"] = data["values"][:-4]
    rebuilt = yamlsource.from_parsed(data, text, "f.yaml")
    assert rebuilt is not None
    assert exact(rebuilt) == exact(load_yaml(text, "f.yaml"))


def test_parsed_tables_walk_the_data_read_again() -> None:
    text = "a: [1, 2]\nb: c\n"
    encoded = json.dumps(yamlsource.to_parsed(load_yaml(text, "f.yaml")))
    import orjson

    rebuilt = yamlsource.from_parsed(
        orjson.loads(encoded), text, "f.yaml", again=lambda: orjson.loads(encoded)
    )
    assert rebuilt is not None
    rebuilt.value["a"] = rebuilt.value.pop("a")  # the value handed out is the user's
    assert exact(rebuilt)[2:] == exact(load_yaml(text, "f.yaml"))[2:]
    other = yamlsource.from_parsed(
        orjson.loads(encoded), text, "f.yaml", again=lambda: {"text": "other"}
    )
    assert other is not None  # data read again that is not this text's: the text is parsed
    assert exact(other)[4:] == exact(load_yaml(text, "f.yaml"))[4:]


def test_parsed_tables_compare_copy_and_pickle_as_dicts() -> None:
    import pickle

    text = "a: [1, 2]\nb: c\n"
    loaded = load_yaml(text, "f.yaml")
    rebuilt = yamlsource.from_parsed(_through_json(yamlsource.to_parsed(loaded)), text, "f.yaml")
    assert rebuilt is not None
    values = rebuilt.source.values
    assert values == loaded.source.values
    assert loaded.source.values == values
    assert ("a", 1) in values
    assert values.get(("z",)) is None
    assert len(values) == 5
    assert repr(values) == repr(loaded.source.values)
    assert pickle.loads(pickle.dumps(rebuilt.source)) == loaded.source
