"""Destination definitions: settings, actions, presets, response rules, inbound mappings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from actions._lazy import lazy_names
from actions._repr import attrs_repr
from actions.destinations.delivery import DEFAULT_DELIVERY, DeliverySettings
from actions.destinations.fields import FieldSpec, PayloadChecker, payload_schema
from actions.destinations.request import RequestSpec
from actions.errors import ActionsError
from actions.fql import Trigger
from actions.language import BUILTIN, Language
from actions.mapping import CompiledMapping

if TYPE_CHECKING:  # imported when first used (see __getattr__): a pack without batches, and
    # a run that sends nothing, need neither
    from actions.destinations.batch import BatchSpec
    from actions.destinations.batch import ItemResults as ItemResults
    from actions.destinations.responses import ResponseClass


@attrs.frozen
class SettingSpec:
    __repr__ = attrs_repr

    name: str
    type: str
    label: str = ""
    description: str = ""
    required: bool = False
    secret: bool = False
    default: Any = None
    has_default: bool = False
    choices: tuple[Any, ...] = ()
    values: str | None = None
    unique_values: bool = False


@attrs.frozen
class SkipRule:
    __repr__ = attrs_repr

    reason: str
    when: Trigger | None = None
    missing: tuple[str, ...] = ()


ITEM_RESULTS_LIMIT = 1024 * 1024
"""The most of a batch answer read for its per-item results (bytes)."""


@attrs.frozen
class Action:
    __repr__ = attrs_repr

    key: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    defaults: Mapping[str, Any]
    default_trigger: str | None
    skip: tuple[SkipRule, ...]
    request: RequestSpec
    batch: BatchSpec | None
    checker: PayloadChecker = attrs.field(repr=False)

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema (draft-07) of this action's payload."""
        return {"$schema": "http://json-schema.org/draft-07/schema#", **payload_schema(self.fields)}


@attrs.frozen
class Preset:
    __repr__ = attrs_repr

    name: str
    action: str
    trigger: str
    mapping: Mapping[str, Any]


@attrs.frozen
class ResponseRule:
    __repr__ = attrs_repr

    statuses: tuple[int | str, ...]
    outcome: Literal["success", "retry", "drop"]
    reason: str | None = None
    body_contains: str | None = None

    def applies(self, status: int, body: str) -> bool:
        if self.body_contains is not None and self.body_contains not in body:
            return False
        return any(
            s == status if isinstance(s, int) else str(status).startswith(s[0])
            for s in self.statuses
        )


@attrs.frozen
class Inbound:
    __repr__ = attrs_repr

    name: str
    description: str
    mapping: CompiledMapping


@attrs.frozen(eq=False)
class Destination:
    """A loaded, compiled pack."""

    __repr__ = attrs_repr

    name: str
    slug: str
    description: str
    settings: Mapping[str, SettingSpec]
    actions: Mapping[str, Action]
    presets: tuple[Preset, ...]
    responses: tuple[ResponseRule, ...]
    inbound: Mapping[str, Inbound]
    path: Path | None = None
    definition: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    text: str = attrs.field(default="", repr=False)
    delivery: DeliverySettings = DEFAULT_DELIVERY
    """Limits, retries and timeouts for delivering this destination's requests."""
    env: Language = attrs.field(default=BUILTIN, repr=False)
    """The directives and functions its mappings and triggers were compiled with; configuring
    it compiles subscriptions with the same ones."""

    def classify_response(self, status: int, body: str = "") -> ResponseClass:
        """How to handle the partner's response: the first matching rule, else 2xx success,
        408/429/5xx retry, anything else drop."""
        from actions.destinations.responses import ResponseClass

        for rule in self.responses:
            if rule.applies(status, body):
                return ResponseClass(rule.outcome, rule.reason)
        if 200 <= status < 300:
            return ResponseClass("success")
        if status in (408, 429) or status >= 500:
            return ResponseClass("retry", f"HTTP {status}")
        return ResponseClass("drop", f"HTTP {status}")

    def inbound_event(self, name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Turn a partner callback into a Segment Spec event (raises when it would not be one)."""
        from actions.spec import check_event

        if name not in self.inbound:
            raise ActionsError(f"{self.slug} has no inbound mapping {name!r}")
        event = self.inbound[name].mapping.apply(dict(params))
        problems = check_event(event)
        if problems:
            details = "; ".join(
                f"{'.'.join(map(str, p.path)) or 'event'}: {p.message}" for p in problems
            )
            raise ActionsError(f"the {name} callback does not make a valid event: {details}")
        assert isinstance(event, dict)
        return event

    def sample_settings(self) -> dict[str, Any]:
        """The pack's ``settings.sample.yaml`` (the settings the demo runs with)."""
        from actions.destinations.shipped import load_yaml

        if self.path is None:
            return {}
        sample = self.path.parent / "settings.sample.yaml"
        if not sample.is_file():
            return {}
        loaded = load_yaml(sample.read_bytes(), str(sample))
        loaded.raise_for_errors(f"settings file {sample}")
        return dict(loaded.value or {})


_LAZY = {
    "BatchSpec": "actions.destinations.batch",
    "ItemResults": "actions.destinations.batch",
    "ResponseClass": "actions.destinations.responses",
}
"""Names of this module whose classes live in a module imported when first used (each an attrs
class, which attrs builds at import)."""


__getattr__ = lazy_names(globals(), _LAZY)
