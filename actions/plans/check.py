"""Check a pack's presets or a config's subscriptions against a tracking plan, statically.

For each subscription: the planned events its trigger admits (from the trigger's index on
``type`` and ``event``), then every path its trigger, its action's skip rules and its mapping
(over the action's defaults) read, against those events' planned properties. Findings carry the
``plan-*`` rule ids of :data:`PLAN_RULES` and are located where the path is written: in the
config, or in the pack for what the pack's defaults and skip rules read (for a config, those
point at the subscription's ``action``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.destinations.fields import FieldSpec
from actions.destinations.model import Action, Destination
from actions.errors import DataPath, Diagnostic, Location, Severity
from actions.fql import FQLSyntaxError, Trigger, analysis
from actions.fql import compile as compile_trigger
from actions.mapping import is_directive
from actions.mapping.paths import read_keys
from actions.mapping.template import placeholders
from actions.plans.plan import PlannedEvent, PlannedProperty, TrackingPlan
from actions.yamlsource import SourceMap

PLAN_RULES: tuple[tuple[str, Severity, str, str], ...] = (
    (
        "plan-unknown-event",
        Severity.ERROR,
        "a trigger names an event the tracking plan lacks",
        "With `--plan`, each event name a trigger tests (`event = 'Order Completed'`) must be a "
        "planned track event: a name the plan lacks is a typo or an event the source never "
        "sends, so the subscription never fires. Fix the name, or add the event to the plan.",
    ),
    (
        "plan-unknown-property",
        Severity.ERROR,
        "a trigger, skip rule or mapping reads a property the plan lacks",
        "With `--plan`, every path a subscription reads under `properties`, `traits` or "
        "`context` (where the plan lists their keys) must be planned for at least one of the "
        "events its trigger admits; a path the plan lacks is always missing, so the field is "
        "never filled. The hint names the closest planned key.",
    ),
    (
        "plan-type-mismatch",
        Severity.ERROR,
        "a field reads a planned property whose type it cannot take",
        "With `--plan`, a field mapped straight from a path (`@path`) must accept the type the "
        "plan gives that property: the plan types `revenue` as a string and the field wants a "
        "number, so events fail or send text. Fix the plan, or convert the value "
        "(`@convert`).",
    ),
    (
        "plan-required-unmet",
        Severity.ERROR,
        "a required field is fed only by optional properties",
        "With `--plan`, a required action field mapped only from paths (`@path`, `@coalesce` of "
        "paths) that the plan marks optional for an admitted event fails each such event that "
        "lacks them. Make the property required in the plan, add a fallback, or narrow the "
        "trigger.",
    ),
    (
        "plan-unrouted",
        Severity.INFO,
        "a planned event that no subscription takes",
        "With `--plan`, each planned track event (and identify or group) that no subscription's "
        "trigger can admit is reported once, at its place in the plan: an event the source sends "
        "that this destination never receives. Add a subscription, or ignore the rule if that is "
        "intended.",
    ),
)

FIELD_ACCEPTS: Mapping[str, frozenset[str]] = {
    "string": frozenset({"string", "number", "integer", "boolean"}),
    "text": frozenset({"string", "number", "integer", "boolean"}),
    "number": frozenset({"number", "integer"}),
    "integer": frozenset({"integer"}),
    "boolean": frozenset({"boolean"}),
    "datetime": frozenset({"string", "number", "integer"}),
    "object": frozenset({"object"}),
}
"""The planned JSON types each field type takes without fail (a number field does not count a
string: only some strings are numbers)."""

_SHOWN = 3


@attrs.frozen
class _Read:
    __repr__ = attrs_repr

    keys: tuple[str | int, ...]
    location: Location | None
    path: DataPath
    origin: str = ""


@attrs.frozen
class _Unit:
    """One subscription (a config's, or a pack's preset) with what it reads."""

    __repr__ = attrs_repr

    path: DataPath
    trigger: Trigger
    trigger_path: DataPath | None
    reads: tuple[_Read, ...]
    fields: tuple[tuple[str, Any, DataPath], ...]
    """Each field's mapping (own or the action's default), with where it is written."""
    action: Action


def _read_location(source: SourceMap, path: DataPath, start: int, length: int) -> Location | None:
    return source.locate_in_scalar(path, start, length)


def _mapping_reads(
    node: Any, path: DataPath, source: SourceMap, origin: str, at: DataPath | None
) -> Iterator[_Read]:
    """Every event path a mapping reads, located (at ``at`` instead, when given)."""
    stack: list[tuple[DataPath, Any]] = [(path, node)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, list):
            stack.extend(((*where, i), v) for i, v in enumerate(current))
            continue
        if not isinstance(current, dict):
            continue
        if isinstance(current.get("@path"), str):
            keys = read_keys(current["@path"])
            if keys:
                spot = at or (*where, "@path")
                yield _Read(keys, source.locate(spot), spot, origin)
        if isinstance(current.get("@template"), str):
            for offset, text in placeholders(current["@template"]):
                keys = read_keys(text)
                if keys:
                    spot = at or (*where, "@template")
                    location = (
                        source.locate(spot)
                        if at
                        else _read_location(source, spot, offset, len(text) + 4)
                    )
                    yield _Read(keys, location, spot, origin)
        condition = current.get("@if")
        if isinstance(condition, dict) and isinstance(condition.get("when"), str):
            spot = at or (*where, "@if", "when")
            yield from _trigger_reads(condition["when"], spot, source, origin, at is not None)
        stack.extend(((*where, k), v) for k, v in current.items() if k != "@path")


def _trigger_reads(
    text: str, path: DataPath, source: SourceMap, origin: str, whole: bool = False
) -> Iterator[_Read]:
    try:
        ast = compile_trigger(text).ast
    except FQLSyntaxError:
        return
    for node in analysis.iter_paths(ast):
        if node.keys[:1] == ("$settings",):
            continue
        location = (
            source.locate(path)
            if whole
            else _read_location(source, path, node.start, node.end - node.start)
        )
        yield _Read(node.keys, location, path, origin)


def _units(kind: str, data: Any, source: SourceMap, destination: Destination) -> Iterator[_Unit]:
    data = data if isinstance(data, dict) else {}
    where = "subscriptions" if kind == "config" else "presets"
    for index, sub in enumerate(data.get(where) or []):
        if not isinstance(sub, dict):
            continue
        action = destination.actions.get(str(sub.get("action")))
        if action is None:
            continue
        base: DataPath = (where, index)
        text = sub.get("trigger")
        trigger_path: DataPath | None = (*base, "trigger")
        if not isinstance(text, str):
            text, trigger_path = action.default_trigger, None
        if not isinstance(text, str):
            continue
        try:
            trigger = compile_trigger(text)
        except FQLSyntaxError:
            continue
        reads: list[_Read] = []
        if trigger_path is not None:
            reads.extend(_trigger_reads(text, trigger_path, source, ""))
        in_pack = kind == "destination"
        action_at: DataPath = (*base, "action")
        for rule_index, rule in enumerate(action.skip):
            if rule.when is None:
                continue
            rule_path: DataPath = ("actions", action.key, "skip", rule_index, "when")
            reads.extend(
                _trigger_reads(
                    rule.when.source,
                    rule_path if in_pack else action_at,
                    source,
                    f" (read by the skip rule {rule.reason!r} of {action.key})",
                    not in_pack,
                )
            )
        mapping: dict[str, Any] = sub["mapping"] if isinstance(sub.get("mapping"), dict) else {}
        fields: list[tuple[str, Any, DataPath]] = []
        for name, value in mapping.items():
            fields.append((str(name), value, (*base, "mapping", name)))
            reads.extend(_mapping_reads(value, (*base, "mapping", name), source, "", None))
        for name, value in action.defaults.items():
            if name in mapping:
                continue
            default_path: DataPath = ("actions", action.key, "fields", name, "default")
            origin = f" (read by the default of {action.key}.{name})"
            fields.append((name, value, default_path if in_pack else action_at))
            reads.extend(
                _mapping_reads(value, default_path, source, origin, None if in_pack else action_at)
            )
        yield _Unit(base, trigger, trigger_path, tuple(reads), tuple(fields), action)


def _admitted(
    unit: _Unit, plan: TrackingPlan, source: SourceMap
) -> tuple[list[PlannedEvent], list[Diagnostic]]:
    """The planned events the unit's trigger admits, and a finding per unknown event name."""
    index = unit.trigger.index
    types = index.get(("type",))
    names = index.get(("event",))
    found: list[Diagnostic] = []
    if names is not None:
        admitted = []
        for name in sorted(names):
            if name in plan.events:
                admitted.append(plan.events[name])
                continue
            if types is not None and "track" not in types:
                continue
            location = None
            if unit.trigger_path is not None:
                text = unit.trigger.source
                offset = max(text.find(f'"{name}"'), text.find(f"'{name}'"))
                location = (
                    source.locate_in_scalar(unit.trigger_path, offset, len(name) + 2)
                    if offset >= 0
                    else source.locate(unit.trigger_path)
                )
            close = difflib.get_close_matches(name, sorted(plan.events), n=1)
            found.append(
                Diagnostic(
                    "plan-unknown-event",
                    f"the tracking plan has no event {name!r}",
                    Severity.ERROR,
                    unit.trigger_path or (*unit.path, "action"),
                    location or source.locate((*unit.path, "action")),
                    hint=f"did you mean {close[0]!r}?" if close else f"add {name!r} to the plan",
                )
            )
        return admitted, found
    admitted = list(plan.events.values()) if types is None or "track" in types else []
    admitted.extend(c for call, c in plan.calls.items() if types is None or call in types)
    return admitted, found


def _takes(unit: _Unit, planned: PlannedEvent) -> bool:
    index = unit.trigger.index
    types, names = index.get(("type",)), index.get(("event",))
    if types is not None and planned.call not in types:
        return False
    if planned.call != "track":
        return names is None
    return names is None or planned.name in names


def _shown(events: list[PlannedEvent]) -> str:
    names = [repr(e.name) for e in events[:_SHOWN]]
    more = f" and {len(events) - _SHOWN} more" if len(events) > _SHOWN else ""
    return ", ".join(names) + more


def _planned_keys(events: list[PlannedEvent], keys: tuple[str | int, ...]) -> list[str]:
    """Keys the plan lists beside the last key of ``keys``, for a hint."""
    out: set[str] = set()
    for event in events:
        parent = event.lookup(keys[:-1]) if len(keys) > 2 else None
        if len(keys) == 2 and isinstance(keys[0], str) and keys[0] in event.roots:
            out.update(event.roots[keys[0]].keys)
        elif isinstance(parent, PlannedProperty) and parent.children is not None:
            out.update(parent.children.keys)
    return sorted(out)


def _dotted(keys: tuple[str | int, ...]) -> str:
    return ".".join(str(k) for k in keys)


def _direct_paths(value: Any) -> list[tuple[str | int, ...]] | None:
    """The paths of a mapping that is only paths: ``@path`` or ``@coalesce`` of ``@path``s."""
    if not is_directive(value):
        return None
    if isinstance(value.get("@path"), str):
        keys = read_keys(value["@path"])
        return [keys] if keys else None
    options = value.get("@coalesce")
    if isinstance(options, list) and options:
        out = []
        for option in options:
            inner = _direct_paths(option)
            if inner is None or len(inner) != 1:
                return None
            out.extend(inner)
        return out
    return None


def _field_checks(
    unit: _Unit, admitted: list[PlannedEvent], source: SourceMap
) -> Iterator[Diagnostic]:
    specs: dict[str, FieldSpec] = {f.name: f for f in unit.action.fields}
    for name, value, where in unit.fields:
        spec = specs.get(name)
        paths = _direct_paths(value)
        if spec is None or paths is None:
            continue
        location = source.locate(where)
        if len(paths) == 1 and isinstance(value, dict) and "@path" in value:
            planned = [p for e in admitted if isinstance(p := e.lookup(paths[0]), PlannedProperty)]
            types = frozenset().union(*(p.types for p in planned)) - {"null"} if planned else None
            accepts = frozenset({"array"}) if spec.multiple else FIELD_ACCEPTS.get(spec.type)
            if types and accepts is not None and not types & accepts:
                yield Diagnostic(
                    "plan-type-mismatch",
                    f"the plan types `{_dotted(paths[0])}` as {' or '.join(sorted(types))}; "
                    f"{name} is a {spec.type} field",
                    Severity.ERROR,
                    where,
                    location,
                    hint=f'convert it: {{"@convert": {{to: {spec.type}, value: '
                    f'{{"@path": "$.{_dotted(paths[0])}"}}}}}}, or fix the plan',
                )
        if not spec.required:
            continue
        unmet = []
        for event in admitted:
            found = [event.lookup(keys) for keys in paths]
            optional = all(
                f is None or (isinstance(f, PlannedProperty) and not f.required) for f in found
            )
            if optional and any(isinstance(f, PlannedProperty) for f in found):
                unmet.append(event)
        if unmet:
            shown = " or ".join(f"`{_dotted(k)}`" for k in paths)
            yield Diagnostic(
                "plan-required-unmet",
                f"required field {name} reads {shown}, optional in the plan for {_shown(unmet)}",
                Severity.ERROR,
                where,
                location,
                hint="make the property required in the plan, or add a fallback value",
            )


def check_document(
    kind: str,
    data: Any,
    source: SourceMap,
    destination: Destination | None,
    plan: TrackingPlan,
) -> list[Diagnostic]:
    """Every ``plan-*`` finding for one pack (``kind`` ``destination``: its presets) or config
    (``config``: its subscriptions)."""
    if destination is None:
        return []
    found: list[Diagnostic] = []
    units = list(_units(kind, data, source, destination))
    for unit in units:
        admitted, unknown = _admitted(unit, plan, source)
        found.extend(unknown)
        if not admitted:
            continue
        for read in unit.reads:
            results = [event.lookup(read.keys) for event in admitted]
            if any(r is not None for r in results):
                continue
            close = difflib.get_close_matches(
                str(read.keys[-1]), _planned_keys(admitted, read.keys), n=1
            )
            found.append(
                Diagnostic(
                    "plan-unknown-property",
                    f"`{_dotted(read.keys)}` is not in the plan for {_shown(admitted)}"
                    + read.origin,
                    Severity.ERROR,
                    read.path,
                    read.location,
                    hint=f"did you mean `{_dotted((*read.keys[:-1], close[0]))}`?"
                    if close
                    else "add it to the plan, or read a planned property",
                )
            )
        found.extend(_field_checks(unit, admitted, source))
    planned = [*plan.events.values(), *plan.calls.values()]
    for event in planned:
        if not any(_takes(unit, event) for unit in units):
            label = f"event {event.name!r}" if event.call == "track" else f"{event.call} call"
            found.append(
                Diagnostic(
                    "plan-unrouted",
                    f"no subscription of {source.file} takes the planned {label}",
                    Severity.INFO,
                    (),
                    event.location,
                    hint="add a subscription for it, or ignore plan-unrouted",
                )
            )
    return found
