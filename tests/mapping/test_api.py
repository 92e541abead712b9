"""The mapping API around the language: the paths a mapping reads, and user directives."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

import pytest

from actions import ActionsError, mapping
from actions.mapping import (
    BUILTIN_DIRECTIVES,
    Option,
    OptionError,
    directive,
    directives_table,
)
from actions.mapping.directives import CompileContext
from actions.mapping.values import MISSING, DirectiveFailure, Evaluator


@directive("@upper", argument=Option("value", mapping.Kind.MAPPING))
def upper(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    value: Evaluator = args["value"]

    def evaluate(root: Any, settings: Any, failures: Any) -> Any:
        found = value(root, settings, failures)
        return found.upper() if isinstance(found, str) else found

    return evaluate


@directive(
    "@shout", options=(Option("text", mapping.Kind.STRING, required=True),), declares_reads=True
)
def shout(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    if not args["text"]:
        raise OptionError("text", "text must not be empty")
    text = args["text"].upper() + "!"
    return lambda root, settings, failures: text


DIRECTIVES = directives_table([*BUILTIN_DIRECTIVES.values(), upper, shout])


def compile_with_ours(node: Any) -> mapping.CompiledMapping:
    return mapping.compile(node, directives=DIRECTIVES)


@pytest.mark.parametrize(
    ("node", "paths"),
    [
        ({"a": {"@path": "$.context.ip"}}, {"$.context.ip"}),
        ({"@template": "{{event}} on {{context.os.name}}"}, {"event", "context.os.name"}),
        ({"@path": "$.properties.products[*].sku"}, {"$.properties.products[*].sku"}),
        ({"@path": "$settings.token"}, {"$settings.token"}),
        ({"@path": {"@template": "properties.{{event}}"}}, {"$.", "event"}),
        ({"@template": {"@path": "$.properties.format"}}, {"$.", "$.properties.format"}),
        ({"@if": {"when": 'context.os.name = "iOS"', "then": 1}}, {"$.context.os.name"}),
        (
            {"@arrayPath": ["$.properties.products", {"sku": {"@path": "$.sku"}}]},
            {"$.properties.products"},
        ),
    ],
)
def test_paths_read(node: Any, paths: set[str]) -> None:
    assert mapping.compile(node).paths == paths


def test_a_user_directive_is_declared_validated_and_compiled() -> None:
    compiled = compile_with_ours(
        {"name": {"@upper": {"@path": "$.event"}}, "x": {"@shout": {"text": "hi"}}}
    )
    assert compiled.apply({"event": "Signed Up"}) == {"name": "SIGNED UP", "x": "HI!"}
    with pytest.raises(mapping.MappingError) as error:
        compile_with_ours({"x": {"@shout": {"text": ""}}})
    [problem] = error.value.diagnostics
    assert (problem.rule, problem.path) == ("directive-option", ("x", "@shout", "text"))
    with pytest.raises(mapping.MappingError):
        compile_with_ours({"x": {"@shout": {"txt": "a"}}})
    # Only where it is declared: the built-in table does not know it.
    with pytest.raises(mapping.MappingError) as unknown:
        mapping.compile({"x": {"@shout": {"text": "a"}}})
    assert unknown.value.diagnostics[0].rule == "unknown-directive"


def test_a_mapping_with_a_user_directive_pickles_with_it() -> None:
    compiled = compile_with_ours({"name": {"@upper": {"@path": "$.event"}}})
    again = pickle.loads(pickle.dumps(compiled))
    assert again.apply({"event": "a"}) == {"name": "A"}


def test_a_user_directive_reads_the_whole_data_unless_it_declares_its_reads() -> None:
    assert compile_with_ours({"@upper": {"@path": "$.event"}}).paths == {"$.", "$.event"}
    assert compile_with_ours({"@shout": {"text": "a"}}).paths == frozenset()
    # Inside an item shape, reads are of the item, not of the event.
    shape = {"@arrayPath": ["$.properties.products", {"n": {"@upper": {"@path": "$.name"}}}]}
    assert compile_with_ours(shape).paths == {"$.properties.products"}


def test_declaration_errors() -> None:
    def function(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
        return lambda root, settings, failures: 1

    with pytest.raises(ActionsError, match="not a valid directive name"):
        directive("upper", argument=Option("value", mapping.Kind.MAPPING))(function)
    with pytest.raises(ActionsError, match="either one argument or options"):
        directive("@upper")(function)
    again = directive("@path", argument=Option("value", mapping.Kind.MAPPING))(function)
    with pytest.raises(ActionsError, match="declared twice"):
        directives_table([*BUILTIN_DIRECTIVES.values(), again])
    with pytest.raises(TypeError):
        BUILTIN_DIRECTIVES["@x"] = again  # type: ignore[index]
    assert all(d.declares_reads for d in BUILTIN_DIRECTIVES.values())


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("$.context.device.id", ("context", "device", "id")),
        ("properties.products[0].sku", ("properties", "products", 0, "sku")),
        ("$.properties.products[*].sku", ("properties",)),
        ("$..sku", ()),
        ("$.", ()),
        ("$settings.token", None),
        ("$.a[", ()),
    ],
)
def test_read_keys(text: str, keys: tuple[str | int, ...] | None) -> None:
    from actions.mapping.paths import read_keys

    assert read_keys(text) == keys


def test_the_evaluator_is_the_closure_evaluate_wraps() -> None:
    bad = {"@json": {"mode": "decode", "value": {"@path": "$.s"}}}
    event = {"s": "{bad"}
    # An object of fields: a field that fails is appended, never raised.
    fields = mapping.compile({"x": bad, "y": {"@path": "$.s"}})
    failures: list[Any] = []
    assert fields.evaluator(event, {}, failures) == {"y": "{bad"}
    assert tuple(failures) == fields.evaluate(event)[1]
    assert [f.pointer for f in failures] == ["/x"]
    # A directive at the top: the evaluator raises, evaluate gives the failure.
    top = mapping.compile(bad)
    with pytest.raises(DirectiveFailure):
        top.evaluator(event, {}, [])
    value, [failure] = top.evaluate(event)
    assert value is MISSING
    assert failure.message.startswith("@json decode: not valid JSON")


@pytest.mark.parametrize(
    ("data", "kind"), [([1, 2], "array"), (5, "number"), ("text", "string"), (True, "boolean")]
)
def test_data_that_is_not_an_object_is_refused(data: Any, kind: str) -> None:
    compiled = mapping.compile({"x": {"@path": "$.a"}, "y": 1})
    value, failures = compiled.evaluate(data)
    assert value is MISSING
    assert [(f.pointer, f.message) for f in failures] == [
        ("", f"data must be an object, got {kind}")
    ]
    with pytest.raises(mapping.MappingDataError, match=f"data must be an object, got {kind}"):
        compiled.apply(data)
    with pytest.raises(TypeError):  # a MappingDataError is a TypeError too
        compiled.apply(data)


def test_none_is_no_data() -> None:
    compiled = mapping.compile({"x": {"@path": "$.a"}, "y": 1})
    assert compiled.apply(None) == {"y": 1}
    assert compiled.evaluate(None) == ({"y": 1}, ())


def test_an_empty_list_where_one_item_is_needed_is_named_as_such() -> None:
    with pytest.raises(mapping.MappingError) as caught:
        mapping.compile({"@coalesce": []})
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.message == "@coalesce must have at least 1 item, not 0"
