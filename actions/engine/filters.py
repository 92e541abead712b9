"""Destination filters (Segment's "destination filters"), applied before subscriptions, and
the sample filter. Imported when a config with filters is configured."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.destinations.loading import DefinitionError
from actions.engine.config import SAMPLE_KEYS
from actions.errors import Diagnostic
from actions.fql import Functions, Trigger
from actions.fql import compile as compile_trigger


@attrs.frozen
class Sample:
    """Keep ``percent`` % of events, chosen by a stable hash of the value at ``by``: the same
    value (the same user, for ``userId``) is always in or always out, in every process."""

    __repr__ = attrs_repr

    percent: float
    by: str = "messageId"
    _threshold: int = attrs.field(init=False, repr=False, eq=False)
    _sha256: Callable[[bytes], Any] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # Kept when the hash's first 8 bytes, as a number, are under this (no float per event).
        object.__setattr__(self, "_threshold", int(self.percent * 2**64) // 100)
        # hashlib (OpenSSL) is imported by the first sample filter, not by every run.
        from hashlib import sha256

        object.__setattr__(self, "_sha256", sha256)

    def position(self, event: Mapping[str, Any]) -> float:
        """Where the event falls in [0, 100): kept when below ``percent``. The first 8 bytes
        of the SHA-256 of the value's text; an event without a value at ``by`` (or with
        ``null``) falls by its ``messageId``."""
        value = event.get(self.by)
        if value is None:
            value = event.get("messageId")
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        digest = self._sha256(text.encode("utf-8", "surrogatepass")).digest()
        return int.from_bytes(digest[:8], "big") * 100 / 2**64

    def keeps(self, event: Mapping[str, Any]) -> bool:
        value = event.get(self.by)
        if value.__class__ is not str:
            return self.position(event) < self.percent
        digest = self._sha256(value.encode("utf-8", "surrogatepass")).digest()
        return int.from_bytes(digest[:8], "big") < self._threshold

    def why(self, event: Mapping[str, Any]) -> str:
        return (
            f"its {self.by} falls at {self.position(event):.2f}%, "
            f"{'under' if self.keeps(event) else 'not under'} {_percent_text(self.percent)}%"
        )


def _percent_text(percent: float) -> str:
    return f"{percent:g}"


def _check_sample(sample: Any, index: int) -> None:
    percent = sample.get("percent") if isinstance(sample, dict) else None
    by = sample.get("by", "messageId") if isinstance(sample, dict) else None
    if (
        isinstance(percent, bool)
        or not isinstance(percent, int | float)
        or not 0 <= percent <= 100
        or by not in SAMPLE_KEYS
    ):
        raise DefinitionError(
            "filter",
            [
                Diagnostic(
                    "schema",
                    "a sample filter needs a percent from 0 to 100 and, optionally, "
                    f"by: {', '.join(SAMPLE_KEYS)}",
                    path=("filters", index, "sample"),
                )
            ],
        )


@attrs.frozen
class Filter:
    """A destination filter (Segment's "destination filters"), applied before subscriptions."""

    __repr__ = attrs_repr

    name: str
    condition: Trigger | None = None
    drop: Trigger | None = None
    keep: Trigger | None = None
    drop_fields: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    allow_fields: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    sample: Sample | None = None

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], index: int, *, functions: Functions | None = None
    ) -> Filter:
        """The filter ``data`` describes (the ``index``-th of its config), its conditions
        compiled with ``functions`` (the built-ins when None)."""

        def trigger(key: str) -> Trigger | None:
            return compile_trigger(data[key], functions=functions) if key in data else None

        sample = data.get("sample")
        if sample is not None:
            _check_sample(sample, index)
        return cls(
            name=str(data.get("name") or f"filter {index + 1}"),
            condition=trigger("if"),
            drop=trigger("drop"),
            keep=trigger("keep"),
            drop_fields={k: tuple(v) for k, v in (data.get("drop_fields") or {}).items()},
            allow_fields={k: tuple(v) for k, v in (data.get("allow_fields") or {}).items()},
            sample=None
            if sample is None
            else Sample(float(sample["percent"]), str(sample.get("by", "messageId"))),
        )

    def reason(self, event: dict[str, Any]) -> str:
        """Why this filter drops ``event`` (one it drops)."""
        if self.sample is not None:
            return f"sampled out by destination filter {self.name!r}: {self.sample.why(event)}"
        return f"dropped by destination filter {self.name!r}"

    def explain(self, event: dict[str, Any]) -> str:
        """What this filter does with ``event``, in one line (for ``actions explain``)."""
        if self.condition is not None and not self.condition.matches(event):
            return f"filter {self.name!r}: its if does not match; the event passes"
        if self.sample is not None:
            kept = self.sample.keeps(event)
            return (
                f"filter {self.name!r}: sample {_percent_text(self.sample.percent)}% by "
                f"{self.sample.by}: {'sampled in' if kept else 'sampled out'} "
                f"({self.sample.why(event)})"
            )
        if self.apply(event) is None:
            return f"filter {self.name!r}: drops the event"
        if self.drop_fields or self.allow_fields:
            return f"filter {self.name!r}: removes fields"
        return f"filter {self.name!r}: the event passes"

    def apply(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The event (fields removed, on a copy), or None when the filter drops it."""
        if self.condition is not None and not self.condition.matches(event):
            return event
        if self.sample is not None and not self.sample.keeps(event):
            return None
        if self.drop is not None and self.drop.matches(event):
            return None
        if self.keep is not None and not self.keep.matches(event):
            return None
        if self.drop_fields or self.allow_fields:
            event = dict(event)
            for part, keys in self.drop_fields.items():
                inner = event.get(part)
                if isinstance(inner, dict):
                    event[part] = {k: v for k, v in inner.items() if k not in keys}
            for part, keys in self.allow_fields.items():
                inner = event.get(part)
                if isinstance(inner, dict):
                    event[part] = {k: v for k, v in inner.items() if k in keys}
        return event


__all__ = ["Filter", "Sample"]
