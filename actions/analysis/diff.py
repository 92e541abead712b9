"""Behavioural diff: run two configured destinations over the same events and say, per
subscription and per field, what changed (``actions diff OLD NEW EVENTS``).

:class:`Differ` takes one event at a time and keeps only counters and a few examples, so memory
stays flat over any number of events: per subscription, its outcome kinds before and after and
each change of kind (with its reasons); per field of the requests both sides sent, the values
added, removed and changed (the URL and headers as ``(url)`` and ``(header NAME)``). Requests
are compared as they are and shown as shown (each secret setting ``***``), so no secret reaches
the report: a change only a secret makes is reported as ``(secret) changed``.
:meth:`Differ.report` gives the JSON form that the renderers print.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Outcome

EXAMPLES = 3
"""Examples kept per change (per kind change, per field and change)."""
MAX_SHOWN = 120
"""Characters of a value shown in an example (longer values are cut, with ``...``)."""
DESTINATION = "(destination)"
"""The name for outcomes of no subscription (no subscription matched, a filter, consent)."""
ABSENT = "(none)"
"""The kind on the side where a subscription gave no outcome for the event."""


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _by_subscription(outcomes: list[Outcome]) -> dict[str, Outcome]:
    found: dict[str, Outcome] = {}
    for outcome in outcomes:
        name = outcome.subscription or DESTINATION
        key, n = name, 1
        while key in found:  # several outcomes of one subscription: keep each
            n += 1
            key = f"{name} #{n}"
        found[key] = outcome
    return found


def _reason(outcome: Outcome | None) -> str | None:
    if outcome is None or outcome.kind == "request":
        return None
    return str(getattr(outcome, "reason", "")) or None


class _Subscription:
    __slots__ = ("after", "before", "fields", "kinds")

    def __init__(self) -> None:
        self.before: dict[str, int] = {}
        self.after: dict[str, int] = {}
        self.kinds: dict[tuple[str, str], list[Any]] = {}  # (old, new): [count, examples]
        self.fields: dict[tuple[str, str], list[Any]] = {}  # (field, change): [count, examples]


class Differ:
    """Accumulates the differences of two configured destinations, one event at a time."""

    def __init__(self, old: ConfiguredDestination, new: ConfiguredDestination) -> None:
        self._old = old.process
        self._new = new.process
        self.events = 0
        self.changed = 0
        self.unreadable = 0
        self._subscriptions: dict[str, _Subscription] = {}

    def add(self, line: int, event: Any) -> bool:
        """Run both sides on one event; True when its outcomes differ."""
        self.events += 1
        old_outcomes, new_outcomes = self._old(event), self._new(event)
        if len(old_outcomes) == 1 and len(new_outcomes) == 1:  # the common case, no dicts
            first, second = old_outcomes[0], new_outcomes[0]
            name = first.subscription or DESTINATION
            if name == (second.subscription or DESTINATION) and first.kind == second.kind:
                stats = self._subscriptions.get(name)
                if stats is None:
                    stats = self._subscriptions[name] = _Subscription()
                kind = first.kind
                stats.before[kind] = stats.before.get(kind, 0) + 1
                stats.after[kind] = stats.after.get(kind, 0) + 1
                if kind == "request":
                    differs = self._fields(stats, line, first, second)
                elif _reason(first) != _reason(second):
                    differs = True
                    _note(
                        stats.kinds,
                        (kind, kind),
                        {"line": line, "before": _reason(first), "after": _reason(second)},
                    )
                else:
                    differs = False
                self.changed += differs
                return differs
        before = _by_subscription(old_outcomes)
        after = _by_subscription(new_outcomes)
        differs = False
        for name in before.keys() | after.keys():
            old, new = before.get(name), after.get(name)
            stats = self._subscriptions.get(name)
            if stats is None:
                stats = self._subscriptions[name] = _Subscription()
            old_kind = old.kind if old is not None else ABSENT
            new_kind = new.kind if new is not None else ABSENT
            if old is not None:
                stats.before[old_kind] = stats.before.get(old_kind, 0) + 1
            if new is not None:
                stats.after[new_kind] = stats.after.get(new_kind, 0) + 1
            if old_kind != new_kind or _reason(old) != _reason(new):
                differs = True
                _note(
                    stats.kinds,
                    (old_kind, new_kind),
                    {"line": line, "before": _reason(old), "after": _reason(new)},
                )
            elif old_kind == "request" and old is not None and new is not None:
                differs |= self._fields(stats, line, old, new)
        if differs:
            self.changed += 1
        return differs

    def _fields(self, stats: _Subscription, line: int, old: Any, new: Any) -> bool:
        if old.payload == new.payload and old.url == new.url and old.headers == new.headers:
            return False  # the common case: shown requests are made only for a change
        shown_old, shown_new = old.shown, new.shown
        changed = False
        parts = [
            ({"(url)": shown_old.url}, {"(url)": shown_new.url}),
            (
                {f"(header {k})": v for k, v in shown_old.headers.items()},
                {f"(header {k})": v for k, v in shown_new.headers.items()},
            ),
            (shown_old.payload, shown_new.payload),
        ]
        for before, after in parts:
            for field in before.keys() | after.keys():
                a, b = before.get(field, _MISSING), after.get(field, _MISSING)
                if a == b and type(a) is type(b):
                    continue
                changed = True
                change = "added" if a is _MISSING else "removed" if b is _MISSING else "changed"
                example: dict[str, Any] = {"line": line}
                if a is not _MISSING:
                    example["before"] = _shown(a)
                if b is not _MISSING:
                    example["after"] = _shown(b)
                _note(stats.fields, (str(field), change), example)
        if not changed:  # a secret setting changed: the shown requests are equal
            _note(stats.fields, ("(secret)", "changed"), {"line": line})
            changed = True
        return changed

    def report(self) -> dict[str, Any]:
        """The JSON form: ``events``, ``changed`` (events whose outcomes differ), and per
        subscription its counts before and after, kind changes and field changes."""
        subscriptions = []
        for name in sorted(self._subscriptions):
            stats = self._subscriptions[name]
            subscriptions.append(
                {
                    "subscription": name,
                    "before": dict(sorted(stats.before.items())),
                    "after": dict(sorted(stats.after.items())),
                    "kinds": [
                        {"before": k[0], "after": k[1], "count": v[0], "examples": v[1]}
                        for k, v in sorted(stats.kinds.items())
                    ],
                    "fields": [
                        {"field": k[0], "change": k[1], "count": v[0], "examples": v[1]}
                        for k, v in sorted(stats.fields.items())
                    ],
                }
            )
        return {
            "events": self.events,
            "changed": self.changed,
            "unreadable": self.unreadable,
            "subscriptions": subscriptions,
        }


_MISSING = object()


def _note(table: dict[tuple[str, str], list[Any]], key: tuple[str, str], example: Any) -> None:
    entry = table.get(key)
    if entry is None:
        table[key] = [1, [example]]
        return
    entry[0] += 1
    if len(entry[1]) < EXAMPLES:
        entry[1].append(example)


def diff_events(
    old: ConfiguredDestination, new: ConfiguredDestination, events: Iterable[tuple[int, Any]]
) -> dict[str, Any]:
    """The report of :class:`Differ` over ``(line, event)`` pairs."""
    differ = Differ(old, new)
    for line, event in events:
        differ.add(line, event)
    return differ.report()


# -- rendering -------------------------------------------------------------------------------


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _example(example: dict[str, Any]) -> str:
    parts = [f"line {example['line']}"]
    if example.get("before") is not None:
        parts.append(f"before {example['before']}")
    if example.get("after") is not None:
        parts.append(f"after {example['after']}")
    return ": ".join(parts[:1]) + (": " + "; ".join(parts[1:]) if len(parts) > 1 else "")


def _changed_subscriptions(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for s in report["subscriptions"] if s["kinds"] or s["fields"] or s["before"] != s["after"]
    ]


def render_text(report: dict[str, Any]) -> str:
    lines = [f"{report['events']} events, {report['changed']} with different outcomes"]
    if report["unreadable"]:
        lines.append(f"{report['unreadable']} lines could not be read (not compared)")
    for sub in _changed_subscriptions(report):
        lines.append("")
        lines.append(f"subscription {sub['subscription']!r}")
        lines.append(f"  before: {_counts(sub['before'])}")
        lines.append(f"  after:  {_counts(sub['after'])}")
        for kind in sub["kinds"]:
            lines.append(f"  {kind['before']} -> {kind['after']}: {_events(kind['count'])}")
            lines.extend(f"    {_example(e)}" for e in kind["examples"])
        for field in sub["fields"]:
            lines.append(f"  field {field['field']} {field['change']}: {_events(field['count'])}")
            lines.extend(f"    {_example(e)}" for e in field["examples"])
    return "\n".join(lines)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")


def render_github(report: dict[str, Any]) -> str:
    """A pull-request comment in GitHub Markdown."""
    changed = _changed_subscriptions(report)
    lines = [
        "### actions diff",
        "",
        f"**{report['changed']}** of {report['events']} events have different outcomes"
        + ("." if changed else ": nothing changed."),
    ]
    for sub in changed:
        lines += ["", f"#### `{_cell(sub['subscription'])}`", ""]
        lines += ["| outcome | before | after |", "| --- | ---: | ---: |"]
        for kind in sorted(sub["before"].keys() | sub["after"].keys()):
            lines.append(f"| {kind} | {sub['before'].get(kind, 0)} | {sub['after'].get(kind, 0)} |")
        rows = [
            (f"{k['before']} → {k['after']}", k["count"], k["examples"]) for k in sub["kinds"]
        ] + [
            (f"`{_cell(f['field'])}` {f['change']}", f["count"], f["examples"])
            for f in sub["fields"]
        ]
        if rows:
            lines += ["", "| change | events | examples |", "| --- | ---: | --- |"]
            for label, count, examples in rows:
                shown = "<br>".join(_cell(_example(e)) for e in examples)
                lines.append(f"| {label} | {count} | {shown} |")
    return "\n".join(lines)


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}
