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

from actions._version import __version__
from actions.destinations.loading import DefinitionError, load_destination
from actions.destinations.model import Destination, ResponseClass
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
