"""How requests for a destination are delivered: limits, retries and timeouts. A pack declares
them in its ``delivery:`` block (the partner's published numbers, or conservative defaults); a
config and the command line override them, name by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.errors import ActionsError


def _positive(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ActionsError(f"delivery {attribute.name} must be greater than 0, not {value!r}")


def _not_negative(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value >= 0:
        raise ActionsError(f"delivery {attribute.name} must be 0 or more, not {value!r}")


def _number(value: float) -> float:
    # A function rather than ``converter=float``: attrs reads a converter's signature, and
    # ``inspect.signature`` of a builtin tokenizes its text signature (some 2 ms at import).
    return float(value)


@attrs.frozen
class DeliverySettings:
    """Per destination: ``concurrency`` requests in flight at most; ``rate`` requests per
    second (0: no limit) with bursts of up to ``burst``; ``max_attempts`` tries per request
    within ``max_elapsed`` seconds; ``connect_timeout`` and ``read_timeout`` in seconds; a
    batch action's request waits at most ``max_wait`` seconds for its batch to fill (0: it
    goes with what is queued at once)."""

    __repr__ = attrs_repr

    concurrency: int = attrs.field(default=8, validator=_positive)
    rate: float = attrs.field(default=25.0, converter=_number, validator=_not_negative)
    burst: int = attrs.field(default=50, validator=_positive)
    max_attempts: int = attrs.field(default=6, validator=_positive)
    max_elapsed: float = attrs.field(default=600.0, converter=_number, validator=_positive)
    connect_timeout: float = attrs.field(default=5.0, converter=_number, validator=_positive)
    read_timeout: float = attrs.field(default=30.0, converter=_number, validator=_positive)
    max_wait: float = attrs.field(default=1.0, converter=_number, validator=_not_negative)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> DeliverySettings:
        """These settings with every name given (and not None) in ``overrides`` replaced."""
        if not overrides:
            return self
        names = {a.name for a in attrs.fields(DeliverySettings)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ActionsError(
                f"unknown delivery setting {unknown[0]!r}; settings: {', '.join(sorted(names))}"
            )
        given = {k: v for k, v in overrides.items() if v is not None}
        for name in ("concurrency", "burst", "max_attempts"):
            if name in given and not (isinstance(given[name], int) and given[name] >= 1):
                raise ActionsError(f"delivery {name} must be a whole number of 1 or more")
        return attrs.evolve(self, **given) if given else self

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


DEFAULT_DELIVERY = DeliverySettings()
