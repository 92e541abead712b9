"""actions: turn Segment Spec events into destination requests, declared in YAML."""

from __future__ import annotations

from .errors import ActionsError, Diagnostic, InvalidInputError, Location, Severity

__version__ = "0.1.0"

__all__ = [
    "ActionsError",
    "Diagnostic",
    "InvalidInputError",
    "Location",
    "Severity",
    "__version__",
]
