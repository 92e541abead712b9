"""The shipped packs' YAML files, parsed when the package was built.

For each pack under ``mappings/``, its ``destination.yaml`` and ``settings.sample.yaml`` ship
beside this module, in ``shipped_yaml/``, as :func:`actions.yamlsource.to_parsed` data: the
file's exact text, its value and every location its source map gives. :func:`load_pack` and
:func:`load_yaml` give a text that is character for character one of them from that data, read
by orjson, without PyYAML (which is not imported); any other text (a pack edited by one byte, a
user's pack) is parsed by :func:`actions.yamlsource.load_yaml` as before. Either way the result
is the same: values, problems (none), locations.

``shipped_packs.json`` indexes those files by the length of their text, says which packs pass
the pack format's JSON Schema and holds the schema (as canonical JSON) they were checked
against. A pack whose text is a shipped one that passed, while the schema is still that one,
would pass the check again: :func:`schema_checked` says so and the loader skips the check (and
the import of ``jsonschema``). Texts and the schema are compared whole, not by a digest. The
files ship inside the package, beside the code; nothing a user or another process writes at
run time is read.

``python -m actions.destinations.shipped`` writes them from the packs (each parsed and checked
in full first; a file is written only when its data rebuilds exactly what the parser gives);
``--check`` exits with 1 when a file differs from what it would write. A test holds them equal
to it, so a pack or the schema cannot change without the data following.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from actions._resources import mappings_dir, pack_slugs, write_or_check
from actions.destinations.schema import DESTINATION_SCHEMA
from actions.yamlsource import LoadedYAML, decode_yaml, from_parsed, to_parsed
from actions.yamlsource import load_yaml as parse_yaml

TABLE_FILE = Path(__file__).with_name("shipped_packs.json")
"""The index: ``{"schema": canonical schema, "files": {name: {"length", "parsed", "schema"}}}``,
a name such as ``adjust/destination.yaml``."""

PARSED_DIR = Path(__file__).with_name("shipped_yaml")
"""The parsed files, one JSON document each (``adjust.destination.json``)."""

SHIPPED_FILES = ("destination.yaml", "settings.sample.yaml")
"""The files of each pack that ship parsed: what loading a pack and its sample settings reads."""


def schema_text() -> str:
    """The pack format's JSON Schema, as canonical JSON."""
    return _schema_text()


@cache
def _schema_text() -> str:
    return json.dumps(DESTINATION_SCHEMA, sort_keys=True, separators=(",", ":"))


@cache
def _index() -> tuple[str, dict[int, tuple[tuple[str, bool], ...]]]:
    """(the schema the packs were checked against, the parsed files by the length of their
    text, each with whether it passed the schema); nothing known when the index is missing or
    not its shape."""
    by_length: dict[int, tuple[tuple[str, bool], ...]] = {}
    try:
        data = orjson.loads(TABLE_FILE.read_bytes())
        schema, files = data["schema"], data["files"]
        if not isinstance(schema, str) or not isinstance(files, dict):
            return "", {}
        for entry in files.values():
            length, parsed, passed = entry["length"], entry["parsed"], entry["schema"]
            if isinstance(length, int) and isinstance(parsed, str) and "/" not in parsed:
                by_length[length] = (*by_length.get(length, ()), (parsed, passed is True))
    except (OSError, ValueError, TypeError, KeyError):
        return "", {}
    return schema, by_length


def _find(text: str) -> tuple[bytes, Any, bool] | None:
    """(the file of parsed data of the shipped file whose text is ``text``, that data, whether
    it passed the schema as it is now), or None."""
    schema, by_length = _index()
    for name, passed in by_length.get(len(text), ()):
        try:
            raw = (PARSED_DIR / name).read_bytes()
            data = orjson.loads(raw)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("text") == text:
            return raw, data, passed and schema == schema_text()
    return None


def load_pack(text: str | bytes, file: str | None = None) -> tuple[LoadedYAML, bool]:
    """:func:`actions.yamlsource.load_yaml` of ``text`` (a pack's text, or the bytes of its
    file), from the shipped data when it is a shipped file's text; and whether it is the text
    of a shipped pack that passes the schema as it is now."""
    decoded = decode_yaml(text, file)[0] if isinstance(text, bytes) else text
    if decoded is not None:
        found = _find(decoded)
        if found is not None:
            raw, data, passed = found
            # The source map's tables read the data anew: the value handed out may be changed.
            loaded = from_parsed(data, decoded, file, again=lambda: orjson.loads(raw))
            if loaded is not None:
                return loaded, passed
    return parse_yaml(text, file), False


def load_yaml(text: str | bytes, file: str | None = None) -> LoadedYAML:
    """:func:`actions.yamlsource.load_yaml` of ``text``, from the shipped data when it is a
    shipped file's text."""
    return load_pack(text, file)[0]


def schema_checked(text: str) -> bool:
    """Whether ``text`` is the text of a shipped pack that passes the schema as it is now."""
    found = _find(text)
    return found is not None and found[2]


def current_files() -> dict[Path, str]:
    """Each file as it should be: every shipped file parsed and each pack checked in full
    now. A file whose parsed data would not rebuild exactly what the parser gives has none."""
    from actions.destinations.loading import schema_problems

    files: dict[str, dict[str, Any]] = {}
    written: dict[Path, str] = {}
    for slug in pack_slugs():
        for name in SHIPPED_FILES:
            path = mappings_dir() / slug / name
            if not path.is_file():
                continue
            loaded = parse_yaml(path.read_bytes())
            data = to_parsed(loaded)
            if data is None:
                continue
            passed = name == "destination.yaml" and not schema_problems(
                loaded.value, DESTINATION_SCHEMA, loaded.source
            )
            parsed = f"{slug}.{name.removesuffix('.yaml')}.json"
            files[f"{slug}/{name}"] = {
                "length": len(loaded.source.text),
                "parsed": parsed,
                "schema": passed,
            }
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            written[PARSED_DIR / parsed] = text + "\n"
    table = {
        "$comment": "written by python -m actions.destinations.shipped: do not edit",
        "schema": schema_text(),
        "files": files,
    }
    return {TABLE_FILE: json.dumps(table, indent=2) + "\n", **written}


def main(argv: list[str] | None = None) -> int:
    """Write the files (or, with ``--check``, only say whether they are current)."""
    args = sys.argv[1:] if argv is None else argv
    files = current_files()
    if "--check" not in args:
        PARSED_DIR.mkdir(exist_ok=True)
    status = 0
    for path, text in files.items():
        status |= write_or_check(path, text, "actions.destinations.shipped", args)
    for extra in sorted(set(PARSED_DIR.glob("*.json")) - set(files)):
        if "--check" in args:
            print(f"{extra} is stale: run python -m actions.destinations.shipped")
            status = 1
        else:
            extra.unlink()
            print(f"removed {extra}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
