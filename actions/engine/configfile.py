"""Config files: read one, check it against the config schema, and configure its destination
(every problem located in the file, a schema error hiding only the part it is in)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.destinations.loading import (
    DefinitionError,
    SchemaErrorPaths,
    load_destination,
    resolve,
    schema_intact,
    schema_problems,
    schema_valid,
)
from actions.destinations.model import Destination
from actions.destinations.schema import CONFIG_SCHEMA
from actions.engine.config import _NAME_RULES, Subscription, segment_order
from actions.engine.configure import configure
from actions.engine.engine import ConfiguredDestination, SpecCheck
from actions.errors import ActionsError, Diagnostic, InvalidInputError, Severity
from actions.fql import FQLSyntaxError
from actions.language import Language
from actions.yamlsource import SourceMap, load_yaml_file


def load_config(
    path: str | Path, spec_check: SpecCheck | None = None, *, env: Language | None = None
) -> ConfiguredDestination:
    """Load a config file (see docs/format.md) and configure its destination, compiling with
    ``env`` (the built-in language when None). ``spec_check`` overrides the file's
    ``spec_check``. Every problem of the file is raised together, located
    in it (a schema error does not hide the others)."""
    file = Path(path)
    loaded = load_yaml_file(file, "config")
    if loaded.value is None or any(p.rule == "yaml-syntax" for p in loaded.problems):
        loaded.raise_for_errors(f"config {file}")
    checked = check_config(loaded.value, loaded.source, file.parent, spec_check, env=env)
    problems = [p for p in loaded.problems if p.severity is Severity.ERROR]
    problems.extend(checked.problems)
    if problems or checked.configured is None:
        raise DefinitionError(f"config {file}", problems)
    return checked.configured


@attrs.frozen
class ConfigCheck:
    """What checking a config's data gave: its destination (when the pack loads), the
    configured destination (when there is no problem) and every problem, located."""

    __repr__ = attrs_repr

    destination: Destination | None
    configured: ConfiguredDestination | None
    problems: tuple[Diagnostic, ...]


def check_config(
    data: Any,
    source: SourceMap,
    folder: Path,
    spec_check: SpecCheck | None = None,
    *,
    env: Language | None = None,
) -> ConfigCheck:
    """Check a config's data against the config schema, then configure its destination with
    the parts that have no schema error: a subscription with one is replaced by a disabled
    stand-in (so the others keep their index), a filter by an empty one. ``folder`` is where
    a relative ``destination:`` path starts."""
    problems = schema_problems(data, CONFIG_SCHEMA, source)
    if not isinstance(data, dict):
        return ConfigCheck(None, None, tuple(problems))
    bad = SchemaErrorPaths(p.path for p in problems)
    target = data.get("destination")
    if not isinstance(target, str) or not schema_intact(bad, ("destination",)):
        return ConfigCheck(None, None, tuple(problems))
    relative = folder / target
    try:
        destination = load_destination(relative if relative.exists() else resolve(target), env=env)
    except InvalidInputError as exc:
        return ConfigCheck(None, None, (*problems, *exc.diagnostics))
    except (ActionsError, OSError) as exc:
        where = ("destination",)
        problem = Diagnostic("schema", str(exc), path=where, location=source.locate(where))
        return ConfigCheck(None, None, (*problems, problem))
    settings = data.get("settings") if schema_intact(bad, ("settings",)) else None
    subscriptions: list[Any] | None = None
    raw_subscriptions = data.get("subscriptions")
    if raw_subscriptions is not None:
        subscriptions = []
        if schema_intact(bad, ("subscriptions",)) and isinstance(raw_subscriptions, list):
            for index, item in enumerate(raw_subscriptions):
                if schema_valid(bad, ("subscriptions", index)):
                    subscriptions.append(item)
                elif destination.actions:
                    subscriptions.append(_stand_in(destination, index))
                else:
                    break
    raw_filters = data.get("filters")
    filters = None
    if schema_intact(bad, ("filters",)) and isinstance(raw_filters, list):
        filters = [
            f if schema_valid(bad, ("filters", i)) else {} for i, f in enumerate(raw_filters)
        ]
        if data.get("filter_order") == "segment" and schema_intact(bad, ("filter_order",)):
            filters = segment_order(filters)
    chosen: SpecCheck = (
        data.get("spec_check", "read") if schema_intact(bad, ("spec_check",)) else "read"
    )
    consent = data.get("consent") if schema_valid(bad, ("consent",)) else None
    suppress = data.get("suppress") if schema_valid(bad, ("suppress",)) else None
    if isinstance(suppress, str):
        suppress = [suppress]
    if isinstance(suppress, list):  # files relative to the config's folder
        suppress = [str(folder / str(name)) for name in suppress]
    configured = None
    try:
        configured = configure(
            destination,
            settings if isinstance(settings, dict) else {},
            subscriptions,
            filters,
            source=source,
            spec_check=spec_check or chosen,
            consent=consent if isinstance(consent, dict) else None,
            suppress=suppress if isinstance(suppress, list) else None,
            env=env,
        )
    except DefinitionError as exc:
        problems.extend(
            d if d.location is not None else d.at(source.locate(d.path, key=d.rule in _NAME_RULES))
            for d in exc.diagnostics
        )
    except FQLSyntaxError as exc:
        problems.append(Diagnostic("fql-syntax", exc.message, hint=exc.hint))
    return ConfigCheck(destination, None if problems else configured, tuple(problems))


def _stand_in(destination: Destination, index: int) -> Subscription:
    action = next(iter(destination.actions.values()))
    return Subscription(
        f"subscriptions[{index}]",
        action.key,
        action.default_trigger or 'type = "track"',
        enabled=False,
    )
