"""A config file's ``delivery:`` block: the names it overrides in the pack's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actions.destinations.loading import DefinitionError, schema_problems
from actions.destinations.schema import CONFIG_SCHEMA
from actions.errors import ActionsError
from actions.yamlsource import load_yaml


def config_delivery(path: str | Path) -> dict[str, Any]:
    """The ``delivery:`` block of the config file at ``path`` ({} when it has none), checked
    against the config schema (problems located in the file)."""
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
    return dict(loaded.value.get("delivery") or {})
