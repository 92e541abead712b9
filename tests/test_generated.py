"""Functions made from the package's own source text (actions._generated): compiled once, when
first called with ``lazy``, into the same function object; a fallback where Python cannot
compile the source."""

from __future__ import annotations

import threading
from types import FunctionType
from typing import Any

import pytest

from actions import _generated, fql, mapping
from actions._generated import define
from actions.fql import reference

SOURCE = "def add(a, b=2, *, c=3):\n    return a + b + c + K\n"


def _pending(function: Any) -> bool:
    return function.__code__ is _generated._STUB


def test_a_lazy_function_is_compiled_by_its_first_call_into_the_same_object() -> None:
    function = define(SOURCE, "add", {"K": 10}, label="test add", lazy=True)
    assert _pending(function)
    assert function.__code__.co_filename == "<generated stub>"
    assert function(1) == 16
    assert not _pending(function)
    assert function.__code__.co_filename == "<test add>"
    assert function.__defaults__ == (2,)
    assert function.__kwdefaults__ == {"c": 3}
    assert function(1, 1, c=1) == 13
    assert function.__globals__["add"] is function
    assert sorted(function.__globals__) == ["K", "__builtins__", _generated._COMPILE, "add"]


def test_an_eager_function_is_compiled_at_once() -> None:
    function = define(SOURCE, "add", {"K": 10}, label="test add")
    assert not _pending(function)
    assert function.__code__.co_filename == "<test add>"
    assert function(0) == 15


def test_compiled_compiles_a_pending_function_now() -> None:
    function = define(SOURCE, "add", {"K": 0}, label="test add", lazy=True)
    assert _generated.compiled(function) is function
    assert not _pending(function)
    assert _generated.compiled(len) is len  # not one of ours: left alone


def test_no_builtins_unless_asked() -> None:
    source = "def f():\n    return len([1])\n"
    with pytest.raises(NameError):
        define(source, "f", {}, label="f", lazy=True)()
    assert define(source, "f", {}, label="f", lazy=True, builtins=True)() == 1


def _too_nested(depth: int) -> str:
    """A function Python does not compile: more than 20 nested loops."""
    lines = ["def f(x):"]
    for level in range(depth):
        lines.append("    " * (level + 1) + f"for _{level} in x:")
    lines.append("    " * (depth + 1) + "pass")
    lines.append("    return 1")
    return "\n".join(lines) + "\n"


def test_source_python_cannot_compile_calls_the_fallback() -> None:
    source = _too_nested(25)
    with pytest.raises(SyntaxError):
        define(source, "f", {}, label="deep")
    lazy = define(source, "f", {}, label="deep", lazy=True)
    with pytest.raises(SyntaxError):
        lazy([])
    with pytest.raises(SyntaxError):
        lazy([])  # still not compiled: raises again
    falling = define(source, "f", {}, label="deep", lazy=True, fallback=lambda x: ("fallback", x))
    assert falling([]) == ("fallback", [])
    assert falling(1) == ("fallback", 1)
    assert not _pending(falling)
    eager = define(source, "f", {}, label="deep", fallback=lambda x: "fallback")
    assert eager([]) == "fallback"
    assert define(_too_nested(5), "f", {}, label="shallow", lazy=True)([]) == 1


def test_first_calls_from_many_threads_compile_to_the_same_code() -> None:
    function = define(SOURCE, "add", {"K": 1}, label="test add", lazy=True)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(function(1))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [7] * 8
    assert not _pending(function)


def test_a_call_that_entered_the_stub_before_another_compiled_it_runs_the_compiled_code() -> None:
    # What a thread sees when another thread compiled the function between its entering the
    # stub and its looking up the stub's hook: the hook gives the compiled function, once.
    function = define(SOURCE, "add", {"K": 1}, label="test add", lazy=True)
    late = FunctionType(_generated._STUB, function.__globals__)  # the stub that thread runs
    assert function(1) == 7
    code = function.__code__
    assert late(1) == 7
    assert function.__code__ is code


def test_a_trigger_is_compiled_when_first_matched() -> None:
    trigger = fql.compile("type = 'track' and properties.revenue > 10")
    assert _pending(trigger.matches)
    event = {"type": "track", "properties": {"revenue": 12}}
    assert trigger.matches(event) is True
    assert not _pending(trigger.matches)
    assert trigger.matches({"type": "page"}) is reference.matches(trigger.ast, {"type": "page"})


def test_a_mapping_is_compiled_when_first_applied() -> None:
    compiled = mapping.compile({"id": {"@path": "$.userId"}, "n": {"@path": "$.properties.n"}})
    function = compiled.evaluator
    assert compiled.backend == "source"
    assert _pending(function)
    assert compiled.apply({"userId": "u1", "properties": {"n": 2}}) == {"id": "u1", "n": 2}
    assert compiled.evaluator is function
    assert not _pending(function)
    assert function.__code__.co_filename == "<mapping>"


def test_a_function_written_later_is_written_and_compiled_by_its_first_call() -> None:
    writes: list[int] = []

    def write() -> tuple[str, dict[str, Any]]:
        writes.append(1)
        return SOURCE, {"K": 10}

    function = _generated.define_later(write, "add", label="test add")
    assert _pending(function)
    assert writes == []  # nothing written until called
    assert function(1) == 16
    assert function(1, 1, c=1) == 13
    assert writes == [1]
    assert function.__code__.co_filename == "<test add>"
    assert function.__globals__["add"] is function
    deep = _generated.define_later(
        lambda: (_too_nested(25), {}), "f", label="deep", fallback=lambda x: ("fallback", x)
    )
    assert deep([]) == ("fallback", [])


def test_a_warm_function_is_answered_by_its_fallback_until_it_is_written() -> None:
    writes: list[int] = []

    def write() -> tuple[str, dict[str, Any]]:
        writes.append(1)
        return SOURCE, {"K": 10}

    function = _generated.define_later(
        write, "add", label="test add", fallback=lambda a, b=2, *, c=3: -1, warm=2
    )
    assert (function(1), function(1)) == (-1, -1)  # the fallback's answers
    assert writes == []
    assert _pending(function)
    assert function(1) == 16  # written and compiled at the third call
    assert (writes, function(1)) == ([1], 16)


def test_a_mappings_conditions_are_tested_together_when_first_applied() -> None:
    apple = "lowercase(context.device.type) in ['ios', 'ipados']"
    android = "lowercase(context.device.type) = 'android'"
    compiled = mapping.compile(
        {
            "idfv": {"@if": {"when": apple, "then": {"@path": "$.context.device.id"}}},
            "adid": {"@if": {"when": android, "then": {"@path": "$.context.device.id"}}},
            "att": {"@if": {"when": apple, "then": {"@if": {"when": "x = 1", "then": True}}}},
        }
    )
    source = compiled.source_code
    assert source is not None
    # The conditions every call tests, one call of their joint test; the one in a branch, in it.
    joint = [line.strip() for line in source.splitlines() if line.strip().startswith("_w")]
    assert len(joint) == 1, source
    assert joint[0].startswith("_w0, _w1 = _c"), source
    name = joint[0].split("= ")[1].split("(")[0]
    assert _pending(compiled.evaluator.__globals__[name])
    ios = {"context": {"device": {"type": "iOS", "id": "v"}}, "x": 1}
    assert compiled.apply(ios) == {"idfv": "v", "att": True}  # by the reference evaluator
    assert _pending(compiled.evaluator.__globals__[name])
    assert compiled.apply(ios) == {"idfv": "v", "att": True}  # written, compiled
    assert not _pending(compiled.evaluator.__globals__[name])
    assert compiled.apply({"context": {"device": {"type": "Android", "id": "a"}}}) == {"adid": "a"}
    assert compiled.apply({"context": {"device": "phone"}}) == {}
