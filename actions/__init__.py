"""actions: turn Segment Spec events into destination requests, declared in YAML.

    >>> import actions
    >>> adjust = actions.load_destination("adjust")
    >>> configured = adjust.configure(adjust.sample_settings())
    >>> outcomes = configured.process(event)        # [Request(...)] or the reason why not

See docs/engine.md for the API, docs/format.md for packs and configs, docs/fql.md for triggers
and docs/mapping.md for mappings.
"""

from __future__ import annotations

from actions.destinations.loading import DefinitionError, load_destination
from actions.destinations.model import Destination, ResponseClass
from actions.engine.config import Subscription, load_config, load_settings
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
from actions.errors import ActionsError, Diagnostic, InvalidInputError, Location, Severity

__version__ = "0.1.0"

__all__ = [
    "ActionsError",
    "BatchResult",
    "ConfiguredDestination",
    "Counts",
    "DefinitionError",
    "Destination",
    "Diagnostic",
    "EventResult",
    "Failed",
    "Filtered",
    "InvalidInputError",
    "Location",
    "Outcome",
    "Problem",
    "Request",
    "ResponseClass",
    "Severity",
    "Skipped",
    "Subscription",
    "__version__",
    "load_config",
    "load_destination",
    "load_settings",
]
