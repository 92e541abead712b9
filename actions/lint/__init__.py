"""``actions lint``: static checks of packs and configs, with located findings."""

from actions.lint.catalog import BUILTIN_RULES
from actions.lint.reporters import REPORTERS, render_summary
from actions.lint.rules import Rule, Rules, rule, rules_table
from actions.lint.runner import LintResult, lint, lint_file, lint_paths

__all__ = [
    "BUILTIN_RULES",
    "REPORTERS",
    "LintResult",
    "Rule",
    "Rules",
    "lint",
    "lint_file",
    "lint_paths",
    "render_summary",
    "rule",
    "rules_table",
]
