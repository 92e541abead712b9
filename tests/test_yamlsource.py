from __future__ import annotations

from actions.errors import Location
from actions.yamlsource import load_yaml


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
