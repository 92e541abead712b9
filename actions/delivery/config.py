"""A config file's ``delivery:`` block: the names it overrides in the pack's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actions.destinations.loading import DefinitionError, schema_problems
from actions.destinations.schema import CONFIG_SCHEMA
from actions.yamlsource import load_yaml_file


def config_delivery(path: str | Path) -> dict[str, Any]:
    """The ``delivery:`` block of the config file at ``path`` ({} when it has none), checked
    against the config schema (problems located in the file)."""
    file = Path(path)
    loaded = load_yaml_file(file, "config")
    loaded.raise_for_errors(f"config {file}")
    problems = schema_problems(loaded.value, CONFIG_SCHEMA, loaded.source)
    if problems:
        raise DefinitionError(f"config {file}", problems)
    return dict(loaded.value.get("delivery") or {})
