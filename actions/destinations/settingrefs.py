"""`$settings.NAME` references in mappings and requests, checked against the declared settings.

A mapping or request that reads a setting the destination does not declare reads nothing, so
every event would fail (or send a request without the value). Packs are checked when they load,
configs when they are configured; both report ``unknown-setting-reference``, located at the name
inside the YAML string, with the closest declared setting as a hint.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from actions.errors import DataPath, Diagnostic
from actions.yamlsource import SourceMap

# `$settings.` then a name: a single class, repeated once, so the scan is linear.
_REFERENCE = re.compile(r"\$settings\.([A-Za-z0-9_-]+)")


def unknown_setting_references(
    value: Any, path: DataPath, declared: Collection[str], source: SourceMap | None = None
) -> Iterator[Diagnostic]:
    """A diagnostic for each `$settings.NAME` in the strings of ``value`` (a mapping, a
    request, a template) that names no setting in ``declared``."""
    names = sorted(str(name) for name in declared)
    stack: list[tuple[DataPath, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*where, key), item) for key, item in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*where, index), item) for index, item in reversed(list(enumerate(node))))
        elif isinstance(node, str) and "$settings." in node:
            for match in _REFERENCE.finditer(node):
                name = match.group(1)
                if name in declared:
                    continue
                import difflib  # here: only a misspelt name needs it

                close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
                hint = (
                    f"did you mean `$settings.{close[0]}`?"
                    if close
                    else f"settings: {', '.join(names) or 'none'}"
                )
                location = (
                    source.locate_in_scalar(where, match.start(1), len(name)) if source else None
                )
                yield Diagnostic(
                    "unknown-setting-reference",
                    f"`$settings.{name}` reads a setting this destination does not have",
                    path=where,
                    location=location,
                    hint=hint,
                )


def pack_references(data: Any) -> Iterator[tuple[DataPath, Any]]:
    """The parts of a pack that can read settings: field defaults, requests, preset mappings and
    inbound mappings."""
    if not isinstance(data, dict):
        return
    actions = data.get("actions")
    for key, action in actions.items() if isinstance(actions, dict) else ():
        if not isinstance(action, dict):
            continue
        where = ("actions", key)
        fields = action.get("fields")
        for name, field in fields.items() if isinstance(fields, dict) else ():
            if isinstance(field, dict) and "default" in field:
                yield (*where, "fields", name, "default"), field["default"]
        if "request" in action:
            yield (*where, "request"), action["request"]
        batch = action.get("batch")
        if isinstance(batch, dict) and "request" in batch:
            yield (*where, "batch", "request"), batch["request"]
    presets = data.get("presets")
    for index, preset in enumerate(presets if isinstance(presets, list) else ()):
        if isinstance(preset, dict) and "mapping" in preset:
            yield ("presets", index, "mapping"), preset["mapping"]
    inbound = data.get("inbound")
    for name, entry in inbound.items() if isinstance(inbound, dict) else ():
        if isinstance(entry, dict) and "mapping" in entry:
            yield ("inbound", name, "mapping"), entry["mapping"]
