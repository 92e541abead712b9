"""@liquid beyond the conformance cases: Segment's disabled tags and filters are named in a
located compile error, and rendering is bounded so that no template stalls a stream."""

from __future__ import annotations

import pickle
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import mapping
from actions.mapping import MISSING
from actions.mapping.liquid import MAX_OUTPUT_BYTES, MAX_TEMPLATE_LENGTH
from actions.yamlsource import load_yaml

# As the issue lists them (Segment's mapping-kit sets these).
SEGMENT_DISABLED_TAGS = ["case", "for", "include", "layout", "render", "tablerow"]
SEGMENT_DISABLED_FILTERS = [
    "array_to_sentence_string", "concat", "find", "find_exp", "find_index", "find_index_exp",
    "group_by", "group_by_exp", "has", "has_exp", "map", "newline_to_br", "reject",
    "reject_exp", "reverse", "sort", "sort_natural", "uniq", "where_exp", "type",
]  # fmt: skip


def _messages(node: Any) -> list[str]:
    with pytest.raises(mapping.MappingError) as caught:
        mapping.compile(node)
    return [d.message for d in caught.value.diagnostics]


@pytest.mark.parametrize("tag", SEGMENT_DISABLED_TAGS)
def test_a_disabled_tag_is_named(tag: str) -> None:
    assert _messages({"@liquid": f"a {{% {tag} x %}}"}) == [f'@liquid: tag "{tag}" is disabled']


@pytest.mark.parametrize("name", SEGMENT_DISABLED_FILTERS)
def test_a_disabled_filter_is_named(name: str) -> None:
    assert _messages({"@liquid": f"{{{{ properties.x | {name} }}}}"}) == [
        f'@liquid: filter "{name}" is disabled'
    ]


def test_every_disabled_filter_of_a_template_is_named() -> None:
    assert _messages({"@liquid": "{{ a | uniq | upcase }}{{ b | sort }}"}) == [
        '@liquid: filter "uniq" is disabled; filter "sort" is disabled'
    ]


def test_the_error_points_into_the_template() -> None:
    text = 'fields:\n  label: {"@liquid": "Hi {{ traits.name | sort }}"}\n'
    loaded = load_yaml(text, "pack.yaml")
    with pytest.raises(mapping.MappingError) as caught:
        mapping.compile(loaded.value["fields"], source=loaded.source, base_path=("fields",))
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.message == '@liquid: filter "sort" is disabled'
    assert diagnostic.location is not None
    line_text = text.splitlines()[diagnostic.location.line - 1]
    assert line_text[diagnostic.location.column - 1 :].startswith("sort")


def test_a_syntax_error_points_into_the_template() -> None:
    text = 'x: {"@liquid": "ok {% if a %}yes{% endunless %}"}\n'
    loaded = load_yaml(text, "pack.yaml")
    with pytest.raises(mapping.MappingError) as caught:
        mapping.compile(loaded.value, source=loaded.source)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.location is not None
    assert diagnostic.location.line == 1
    assert diagnostic.location.column > 16


def test_the_template_length_limit() -> None:
    assert mapping.compile({"@liquid": "x" * MAX_TEMPLATE_LENGTH}).apply({}) == "x" * 1000
    [message] = _messages({"@liquid": "x" * (MAX_TEMPLATE_LENGTH + 1)})
    assert "the limit is 1000" in message


def test_it_pickles_and_is_recompiled() -> None:
    compiled = mapping.compile({"v": {"@liquid": "{{ event | upcase }}"}})
    assert pickle.loads(pickle.dumps(compiled)).apply({"event": "a"}) == {"v": "A"}


def test_the_output_is_bounded() -> None:
    compiled = mapping.compile({"v": {"@liquid": "{{ t }}{{ t }}"}})
    value, failures = compiled.evaluate({"t": "x" * (MAX_OUTPUT_BYTES // 2 + 1)})
    assert value == {}
    assert [f.message for f in failures] == ["@liquid: output stream limit reached"]


ADVERSARIAL = {
    "doubling": "{%assign a='xxxxxxxxxxxxxxxx'%}" + "{%assign a=a|append:a%}" * 40 + "{{a}}",
    "squaring": "{%assign a=n%}" + "{%assign a=a|times:a%}" * 40 + "{{a}}",
    "replace by itself": "{{ big | replace: 'x', big }}",
    "split and join": "{{ s" + " | split: ',' | join: ','" * 38 + " }}",
    "filters over the largest text": "{{ t" + "|upcase|downcase" * 55 + "|size }}",
    "huge input": "{{ huge" + " | replace: 'y', 'z'" * 45 + " }}",
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_no_template_stalls(name: str) -> None:
    template = ADVERSARIAL[name]
    assert len(template) <= MAX_TEMPLATE_LENGTH
    compiled = mapping.compile({"v": {"@liquid": template}})
    event = {
        "n": 99999999999,
        "big": "x" * 50_000,
        "s": "x," * 999,
        "t": "é" * 99_000,
        "huge": "x" * 2_000_000,
    }
    started = time.perf_counter()
    value, failures = compiled.evaluate(event)
    assert time.perf_counter() - started < 1.0  # generous: a bound, not a speed figure
    assert value is not MISSING
    rendered = value.get("v", "")
    assert len(rendered.encode()) <= MAX_OUTPUT_BYTES
    if name in ("doubling", "squaring", "replace by itself", "huge input"):
        assert value == {}
        assert len(failures) == 1


def test_the_paths_a_template_reads() -> None:
    template = (
        "{% assign x = properties.a | plus: 1 %}{{ x }}{{ traits['first name'] }}"
        "{{ context.device[0].id }}{{ properties[k] }}"
    )
    assert mapping.compile({"@liquid": template}).paths == {
        "$.properties.a",
        "$.traits['first name']",
        "$.context.device[0].id",
        "$.properties",  # properties[k]: which key is known only when rendering
        "$.k",
    }


_PIECES = [
    "{{ ", " }}", "{% ", " %}", "if ", "endif", "unless ", "endunless", "else", "assign ",
    "capture ", "endcapture", "for ", "endfor", "case ", "when ", "x", "properties.n", " = ",
    " | ", "upcase", "plus: ", "divided_by: ", "0", "1", "'a'", "split: ','", "size", "sort",
    "default: ", "date: '%Y'", "times: ", "append: ", "replace: 'a', 'bb'", "raw", "endraw",
    "liquid ", "echo ", "\n", ",", ":", "[", "]", "(", ")", "..", "-", "nope",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_any_template_compiles_or_is_a_compile_error_and_never_raises(template: str) -> None:
    problems = mapping.check({"v": {"@liquid": template}})
    if problems:
        assert all(d.rule in ("directive-option", "limit") for d in problems)
        assert all(d.message.startswith("@liquid") for d in problems)
        return
    compiled = mapping.compile({"v": {"@liquid": template}})
    event = {"x": "a,b", "properties": {"n": 3}, "nope": None}
    value, failures = compiled.evaluate(event)
    assert isinstance(value, dict)
    if "v" in value:
        assert isinstance(value["v"], str)
    else:
        assert [f.pointer for f in failures] == ["/v"]
