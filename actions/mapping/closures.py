"""The compiled backend: closures built from a mapping's typed form (:mod:`.ir`).

Each node becomes an evaluator ``(root, settings, failures) -> value or MISSING``. What makes them
fast is read off the nodes: a :class:`~actions.mapping.ir.Path` of one to three string keys is a
chain of ``dict.get`` calls, read inline by the object that holds it (the first key most of an
object's paths share is read once); a directive whose compile function returns an
:class:`~actions.mapping.directives.OnOperand` over such a path has its path read inline too and
only its transform called. Directives declared with a meaning only get an evaluator that runs the
meaning. The reference evaluator (:mod:`.reference`) must give the same values and failures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from actions.mapping.directives import (
    CompileContext,
    Kind,
    Lazy,
    OnOperand,
    OptionError,
    Scope,
)
from actions.mapping.ir import Array, Call, Const, Node, Object, Path
from actions.mapping.paths import EMPTY_DATA, compile_path
from actions.mapping.values import (
    MISSING,
    DirectiveFailure,
    Evaluator,
    Failures,
    MappingFailure,
    Settings,
    Transform,
)


class Built(NamedTuple):
    """A node's evaluator, the paths its compile functions reported reading, and the option
    errors its compile functions raised. (This module's values are named tuples: attrs would
    compile methods for each class at import, which a cold start pays for.)"""

    evaluate: Evaluator
    reads: set[str]
    errors: list[tuple[Call, OptionError]]
    backend: Backend
    """Its plan of every node (what a code generator builds on)."""


def build(node: Node) -> Built:
    backend = Backend()
    plan = backend.plan(node, relative=False)
    return Built(plan.evaluate, backend.reads, backend.errors, backend)


class Plan(NamedTuple):
    """How a node is evaluated: ``evaluate``; and, when it reads a path of one to three string
    keys (``keys``) and, maybe, applies ``transform`` to what it read, those parts, so that an
    object can read the path inline."""

    evaluate: Evaluator
    keys: tuple[str, ...] = ()
    transform: Transform | None = None
    keeps_missing: bool = False
    operand: Node | None = None
    """For a directive that is a transform of one operand: that operand (read inline or not)."""


class _Step(NamedTuple):
    """One field of an object, as its builder's loop reads it."""

    key: str
    evaluate: Evaluator
    shared: bool  # the path starts with the object's shared first key (read once)
    k1: str | None  # the path's keys (None: no inline read)
    k2: str | None
    k3: str | None
    transform: Transform | None
    keeps_missing: bool


class _Compiled:
    """A mapping option compiled, among the literal options a directive receives. (A plain
    class, not a tuple, which options are made of; nor an attrs class, whose methods attrs
    compiles at import.)"""

    __slots__ = ("evaluate",)

    def __init__(self, evaluate: Evaluator) -> None:
        self.evaluate = evaluate


def constant(value: Any) -> Evaluator:
    def evaluate(root: Any, settings: Settings, failures: Failures) -> Any:
        return value

    return evaluate


class Backend:
    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.errors: list[tuple[Call, OptionError]] = []
        self.plans: dict[int, tuple[Node, Plan]] = {}

    def plan(self, node: Node, relative: bool) -> Plan:
        """How ``node`` is evaluated (made once per node: a code generator asks again)."""
        known = self.plans.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        made = self._plan(node, relative)
        self.plans[id(node)] = (node, made)  # the node kept, so its id is not reused
        return made

    def _plan(self, node: Node, relative: bool) -> Plan:
        if isinstance(node, Const):
            return Plan(constant(node.value))
        if isinstance(node, Path):
            keys = node.string_keys
            return Plan(compile_path(node.parsed), keys if 1 <= len(keys) <= 3 else ())
        if isinstance(node, Object):
            constants = [(f.key, f.node) for f in node.fields if isinstance(f.node, Const)]
            if constants and len(constants) == len(node.fields):
                # An object of constants (a lookup table): built once, copied per event.
                made = {key: c.value for key, c in constants if c.value is not MISSING}
                return Plan(_copied(made))
            return Plan(
                _object(tuple((f.key, self.plan(f.node, relative), f.pointer) for f in node.fields))
            )
        if isinstance(node, Array):
            return Plan(
                _array(tuple((self.plan(i.node, relative).evaluate, i.pointer) for i in node.items))
            )
        return self.call(node, relative)

    def arguments(self, call: Call, relative: bool) -> dict[str, Any]:
        """The options, each mapping option compiled (``_Compiled``)."""
        out: dict[str, Any] = {}
        for option in call.directive.all_options():
            if option.name not in call.args:
                continue
            value = call.args[option.name]
            inner = relative or option.relative
            if option.kind is Kind.ARRAY_PATH and isinstance(value, tuple):
                root, shape = value
                out[option.name] = (
                    self.compiled(root, inner),
                    self.compiled(shape, True),
                )
            else:
                out[option.name] = self.compiled(value, inner)
        return out

    def compiled(self, value: Any, relative: bool) -> Any:
        if isinstance(value, Const | Object | Array | Path | Call):
            return _Compiled(self.plan(value, relative).evaluate)
        if isinstance(value, tuple):
            return tuple(self.compiled(v, relative) for v in value)
        return value

    def call(self, call: Call, relative: bool) -> Plan:
        spec = call.directive
        args = self.arguments(call, relative)
        if spec.function is None:
            assert spec.meaning is not None
            return Plan(_from_meaning(spec.meaning, MappingProxyType(args)))
        context = CompileContext(
            pointer=call.pointer,
            path=call.path,
            read=_ignore if relative else self.reads.add,
            call=call,
        )
        try:
            made = spec.function(MappingProxyType(_unwrapped(args)), context)
        except OptionError as exc:
            self.errors.append((call, exc))
            return Plan(constant(MISSING))
        if not isinstance(made, OnOperand):
            return Plan(made)
        operand = self.plan(made.operand, relative)
        transform, keeps_missing = made.transform, made.keeps_missing
        if operand.keys and operand.transform is None:
            evaluate = _read_then(operand.keys, transform, keeps_missing)
            return Plan(evaluate, operand.keys, transform, keeps_missing, made.operand)
        evaluate = _then(operand.evaluate, transform, keeps_missing)
        return Plan(evaluate, (), transform, keeps_missing, made.operand)


def _ignore(text: str) -> None:
    return None


def _unwrapped(value: Any) -> Any:
    """Compiled options as the evaluators a compile function receives."""
    if isinstance(value, _Compiled):
        return value.evaluate
    if isinstance(value, dict):
        return {k: _unwrapped(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_unwrapped(v) for v in value)
    return value


def _lazy(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
    if isinstance(value, _Compiled):
        evaluate = value.evaluate
        return Lazy(lambda data: evaluate(data, settings, failures), root)
    if isinstance(value, tuple):
        return tuple(_lazy(v, root, settings, failures) for v in value)
    return value


def _from_meaning(meaning: Any, args: Mapping[str, Any]) -> Evaluator:
    """The evaluator of a directive declared with a meaning only: the meaning, run with its
    mapping options as :class:`Lazy` values over their compiled evaluators."""

    def evaluate(root: Any, settings: Settings, failures: Failures) -> Any:
        lazy = {name: _lazy(value, root, settings, failures) for name, value in args.items()}
        return meaning(MappingProxyType(lazy), Scope(root, settings))

    return evaluate


def _copied(made: dict[str, Any]) -> Evaluator:
    """A fresh copy of an object of constants (its values are strings, numbers, booleans and
    nulls: a shallow copy is a whole one)."""
    copy = made.copy

    def evaluate(root: Any, settings: Settings, failures: Failures) -> Any:
        return copy()

    return evaluate


def _then(operand: Evaluator, transform: Transform, keeps_missing: bool) -> Evaluator:
    """``transform(operand's value, ...)``; not called for MISSING when ``keeps_missing``."""

    def evaluate(root: Any, settings: Settings, failures: Failures) -> Any:
        value = operand(root, settings, failures)
        if value is MISSING and keeps_missing:
            return MISSING
        return transform(value, root, settings, failures)

    return evaluate


def _read_then(keys: tuple[str, ...], transform: Transform, keeps_missing: bool) -> Evaluator:
    """:func:`_then` over a path of one to three string keys, read here. As in the path
    readers, a non-dict intermediate (or root) makes ``dict.get`` raise: the path is missing."""
    get = dict.get
    empty = EMPTY_DATA
    k1, k2, k3 = (*keys, None, None)[:3]

    def evaluate(root: Any, settings: Settings, failures: Failures) -> Any:
        try:
            if k2 is None:
                value = get(root, k1, MISSING)
            elif k3 is None:
                value = get(get(root, k1) or empty, k2, MISSING)
            else:
                value = get(get(get(root, k1) or empty, k2) or empty, k3, MISSING)
        except Exception:
            value = MISSING
        if value is MISSING and keeps_missing:
            return MISSING
        return transform(value, root, settings, failures)

    return evaluate


def _object(fields: tuple[tuple[str, Plan, str], ...]) -> Evaluator:
    if fields and all(len(plan.keys) == 1 and plan.transform is None for _, plan, _ in fields):
        return plain_object(tuple((key, plan.keys[0]) for key, plan, _ in fields))
    # Fields that read a path of one to three keys, or apply a directive to such a path, read
    # it here, inline (no call for the path). A non-dict intermediate makes dict.get raise
    # TypeError: the object is then built the careful way, where the field's own evaluator
    # reads the path as missing. The first key most of these paths share (``context``, say) is
    # read once per object.
    firsts = Counter(plan.keys[0] for _, plan, _ in fields if len(plan.keys) > 1)
    shared = next((k for k, count in firsts.most_common(1) if count > 1), None)
    # Plain tuples: the loop below unpacks them (a NamedTuple unpacks the slow way).
    steps: tuple[tuple[Any, ...], ...] = tuple(
        tuple(_step(key, plan, shared)) for key, plan, _ in fields
    )
    items = tuple((key, plan.evaluate, pointer) for key, plan, pointer in fields)
    get = dict.get
    empty = EMPTY_DATA

    def careful(root: Any, settings: Settings, failures: Failures) -> Any:
        out = {}
        for key, evaluate, pointer in items:
            try:
                value = evaluate(root, settings, failures)
            except DirectiveFailure as exc:
                failures.append(MappingFailure(pointer, exc.message))
                continue
            except Exception as exc:  # a per-event failure never escapes
                failures.append(MappingFailure(pointer, f"{type(exc).__name__}: {exc}"))
                continue
            if value is not MISSING:
                out[key] = value
        return out

    def build(root: Any, settings: Settings, failures: Failures) -> Any:
        # Fast path: one try around the loop. Evaluators are pure, so when one fails the
        # object is built again key by key, recording failures (nested failures recorded by
        # the first attempt are dropped first, so none is reported twice).
        if not isinstance(root, dict):
            return careful(root, settings, failures)
        mark = len(failures)
        try:
            base = empty if shared is None else get(root, shared) or empty
            out = {}
            for key, evaluate, from_shared, k1, k2, k3, transform, keeps_missing in steps:
                if k1 is None:
                    value = evaluate(root, settings, failures)
                else:
                    if k2 is None:
                        value = get(root, k1, MISSING)
                    else:
                        value = base if from_shared else get(root, k1) or empty
                        if k3 is None:
                            value = get(value, k2, MISSING)
                        else:
                            value = get(get(value, k2) or empty, k3, MISSING)
                    if transform is not None and (value is not MISSING or not keeps_missing):
                        value = transform(value, root, settings, failures)
                if value is not MISSING:
                    out[key] = value
            return out
        except Exception:
            del failures[mark:]
            return careful(root, settings, failures)

    return build


def _step(key: str, plan: Plan, shared: str | None) -> _Step:
    keys = plan.keys
    k1, k2, k3 = (*keys, None, None, None)[:3] if keys else (None, None, None)
    return _Step(
        key,
        plan.evaluate,
        len(keys) > 1 and keys[0] == shared,
        k1,
        k2,
        k3,
        plan.transform,
        plan.keeps_missing,
    )


def plain_object(pairs: tuple[tuple[str, str], ...]) -> Evaluator:
    """An object whose every field reads one key of the data (it cannot fail)."""
    get = dict.get

    def build(root: Any, settings: Settings, failures: Failures) -> Any:
        out = {}
        if isinstance(root, dict):
            for key, source in pairs:
                value = get(root, source, MISSING)
                if value is not MISSING:
                    out[key] = value
        return out

    return build


def _array(items: tuple[tuple[Evaluator, str], ...]) -> Evaluator:
    def build(root: Any, settings: Settings, failures: Failures) -> Any:
        out = []
        for evaluate, pointer in items:
            try:
                value = evaluate(root, settings, failures)
            except DirectiveFailure as exc:
                failures.append(MappingFailure(pointer, exc.message))
                value = None
            except Exception as exc:
                failures.append(MappingFailure(pointer, f"{type(exc).__name__}: {exc}"))
                value = None
            out.append(None if value is MISSING else value)
        return out

    return build
