"""``actions lint``: static checks of packs and configs, with located findings."""

from actions.lint.reporters import REPORTERS
from actions.lint.rules import RULES, Rule
from actions.lint.runner import lint, lint_file

__all__ = ["REPORTERS", "RULES", "Rule", "lint", "lint_file"]
