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

from collections.abc import Callable, Iterable
from typing import Any

from actions._generated import define
from actions.engine.engine import ConfiguredDestination
from actions.errors import ActionsError
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
    their counts (``missing`` and ``wrong``, one slot per path: absent or null, a wrong type).

    The paths are compiled into a tree of their keys, read by one generated function per
    subscription (:mod:`actions._generated`): straight-line code that reads each distinct
    prefix (``context``, ``context.device``) once, from its parent's value, and counts. Every
    key and set of types is bound to a name of ours, never written into the source."""

    __slots__ = ("check", "missing", "paths", "source", "wrong")

    def __init__(self, paths: list[tuple[str, Keys, frozenset[str] | None]]) -> None:
        self.paths = paths
        self.missing = [0] * len(paths)
        self.wrong = [0] * len(paths)
        index: dict[Keys, int] = {(): 0}
        children: dict[int, list[int]] = {0: []}
        counted: dict[int, list[int]] = {}
        names: dict[str, Any] = {
            "missing": self.missing,
            "wrong": self.wrong,
            "step": _step,
            "json_type": json_type,
            "dict": dict,
            "type": type,
        }
        for number, (_, keys, accepts) in enumerate(paths):
            for depth in range(1, len(keys) + 1):
                if keys[:depth] not in index:
                    slot = index[keys[:depth]] = len(index)
                    children[index[keys[: depth - 1]]].append(slot)
                    children[slot] = []
                    names[f"k{slot}"] = keys[depth - 1]
            counted.setdefault(index[keys], []).append(number)
            if accepts is not None:  # the exact Python types of the accepted JSON types
                names[f"a{number}"] = accepts
                names[f"t{number}"] = frozenset(_JSON_TYPES[t] for t in accepts if t in _JSON_TYPES)
        lines = ["def check(v0):"]
        todo = [0]  # depth first: a slot's children are read from its value, then theirs
        while todo:
            slot = todo.pop()
            for number in counted.get(slot, []):
                lines.append(f"    if v{slot} is None:")
                lines.append(f"        missing[{number}] += 1")
                if paths[number][2] is not None:
                    lines.append(
                        f"    elif type(v{slot}) not in t{number} "
                        f"and json_type(v{slot}) not in a{number}:"
                    )
                    lines.append(f"        wrong[{number}] += 1")
            below = children[slot]
            if not below:
                continue
            lines.append(f"    if type(v{slot}) is dict:")
            lines.extend(f"        v{c} = v{slot}.get(k{c})" for c in below)
            lines.append(f"    elif v{slot} is None:")
            lines.append("        " + " = ".join(f"v{c}" for c in below) + " = None")
            lines.append("    else:")
            lines.extend(f"        v{c} = step(v{slot}, k{c})" for c in below)
            todo.extend(reversed(below))
        if len(lines) == 1:
            lines.append("    pass")
        self.source = "\n".join(lines) + "\n"
        self.check: Callable[[Any], None] = define(
            self.source, "check", names, label="profile reads"
        )
        """Count the paths an event lacks (absent or null) or holds with a wrong type."""

    def take(self) -> tuple[list[int], list[int]]:
        """The counts so far, which start again from zero."""
        taken = (self.missing[:], self.wrong[:])
        self.missing[:] = [0] * len(self.paths)
        self.wrong[:] = [0] * len(self.paths)
        return taken

    def merge(self, counts: tuple[list[int], list[int]]) -> None:
        for mine, theirs in zip((self.missing, self.wrong), counts, strict=True):
            for i, n in enumerate(theirs):
                mine[i] += n


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


FOLD_EVERY = 4096
"""Events a profile tallies before it folds the tally into its bounded tables."""


class Tally:
    """What a run of events adds to a profile before the bounds are applied: plain counts that
    pickle (what a worker of ``--jobs`` sends back for its chunk of lines). Its tables hold at
    most one entry per event, name, key or reason of the run, so a run of bounded length keeps
    it bounded. ``firsts`` gives, per name, the index (in the run) of the event in which each of
    its keys first appeared, so that folding tallies of several names into ``(other names)``
    keeps the order a stream of them would have."""

    __slots__ = (
        "events",
        "firsts",
        "keys",
        "outcomes",
        "reads",
        "reasons",
        "unreadable",
        "unrouted",
        "volume",
    )

    def __init__(self) -> None:
        self.events = 0
        self.unreadable = 0
        self.volume: dict[str, int] = {}
        self.unrouted: dict[str, int] = {}
        self.outcomes: dict[str, dict[str, int]] = {}
        self.reasons: dict[str, dict[str, int]] = {}
        self.keys: dict[str, dict[str, int]] = {}
        self.firsts: dict[str, list[int]] = {}
        self.reads: dict[str, tuple[list[int], list[int]]] = {}


class Profiler:
    """Accumulates a profile of a stream, one event at a time; :meth:`report` gives its JSON
    form.

    Each event is counted in a :class:`Tally`, which is folded into the bounded tables every
    :data:`FOLD_EVERY` events (and before a report), the bounds applied in the order the events
    came: what a name, key or reason counts under is decided at its first appearance, so the
    fold gives the tables that counting event by event would. :meth:`take` and :meth:`merge`
    hand tallies between processes: merging the tallies of consecutive runs of a stream, in
    order, gives the profile of the whole stream."""

    def __init__(self, configured: ConfiguredDestination, *, fold_every: int = FOLD_EVERY) -> None:
        try:  # no request's body is read: left unwritten
            self._process = configured.without_bodies().process
        except ActionsError:
            self._process = configured.process
        self._reads = {c.subscription.name: _reads_of(c) for c in configured.compiled}
        self._fold_every = fold_every
        self._tally = Tally()
        self._events = 0
        self.unreadable = 0
        self._volume: dict[str, int] = {}
        self._unrouted: dict[str, int] = {}
        self._outcomes: dict[str, dict[str, int]] = {}
        self._reasons: dict[str, dict[str, int]] = {}
        self._keys: dict[str, dict[str, int]] = {}

    @property
    def events(self) -> int:
        return self._events + self._tally.events

    def add(self, event: Any) -> None:
        tally = self._tally
        if tally.events >= self._fold_every:
            self._fold(tally)
            tally = self._tally = Tally()
        index = tally.events
        tally.events = index + 1
        name = _label(event)
        volume = tally.volume
        volume[name] = volume.get(name, 0) + 1
        if type(event) is dict or isinstance(event, dict):
            values = event.get("properties")
            if not isinstance(values, dict):
                values = event.get("traits")
            if values and isinstance(values, dict):
                seen = tally.keys.get(name)
                if seen is None:
                    seen = tally.keys[name] = {}
                    tally.firsts[name] = []
                for key in values:
                    if key in seen:
                        seen[key] += 1
                        continue
                    shown = _text(key)  # a long key is counted under its shortened text
                    if shown in seen:
                        seen[shown] += 1
                    else:
                        seen[shown] = 1
                        tally.firsts[name].append(index)
        reads = self._reads
        for outcome in self._process(event):
            sub = outcome.subscription or DESTINATION
            kinds = tally.outcomes.get(sub)
            if kinds is None:
                kinds = tally.outcomes[sub] = {}
            kind = outcome.kind
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind != "request":
                reason = str(getattr(outcome, "reason", ""))
                if reason == NO_MATCH and sub == DESTINATION:
                    tally.unrouted[name] = tally.unrouted.get(name, 0) + 1
                    continue
                table = tally.reasons.get(sub)
                if table is None:
                    table = tally.reasons[sub] = {}
                reason = f"{kind}: {reason}"
                table[reason] = table.get(reason, 0) + 1
                if kind == "filtered":
                    continue
            read = reads.get(sub)
            if read is not None:
                read.check(event)

    def take(self) -> Tally:
        """The tally of the events added since the last :meth:`take` (with the counts of the
        paths read), which this profiler then forgets; what a worker of ``--jobs`` sends back.
        Meant for a profiler that never folds (``fold_every`` above its run's length)."""
        tally, self._tally = self._tally, Tally()
        tally.unreadable, self.unreadable = self.unreadable, 0
        tally.reads = {sub: reads.take() for sub, reads in self._reads.items()}
        return tally

    def merge(self, tally: Tally) -> None:
        """Count a tally taken from a profiler of the same destination, over the events that
        follow the ones counted so far."""
        self._fold(self._tally)
        self._tally = Tally()
        self.unreadable += tally.unreadable
        for sub, counts in tally.reads.items():
            self._reads[sub].merge(counts)
        self._fold(tally)

    def _fold(self, tally: Tally) -> None:
        """Apply the bounds to ``tally`` and add it to the tables (see the class)."""
        self._events += tally.events
        volume = self._volume
        target: dict[str, str] = {}
        for label, count in tally.volume.items():  # in order of first appearance
            name = label
            if name not in volume and len(volume) >= MAX_NAMES:
                name = OTHER_NAMES
            volume[name] = volume.get(name, 0) + count
            target[label] = name
        for label, count in tally.unrouted.items():
            name = target[label]
            self._unrouted[name] = self._unrouted.get(name, 0) + count
        for sub, kinds in tally.outcomes.items():
            mine = self._outcomes.setdefault(sub, {})
            for kind, count in kinds.items():
                mine[kind] = mine.get(kind, 0) + count
        for sub, reasons in tally.reasons.items():
            table = self._reasons.setdefault(sub, {})
            for text, count in reasons.items():
                reason = _text(text)
                if reason not in table and len(table) >= MAX_REASONS:
                    reason = OTHER_REASONS
                table[reason] = table.get(reason, 0) + count
        names: dict[str, list[str]] = {}
        for label in tally.keys:
            names.setdefault(target[label], []).append(label)
        for name, labels in names.items():
            if len(labels) == 1:
                keys = list(tally.keys[labels[0]].items())
            else:  # names counted together: their keys in the order they first appeared
                found = [
                    (first, position, key, count)
                    for label in labels
                    for position, (first, (key, count)) in enumerate(
                        zip(tally.firsts[label], tally.keys[label].items(), strict=True)
                    )
                ]
                found.sort(key=lambda item: (item[0], item[1]))
                keys = [(key, count) for _, _, key, count in found]
            seen = self._keys.setdefault(name, {})
            for key, count in keys:
                if key in seen:
                    seen[key] += count
                elif len(seen) < MAX_KEYS:
                    seen[key] = count

    def report(self) -> dict[str, Any]:
        self._fold(self._tally)
        self._tally = Tally()
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
                        "missing": missing,
                        "missing_share": round(missing / took, 4) if took else 0.0,
                        "wrong_type": wrong,
                        "wrong_type_share": round(wrong / took, 4) if took else 0.0,
                        **({"expects": sorted(accepts)} if accepts is not None else {}),
                    }
                    for (text, _, accepts), missing, wrong in zip(
                        reads.paths, reads.missing, reads.wrong, strict=True
                    )
                }
            subscriptions[sub] = entry
        return {
            "events": self._events,
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
