"""A user's configuration of one destination: settings, destination filters, subscriptions."""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from actions.destinations.loading import DefinitionError, load_destination, resolve, schema_problems
from actions.destinations.model import Destination, SettingSpec
from actions.destinations.schema import CONFIG_SCHEMA
from actions.errors import ActionsError, Diagnostic
from actions.fql import FQLSyntaxError, Trigger
from actions.fql import compile as compile_trigger
from actions.yamlsource import load_yaml

if TYPE_CHECKING:
    from actions.engine.engine import ConfiguredDestination, SpecCheck


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


@attrs.frozen
class Filter:
    """A destination filter (Segment's "destination filters"), applied before subscriptions."""

    name: str
    condition: Trigger | None = None
    drop: Trigger | None = None
    keep: Trigger | None = None
    drop_fields: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    allow_fields: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int) -> Filter:
        def trigger(key: str) -> Trigger | None:
            return compile_trigger(data[key]) if key in data else None

        return cls(
            name=str(data.get("name") or f"filter {index + 1}"),
            condition=trigger("if"),
            drop=trigger("drop"),
            keep=trigger("keep"),
            drop_fields={k: tuple(v) for k, v in (data.get("drop_fields") or {}).items()},
            allow_fields={k: tuple(v) for k, v in (data.get("allow_fields") or {}).items()},
        )

    def apply(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The event (fields removed, on a copy), or None when the filter drops it."""
        if self.condition is not None and not self.condition.matches(event):
            return event
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


def validate_settings(
    specs: Mapping[str, SettingSpec], given: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Settings with defaults applied, and the problems. Messages never contain a secret."""
    problems: list[Diagnostic] = []
    out: dict[str, Any] = {}
    for name in given:
        if name not in specs:
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
        shown = "the value" if spec.secret else repr(value)
        ok = {
            "string": isinstance(value, str),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "object": isinstance(value, dict),
        }[spec.type]
        if spec.type == "string" and isinstance(value, int | float) and not isinstance(value, bool):
            value, ok = str(value), True
        if not ok:
            problems.append(
                Diagnostic(
                    "setting-type",
                    f"setting {name!r} must be {spec.type}; {shown} is not",
                    path=("settings", name),
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


def load_config(path: str | Path, spec_check: SpecCheck | None = None) -> ConfiguredDestination:
    """Load a config file (see docs/format.md) and configure its destination. ``spec_check``
    overrides the file's ``spec_check``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ActionsError(f"cannot read config {file}: {exc.strerror or exc}") from None
    loaded = load_yaml(text, str(file))
    loaded.raise_for_errors(f"config {file}")
    problems = schema_problems(loaded.value, CONFIG_SCHEMA, loaded.source)
    if problems:
        raise DefinitionError(f"config {file}", problems)
    data = loaded.value
    target = data["destination"]
    relative = file.parent / target
    destination: Destination = load_destination(relative if relative.exists() else resolve(target))
    try:
        return destination.configure(
            data.get("settings") or {},
            data.get("subscriptions"),
            data.get("filters"),
            source=loaded.source,
            spec_check=spec_check or data.get("spec_check", "read"),
        )
    except DefinitionError as exc:
        located = [
            d.at(loaded.source.locate(d.path)) if d.location is None else d for d in exc.diagnostics
        ]
        raise DefinitionError(f"config {file}", located) from None
    except FQLSyntaxError as exc:
        raise DefinitionError(
            f"config {file}", [Diagnostic("fql-syntax", exc.message, hint=exc.hint)]
        ) from None
