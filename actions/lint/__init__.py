"""``actions lint``: static checks of packs and configs, with located findings."""

from actions.lint import plans as _plans  # registers the plan-* rules
from actions.lint import privacy as _privacy  # registers pii-unhashed and double-hash
from actions.lint.reporters import REPORTERS, render_summary
from actions.lint.rules import RULES, Rule
from actions.lint.runner import LintResult, lint, lint_file, lint_paths

del _plans, _privacy

__all__ = [
    "REPORTERS",
    "RULES",
    "LintResult",
    "Rule",
    "lint",
    "lint_file",
    "lint_paths",
    "render_summary",
]
