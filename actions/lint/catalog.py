"""The built-in lint rules, as one immutable table (in the order `--explain` and SARIF list
them)."""

from __future__ import annotations

from actions.lint import plans, privacy, rules
from actions.lint.rules import Rules, declared_rules, rules_table

BUILTIN_RULES: Rules = rules_table(
    [*declared_rules(rules), *declared_rules(privacy), *declared_rules(plans)]
)
