"""actions: turn Segment Spec events into destination requests, declared in YAML.

The stages, each a function (and a method of an :class:`Environment`)::

    >>> import actions
    >>> adjust = actions.load_destination("adjust")                        # load + validate
    >>> configured = actions.configure(adjust, adjust.sample_settings())   # compile
    >>> outcomes = configured.process({"type": "track", "event": "x"})     # run
    >>> outcomes[0].kind
    'filtered'

See docs/architecture.md for the stages and the folders, docs/engine.md for the API,
docs/format.md for packs and configs, docs/fql.md for triggers and docs/mapping.md for
mappings.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from actions._version import __version__

if TYPE_CHECKING:
    from actions.destinations.loading import DefinitionError, load_destination
    from actions.destinations.model import Destination
    from actions.destinations.responses import ResponseClass
    from actions.engine.config import Subscription, load_settings
    from actions.engine.configfile import load_config
    from actions.engine.configure import configure
    from actions.engine.engine import BatchResult, ConfiguredDestination, Counts
    from actions.engine.outcomes import (
        EventResult,
        Failed,
        Filtered,
        Outcome,
        Problem,
        Request,
        Skipped,
    )
    from actions.environment import DEFAULT_ENVIRONMENT, Environment
    from actions.errors import ActionsError, Diagnostic, InvalidInputError, Location, Severity
    from actions.language import Language

# `import actions` loads nothing more: each name below is imported from its module when it is
# first used (`actions.configure`, `from actions import Destination`), so that a program pays
# only for what it uses (docs/performance.md, "Cold start").
_HOME = {
    "DefinitionError": "actions.destinations.loading",
    "load_destination": "actions.destinations.loading",
    "Destination": "actions.destinations.model",
    "ResponseClass": "actions.destinations.responses",
    "Subscription": "actions.engine.config",
    "load_settings": "actions.engine.config",
    "load_config": "actions.engine.configfile",
    "configure": "actions.engine.configure",
    "BatchResult": "actions.engine.engine",
    "ConfiguredDestination": "actions.engine.engine",
    "Counts": "actions.engine.engine",
    "EventResult": "actions.engine.outcomes",
    "Failed": "actions.engine.outcomes",
    "Filtered": "actions.engine.outcomes",
    "Outcome": "actions.engine.outcomes",
    "Problem": "actions.engine.outcomes",
    "Request": "actions.engine.outcomes",
    "Skipped": "actions.engine.outcomes",
    "DEFAULT_ENVIRONMENT": "actions.environment",
    "Environment": "actions.environment",
    "ActionsError": "actions.errors",
    "Diagnostic": "actions.errors",
    "InvalidInputError": "actions.errors",
    "Location": "actions.errors",
    "Severity": "actions.errors",
    "Language": "actions.language",
}
"""Where each public name lives."""


def __getattr__(name: str) -> Any:
    """A public name, imported from its module at its first use; a submodule
    (``actions.fql``), imported when first reached as an attribute."""
    home = _HOME.get(name)
    if home is not None:
        value = getattr(importlib.import_module(home), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "DEFAULT_ENVIRONMENT",
    "ActionsError",
    "BatchResult",
    "ConfiguredDestination",
    "Counts",
    "DefinitionError",
    "Destination",
    "Diagnostic",
    "Environment",
    "EventResult",
    "Failed",
    "Filtered",
    "InvalidInputError",
    "Language",
    "Location",
    "Outcome",
    "Problem",
    "Request",
    "ResponseClass",
    "Severity",
    "Skipped",
    "Subscription",
    "__version__",
    "configure",
    "load_config",
    "load_destination",
    "load_settings",
]
