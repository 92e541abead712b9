"""A user's configuration of one destination: settings, destination filters, subscriptions."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from actions.destinations.loading import (
    DefinitionError,
)
from actions.destinations.model import Destination, SettingSpec
from actions.errors import Diagnostic
from actions.fql import Functions, Trigger
from actions.fql import compile as compile_trigger
from actions.yamlsource import load_yaml_file


@attrs.frozen
class Subscription:
    """Trigger + action + mapping. Fields the mapping does not give use the action's defaults."""

    name: str
    action: str
    trigger: str
    mapping: Mapping[str, Any] = attrs.field(factory=dict)
    enabled: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], default_trigger: str | None = None) -> Subscription:
        trigger = data.get("trigger") or default_trigger
        if not trigger:
            raise DefinitionError(
                "subscription",
                [
                    Diagnostic(
                        "schema",
                        f"subscription {data.get('name') or data.get('action')!r} needs a trigger",
                    )
                ],
            )
        return cls(
            name=str(data.get("name") or data["action"]),
            action=str(data["action"]),
            trigger=str(trigger),
            mapping=dict(data.get("mapping") or {}),
            enabled=bool(data.get("enabled", True)),
        )


SAMPLE_KEYS = ("userId", "anonymousId", "messageId")
"""The paths a sample filter may be keyed on."""


@attrs.frozen
class Sample:
    """Keep ``percent`` % of events, chosen by a stable hash of the value at ``by``: the same
    value (the same user, for ``userId``) is always in or always out, in every process."""

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


SEGMENT_ORDER = ("sample", "drop", "drop_fields", "allow_fields")
"""Segment applies its destination filters by kind, in this order ("only send" filters are
drops), whatever order they were written in."""


def filter_kind(data: Mapping[str, Any]) -> str:
    """``sample``, ``drop`` (``drop`` and ``keep`` filters), ``drop_fields`` or
    ``allow_fields``: what a filter (as written in a config) does."""
    for kind in ("sample", "drop_fields", "allow_fields"):
        if kind in data:
            return kind
    return "drop"


def segment_order(filters: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The filters in the order Segment applies them: Sample, Drop, Drop Properties, Allow
    Properties (filters of one kind keep their order). A config's ``filter_order: segment``."""
    return sorted(filters, key=lambda data: SEGMENT_ORDER.index(filter_kind(data)))


@attrs.frozen
class Filter:
    """A destination filter (Segment's "destination filters"), applied before subscriptions."""

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


_TYPE_NAMES = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    dict: "object",
    list: "list",
    type(None): "null",
}


def _shown(value: Any) -> str:
    """A setting's value as a message quotes it: short text and numbers as written, anything
    else by its kind (a value nested thousands deep or an integer of 5,000 digits has no
    bounded ``repr``)."""
    if isinstance(value, bool | float) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(value) if -(10**30) < value < 10**30 else "a very large integer"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    return "the value"


def validate_settings(
    specs: Mapping[str, SettingSpec], given: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Settings with defaults applied, and the problems. Messages never contain a secret."""
    problems: list[Diagnostic] = []
    out: dict[str, Any] = {}
    for name in given:
        if name not in specs:
            import difflib  # here: only a misspelt name needs it

            close = difflib.get_close_matches(str(name), list(specs), n=1, cutoff=0.6)
            problems.append(
                Diagnostic(
                    "unknown-setting",
                    f"unknown setting {name!r}",
                    path=("settings", name),
                    hint=f"did you mean {close[0]!r}?"
                    if close
                    else f"settings: {', '.join(specs) or 'none'}",
                )
            )
    for name, spec in specs.items():
        value = given.get(name, spec.default if spec.has_default else None)
        if spec.type != "object" and is_environment_form(value):
            value, trouble = from_environment(name, spec, value["env"])
            if trouble is not None:
                problems.append(trouble)
                continue
        if value is None or value == "":
            if spec.required:
                problems.append(
                    Diagnostic(
                        "missing-setting",
                        f"setting {name!r} is required",
                        path=("settings", name),
                        hint=spec.description or spec.label or None,
                    )
                )
            continue
        shown = "the value" if spec.secret else _shown(value)
        ok = {
            "string": isinstance(value, str),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "object": isinstance(value, dict),
        }[spec.type]
        if not ok:
            # A number where text is declared: YAML read an unquoted token (`012345`, `1.10`)
            # as a number, which may not be what was written; quoting it keeps the text.
            number = isinstance(value, int | float) and not isinstance(value, bool)
            problems.append(
                Diagnostic(
                    "setting-type",
                    f"setting {name!r} must be {spec.type}; {shown} is "
                    + (f"a {_TYPE_NAMES.get(type(value), type(value).__name__)}"),
                    path=("settings", name),
                    hint="write the value in quotes: unquoted, YAML reads digits as a number "
                    "(and `0123` as 83, `1.10` as 1.1)"
                    if spec.type == "string" and number
                    else None,
                )
            )
            continue
        if spec.choices and value not in spec.choices:
            problems.append(
                Diagnostic(
                    "setting-choice",
                    f"setting {name!r} must be one of "
                    f"{', '.join(map(str, spec.choices))}; {shown} is not",
                    path=("settings", name),
                )
            )
        if spec.type == "object" and spec.unique_values:
            seen: dict[Any, str] = {}
            for key, item in value.items():
                if not isinstance(item, str | int | float | bool):
                    continue
                if item in seen:
                    problems.append(
                        Diagnostic(
                            "duplicate-setting-value",
                            f"setting {name!r}: {seen[item]!r} and {key!r} have the same value; "
                            "each value may be used once",
                            path=("settings", name, key),
                            hint="map each name to its own value",
                        )
                    )
                else:
                    seen[item] = key
        # Taken as they are now: later changes to the caller's objects do not reach a
        # configured destination (parts of its requests are rendered once).
        out[name] = copy.deepcopy(value) if isinstance(value, dict) else value
    return out, problems


def is_environment_form(value: Any) -> bool:
    """A setting's value given as ``{env: NAME}``: the value of environment variable NAME."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("env"), str)


_INTEGER = re.compile(r"[+-]?[0-9]{1,4300}")
_BOOLEANS = {"true": True, "false": False}


def from_environment(name: str, spec: SettingSpec, variable: str) -> tuple[Any, Diagnostic | None]:
    """The value of setting ``name`` from environment variable ``variable``, read now (where
    the destination is configured), as the setting's type; or the problem. Messages name the
    variable and never show its value."""
    where = ("settings", name, "env")
    text = os.environ.get(variable)
    if text is None:
        return None, Diagnostic(
            "setting-env",
            f"setting {name!r} is read from the environment variable {variable!r}, "
            "which is not set",
            path=where,
            hint=f"set {variable} where the destination is configured (for a pipeline: on "
            "every worker)",
        )
    if spec.type == "string":
        return text, None
    word = text.strip()
    value: Any = None
    if spec.type == "boolean":
        value = _BOOLEANS.get(word.lower())
    elif _INTEGER.fullmatch(word):
        value = int(word)
    elif spec.type == "number":
        try:
            value = float(word)
        except ValueError:
            value = None
        if value is not None and value - value != 0:  # NaN or infinity
            value = None
    if value is None:
        return None, Diagnostic(
            "setting-env",
            f"setting {name!r}: the environment variable {variable!r} does not hold "
            + {"boolean": "a boolean (true or false)", "integer": "an integer"}.get(
                spec.type, "a number"
            ),
            path=where,
        )
    return value, None


_NAME_RULES = frozenset({"unknown-setting", "unknown-field", "unknown-directive"})
"""Rules about a name: their findings point at the key, not at its value."""


def load_settings(path: str | Path, destination: Destination | None = None) -> dict[str, Any]:
    """The settings in a settings file (a YAML mapping of setting names to values, as used by
    ``actions run --settings FILE``). With ``destination``, the values are checked against its
    settings: every problem is located in the file (``file:line:column``) and raised together
    as a :class:`DefinitionError`. Messages never contain a secret's value."""
    file = Path(path)
    loaded = load_yaml_file(file, "settings")
    loaded.raise_for_errors(f"settings {file}")
    if loaded.value is None:
        return {}
    if not isinstance(loaded.value, dict):
        problem = Diagnostic(
            "schema",
            f"a settings file is a mapping of setting names to values, not a "
            f"{_TYPE_NAMES.get(type(loaded.value), type(loaded.value).__name__)}",
            location=loaded.source.locate(()),
            hint="write one `name: value` per line",
        )
        raise DefinitionError(f"settings {file}", [problem])
    settings = dict(loaded.value)
    if destination is not None:
        _, problems = validate_settings(destination.settings, settings)
        if problems:
            # Paths are ("settings", name, ...); in this file the names are at the top.
            located = [
                attrs.evolve(
                    d,
                    path=d.path[1:],
                    location=loaded.source.locate(d.path[1:], key=d.rule in _NAME_RULES),
                )
                for d in problems
            ]
            raise DefinitionError(f"settings {file}", located)
    return settings
