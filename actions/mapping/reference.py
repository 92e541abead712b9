"""The reference evaluator: what a mapping means, read straight off its typed form (:mod:`.ir`).

Short and plain on purpose: a constant is its value; a path is what it reads; an object is its
fields' values, a field whose value is MISSING left out and a field that fails recorded (its
pointer, its message) and left out; an array is its items' values, MISSING and failed items
null; a directive is its declared meaning, run with its mapping options as
:class:`~actions.mapping.directives.Lazy` values. The compiled backend (:mod:`.closures`) must
give the same values and failures (tests/mapping/test_reference.py); ``explain`` uses this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from actions.mapping.directives import CompileContext, Lazy, OnOperand, Scope
from actions.mapping.ir import Array, Call, Const, Node, Object, Path
from actions.mapping.paths import read_path
from actions.mapping.values import (
    MISSING,
    DirectiveFailure,
    Failures,
    MappingFailure,
    Settings,
    type_name,
)


def evaluate(node: Node, root: Any, settings: Settings, failures: Failures) -> Any:
    """The value of ``node`` for ``root`` (MISSING for none); failures of fields and items are
    appended to ``failures``; a directive that fails raises :class:`DirectiveFailure`."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Path):
        return read_path(node.parsed, root, settings)
    if isinstance(node, Object):
        out = {}
        for field in node.fields:
            value = _guarded(field.node, field.pointer, root, settings, failures)
            if value is not MISSING:
                out[field.key] = value
        return out
    if isinstance(node, Array):
        items = [_guarded(i.node, i.pointer, root, settings, failures) for i in node.items]
        return [None if value is MISSING else value for value in items]
    return _call(node, root, settings, failures)


def _guarded(node: Node, pointer: str, root: Any, settings: Settings, failures: Failures) -> Any:
    """The value of a field or item; MISSING, with the failure recorded, when it fails."""
    try:
        return evaluate(node, root, settings, failures)
    except DirectiveFailure as exc:
        failures.append(MappingFailure(pointer, exc.message))
    except Exception as exc:  # a per-event failure never escapes
        failures.append(MappingFailure(pointer, f"{type(exc).__name__}: {exc}"))
    return MISSING


def _call(call: Call, root: Any, settings: Settings, failures: Failures) -> Any:
    spec = call.directive
    if spec.meaning is None:
        return _compiled_meaning(call, root, settings, failures)

    def lazy(value: Any) -> Any:
        if isinstance(value, Const | Object | Array | Path | Call):
            node: Node = value
            return Lazy(lambda data: evaluate(node, data, settings, failures), root)
        if isinstance(value, tuple):
            return tuple(lazy(v) for v in value)
        return value

    args = MappingProxyType({name: lazy(value) for name, value in call.args.items()})
    return spec.meaning(args, Scope(root, settings))


def _compiled_meaning(call: Call, root: Any, settings: Settings, failures: Failures) -> Any:
    """A directive declared with a compile function only means what that function builds,
    given evaluators that evaluate its options here."""
    assert call.directive.function is not None

    def evaluator(value: Any) -> Any:
        if isinstance(value, Const | Object | Array | Path | Call):
            node: Node = value
            return lambda data, settings, failures: evaluate(node, data, settings, failures)
        if isinstance(value, tuple):
            return tuple(evaluator(v) for v in value)
        return value

    args = {name: evaluator(value) for name, value in call.args.items()}
    context = CompileContext(call.pointer, call.path, lambda text: None, call)
    made = call.directive.function(MappingProxyType(args), context)
    if not isinstance(made, OnOperand):
        return made(root, settings, failures)
    value = evaluate(made.operand, root, settings, failures)
    if value is MISSING and made.keeps_missing:
        return MISSING
    return made.transform(value, root, settings, failures)


def evaluate_mapping(
    node: Node, data: Any, settings: Mapping[str, Any] | None = None
) -> tuple[Any, tuple[MappingFailure, ...]]:
    """What :meth:`~actions.mapping.CompiledMapping.evaluate` gives: ``(value, failures)``."""
    if not isinstance(data, dict) and data is not None:
        return MISSING, (MappingFailure("", f"data must be an object, got {type_name(data)}"),)
    failures: Failures = []
    value = _guarded(node, "", data, {} if settings is None else settings, failures)
    return value, tuple(failures)


__all__ = ["evaluate", "evaluate_mapping"]
