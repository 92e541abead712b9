"""The shipped packs whose text is known to pass the pack format's JSON Schema.

``shipped_packs.json`` next to this module lists the SHA-256 of the text of each pack under
``mappings/`` that has no schema error, and the SHA-256 of the schema they were checked
against. A pack whose text is byte for byte one of them, checked against the same schema,
would pass the check again: :func:`schema_checked` says so and the loader skips the check
(and the import of ``jsonschema``). Any other text (a pack edited by one byte, a user's pack)
is checked in full. The file ships inside the package, beside the code; nothing a user or
another process writes at run time is read.

The table is written from the packs themselves (each one checked in full first) by
``python -m actions.destinations.shipped``; ``--check`` exits with 1 when the file differs from
what it would write. A test holds the file equal to it, so a pack or the schema cannot change
without the table following.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any

from actions._resources import mappings_dir, pack_slugs, write_or_check
from actions.destinations.schema import DESTINATION_SCHEMA

TABLE_FILE = Path(__file__).with_name("shipped_packs.json")
"""The table: ``{"schema": digest, "packs": {slug: digest}}``."""


def text_digest(text: str) -> str:
    """The SHA-256 (hex) of a pack's text, encoded as UTF-8."""
    return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@cache
def schema_digest() -> str:
    """The SHA-256 (hex) of the pack format's JSON Schema, as canonical JSON."""
    canonical = json.dumps(DESTINATION_SCHEMA, sort_keys=True, separators=(",", ":"))
    return sha256(canonical.encode("utf-8")).hexdigest()


@cache
def _known() -> tuple[str, frozenset[str]]:
    """(the schema's digest, the packs' digests) from the table; nothing known when the file
    is missing or not the table's shape."""
    try:
        data = json.loads(TABLE_FILE.read_bytes())
        schema, packs = data["schema"], data["packs"]
        if isinstance(schema, str) and isinstance(packs, dict):
            return schema, frozenset(d for d in packs.values() if isinstance(d, str))
    except (OSError, ValueError, TypeError, KeyError):
        pass
    return "", frozenset()


def schema_checked(text: str) -> bool:
    """Whether ``text`` is the text of a shipped pack that passes the schema as it is now."""
    schema, packs = _known()
    return bool(packs) and text_digest(text) in packs and schema == schema_digest()


def current_table() -> dict[str, Any]:
    """The table as it should be: every shipped pack checked in full now, and those without a
    schema error listed."""
    from actions.destinations.loading import schema_problems
    from actions.yamlsource import load_yaml

    packs = {}
    for slug in pack_slugs():
        path = mappings_dir() / slug / "destination.yaml"
        loaded = load_yaml(path.read_bytes(), str(path))
        if loaded.value is None:
            continue
        if not schema_problems(loaded.value, DESTINATION_SCHEMA, loaded.source):
            packs[slug] = text_digest(loaded.source.text)
    return {
        "$comment": "written by python -m actions.destinations.shipped: do not edit",
        "schema": schema_digest(),
        "packs": packs,
    }


def table_text(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the table (or, with ``--check``, only say whether it is current)."""
    args = sys.argv[1:] if argv is None else argv
    text = table_text(current_table())
    return write_or_check(TABLE_FILE, text, "actions.destinations.shipped", args)


if __name__ == "__main__":
    raise SystemExit(main())
