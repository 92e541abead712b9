"""The compiled backend and the reference evaluator agree: on random mappings (objects, arrays,
literals and every built-in directive with valid options, nested) over random events (missing
keys, nulls, wrong types, nested objects and arrays), both give the same value (MISSING and
None included, types exact) and the same failures (pointers and messages). Every conformance
case (tests/mapping/conformance/*.yaml) also runs through the reference evaluator."""

from __future__ import annotations

import contextlib
import math
import pickle
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.mapping import (
    BUILTIN_DIRECTIVES,
    MISSING,
    DirectiveFailure,
    Kind,
    MappingError,
    MappingFailure,
    Option,
    Scope,
    compile,
    directive,
    directives_table,
    meaning_of,
)
from actions.mapping.directives import CompileContext
from actions.mapping.reference import evaluate, evaluate_mapping
from actions.mapping.values import Evaluator

KEYS = ["a", "b", "c", "0", "x y"]

# -- random events -----------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([1.5, -0.0, 1e12, 2.0, math.inf, 10**30])
    | st.sampled_from(["", "a", "b", " A b ", "x y", "1", "2.5", "true", "{bad", '{"a": 1}'])
    | st.sampled_from(["2024-01-02T03:04:05Z", "1700000000", "u@x.org", "+1 415 555 2671"])
    | st.sampled_from(["$.a", "a.b", "{{a}}-{{b}}", "$.a[", "{{", "{{$settings.s}}"])
)
data = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=20,
)
events = st.dictionaries(st.sampled_from(KEYS), data, max_size=5)
settings_values = st.fixed_dictionaries(
    {"s": scalars, "k": st.sampled_from(["secret", "", 5]), "t": data}
)

# -- random mappings ---------------------------------------------------------------------------

PATHS = [
    "$.a",
    "a",
    "$.a.b",
    "a.b.c",
    "$.a.b.c.a",
    "$.a[0]",
    "$.a[-1].b",
    "$['x y']",
    "$.0",
    "$.",
    "$.a[*].b",
    "$..b",
    "$settings.s",
    "$settings.t.a",
    "$settings",
]
TEMPLATES = ["", "plain", "{{a}}", "<{{a}}>", "{{a}} {{b.c}}", "{{{a}}}{{$settings.s}}{{c}}!"]
TEMPLATES += ["{{a}}-{{b}}-{{c}}-{{0}}", "{{ a.b }} and {{$.c[0]}}"]
CONDITIONS = ['a = "a"', "b != null", 'a.b != "x"', '$settings.s = "a"', "c > 1"]
CONDITIONS += ["$settings.t.a != null", 'a = "a" or $settings.k = "secret"']
# Conditions that share paths and calls: a mapping's conditions are tested together, up front.
CONDITIONS += ['lowercase(a) in ["a", "b"] or (a = null and lowercase(b) = "a")']
CONDITIONS += ['lowercase(a) = "a"', 'a.b = 1 and lowercase(a) != "x"', "contains(b, 1)"]
LIQUID = ["", "{{ a }}", "{{ a | upcase }}", "{{ a.b | plus: 1 }}", "{% if a %}y{% endif %}"]


def path() -> st.SearchStrategy[Any]:
    return st.sampled_from(PATHS).map(lambda text: {"@path": text})


def directive_of(m: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Every built-in directive with valid options, its mapping options drawn from ``m``."""
    objectish = st.dictionaries(st.sampled_from(KEYS), m, max_size=3) | path()
    maybe = st.none() | m

    def options(name: str, required: dict[str, Any], optional: dict[str, Any]) -> Any:
        return st.fixed_dictionaries(required, optional=optional).map(lambda o: {name: o})

    return st.one_of(
        path(),
        st.sampled_from(["$.a", "{{a}}"]).map(lambda t: {"@path": {"@template": t}}),
        path().map(lambda p: {"@path": p}),
        st.sampled_from(TEMPLATES).map(lambda t: {"@template": t}),
        path().map(lambda p: {"@template": p}),
        m.map(lambda v: {"@literal": v}),
        st.tuples(st.sampled_from(["exists", "blank"]), m, maybe, maybe).map(
            lambda t: {"@if": _if(t[0], t[1], t[2], t[3])}
        ),
        st.tuples(st.sampled_from(CONDITIONS), maybe, maybe).map(
            lambda t: {"@if": _if("when", t[0], t[1], t[2])}
        ),
        options("@case", {"operator": st.sampled_from(["lower", "upper"]), "value": m}, {}),
        options(
            "@replace",
            {"value": m, "pattern": st.sampled_from(["a", " ", "A b", "1"])},
            {
                "replacement": st.sampled_from(["", "_", "Z"]),
                "pattern2": st.sampled_from(["b", "_"]),
                "replacement2": st.sampled_from(["", "-"]),
                "ignorecase": st.booleans(),
                "global": st.booleans(),
            },
        ),
        st.tuples(st.sampled_from(PATHS) | path(), st.none() | st.just({}) | objectish).map(
            lambda t: {"@arrayPath": [t[0]] if t[1] is None else [t[0], t[1]]}
        ),
        options(
            "@merge",
            {"objects": st.lists(m, max_size=3)},
            {"direction": st.sampled_from(["left", "right"])},
        ),
        options("@transform", {"apply": objectish, "mapping": m}, {}),
        options(
            "@flatten",
            {"value": m},
            {"separator": st.sampled_from([".", "_", ""]), "omitArrays": st.booleans()},
        ),
        options("@json", {"mode": st.sampled_from(["encode", "decode"]), "value": m}, {}),
        m.map(lambda v: {"@excludeWhenNull": v}),
        st.lists(m, min_size=1, max_size=3).map(lambda c: {"@coalesce": c}),
        options("@lookup", {"value": m, "table": objectish}, {"default": m}),
        options("@omit", {"value": m, "keys": st.lists(st.sampled_from(KEYS), max_size=2)}, {}),
        options(
            "@convert",
            {
                "value": m,
                "to": st.sampled_from(
                    [
                        "string",
                        "number",
                        "integer",
                        "boolean",
                        "unix_seconds",
                        "unix_milliseconds",
                        "iso8601",
                        "percent_encoded",
                    ]
                ),
            },
            {"each": st.booleans()},
        ),
        options(
            "@hash",
            {"value": m},
            {
                "algorithm": st.sampled_from(["sha256", "sha1", "md5"]),
                "encoding": st.sampled_from(["hex", "base64"]),
                "normalize": st.sampled_from(["none", "email", "name"]),
                "key": st.just({"@path": "$settings.k"}),
            },
        ),
        st.sampled_from([None, "US", {"@path": "$settings.s"}]).map(
            lambda country: {
                "@hash": {"value": {"@path": "$.a"}, "normalize": "phone"}
                | ({} if country is None else {"country": country})
            }
        ),
        st.sampled_from(LIQUID).map(lambda t: {"@liquid": t}),
    )


def _if(kind: str, condition: Any, then: Any, else_: Any) -> dict[str, Any]:
    out: dict[str, Any] = {kind: condition}
    if then is not None:
        out["then"] = then
    if else_ is not None:
        out["else"] = else_
    return out


mappings = st.recursive(
    scalars,
    lambda m: (
        st.lists(m, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS), m, max_size=4)
        | directive_of(m)
    ),
    max_leaves=12,
)


def strict(value: Any) -> Any:
    """A form where 1, 1.0, True, None and MISSING all differ."""
    if isinstance(value, dict):
        return ("object", [(k, strict(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("array", [strict(v) for v in value])
    return (type(value).__name__, repr(value))


def _both(node: Any, root: Any, data: Any) -> tuple[Any, Any]:
    """(compiled, reference) results of ``node`` on any root: the value and failures, or the
    message of the failure raised."""
    out = []
    with contextlib.suppress(DirectiveFailure):  # a first call: the joint test is written next
        node.evaluator(root, data, [])
    for run in (node.evaluator, lambda r, s, f: evaluate(node.node, r, s, f)):
        failures: list[Any] = []
        try:
            result: Any = strict(run(root, data, failures))
        except DirectiveFailure as exc:
            result = ("raised", exc.message)
        out.append((result, [(f.pointer, f.message) for f in failures]))
    return out[0], out[1]


def test_every_builtin_directive_is_generated() -> None:
    """The random mappings reach every built-in directive. Drawn derandomized, so the check gives
    the same answer on every machine (CI's Hypothesis profile included)."""
    names: set[str] = set()

    @settings(max_examples=400, derandomize=True, database=None)
    @given(mappings)
    def collect(mapping: Any) -> None:
        names.update(_directives_in(mapping))

    collect()
    assert names == set(BUILTIN_DIRECTIVES)


def _directives_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {k for k in node if k.startswith("@")}
        for value in node.values():
            found |= _directives_in(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_directives_in, node)) if node else set()
    return set()


BACKENDS = ["closures", "source"]


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mapping=mappings, event=events, data=settings_values)
def test_compiled_and_reference_agree(backend: Any, mapping: Any, event: Any, data: Any) -> None:
    compiled = compile(mapping, backend=backend)
    expected, expected_failures = evaluate_mapping(compiled.node, event, data)
    # Twice: a generated mapping's joint test of its conditions is written at its second call
    # (the first is answered by the reference evaluator).
    for _ in range(2):
        value, failures = compiled.evaluate(event, data)
        assert strict(value) == strict(expected)
        assert failures == expected_failures


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mapping=mappings, root=data, data=settings_values)
def test_they_agree_on_any_root(backend: Any, mapping: Any, root: Any, data: Any) -> None:
    # The evaluators also run on roots that are not objects (@arrayPath items, @transform).
    compiled, reference = _both(compile(mapping, backend=backend), root, data)
    assert compiled == reference


# -- the conformance cases, through the reference evaluator -----------------------------------

HERE = Path(__file__).parent / "conformance"


def _cases() -> list[Any]:
    params = []
    for file in sorted(HERE.glob("*.yaml")):
        suite = yaml.safe_load(file.read_text(encoding="utf-8"))
        for index, case in enumerate(suite["cases"]):
            if "error" not in case:
                case_id = f"{file.stem}:{index}:{case.get('name', '')}"
                params.append(pytest.param(suite, case, id=case_id))
    return params


def _exact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return (type(value).__name__ if value is not None else "null", value)


@pytest.mark.parametrize(("suite", "case"), _cases())
def test_conformance_case_by_reference(suite: dict[str, Any], case: dict[str, Any]) -> None:
    event = case.get("event", suite.get("given", {}))
    data = case.get("settings", suite.get("settings")) or {}
    node = compile(case["mapping"]).node
    if isinstance(event, dict):
        value, failures = evaluate_mapping(node, event, data)
    else:  # as tests/mapping/test_conformance.py runs the closures on such data
        found: list[MappingFailure] = []
        try:
            value = evaluate(node, event, data, found)
        except DirectiveFailure as exc:
            found.append(MappingFailure("", exc.message))
            value = MISSING
        failures = tuple(found)
    if case.get("missing"):
        assert value is MISSING
    else:
        assert _exact(value) == _exact(case["result"])
    assert sorted(f.pointer for f in failures) == sorted(case.get("failures", []))


# -- directives declared with a meaning only ---------------------------------------------------


@meaning_of("@title", argument=Option("value", Kind.MAPPING), declares_reads=True)
def title(args: Mapping[str, Any], scope: Scope) -> Any:
    text = args["value"]()
    return text.title() if isinstance(text, str) else text


@meaning_of(
    "@pick",
    options=(
        Option("from", Kind.MAPPINGS, required=True),
        Option("index", Kind.INTEGER, required=True),
    ),
    declares_reads=True,
)
def pick(args: Mapping[str, Any], scope: Scope) -> Any:
    candidates = args["from"]
    if not 0 <= args["index"] < len(candidates):
        raise DirectiveFailure(f"@pick: no candidate {args['index']}")
    return candidates[args["index"]]()  # only the one picked is evaluated


@meaning_of(
    "@each",
    options=(
        Option("value", Kind.MAPPING, required=True),
        Option("item", Kind.MAPPING, required=True, relative=True),
    ),
)
def each(args: Mapping[str, Any], scope: Scope) -> Any:
    items = args["value"]()
    if not isinstance(items, list):
        return MISSING
    return [args["item"].at(item) for item in items]


OURS = directives_table([*BUILTIN_DIRECTIVES.values(), title, pick, each])


def test_a_directive_declared_by_its_meaning_compiles_and_agrees() -> None:
    mapping = {
        "name": {"@title": {"@path": "$.a"}},
        "gone": {"@title": {"@path": "$.missing"}},
        "null": {"@title": {"@path": "$.b"}},
        "second": {"@pick": {"from": [{"@json": {"mode": "decode", "value": "{"}}, 2], "index": 1}},
        "bad": {"@pick": {"from": [1], "index": 3}},
        "items": {
            "@each": {"value": {"@path": "$.c"}, "item": {"n": {"@title": {"@path": "$.n"}}}}
        },
    }
    compiled = compile(mapping, directives=OURS)
    event = {"a": "signed up", "b": None, "c": [{"n": "x y"}, 5]}
    value, failures = compiled.evaluate(event)
    assert value == {
        "name": "Signed Up",
        "null": None,
        "second": 2,
        "items": [{"n": "X Y"}, {}],
    }
    assert [(f.pointer, f.message) for f in failures] == [("/bad", "@pick: no candidate 3")]
    assert (value, failures) == evaluate_mapping(compiled.node, event)
    # Reads: its mapping options' (declares_reads), the item's not among the event's; a
    # directive that does not declare its reads reads the whole event.
    assert compiled.paths == {"$.a", "$.missing", "$.b", "$.c", "$."}
    again = pickle.loads(pickle.dumps(compiled))
    assert again.evaluate(event) == (value, failures)


def test_a_meaning_option_problem_is_located() -> None:
    with pytest.raises(MappingError) as caught:
        compile({"x": {"@pick": {"from": [1], "index": "1"}}}, directives=OURS)
    [problem] = caught.value.diagnostics
    assert (problem.rule, problem.path) == ("directive-type", ("x", "@pick", "index"))


@directive("@upper", argument=Option("value", Kind.MAPPING))
def upper(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    value: Evaluator = args["value"]

    def evaluate(root: Any, settings: Any, failures: Any) -> Any:
        found = value(root, settings, failures)
        return found.upper() if isinstance(found, str) else found

    return evaluate


def test_compile_only_directives_have_a_meaning_too() -> None:
    # A directive declared with a compile function only means what that function builds:
    # the reference evaluator runs it over evaluators of its own.
    table = directives_table([*BUILTIN_DIRECTIVES.values(), upper])
    compiled = compile({"u": {"@upper": {"@path": "$.a"}}, "n": {"@upper": 5}}, directives=table)
    event = {"a": "abc"}
    assert compiled.evaluate(event) == evaluate_mapping(compiled.node, event)
    assert compiled.apply(event) == {"u": "ABC", "n": 5}


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(KEYS) | scalars | data,
    table=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), data, max_size=4) | data,
    nested=st.booleans(),
)
def test_a_lookup_of_an_event_path_in_a_table_of_the_settings(
    backend: Any, key: Any, table: Any, nested: bool
) -> None:
    """The source backend writes this common @lookup (Adjust's event tokens) as one inline
    ``dict.get``: any key, any table, the same value and failures as the reference."""
    value = {"@path": "$.a.b" if nested else "$.a"}
    mapping = {"x": {"@lookup": {"value": value, "table": {"@path": "$settings.t"}}}, "y": 1}
    event = {"a": {"b": key}} if nested else {"a": key}
    compiled = compile(mapping, backend=backend)
    got, failures = compiled.evaluate(event, {"t": table})
    expected, expected_failures = evaluate_mapping(compiled.node, event, {"t": table})
    assert strict(got) == strict(expected)
    assert failures == expected_failures


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=200, deadline=None)
@given(
    s=st.sampled_from(["a", "b", 5, None, MISSING]),
    n=st.sampled_from([0, 2, "3", None, MISSING]),
    event=events,
    proxy=st.booleans(),
)
def test_conditions_on_the_settings_alone(
    backend: Any, s: Any, n: Any, event: Any, proxy: bool
) -> None:
    """The source backend tests a condition on the settings alone inline, on one object of the
    settings made per call (from any mapping of them): what the reference gives."""
    mapping = {
        "x": {"@if": {"when": '$settings.s = "a"', "then": 1, "else": {"@path": "$.a"}}},
        "y": {"@if": {"when": "$settings.n > 1", "then": {"@path": "$.b"}}},
        "z": {"@if": {"when": '$settings.s = "a" and $settings.n != null', "then": True}},
    }
    data = {k: v for k, v in (("s", s), ("n", n)) if v is not MISSING}
    given_settings = MappingProxyType(data) if proxy else data
    compiled = compile(mapping, backend=backend)
    got, failures = compiled.evaluate(event, given_settings)
    expected, expected_failures = evaluate_mapping(compiled.node, event, data)
    assert strict(got) == strict(expected)
    assert failures == expected_failures
