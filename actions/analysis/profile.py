"""Profile a stream against a configured destination (``actions profile EVENTS --config``).

:class:`Profiler` runs each event through the destination and counts, with flat memory: the
volume of each event name (the call type for calls other than track) and the names no
subscription takes; per subscription, its outcomes and its skip and failure reasons; for each
path a subscription reads (trigger, skip rules, mapping over the action's defaults), among the
events the subscription took, how many lack it (absent or null) and how many hold a type the
field it feeds cannot take; the keys seen under ``properties`` and ``traits`` per event name.
The paths are compiled once into a tree of keys per subscription; the per-event work is
plain dict look-ups, one per distinct prefix of the paths.

Bounds (what keeps memory flat): at most :data:`MAX_NAMES` event names (more are counted under
``(other names)``), :data:`MAX_KEYS` keys per name, :data:`MAX_REASONS` reasons per
subscription (more under ``(other reasons)``), names and reasons cut to :data:`MAX_TEXT`
characters. :func:`drift` compares a profile with an earlier one (``--baseline``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from actions.engine.engine import ConfiguredDestination
from actions.mapping import is_directive
from actions.mapping.paths import read_keys
from actions.plans.check import FIELD_ACCEPTS
from actions.plans.events import json_type

MAX_NAMES = 1000
MAX_KEYS = 200
MAX_REASONS = 50
MAX_TEXT = 200
OTHER_NAMES = "(other names)"
OTHER_REASONS = "(other reasons)"
DESTINATION = "(destination)"
NO_MATCH = "no enabled subscription matched the event"
DRIFT = 0.05
"""A share (of volume, of missing values) that moves by at least this much is drift."""

Keys = tuple[str | int, ...]


def _text(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _step(value: Any, key: str | int) -> Any:
    """``value[key]`` as a path reads it: a key of an object, an index (from either end) of an
    array; None for anything else."""
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
        return value[key]
    return None


_JSON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
}


class _Reads:
    """One subscription's compiled read paths: (dotted text, keys, accepted JSON types), and
    their counts (missing, wrong type).

    The paths are compiled into a tree of their keys, read in one pass per event: each distinct
    prefix (``context``, ``context.device``) is read once, from its parent's value, into a slot
    of a list kept for the purpose (no allocation per event; it holds what it read of the last
    event until the next)."""

    __slots__ = ("counts", "paths", "plan", "slots")

    def __init__(self, paths: list[tuple[str, Keys, frozenset[str] | None]]) -> None:
        self.paths = paths
        self.counts = [[0, 0] for _ in paths]  # missing, wrong type
        index: dict[Keys, int] = {(): 0}
        steps: list[list[Any]] = []
        for (_, keys, accepts), counts in zip(paths, self.counts, strict=True):
            for depth in range(1, len(keys) + 1):
                if keys[:depth] not in index:
                    index[keys[:depth]] = len(index)
                    slot = index[keys[:depth]]
                    steps.append(
                        [slot, index[keys[: depth - 1]], keys[depth - 1], None, None, None]
                    )
            step = steps[index[keys] - 1]
            step[3] = counts
            if accepts is not None:  # the exact Python types of the accepted JSON types
                step[4] = accepts
                step[5] = frozenset(_JSON_TYPES[t] for t in accepts if t in _JSON_TYPES)
        # (slot, parent slot, key, counts or None, accepted types or None, their Python types)
        self.plan = tuple((s, p, k, c, a, f) for s, p, k, c, a, f in steps)
        self.slots: list[Any] = [None] * len(index)

    def check(self, event: Any) -> None:
        """Count the paths ``event`` lacks (absent or null) or holds with a wrong type."""
        values = self.slots
        values[0] = event
        for slot, parent, key, counts, accepts, exact in self.plan:
            value = values[parent]
            if type(value) is dict:
                value = value.get(key)
            elif value is not None:
                value = _step(value, key)
            values[slot] = value
            if counts is not None:
                if value is None:
                    counts[0] += 1
                elif (
                    accepts is not None
                    and type(value) not in exact
                    and json_type(value) not in accepts
                ):
                    counts[1] += 1


def _reads_of(compiled: Any) -> _Reads:
    """The paths of the event a compiled subscription reads, each with the JSON types the field
    it feeds takes when the field is mapped straight from it (``@path``)."""
    found: dict[Keys, frozenset[str] | None] = {}
    keys: Keys
    for path in compiled.trigger.paths:
        if path[:1] != ("$settings",):
            found.setdefault(tuple(path), None)
    for rule in compiled.action.skip:
        if rule.when is not None:
            for path in rule.when.paths:
                if path[:1] != ("$settings",):
                    found.setdefault(tuple(path), None)
    for text in compiled.mapping.paths:
        read = read_keys(text)
        if read:
            found.setdefault(read, None)
    specs = {f.name: f for f in compiled.action.fields}
    mapping = compiled.mapping.mapping if isinstance(compiled.mapping.mapping, dict) else {}
    for name, value in mapping.items():
        spec = specs.get(name)
        if spec is None or not is_directive(value) or not isinstance(value.get("@path"), str):
            continue
        read = read_keys(value["@path"])
        if read:
            accepts = frozenset({"array"}) if spec.multiple else FIELD_ACCEPTS.get(spec.type)
            found[read] = accepts
    paths = []
    for keys, accepts in sorted(found.items(), key=lambda item: [str(k) for k in item[0]]):
        paths.append((".".join(str(k) for k in keys), keys, accepts))
    return _Reads(paths)


class Profiler:
    """Accumulates a profile of a stream, one event at a time; :meth:`report` gives its JSON
    form."""

    def __init__(self, configured: ConfiguredDestination) -> None:
        self._process = configured.process
        self._reads = {c.subscription.name: _reads_of(c) for c in configured.compiled}
        self.events = 0
        self.unreadable = 0
        self._volume: dict[str, int] = {}
        self._unrouted: dict[str, int] = {}
        self._outcomes: dict[str, dict[str, int]] = {}
        self._reasons: dict[str, dict[str, int]] = {}
        self._keys: dict[str, dict[str, int]] = {}

    def add(self, event: Any) -> None:
        self.events += 1
        name = _label(event)
        volume = self._volume
        if name not in volume and len(volume) >= MAX_NAMES:
            name = OTHER_NAMES
        volume[name] = volume.get(name, 0) + 1
        if isinstance(event, dict):
            self._see_keys(name, event)
        for outcome in self._process(event):
            sub = outcome.subscription or DESTINATION
            kinds = self._outcomes.get(sub)
            if kinds is None:
                kinds = self._outcomes[sub] = {}
            kind = outcome.kind
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind != "request":
                reason = str(getattr(outcome, "reason", ""))
                if reason == NO_MATCH and sub == DESTINATION:
                    self._unrouted[name] = self._unrouted.get(name, 0) + 1
                    continue
                self._reason(sub, f"{kind}: {reason}")
            if kind != "filtered":
                reads = self._reads.get(sub)
                if reads is not None:
                    reads.check(event)

    def _see_keys(self, name: str, event: dict[str, Any]) -> None:
        values = event.get("properties")
        if not isinstance(values, dict):
            values = event.get("traits")
        if not isinstance(values, dict) or not values:
            return
        seen = self._keys.get(name)
        if seen is None:
            seen = self._keys[name] = {}
        for key in values:
            if key in seen:
                seen[key] += 1
                continue
            shown = _text(key)  # a long key is counted under its shortened text
            if shown in seen:
                seen[shown] += 1
            elif len(seen) < MAX_KEYS:
                seen[shown] = 1

    def _reason(self, sub: str, reason: str) -> None:
        table = self._reasons.get(sub)
        if table is None:
            table = self._reasons[sub] = {}
        reason = _text(reason)
        if reason not in table and len(table) >= MAX_REASONS:
            reason = OTHER_REASONS
        table[reason] = table.get(reason, 0) + 1

    def report(self) -> dict[str, Any]:
        subscriptions = {}
        for sub in sorted(self._outcomes.keys() | self._reads.keys()):
            outcomes = self._outcomes.get(sub, {})
            took = sum(n for k, n in outcomes.items() if k != "filtered")
            entry: dict[str, Any] = {"outcomes": dict(sorted(outcomes.items()))}
            if sub in self._reasons:
                entry["reasons"] = _by_count(self._reasons[sub])
            reads = self._reads.get(sub)
            if reads is not None:
                entry["events"] = took
                entry["paths"] = {
                    text: {
                        "missing": counts[0],
                        "missing_share": round(counts[0] / took, 4) if took else 0.0,
                        "wrong_type": counts[1],
                        "wrong_type_share": round(counts[1] / took, 4) if took else 0.0,
                        **({"expects": sorted(accepts)} if accepts is not None else {}),
                    }
                    for (text, _, accepts), counts in zip(reads.paths, reads.counts, strict=True)
                }
            subscriptions[sub] = entry
        return {
            "events": self.events,
            "unreadable": self.unreadable,
            "volume": _by_count(self._volume),
            "unrouted": _by_count(self._unrouted),
            "subscriptions": subscriptions,
            "properties": {name: _by_count(keys) for name, keys in sorted(self._keys.items())},
        }


def _label(event: Any) -> str:
    if not isinstance(event, dict):
        return "(not an object)"
    kind = event.get("type")
    if kind == "track":
        name = event.get("event")
        return _text(name) if isinstance(name, str) else "(track without a name)"
    return f"({_text(kind)})" if isinstance(kind, str) else "(no type)"


def _by_count(table: dict[str, int]) -> dict[str, int]:
    return dict(sorted(table.items(), key=lambda item: (-item[1], item[0])))


def profile_events(configured: ConfiguredDestination, events: Iterable[Any]) -> dict[str, Any]:
    profiler = Profiler(configured)
    for event in events:
        profiler.add(event)
    return profiler.report()


def _share(table: dict[str, int], total: int, name: str) -> float:
    return table.get(name, 0) / total if total else 0.0


def drift(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What moved between an earlier profile and this one: event names whose share of the
    volume moved by :data:`DRIFT` or more (or that appeared or vanished), newly unrouted names,
    paths whose missing share moved by :data:`DRIFT` or more, new skip and failure reasons, and
    keys never seen before under an event name."""
    volume = []
    old_volume, new_volume = before.get("volume", {}), after.get("volume", {})
    old_total, new_total = before.get("events", 0), after.get("events", 0)
    for name in sorted(old_volume.keys() | new_volume.keys()):
        a = _share(old_volume, old_total, name)
        b = _share(new_volume, new_total, name)
        if abs(a - b) >= DRIFT or (name in old_volume) != (name in new_volume):
            volume.append({"name": name, "before": round(a, 4), "after": round(b, 4)})
    paths, reasons = [], []
    old_subs, new_subs = before.get("subscriptions", {}), after.get("subscriptions", {})
    for sub, entry in new_subs.items():
        old_entry = old_subs.get(sub, {})
        for path, counts in entry.get("paths", {}).items():
            old_counts = old_entry.get("paths", {}).get(path)
            a = old_counts["missing_share"] if old_counts else 0.0
            if old_counts is None or abs(counts["missing_share"] - a) >= DRIFT:
                paths.append(
                    {
                        "subscription": sub,
                        "path": path,
                        "before": a if old_counts else None,
                        "after": counts["missing_share"],
                    }
                )
        for reason, count in entry.get("reasons", {}).items():
            if reason not in old_entry.get("reasons", {}):
                reasons.append({"subscription": sub, "reason": reason, "count": count})
    properties = []
    old_keys = before.get("properties", {})
    for name, keys in after.get("properties", {}).items():
        if name not in old_volume:
            continue  # a new name is reported as such, not key by key
        for key, count in keys.items():
            if key not in old_keys.get(name, {}):
                properties.append({"name": name, "property": key, "count": count})
    unrouted = sorted(set(after.get("unrouted", {})) - set(before.get("unrouted", {})))
    return {
        "volume": volume,
        "unrouted": unrouted,
        "paths": paths,
        "reasons": reasons,
        "properties": properties,
    }


def render_text(report: dict[str, Any]) -> str:
    lines = [f"{report['events']} events"]
    if report["unreadable"]:
        lines.append(f"{report['unreadable']} lines could not be read")
    total = report["events"] or 1
    lines.append("")
    lines.append("events no subscription takes:")
    for name, count in report["unrouted"].items():
        lines.append(f"  {name}: {count} ({count / total:.0%} of events)")
    if not report["unrouted"]:
        lines.append("  none")
    for sub, entry in report["subscriptions"].items():
        lines.append("")
        shown = ", ".join(f"{k} {v}" for k, v in entry["outcomes"].items()) or "no events"
        lines.append(f"subscription {sub!r}: {shown}")
        for reason, count in entry.get("reasons", {}).items():
            lines.append(f"  {count} {reason}")
        for path, counts in entry.get("paths", {}).items():
            if counts["missing"] or counts["wrong_type"]:
                note = f"  {path}: missing {counts['missing_share']:.0%}"
                if counts["wrong_type"]:
                    note += f", wrong type {counts['wrong_type_share']:.0%}"
                    note += f" (the field takes {' or '.join(counts.get('expects', []))})"
                lines.append(note)
    if "drift" in report:
        lines.extend(["", *_drift_lines(report["drift"])])
    return "\n".join(lines)


def _drift_lines(found: dict[str, Any]) -> list[str]:
    lines = ["drift since the baseline:"]
    for item in found["volume"]:
        lines.append(f"  volume of {item['name']}: {item['before']:.1%} -> {item['after']:.1%}")
    for name in found["unrouted"]:
        lines.append(f"  newly unrouted: {name}")
    for item in found["paths"]:
        before = "new" if item["before"] is None else f"{item['before']:.0%}"
        lines.append(
            f"  {item['subscription']}: {item['path']} missing {before} -> {item['after']:.0%}"
        )
    for item in found["reasons"]:
        lines.append(f"  {item['subscription']}: new reason ({item['count']}): {item['reason']}")
    for item in found["properties"]:
        lines.append(f"  {item['name']}: new property {item['property']} ({item['count']})")
    if len(lines) == 1:
        lines.append("  none")
    return lines
