"""Tracking plans: which events and properties a source sends, with their types.

:func:`load_plan` reads Segment Protocols' tracking-plan JSON (the Config API's ``rules`` object
or the Public API's list of rules) or a plain YAML form. :func:`check_document` checks the
triggers, skip rules and mappings of a pack or config against a plan (the ``plan-*`` lint rules);
:class:`EventChecker` checks events as they pass (``actions run --plan``). See docs/plans.md.
"""

from actions.plans.check import PLAN_RULES, check_document
from actions.plans.events import EventChecker
from actions.plans.plan import PlannedEvent, PlannedObject, PlannedProperty, TrackingPlan, load_plan

__all__ = [
    "PLAN_RULES",
    "EventChecker",
    "PlannedEvent",
    "PlannedObject",
    "PlannedProperty",
    "TrackingPlan",
    "check_document",
    "load_plan",
]
