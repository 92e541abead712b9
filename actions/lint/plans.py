"""The ``plan-*`` lint rules: a pack or config checked against a tracking plan
(``actions lint --plan PLAN``). The checks are in :mod:`actions.plans.check`; the runner calls
them once per file when a plan is given. See docs/plans.md."""

from __future__ import annotations

from actions.lint.rules import Rule
from actions.plans.check import PLAN_RULES

RULES = tuple(Rule(_id, _severity, _summary, _why) for _id, _severity, _summary, _why in PLAN_RULES)
