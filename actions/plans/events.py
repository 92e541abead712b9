"""Check events against a tracking plan as they pass (``actions run --plan``), counting the
violations per rule: ``plan-unknown-event`` (a track event the plan lacks),
``plan-unknown-property`` (a key the plan does not list under a planned root),
``plan-type-mismatch`` (a value of a type the plan does not allow) and ``plan-required-unmet``
(a required key missing). Each event counts at most once per rule. Never raises."""

from __future__ import annotations

from typing import Any

from actions.plans.plan import MAX_PLAN_DEPTH, PlannedObject, TrackingPlan


def json_type(value: Any) -> str:
    """The JSON Schema type of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _allowed(types: frozenset[str], value: Any) -> bool:
    if not types:
        return True
    kind = json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


class EventChecker:
    """Counts plan violations per rule over the events it is given (``counts``)."""

    def __init__(self, plan: TrackingPlan) -> None:
        self.plan = plan
        self.counts: dict[str, int] = {}
        self.events = 0

    def check(self, event: Any) -> set[str]:
        """The rules ``event`` violates (counted)."""
        self.events += 1
        if not isinstance(event, dict):
            return set()
        call = event.get("type")
        planned = self.plan.for_call(call, event.get("event")) if isinstance(call, str) else None
        violated: set[str] = set()
        if planned is None:
            if call == "track":
                violated.add("plan-unknown-event")
        else:
            for root, listed in planned.roots.items():
                value = event.get(root)
                if value is None:
                    value = {}
                if not isinstance(value, dict):
                    violated.add("plan-type-mismatch")
                    continue
                _check_object(listed, value, violated, 0)
        for rule in violated:
            self.counts[rule] = self.counts.get(rule, 0) + 1
        return violated


def _check_object(listed: PlannedObject, value: dict[str, Any], out: set[str], depth: int) -> None:
    for key, item in value.items():
        planned = listed.keys.get(key)
        if planned is None:
            out.add("plan-unknown-property")
            continue
        if not _allowed(planned.types, item):
            out.add("plan-type-mismatch")
        elif planned.children is not None and isinstance(item, dict) and depth < MAX_PLAN_DEPTH:
            _check_object(planned.children, item, out, depth + 1)
    for key, planned in listed.keys.items():
        if planned.required and key not in value:
            out.add("plan-required-unmet")
