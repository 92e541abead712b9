"""Lint rules about personal data: ``pii-unhashed`` (a path that holds personal data mapped,
without @hash, into a field declared ``hashed: true``) and ``double-hash`` (a value hashed
twice). See docs/privacy.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from actions.errors import DataPath, Diagnostic, Severity
from actions.lint.rules import Document, Rule, _mappings, _subscriptions, rule
from actions.mapping.paths import read_keys
from actions.mapping.template import placeholders

SUPPRESS_FILE = Rule(
    "suppress-file",
    Severity.ERROR,
    "a suppression list file cannot be used",
    "A config's `suppress:` names files of identifiers to filter out (docs/privacy.md). The "
    "file cannot be read, is not UTF-8, has an entry longer than 1,000 characters, or the "
    "files hold more than 10,000,000 entries; the finding names the file and line, never an "
    "entry. The destination cannot be configured until the list can be read: a list that is "
    "silently skipped would send the events of users who asked not to be tracked.",
)

PII_KEYS = {
    "email": "email",
    "phone": "phone",
    "name": "name",
    "firstName": "name",
    "lastName": "name",
    "address": "address",
    "birthday": "birthday",
}
"""The Spec's traits that hold personal data, by the kind they hold."""
PII_PARENTS: tuple[tuple[str, ...], ...] = (("traits",), ("context", "traits"), ("properties",))
"""Where those traits are read: an identify's ``traits``, any call's ``context.traits``, and
``properties`` (``properties.email``)."""


def pii_kind(path: str) -> str | None:
    """The kind of personal data a mapping path reads (``email``, ``phone``, ``name``,
    ``address``, ``birthday``, ``ip``), or None."""
    keys = read_keys(path)
    if not keys:
        return None
    if keys == ("context", "ip"):
        return "ip"
    for parent in PII_PARENTS:
        if keys[: len(parent)] == parent and len(keys) > len(parent):
            kind = PII_KEYS.get(str(keys[len(parent)]))
            if kind is not None:
                return kind
    return None


def _reads_outside_hash(node: Any, path: DataPath) -> Iterator[tuple[DataPath, str]]:
    """Each event path a mapping reads through @path or @template outside any @hash."""
    stack: list[tuple[DataPath, Any]] = [(path, node)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, dict):
            if "@hash" in current:
                continue
            if isinstance(current.get("@path"), str):
                yield (*where, "@path"), current["@path"]
                continue
            if isinstance(current.get("@template"), str):
                for _, text in placeholders(current["@template"]):
                    yield (*where, "@template"), text
                continue
            stack.extend(((*where, key), value) for key, value in current.items())
        elif isinstance(current, list):
            stack.extend(((*where, index), value) for index, value in enumerate(current))


def _hashed_fields(doc: Document) -> Iterator[tuple[DataPath, str, Any]]:
    """Every mapping given to a field declared ``hashed: true``: its path, the field's name,
    and the mapping (a pack's field defaults and presets, a config's subscriptions)."""
    if doc.destination is None:
        return
    hashed = {
        key: {f.name for f in action.fields if f.hashed}
        for key, action in doc.destination.actions.items()
    }
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.kind == "destination":
        for key, action in (data.get("actions") or {}).items():
            fields = (action or {}).get("fields") or {} if isinstance(action, dict) else {}
            for name in sorted(hashed.get(key, ())):
                field = fields.get(name)
                if isinstance(field, dict) and "default" in field:
                    yield ("actions", key, "fields", name, "default"), name, field["default"]
    where = "subscriptions" if doc.kind == "config" else "presets"
    for index, sub in _subscriptions(doc):
        mapping = sub.get("mapping")
        if not isinstance(mapping, dict):
            continue
        for name in sorted(hashed.get(str(sub.get("action")), ())):
            if name in mapping:
                yield (where, index, "mapping", name), name, mapping[name]


@rule(
    "pii-unhashed",
    Severity.ERROR,
    "personal data mapped without @hash into a field that wants a hash",
    "The field is declared `hashed: true`: the partner wants a hash, never the value. The mapping "
    "reads a path that holds personal data (an email, phone, name, address, birthday or IP "
    "address: `traits.email`, `context.traits.phone`, `properties.email`, ...) outside any "
    "`@hash`, so the raw value would be sent. Wrap it: "
    '`{"@hash": {value: {"@path": "$.traits.email"}, normalize: email}}` (docs/privacy.md).',
)
def pii_unhashed(doc: Document) -> Iterator[Diagnostic]:
    for path, name, mapping in _hashed_fields(doc):
        for where, read in _reads_outside_hash(mapping, path):
            kind = pii_kind(read)
            if kind is None:
                continue
            preset = {"email": "email", "phone": "phone", "name": "name"}.get(kind, "none")
            yield Diagnostic(
                "pii-unhashed",
                f"`{read}` holds personal data ({kind}) and {name} wants it hashed",
                Severity.ERROR,
                where,
                doc.source.locate(where),
                hint=f'wrap it: {{"@hash": {{value: {{"@path": "{read}"}}, normalize: {preset}}}}}',
            )


def _hash_values(node: Any, path: DataPath) -> Iterator[tuple[DataPath, Any]]:
    """Each @hash in a mapping: its path and its ``value`` option."""
    stack: list[tuple[DataPath, Any]] = [(path, node)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, dict):
            options = current.get("@hash")
            if isinstance(options, dict) and "value" in options:
                yield (*where, "@hash"), options["value"]
            stack.extend(((*where, key), value) for key, value in current.items())
        elif isinstance(current, list):
            stack.extend(((*where, index), value) for index, value in enumerate(current))


def _requests(doc: Document) -> Iterator[tuple[DataPath, str, Any]]:
    """A pack's request parts (evaluated against the payload), with their action's key."""
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.kind != "destination":
        return
    for key, action in (data.get("actions") or {}).items():
        if not isinstance(action, dict):
            continue
        if isinstance(action.get("request"), dict):
            yield ("actions", key, "request"), key, action["request"]
        batch = action.get("batch")
        if isinstance(batch, dict) and isinstance(batch.get("request"), dict):
            yield ("actions", key, "batch", "request"), key, batch["request"]


@rule(
    "double-hash",
    Severity.WARNING,
    "a value hashed twice",
    "An `@hash` whose value is already a hash: another `@hash` inside it, or (in a pack's "
    "request) a payload field declared `hashed: true`, which its mapping hashes. The outer "
    "`@hash` passes a hash of its own kind as it is, but with another algorithm or encoding it "
    "hashes the hash, which no partner can match. Hash once.",
)
def double_hash(doc: Document) -> Iterator[Diagnostic]:
    for path, mapping in _mappings(doc):
        for where, value in _hash_values(mapping, path):
            for inner, _ in _hash_values(value, (*where, "value")):
                yield Diagnostic(
                    "double-hash",
                    "this @hash hashes the result of another @hash",
                    Severity.WARNING,
                    inner,
                    doc.source.locate(inner, key=True),
                    hint="keep one @hash",
                )
    if doc.destination is None:
        return
    for path, key, request in _requests(doc):
        action = doc.destination.actions.get(key)
        if action is None:
            continue
        hashed = {f.name for f in action.fields if f.hashed}
        for where, value in _hash_values(request, path):
            for read_at, read in _reads_outside_hash(value, (*where, "value")):
                keys = read_keys(read)
                if keys and len(keys) == 1 and keys[0] in hashed:
                    yield Diagnostic(
                        "double-hash",
                        f"{keys[0]} is declared hashed: its mapping hashes it already",
                        Severity.WARNING,
                        read_at,
                        doc.source.locate(read_at),
                        hint=f'send it as it is: {{"@path": "{read}"}}',
                    )
