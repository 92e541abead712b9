"""A user's configuration of one destination: settings, destination filters, subscriptions."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from actions._lazy import lazy_names
from actions._repr import attrs_repr
from actions.destinations.loading import (
    DefinitionError,
)
from actions.destinations.model import Destination, SettingSpec
from actions.errors import Diagnostic
from actions.yamlsource import load_yaml_file

if TYPE_CHECKING:  # imported when first used (see __getattr__): a config without filters
    from actions.engine.filters import Filter as Filter
    from actions.engine.filters import Sample as Sample


@attrs.frozen
class Subscription:
    """Trigger + action + mapping. Fields the mapping does not give use the action's defaults."""

    __repr__ = attrs_repr

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


_LAZY = {"Filter": "actions.engine.filters", "Sample": "actions.engine.filters"}
"""Names of this module whose classes live in a module imported when first used (a config
without destination filters needs neither)."""


__getattr__ = lazy_names(globals(), _LAZY)
