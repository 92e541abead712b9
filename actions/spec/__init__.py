"""The Segment Spec: what a well-formed event looks like, and a check for it.

Declarative tables (:data:`COMMON`, :data:`PER_TYPE`, :data:`REQUIRED`), read at import from
the data file ``fields.json`` next to this module and checked there, describe the common fields
and each call type. From them come both the published JSON Schema (:func:`event_schema`,
draft-07) and a fast checker that walks only the fields an event has. Valid events are proven
valid by the fast checker alone; when it finds a problem, the JSON Schema validator (built once
per process) decides and explains it. The two are checked against each other by the tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeGuard, cast

import attrs

from actions._generated import define
from actions._lazy import lazy_names
from actions._repr import attrs_repr
from actions.errors import ActionsError, DataPath
from actions.jsonvalues import type_name

if TYPE_CHECKING:
    import jsonschema

    from actions.spec.problems import EventProblem as EventProblem

FIELDS_FILE = Path(__file__).with_name("fields.json")
"""The Spec's field tables, as data: the common fields, each call type's own and required
fields, and the documented names used for suggestions (see the file's ``$comment``)."""

_EXACT_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "object": frozenset({dict}),
    "array": frozenset({list}),
    "string|null": frozenset({str, type(None)}),
    "string|number": frozenset({str, int, float}),
}
"""The types a field may have, and the Python types of each (for the fast checks)."""
_TYPES = tuple(_EXACT_TYPES)
_PARTS = ("call_types", "common", "per_type", "required", "documented", "context_extras")


def _names(value: Any, where: str, problems: list[str]) -> list[str]:
    """A list of distinct non-empty strings (else a problem, and no names)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{where}: must be a list of names (non-empty strings)")
        return []
    if len(set(value)) != len(value):
        twice = sorted({v for v in value if value.count(v) > 1})
        problems.append(f"{where}: names listed twice: {', '.join(twice)}")
    return value


def _check_table(table: Any, where: str, problems: list[str]) -> None:
    if not isinstance(table, dict) or not table:
        problems.append(f"{where}: must be an object of fields")
        return
    for key, kind in table.items():
        if isinstance(kind, dict):
            _check_table(kind, f"{where}.{key}", problems)
        elif kind not in _TYPES:
            problems.append(
                f"{where}.{key}: {kind!r} is not a type: use one of {', '.join(_TYPES)}"
            )


def _per_call(data: dict[str, Any], part: str, calls: list[str], problems: list[str]) -> bool:
    value = data.get(part)
    if not isinstance(value, dict) or list(value) != calls:
        problems.append(f"$.{part}: must have one entry per call type, in order: {calls}")
        return False
    return True


def _check_fields(data: Any) -> list[str]:
    """Every problem of the field tables, each with its JSON path; empty when they are sound."""
    if not isinstance(data, dict):
        return ["$: must be an object"]
    problems: list[str] = []
    parts = [k for k in data if not k.startswith("$")]
    if parts != list(_PARTS):
        problems.append(f"$: must hold {', '.join(_PARTS)} (in this order), not {parts}")
        return problems
    calls = _names(data["call_types"], "$.call_types", problems)
    _check_table(data["common"], "$.common", problems)
    _names(data["context_extras"], "$.context_extras", problems)
    common = data["common"] if isinstance(data["common"], dict) else {}
    if not calls or not all(_per_call(data, p, calls, problems) for p in _PARTS[2:5]):
        return problems
    for call in calls:
        own = data["per_type"][call]
        _check_table(own, f"$.per_type.{call}", problems)
        fields = {**common, **own} if isinstance(own, dict) else common
        if isinstance(own, dict) and set(own) & set(common):
            problems.append(f"$.per_type.{call}: also common: {sorted(set(own) & set(common))}")
        for name in _names(data["required"][call], f"$.required.{call}", problems):
            if name not in fields:
                problems.append(f"$.required.{call}: {name!r} is not a field of {call}")
        documented = data["documented"][call]
        if not isinstance(documented, dict):
            problems.append(f"$.documented.{call}: must be an object of field: names")
            continue
        for field, names in documented.items():
            _names(names, f"$.documented.{call}.{field}", problems)
            if fields.get(field) != "object":
                problems.append(f"$.documented.{call}: {field!r} is not an object field of {call}")
    return problems


def _load_fields(text: bytes | str, file: str) -> dict[str, Any]:
    """The field tables from the JSON text of :data:`FIELDS_FILE`; every problem is raised at
    once, located in the file."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ActionsError(f"{file}: not JSON: {exc}") from None
    problems = _check_fields(data)
    if problems:
        raise ActionsError(
            f"{file}: the Spec field tables are not sound:\n  " + "\n  ".join(problems)
        )
    return cast(dict[str, Any], data)


_FIELDS = _load_fields(FIELDS_FILE.read_bytes(), str(FIELDS_FILE))

CALL_TYPES: tuple[str, ...] = tuple(_FIELDS["call_types"])
COMMON: dict[str, Any] = _FIELDS["common"]
_CONTEXT: dict[str, Any] = COMMON["context"]
PER_TYPE: dict[str, dict[str, Any]] = _FIELDS["per_type"]
REQUIRED: dict[str, tuple[str, ...]] = {
    call: tuple(names) for call, names in _FIELDS["required"].items()
}
# Documented properties and traits, for "did you mean" suggestions (not enforced: the Spec is
# open), and the context paths documented by the mobile specs and the partners' guides.
_DOCUMENTED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    call: tuple((field, tuple(names)) for field, names in table.items())
    for call, table in _FIELDS["documented"].items()
}
_USER_TRAITS: tuple[str, ...] = dict(_DOCUMENTED["identify"])["traits"]
_CONTEXT_EXTRAS: tuple[str, ...] = tuple(_FIELDS["context_extras"])


def _kind_schema(kind: Any) -> dict[str, Any]:
    if isinstance(kind, dict):
        return {"type": "object", "properties": {k: _kind_schema(v) for k, v in kind.items()}}
    names = {"string|null": ["string", "null"], "string|number": ["string", "number"]}
    return {"type": names.get(kind, kind)}


@cache
def event_schema() -> dict[str, Any]:
    """The Segment Spec as a draft-07 JSON Schema (open to unknown fields, strict on known ones)."""
    variants = []
    for call in CALL_TYPES:
        variants.append(
            {
                "if": {"properties": {"type": {"const": call}}, "required": ["type"]},
                "then": {
                    "properties": {k: _kind_schema(v) for k, v in PER_TYPE[call].items()},
                    "required": list(REQUIRED[call]),
                },
            }
        )
    identity = {
        "anyOf": [
            {"properties": {"userId": {"type": "string", "minLength": 1}}, "required": ["userId"]},
            {
                "properties": {"anonymousId": {"type": "string", "minLength": 1}},
                "required": ["anonymousId"],
            },
        ]
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://actions.example/schemas/segment-event.schema.json",
        "title": "Segment Spec event",
        "type": "object",
        "required": ["type"],
        "properties": {
            **{k: _kind_schema(v) for k, v in COMMON.items()},
            "type": {"type": "string", "enum": list(CALL_TYPES)},
            "integrations": {
                "type": "object",
                "additionalProperties": {"type": ["boolean", "object"]},
            },
        },
        "allOf": [identity, *variants],
    }


@cache
def _validator() -> jsonschema.protocols.Validator:
    # Imported here: a valid event never needs it (see the module's docstring).
    import jsonschema

    cls = jsonschema.validators.validator_for(event_schema())
    return cls(event_schema())


def _compile_table(table: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A checker for one level of the table: only the keys an event has are looked at, and
    scalar keys are checked inline (no call per key)."""
    scalars = {k: _EXACT_TYPES[v] for k, v in table.items() if not isinstance(v, dict)}
    nested = {k: _compile_table(v) for k, v in table.items() if isinstance(v, dict)}

    def check(data: dict[str, Any]) -> bool:
        for key, value in data.items():
            allowed = scalars.get(key)
            if allowed is not None:
                if type(value) not in allowed:
                    return False
            elif key in nested and (type(value) is not dict or not nested[key](value)):
                return False
        return True

    return check


_TABLES: dict[str, dict[str, Any]] = {call: {**COMMON, **PER_TYPE[call]} for call in CALL_TYPES}
"""Per call type: the common fields and the call type's, in one table."""

# One walk over the event's fields (the common fields and the call type's together).
_CHECK_TYPE = {call: _compile_table(table) for call, table in _TABLES.items()}

# The envelope's required fields, per call type, with their allowed exact types.
_REQUIRED_TYPES = {
    call: tuple((name, _EXACT_TYPES[_TABLES[call][name]]) for name in REQUIRED[call])
    for call in CALL_TYPES
}


class _Absent:
    """The type of the marker for a field the data does not have."""


_ABSENT: Any = _Absent()


def envelope_valid(event: object) -> TypeGuard[dict[str, Any]]:
    """True when ``event`` is a dict whose envelope is valid with exact JSON types (a known
    call type, an identity, the call type's required fields with their types, and
    ``integrations`` values): the quick test in front of :func:`check_envelope`. False may
    still be valid (a subclass of a JSON type): :func:`check_envelope` decides."""
    if type(event) is not dict:
        return False
    get = event.get
    call = get("type")
    if type(call) is not str or call not in _REQUIRED_TYPES:
        return False
    user = get("userId")
    if not (type(user) is str and user):
        anon = get("anonymousId")
        if not (type(anon) is str and anon):
            return False
    integrations = get("integrations")
    if integrations is not None:
        if type(integrations) is not dict:
            return False
        for flag in integrations.values():
            if type(flag) is not bool and type(flag) is not dict:
                return False
    for name, allowed in _REQUIRED_TYPES[call]:  # noqa: SIM110 - a loop costs less than all()
        if type(get(name, _ABSENT)) not in allowed:
            return False
    return True


def event_valid(event: object) -> bool:
    """True when ``event`` is a dict valid with exact JSON types: the quick test in front of
    :func:`check_event` (False may still be valid: :func:`check_event` decides)."""
    return envelope_valid(event) and _CHECK_TYPE[event["type"]](event)


def _field(path: DataPath) -> str:
    where = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path)
    return where.lstrip(".") or "the event"


def _missing(error: jsonschema.ValidationError) -> str:
    return error.message.split("'")[1] if "'" in error.message else ""


def _message(error: jsonschema.ValidationError) -> str:
    validator = error.validator
    field = _field(tuple(error.absolute_path))
    if validator == "required":
        return f"missing required field '{_missing(error) or 'a field'}'"
    if validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{field} must be {expected_text}, not {type_name(error.instance)}"
    if validator == "enum":
        allowed = error.validator_value if isinstance(error.validator_value, list) else []
        return f"{field} must be one of {', '.join(map(str, allowed))}"
    if validator == "minLength":
        return f"{field} must not be empty"
    return error.message


_REQUIRED_HINTS = {
    "type": f"add a type: one of {', '.join(CALL_TYPES)}",
    "event": 'name the action the user took, e.g. "event": "Order Completed"',
    "groupId": "set groupId to the id of the account or organisation the user belongs to",
    "previousId": "set previousId to the id the user had before, usually their anonymousId",
    "userId": "set userId to the id the user is known by from now on",
}

_TYPE_HINTS = {
    "string": "send {field} as a JSON string (in quotes)",
    "number": "send {field} as a JSON number (no quotes)",
    "boolean": "send {field} as true or false",
    "object": "send {field} as a JSON object of named values",
}

_IDENTITY_HINT = (
    "set userId to the id your database knows the user by, or anonymousId to a device or "
    "browser id (a UUID) when the user is not known yet"
)


def _hint(error: jsonschema.ValidationError, path: DataPath, required: frozenset[str]) -> str:
    validator = error.validator
    if validator == "required":
        return _REQUIRED_HINTS.get(_missing(error), "")
    if validator in ("enum", "type") and path == ("type",):
        return f"use one of {', '.join(CALL_TYPES)} (lower case)"
    if validator == "type":
        if len(path) == 2 and path[0] == "integrations":
            return (
                "each integrations value is true or false (send to that destination or not), "
                "or an object of options for it"
            )
        expected = error.validator_value
        if isinstance(expected, list):
            either = " or ".join("null" if kind == "null" else f"a {kind}" for kind in expected)
            text = f"send {_field(path)} as {either}"
        else:
            template = _TYPE_HINTS.get(str(expected))
            text = template.format(field=_field(path)) if template else ""
        optional = len(path) != 1 or path[0] not in required
        return f"{text}, or leave it out" if text and optional else text
    if validator == "minLength":
        return f"leave {_field(path)} out, or give it a non-empty value"
    return ""


def _problems(event: dict[str, Any]) -> Iterator[EventProblem]:
    from actions.spec.problems import EventProblem  # an invalid event's: a valid one has none

    errors = list(_validator().iter_errors(event))
    call = event.get("type")
    required = frozenset(REQUIRED.get(call, ()) if isinstance(call, str) else ())
    identity_failed = False
    seen: set[DataPath] = set()
    for error in errors:
        if error.validator == "anyOf" and not error.absolute_path:
            identity_failed = True
            continue
        for leaf in _leaves(error):
            path: DataPath = tuple(leaf.absolute_path)
            if leaf.validator == "required":
                missing = _missing(leaf)
                path = (*path, missing) if missing else path
            seen.add(path)
            yield EventProblem(path, _message(leaf), _hint(leaf, path, required))
    if identity_failed and not seen & {("userId",), ("anonymousId",)}:
        yield EventProblem(
            ("userId",),
            "every event needs a userId or an anonymousId (a non-empty string)",
            _IDENTITY_HINT,
        )


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    if error.validator in ("allOf", "if") and error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def check_event(event: object) -> tuple[EventProblem, ...]:
    """The problems that make ``event`` an invalid Segment Spec event (empty when valid)."""
    if not isinstance(event, dict):
        from actions.spec.problems import EventProblem

        return (
            EventProblem(
                (),
                f"an event must be a JSON object, not {type_name(event)}",
                'send each event as one JSON object, e.g. {"type": "track", '
                '"event": "Order Completed", "userId": "u_1"}',
            ),
        )
    if event_valid(event):
        return ()
    first: dict[DataPath, EventProblem] = {}
    for problem in _problems(event):
        first.setdefault(problem.path, problem)  # one problem per field
    # The fast check knows only exact JSON types; the schema, the authority, also accepts
    # subclasses (an OrderedDict context, a str enum), so no problem here means valid.
    return tuple(first.values())


def _envelope_fields(event: dict[str, Any]) -> frozenset[str]:
    """The top-level fields the envelope is made of, for this event: ``type``,
    ``integrations``, the call type's required fields, and the ids when neither is usable."""
    call = event.get("type")
    fields = {"type", "integrations", *(REQUIRED.get(call, ()) if isinstance(call, str) else ())}
    if not any(isinstance(event.get(k), str) and event.get(k) for k in ("userId", "anonymousId")):
        fields.update(("userId", "anonymousId"))
    return frozenset(fields)


def check_envelope(event: object) -> tuple[EventProblem, ...]:
    """The problems of the event's envelope (empty when valid): not an object, an unknown
    ``type``, neither a ``userId`` nor an ``anonymousId``, a required field of the call type
    missing or of the wrong type (``event`` of a track), or ``integrations`` values. Other
    fields are left to :func:`fields_check`. When the envelope is invalid, every problem of the
    event is given, as :func:`check_event` gives them."""
    if envelope_valid(event):
        return ()
    problems = check_event(event)
    if not isinstance(event, dict):
        return problems
    envelope = _envelope_fields(event)
    return problems if any(not p.path or p.path[0] in envelope for p in problems) else ()


_Table = dict[str, Any]


def _select(table: Mapping[str, Any], keys: tuple[str | int, ...]) -> _Table:
    """The part of ``table`` a read of ``keys`` depends on: each documented object on the way
    (which must be an object), and everything documented under what is read."""
    if not keys:
        return dict(table)
    head, rest = keys[0], keys[1:]
    if not isinstance(head, str) or head not in table:
        return {}
    kind = table[head]
    return {head: _select(kind, rest) if isinstance(kind, dict) else kind}


def _merge(into: _Table, other: Mapping[str, Any]) -> _Table:
    for key, kind in other.items():
        mine = into.get(key)
        both = isinstance(mine, dict) and isinstance(kind, dict)
        into[key] = _merge(dict(mine), kind) if both else kind  # type: ignore[arg-type]
    return into


def _compile_selected(table: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A checker that looks up each field of a small selected table (a large one walks the
    fields the data has instead)."""
    if len(table) > 8:
        return _compile_table(table)
    # An absent field is allowed: its "type" is the type of the absent marker.
    scalars = tuple(
        (k, _EXACT_TYPES[v] | {_Absent}) for k, v in table.items() if not isinstance(v, dict)
    )
    nested = tuple((k, _compile_selected(v)) for k, v in table.items() if isinstance(v, dict))

    def check(data: dict[str, Any]) -> bool:
        get = data.get
        for key, allowed in scalars:
            if type(get(key, _ABSENT)) not in allowed:
                return False
        for key, inner in nested:
            value = get(key, _ABSENT)
            if value is not _ABSENT and (type(value) is not dict or not inner(value)):
                return False
        return True

    return check


_EMPTY: dict[str, Any] = {}  # read with .get only, never written
_OBJECT_OR_ABSENT = frozenset({dict, _Absent})
_MAX_PROBES = 64


def _probes(table: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[_Probe]:
    """``(keys, allowed types)`` for each leaf of a selected table: a scalar field, an object
    field, or a documented object with nothing selected under it (absent is allowed)."""
    for key, kind in table.items():
        keys = (*prefix, key)
        if isinstance(kind, dict) and kind:
            yield from _probes(kind, keys)
        else:
            allowed = _OBJECT_OR_ABSENT if isinstance(kind, dict) else _EXACT_TYPES[kind]
            yield keys, allowed | {_Absent}


_Probe = tuple[tuple[str, ...], frozenset[type]]


def _probe_source(
    probes: list[_Probe],
) -> tuple[str, tuple[str, ...], tuple[frozenset[type], ...]]:
    """The source of :func:`_compile_probes`'s function, with the keys (``K``) and sets of
    types (``A``) it reads as constants."""
    tree: dict[str, Any] = {}
    for keys, allowed in probes:
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = allowed
    constants: list[str] = []
    types: list[frozenset[type]] = []
    lines = ["def check(data):", "    get0 = data.get"]

    def emit(node: dict[str, Any], depth: int) -> None:
        pad = "    " * depth
        for key, kind in node.items():
            constants.append(key)
            at = len(constants) - 1
            if isinstance(kind, frozenset):
                types.append(kind)
                read = f"get{depth - 1}(K[{at}], ABSENT)"
                lines.append(f"{pad}if type({read}) not in A[{len(types) - 1}]:")
                lines.append(f"{pad}    return False")
            else:
                lines.append(f"{pad}o{depth} = get{depth - 1}(K[{at}], ABSENT)")
                lines.append(f"{pad}if o{depth} is not ABSENT:")
                lines.append(f"{pad}    if type(o{depth}) is not dict:")
                lines.append(f"{pad}        return False")
                lines.append(f"{pad}    get{depth} = o{depth}.get")
                emit(kind, depth + 1)

    emit(tree, 1)
    lines.append("    return True")
    return "\n".join(lines), tuple(constants), tuple(types)


def _compile_probes(table: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A checker for up to 64 fields at depth 1 to 3 (the Spec's tables are no deeper), as one
    straight-line function: each object on the way is read once, an absent one skips what is
    under it, one that is not a dict fails the check (the full check decides). The shipped
    packs read 9 to 22; more fields are left to :func:`_compile_selected`.

    The function's source is ours alone: every key and set of types is a constant passed in
    (``K[i]``, ``A[i]``), never written into the text, and the keys are the Spec's own."""
    probes = list(_probes(table))
    if len(probes) > _MAX_PROBES or any(len(keys) > 3 for keys, _ in probes):
        return _compile_selected(table)
    source, keys, types = _probe_source(probes)
    names = {"K": keys, "A": types, "ABSENT": _ABSENT}
    return cast(
        Callable[[dict[str, Any]], bool],
        define(source, "check", names, label="spec fields check", builtins=True, lazy=True),
    )


@attrs.frozen(eq=False)
class FieldsCheck:
    """The Spec check of the fields a reader (a trigger, a mapping) reads, for events whose
    envelope is valid.

    ``tables`` holds, per call type, the part of the documented fields those reads depend on:
    each documented object on the way to a field read (which must be an object), the field, and
    everything documented under it. :meth:`check` gives the problems of those fields only: a
    field nobody reads cannot make a request wrong, so it is not held against the event."""

    __repr__ = attrs_repr

    tables: Mapping[str, Mapping[str, Any]]
    valid: Callable[[dict[str, Any]], bool] = attrs.field(repr=False)
    """True when the fields read are valid with exact JSON types (False may still be valid:
    :meth:`check` decides)."""
    valid_by_type: Mapping[str, Callable[[dict[str, Any]], bool]] = attrs.field(
        repr=False, factory=dict
    )
    """:attr:`valid` for events of one call type, per call type: for a reader that sees only
    that type, one call less."""

    def check(self, event: dict[str, Any]) -> tuple[EventProblem, ...]:
        """The problems of the fields read (empty when valid)."""
        if self.valid(event):
            return ()
        call = event.get("type")
        return tuple(p for p in check_event(event) if self.covers(str(call), p.path))

    def covers(self, call: str, path: DataPath) -> bool:
        """Whether a problem at ``path`` of a ``call`` event concerns a field read."""
        node: Any = self.tables.get(call, {})
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                return False
            node = node[key]
        return bool(path)


def fields_check(reads: Iterable[tuple[str | int, ...]]) -> FieldsCheck:
    """The :class:`FieldsCheck` for data read at these paths: key tuples from the event's root
    (``("context", "device", "id")``; ``()`` reads the whole event)."""
    paths = list(reads)
    tables: dict[str, Mapping[str, Any]] = {}
    checks: dict[str, Callable[[dict[str, Any]], bool]] = {}
    for call, full in _TABLES.items():
        table: _Table = {}
        for keys in paths:
            _merge(table, _select(full, keys))
        if table:
            tables[call] = MappingProxyType(table)
            # What the envelope has checked already (type, required fields) is not looked at
            # again.
            done = {"type", *REQUIRED[call]}
            rest = {k: v for k, v in table.items() if k not in done}
            if rest:
                checks[call] = _CHECK_TYPE[call] if table == full else _compile_probes(rest)
    by_type: Mapping[Any, Callable[[dict[str, Any]], bool]] = MappingProxyType(
        {call: checks.get(call, _valid_anyway) for call in CALL_TYPES}
    )
    check_for = by_type.get

    def valid(event: dict[str, Any]) -> bool:
        return check_for(event.get("type"), _valid_anyway)(event)

    return FieldsCheck(MappingProxyType(tables), valid if checks else _valid_anyway, by_type)


def _valid_anyway(event: dict[str, Any]) -> bool:
    """Nothing to check."""
    return True


def _table_paths(table: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, kind in table.items():
        yield f"{prefix}{key}"
        if isinstance(kind, dict):
            yield from _table_paths(kind, f"{prefix}{key}.")


def _known_paths_by_type() -> dict[str, frozenset[str]]:
    common = {*_table_paths(COMMON)}
    common.update(f"context.{name}" for name in _CONTEXT_EXTRAS)
    common.update(f"context.traits.{name}" for name in _USER_TRAITS)
    by_type = {}
    for call in CALL_TYPES:
        paths = set(common) | set(_table_paths(PER_TYPE[call]))
        for field, names in _DOCUMENTED[call]:
            paths.update(f"{field}.{name}" for name in names)
        by_type[call] = frozenset(paths)
    return by_type


KNOWN_PATHS_BY_TYPE: Mapping[str, frozenset[str]] = MappingProxyType(_known_paths_by_type())
"""The documented Spec field paths of each call type (``track``: ``properties.revenue``, ...)."""

KNOWN_PATHS: frozenset[str] = frozenset().union(*KNOWN_PATHS_BY_TYPE.values())
"""Every documented Spec field path (``properties.revenue``, ``context.device.advertisingId``,
``traits.email``), whatever the call type."""


def suggest(path: str, call_type: str | None = None) -> str | None:
    """The documented path closest to ``path`` ("did you mean"), or None when ``path`` is
    documented or nothing is close. The last name is compared with the documented names under
    the same parent (``properties.revnue`` -> ``properties.revenue``); a misspelt parent is
    compared as a whole path with the documented paths of the same depth
    (``context.devcie.type`` -> ``context.device.type``).
    ``call_type`` narrows the candidates to one call type's fields."""
    known = KNOWN_PATHS_BY_TYPE.get(call_type, KNOWN_PATHS) if call_type else KNOWN_PATHS
    if path in known:
        return None
    parent, _, leaf = path.rpartition(".")
    siblings = _children(known).get(parent)
    if siblings:
        by_lower = {name.lower(): name for name in siblings}
        import difflib  # here: only a misspelt name needs it

        close = difflib.get_close_matches(leaf.lower(), sorted(by_lower), n=1, cutoff=0.75)
        if not close:
            return None
        return f"{parent}.{by_lower[close[0]]}" if parent else by_lower[close[0]]
    depth = path.count(".")
    same_depth = sorted(p for p in known if p.count(".") == depth)
    import difflib  # here: only a misspelt name needs it

    whole = difflib.get_close_matches(path, same_depth, n=1, cutoff=0.85)
    return whole[0] if whole else None


@cache
def _children(known: frozenset[str]) -> dict[str, frozenset[str]]:
    """The documented names under each parent path ("" for the top level)."""
    children: dict[str, set[str]] = {}
    for path in known:
        parent, _, leaf = path.rpartition(".")
        children.setdefault(parent, set()).add(leaf)
    return {parent: frozenset(names) for parent, names in children.items()}


__all__ = [
    "CALL_TYPES",
    "KNOWN_PATHS",
    "KNOWN_PATHS_BY_TYPE",
    "EventProblem",
    "FieldsCheck",
    "check_envelope",
    "check_event",
    "envelope_valid",
    "event_schema",
    "event_valid",
    "fields_check",
    "suggest",
]


# EventProblem's module is imported when an event first has a problem: valid events (and a run
# of them) do not need it.
__getattr__ = lazy_names(globals(), {"EventProblem": "actions.spec.problems"})
