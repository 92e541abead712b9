"""Load a tracking plan: Segment Protocols' JSON, or a plain YAML form, into one model.

Three inputs give one :class:`TrackingPlan`:

- Protocols' Config API form: ``{"rules": {"events": [{"name", "rules": SCHEMA}], "identify":
  SCHEMA, "group": SCHEMA}}``, optionally under ``tracking_plan``;
- Protocols' Public API form: ``{"rules": [{"type": "TRACK", "key": NAME, "jsonSchema":
  SCHEMA}, {"type": "IDENTIFY", "jsonSchema": SCHEMA}, ...]}``, optionally under
  ``trackingPlan``;
- the YAML form: ``events: {NAME: {properties: {KEY: TYPE or {type, required, properties}}}}``
  with ``identify: {traits: ...}`` and ``group: {traits: ...}``.

A SCHEMA is a JSON Schema of the whole event whose ``properties`` object lists the event's roots
(``properties``, ``traits``, ``context``); each root that lists its own ``properties`` is
checked, a root the plan leaves out (or gives no ``properties`` list) is open. Every planned
event and property keeps its location in the plan's file. Bounds: a plan is read with the YAML
loader's limits (docs/format.md, Limits), nesting is followed 32 levels deep.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.errors import DataPath, Diagnostic, InvalidInputError, Location
from actions.yamlsource import SourceMap, load_yaml

TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
MAX_PLAN_DEPTH = 32
CALLS = ("track", "identify", "group", "page", "screen")


@attrs.frozen
class PlannedProperty:
    """One planned key: the JSON types it may hold (empty: any), whether it is required, its
    nested object when it is one with listed keys, and where the plan declares it."""

    __repr__ = attrs_repr

    name: str
    types: frozenset[str]
    required: bool
    children: PlannedObject | None = None
    location: Location | None = None


@attrs.frozen
class PlannedObject:
    """The keys of one planned object (``properties``, ``traits``, a nested object)."""

    __repr__ = attrs_repr

    keys: Mapping[str, PlannedProperty]

    def lookup(self, keys: tuple[str | int, ...]) -> PlannedProperty | bool | None:
        """The planned property at ``keys``: the property; None when the plan lacks it; True
        when the path goes below a key the plan leaves open (an object or array without a list
        of keys), where anything may be."""
        current: PlannedObject | None = self
        found: PlannedProperty | None = None
        for key in keys:
            if current is None:
                return True
            if isinstance(key, int):
                return True
            found = current.keys.get(key)
            if found is None:
                return None
            current = found.children
        return found if found is not None else True


@attrs.frozen
class PlannedEvent:
    """A planned call: a track event by name, or identify/group (``name`` is the call type).
    ``roots`` holds each root the plan lists keys for (``properties``, ``traits``,
    ``context``)."""

    __repr__ = attrs_repr

    name: str
    call: str
    roots: Mapping[str, PlannedObject]
    location: Location | None = None

    def lookup(self, keys: tuple[str | int, ...]) -> PlannedProperty | bool | None:
        """As :meth:`PlannedObject.lookup`, from the event's top; True for a root the plan
        leaves open (``context`` when it is not planned)."""
        if not keys or not isinstance(keys[0], str) or keys[0] not in self.roots:
            return True
        if len(keys) == 1:
            return True
        return self.roots[keys[0]].lookup(keys[1:])


@attrs.frozen
class TrackingPlan:
    """A tracking plan: planned track events by name and the identify and group calls."""

    __repr__ = attrs_repr

    file: str
    events: Mapping[str, PlannedEvent]
    calls: Mapping[str, PlannedEvent]
    """``identify`` and ``group`` when the plan describes them."""

    def for_call(self, call: str, name: object) -> PlannedEvent | None:
        if call == "track":
            return self.events.get(name) if isinstance(name, str) else None
        return self.calls.get(call)


class _Reader:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.problems: list[Diagnostic] = []

    def problem(self, message: str, path: DataPath) -> None:
        location = self.source.locate(path) or Location(self.source.file, 1, 1)
        self.problems.append(Diagnostic("plan", message, path=path, location=location))

    # -- JSON Schema (Protocols) ------------------------------------------------------------

    def schema_event(self, name: str, call: str, schema: Any, path: DataPath) -> PlannedEvent:
        roots: dict[str, PlannedObject] = {}
        listed = schema.get("properties") if isinstance(schema, dict) else None
        if isinstance(listed, dict):
            for root in ("properties", "traits", "context"):
                sub = listed.get(root)
                if isinstance(sub, dict) and isinstance(sub.get("properties"), dict):
                    roots[root] = self.schema_object(sub, (*path, "properties", root), 0)
        elif schema is not None and not isinstance(schema, dict):
            self.problem("a rule's schema must be a JSON Schema object", path)
        return PlannedEvent(name, call, roots, self.source.locate(path, key=True))

    def schema_object(self, schema: dict[str, Any], path: DataPath, depth: int) -> PlannedObject:
        required = schema.get("required") or []
        required_set = (
            {r for r in required if isinstance(r, str)} if isinstance(required, list) else set()
        )
        keys: dict[str, PlannedProperty] = {}
        for key, sub in (schema.get("properties") or {}).items():
            where = (*path, "properties", key)
            if not isinstance(sub, dict):
                self.problem(f"property {key!r} must be a JSON Schema object", where)
                continue
            children = None
            if (
                depth < MAX_PLAN_DEPTH
                and isinstance(sub.get("properties"), dict)
                and sub["properties"]
            ):
                children = self.schema_object(sub, where, depth + 1)
            keys[str(key)] = PlannedProperty(
                str(key),
                self.types(sub.get("type"), where),
                key in required_set,
                children,
                self.source.locate(where, key=True),
            )
        return PlannedObject(keys)

    def types(self, value: Any, path: DataPath) -> frozenset[str]:
        if value is None:
            return frozenset()
        names = value if isinstance(value, list) else [value]
        found = set()
        for name in names:
            if name not in TYPES:
                self.problem(
                    f"{name!r} is not a JSON type; use one of {', '.join(sorted(TYPES))}",
                    (*path, "type"),
                )
                continue
            found.add(str(name))
        return frozenset(found)

    # -- the YAML form ----------------------------------------------------------------------

    def yaml_object(self, listed: Any, path: DataPath, depth: int) -> PlannedObject:
        keys: dict[str, PlannedProperty] = {}
        if not isinstance(listed, dict):
            self.problem("list the keys as `name: type` or `name: {type, required}`", path)
            return PlannedObject(keys)
        for key, spec in listed.items():
            where = (*path, key)
            if isinstance(spec, str | list) or spec is None:
                keys[str(key)] = PlannedProperty(
                    str(key),
                    self.types(spec, where),
                    False,
                    None,
                    self.source.locate(where, key=True),
                )
                continue
            if not isinstance(spec, dict):
                self.problem(f"property {key!r}: give a type or {{type, required}}", where)
                continue
            unknown = set(spec) - {"type", "required", "properties", "description"}
            if unknown:
                self.problem(
                    f"property {key!r} has unknown key {sorted(unknown)[0]!r} "
                    "(keys: type, required, properties, description)",
                    where,
                )
            children = None
            if depth < MAX_PLAN_DEPTH and spec.get("properties") is not None:
                children = self.yaml_object(spec["properties"], (*where, "properties"), depth + 1)
            keys[str(key)] = PlannedProperty(
                str(key),
                self.types(spec.get("type"), where),
                spec.get("required") is True,
                children,
                self.source.locate(where, key=True),
            )
        return PlannedObject(keys)

    def yaml_event(self, name: str, call: str, spec: Any, path: DataPath) -> PlannedEvent:
        roots: dict[str, PlannedObject] = {}
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            self.problem(f"{name!r}: give `properties:` (or `traits:`), or nothing", path)
            spec = {}
        for root in ("properties", "traits", "context"):
            if spec.get(root) is not None:
                roots[root] = self.yaml_object(spec[root], (*path, root), 0)
        return PlannedEvent(name, call, roots, self.source.locate(path, key=True))


def load_plan(file: str | Path) -> TrackingPlan:
    """Read a tracking plan file (JSON or YAML). Raises :class:`InvalidInputError` with every
    problem, each located in the file."""
    path = Path(file)
    loaded = load_yaml(path.read_bytes(), str(path))
    loaded.raise_for_errors(f"tracking plan {path}")
    return plan_from_data(loaded.value, loaded.source)


def plan_from_data(data: Any, source: SourceMap) -> TrackingPlan:
    """A :class:`TrackingPlan` from loaded JSON or YAML with its source map."""
    reader = _Reader(source)
    prefix: DataPath = ()
    for wrapper in ("tracking_plan", "trackingPlan"):
        if isinstance(data, dict) and isinstance(data.get(wrapper), dict):
            data, prefix = data[wrapper], (wrapper,)
    events: dict[str, PlannedEvent] = {}
    calls: dict[str, PlannedEvent] = {}
    if not isinstance(data, dict):
        reader.problem("a tracking plan is an object with `rules` (Protocols) or `events`", ())
    elif isinstance(data.get("rules"), dict):
        rules = data["rules"]
        for index, item in enumerate(rules.get("events") or []):
            where = (*prefix, "rules", "events", index)
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                reader.problem("each event rule needs a `name`", where)
                continue
            event = reader.schema_event(item["name"], "track", item.get("rules"), (*where, "rules"))
            events[item["name"]] = attrs.evolve(event, location=source.locate((*where, "name")))
        for call in ("identify", "group"):
            if isinstance(rules.get(call), dict):
                calls[call] = reader.schema_event(call, call, rules[call], (*prefix, "rules", call))
    elif isinstance(data.get("rules"), list):
        for index, item in enumerate(data["rules"]):
            where = (*prefix, "rules", index)
            kind = str(item.get("type", "")).lower() if isinstance(item, dict) else ""
            if kind not in CALLS:
                reader.problem("each rule needs a `type` (TRACK, IDENTIFY, GROUP)", where)
                continue
            schema = item.get("jsonSchema")
            if kind == "track":
                if not isinstance(item.get("key"), str):
                    reader.problem("a TRACK rule needs a `key`, the event's name", where)
                    continue
                event = reader.schema_event(item["key"], "track", schema, (*where, "jsonSchema"))
                events[item["key"]] = attrs.evolve(event, location=source.locate((*where, "key")))
            elif kind in ("identify", "group"):
                calls[kind] = reader.schema_event(kind, kind, schema, (*where, "jsonSchema"))
    elif isinstance(data.get("events"), dict) or any(c in data for c in ("identify", "group")):
        for name, spec in (data.get("events") or {}).items():
            events[str(name)] = reader.yaml_event(
                str(name), "track", spec, (*prefix, "events", name)
            )
        for call in ("identify", "group"):
            if call in data:
                calls[call] = reader.yaml_event(call, call, data[call], (*prefix, call))
    else:
        reader.problem("a tracking plan has `rules` (Protocols' JSON) or `events` (YAML)", prefix)
    if reader.problems:
        raise InvalidInputError(f"tracking plan {source.file}", reader.problems)
    return TrackingPlan(source.file or "<plan>", events, calls)
