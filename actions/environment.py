"""The environment: everything a user can extend, in one immutable value.

An :class:`Environment` holds the mapping directives, the FQL functions and the lint rules.
:data:`DEFAULT_ENVIRONMENT` holds the built-in ones; :meth:`Environment.extend` returns a new
environment with more, and nothing global ever changes, so two users' extensions cannot
collide. Loading, configuring, linting and the CLI take an environment (``env=``); the
default is used when none is given.

    >>> import actions
    >>> from actions.fql.functions import STRING, NULL, function
    >>> @function("reverse", params=(STRING | NULL,), returns=STRING | NULL)
    ... def reverse(value):
    ...     return value[::-1] if isinstance(value, str) else None
    >>> env = actions.DEFAULT_ENVIRONMENT.extend(functions=[reverse])
    >>> "reverse" in env.functions, "reverse" in actions.DEFAULT_ENVIRONMENT.functions
    (True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.destinations.loading import load_destination as _load_destination
from actions.destinations.model import Destination
from actions.engine.config import Subscription
from actions.engine.configfile import load_config as _load_config
from actions.engine.configure import configure as _configure
from actions.engine.engine import ConfiguredDestination, SpecCheck
from actions.fql.functions import Function
from actions.language import Language, table_repr
from actions.lint.catalog import BUILTIN_RULES
from actions.lint.rules import Rule, Rules, rules_table
from actions.lint.runner import LintResult, lint_paths
from actions.mapping.directives import Directive
from actions.plans import TrackingPlan


@attrs.frozen
class Environment(Language):
    """The directives and FQL functions packs and configs are written in (a
    :class:`~actions.language.Language`), and the lint rules that check them."""

    __repr__ = attrs_repr

    rules: Rules = attrs.field(default=BUILTIN_RULES, repr=table_repr)

    def extend(
        self,
        *,
        directives: Iterable[Directive] = (),
        functions: Iterable[Function] = (),
        rules: Iterable[Rule] = (),
        **more: Any,
    ) -> Environment:
        """A new environment with these declarations added (a name or rule id it already has
        is an error)."""
        rules = tuple(rules)
        if rules:
            more["rules"] = rules_table([*self.rules.values(), *rules])
        return super().extend(directives=directives, functions=functions, **more)

    # -- the stages, in this environment --------------------------------------------------------

    def load_destination(self, name_or_path: str | Path) -> Destination:
        """Load a pack (a shipped name such as ``"adjust"``, or a path)."""
        return _load_destination(name_or_path, env=self)

    def configure(
        self,
        destination: Destination,
        settings: Mapping[str, Any] | None = None,
        subscriptions: Sequence[Subscription | Mapping[str, Any]] | None = None,
        filters: Sequence[Mapping[str, Any]] | None = None,
        **options: Any,
    ) -> ConfiguredDestination:
        """Configure ``destination`` (see :func:`actions.configure`)."""
        return _configure(destination, settings, subscriptions, filters, env=self, **options)

    def load_config(
        self, path: str | Path, spec_check: SpecCheck | None = None
    ) -> ConfiguredDestination:
        """Load a config file and configure its destination."""
        return _load_config(path, spec_check, env=self)

    def lint(
        self,
        paths: Sequence[str],
        ignore: Iterable[str] = (),
        plan: TrackingPlan | None = None,
    ) -> LintResult:
        """Lint packs and configs (files or folders) with this environment's rules."""
        return lint_paths(paths, ignore, plan, rules=self.rules, env=self)


DEFAULT_ENVIRONMENT = Environment()
"""The built-in directives, FQL functions and lint rules."""
