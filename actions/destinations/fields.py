"""Action fields: their specs, the JSON Schema they describe, and the compiled check that
coerces and validates a mapped payload (once per action; plain Python per event)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.errors import ActionsError
from actions.jsonvalues import MAX_INTEGER_DIGITS, number_from_text, number_text
from actions.mapping.values import DirectiveFailure, to_text

# Each pattern is linear on any input: its parts match disjoint characters or fixed widths, so
# no character can be read two ways (tests/test_linear_time.py). Numbers and e-mail addresses
# are read without one (see number_text and _is_email).
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Invalid(ActionsError):
    """A value that does not fit its field; ``path`` is relative to the field."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@attrs.frozen
class Condition:
    __repr__ = attrs_repr

    field: str
    is_: Any = attrs.field(default=None, alias="is_")
    is_not: Any = None
    present: bool | None = None
    has_is: bool = False
    has_is_not: bool = False

    def holds(self, payload: Mapping[str, Any]) -> bool:
        value = payload.get(self.field)
        if self.has_is:
            return bool(value == self.is_ and type(value) is type(self.is_))
        if self.has_is_not:
            return not (value == self.is_not and type(value) is type(self.is_not))
        present = self.field in payload
        return present if self.present is not False else not present

    def describe(self) -> str:
        if self.has_is:
            return f"when {self.field} is {self.is_!r}"
        if self.has_is_not:
            return f"when {self.field} is not {self.is_not!r}"
        return f"when {self.field} is {'present' if self.present is not False else 'absent'}"


@attrs.frozen
class FieldSpec:
    __repr__ = attrs_repr

    name: str
    type: str
    label: str = ""
    description: str = ""
    required: bool = False
    required_if: Condition | None = None
    multiple: bool = False
    choices: tuple[Any, ...] = ()
    format: str | None = None
    allow_null: bool = False
    minimum: float | None = None
    maximum: float | None = None
    properties: tuple[FieldSpec, ...] = ()
    additional_properties: bool = True
    values: str | None = None
    default: Any = None
    has_default: bool = False
    invalid: str = "fail"
    pii: str | None = None
    """The personal data the field holds (``email``, ``phone``, ...; docs/privacy.md)."""
    hashed: bool = False
    """The partner wants the value hashed (lint rule ``pii-unhashed``)."""


def _check_format(fmt: str, value: str) -> str | None:
    test = _FORMAT_TESTS.get(fmt)
    return None if test is None or test(value) else f"is not a valid {fmt}"


def _is_ipv6(value: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv6Address)
    except ValueError:
        return False


def _matches(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    match = pattern.match

    def matches(value: str) -> bool:
        return match(value) is not None

    return matches


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}").fullmatch
"""Four octets, each of one to three ASCII digits, none over 255, no leading zero: each
alternative is a fixed run of at most three characters, so the match is linear."""


def is_ipv4(value: str) -> bool:
    """Whether ``ipaddress.IPv4Address(value)`` accepts the text (four decimal octets of one to
    three ASCII digits, none over 255, no leading zero), without building it: one match."""
    return _IPV4(value) is not None


def _is_datetime(value: str) -> bool:
    return _parse_datetime(value) is not None


def _is_email(value: str) -> bool:
    """``local@domain.tld``: one ``@``, no whitespace, a dot inside the domain with text on both
    sides (and, as before, one newline allowed at the very end). Linear, with no regular
    expression (``[^@\\s]+\\.[^@\\s]+`` reads the dots of the domain two ways)."""
    text = value[:-1] if value.endswith("\n") else value
    local, at, domain = text.partition("@")
    if not local or not at or "@" in domain or text.split(None, 1) != [text]:
        return False
    return domain.find(".", 1, len(domain) - 1) > 0


def _parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            seconds = value / 1000 if abs(value) > 1e11 else value
            return datetime.fromtimestamp(seconds, tz=UTC)
        if isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


_FORMAT_TESTS: dict[str, Callable[[str], bool]] = {
    "ipv4": is_ipv4,
    "ipv6": _is_ipv6,
    "email": _is_email,
    "uri": _matches(_URI),
    "uuid": _matches(_UUID),
    "currency": _matches(_CURRENCY),
    "date": _matches(_DATE),
    "date-time": _is_datetime,
}
"""Per format, whether a text is valid (a format not listed accepts any text)."""


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


Coercer = Callable[[Any], Any]

_DIGITS = f"{MAX_INTEGER_DIGITS:,}"


def _scalar(kind: str) -> Coercer:
    if kind in ("string", "text"):

        def string(value: Any) -> Any:
            if type(value) is str or isinstance(value, str):
                return value
            if isinstance(value, float) and value - value != 0.0:
                raise Invalid(f"must be a string or a finite number, not {value!r}")
            if isinstance(value, bool | int | float):
                try:
                    return to_text(value)
                except DirectiveFailure:  # an integer past Python's digit limit has no text
                    raise Invalid(
                        f"must be a string or a number of at most {_DIGITS} digits"
                    ) from None
            raise Invalid(f"must be a string, not {_type_name(value)}")

        return string
    if kind == "number":

        def number(value: Any) -> Any:
            if isinstance(value, int | float) and not isinstance(value, bool):
                if isinstance(value, float) and value - value != 0.0:
                    raise Invalid(f"must be a finite number, not {value!r}")
                return value
            if isinstance(value, str):
                found = number_from_text(value)
                if found is not None:
                    return found
                if number_text(value) is not None:
                    raise Invalid(f"must be a finite number of at most {_DIGITS} digits")
            raise Invalid(f"must be a number, not {_type_name(value)}")

        return number
    if kind == "integer":

        def integer(value: Any) -> Any:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                found = number_text(value)
                if found is not None and found[1]:
                    number = number_from_text(value)
                    if number is None:
                        raise Invalid(f"must be an integer of at most {_DIGITS} digits")
                    return number
            raise Invalid(f"must be an integer, not {_type_name(value)}")

        return integer
    if kind == "boolean":

        def boolean(value: Any) -> Any:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise Invalid(f"must be true or false, not {_type_name(value)}")

        return boolean
    if kind == "datetime":

        def when(value: Any) -> Any:
            moment = _parse_datetime(value)
            if moment is None:
                raise Invalid("must be an ISO 8601 date-time or epoch time")
            return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

        return when
    raise AssertionError(kind)


def compile_field(spec: FieldSpec) -> Coercer:
    """A function that coerces and checks one (present, non-null) value of the field, raising
    :class:`Invalid`."""
    if spec.type == "object":
        one = _object(spec)
    else:
        base = _scalar(spec.type)
        checks: list[Callable[[Any], None]] = []
        if spec.choices:
            choices = spec.choices

            def in_choices(value: Any) -> None:
                if not any(value == c and type(value) is type(c) for c in choices):
                    shown = ", ".join(repr(c) for c in choices)
                    raise Invalid(f"must be one of {shown}, not {value!r}")

            checks.append(in_choices)
        if spec.format and spec.type in ("string", "text"):
            fmt = spec.format

            def formatted(value: Any) -> None:
                problem = _check_format(fmt, value)
                if problem:
                    raise Invalid(problem)

            checks.append(formatted)
        if spec.minimum is not None or spec.maximum is not None:
            low, high, text = spec.minimum, spec.maximum, spec.type in ("string", "text")

            def bounded(value: Any) -> None:
                size = len(value) if text else value
                if low is not None and size < low:
                    raise Invalid(f"must be at least {low}{' characters long' if text else ''}")
                if high is not None and size > high:
                    raise Invalid(f"must be at most {high}{' characters long' if text else ''}")

            checks.append(bounded)
        if not checks:
            one = base
        else:
            final = tuple(checks)

            def checked(value: Any) -> Any:
                value = base(value)
                for check in final:
                    check(value)
                return value

            one = checked
    if not spec.multiple:
        return one

    def many(value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        out = []
        for index, item in enumerate(items):
            try:
                out.append(one(item))
            except Invalid as exc:
                raise Invalid(exc.message, (index, *exc.path)) from None
        return out

    return many


def _object(spec: FieldSpec) -> Coercer:
    if spec.properties:
        checker = PayloadChecker.build(spec.properties, spec.additional_properties)

        def structured(value: Any) -> Any:
            if not isinstance(value, dict):
                raise Invalid(f"must be an object, not {_type_name(value)}")
            result, problems = checker.check(value)
            if problems:
                path, message = problems[0]
                raise Invalid(message, path)
            return result

        return structured
    if spec.values:
        each = _scalar(spec.values)

        def table(value: Any) -> Any:
            if not isinstance(value, dict):
                raise Invalid(f"must be an object, not {_type_name(value)}")
            out = {}
            for key, item in value.items():
                if item is None:
                    continue
                try:
                    out[key] = each(item)
                except Invalid as exc:
                    raise Invalid(exc.message, (key,)) from None
            return out

        return table

    def anything(value: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid(f"must be an object, not {_type_name(value)}")
        return value

    return anything


_Slow = tuple[Coercer, bool, bool, bool, str]
"""What a field's value needs when its type is not kept unchanged: its coercer, whether it
allows null, keeps "", drops an invalid value, and its label."""
_Step = tuple[str, frozenset[type], _Slow]

_UNCHANGED = {
    "string": frozenset({str}),
    "text": frozenset({str}),
    "number": frozenset({int}),  # a float is kept as it is only when finite (see _floats)
    "integer": frozenset({int}),
    "boolean": frozenset({bool}),
}


_NOTHING_KEPT: frozenset[type] = frozenset()  # the kept types of a name that is not a field


def _unchanged(spec: FieldSpec) -> frozenset[type]:
    """The exact types whose values the field's coercer returns as they are (no choices,
    format or bounds to check): those are stored without a call."""
    if spec.multiple or spec.choices or spec.format:
        return frozenset()
    if spec.minimum is not None or spec.maximum is not None:
        return frozenset()
    return _UNCHANGED.get(spec.type, frozenset())


def _acceptor(spec: FieldSpec) -> Callable[[Any], bool] | None:
    """For a field with choices, a format or bounds (and one value, of a scalar type): whether
    a value is of a type the field keeps and passes them all; for an object field: whether a
    value is an object its coercer keeps (of values of the field's kind, if it names one; one
    its properties keep, see :meth:`PayloadChecker.keeps`); for a field of several values: a
    list of values its field keeps. Either way the coercer would give it back unchanged (a list
    as an equal new list). None for any other field."""
    if spec.multiple:
        single = attrs.evolve(spec, multiple=False)
        one, kept_items = _acceptor(single), _unchanged(single)
        if one is None and not kept_items:
            return None

        def accepts_many(value: Any) -> bool:
            # A list whose every item its field keeps (the coercer makes a new list of the
            # same items).
            if type(value) is not list:
                return False
            for item in value:
                if type(item) not in kept_items and (one is None or not one(item)):
                    return False
            return True

        return accepts_many
    if spec.type == "object" and spec.properties:
        nested = PayloadChecker.build(spec.properties, spec.additional_properties)

        def accepts_structured(value: Any) -> bool:
            return type(value) is dict and nested.keeps(value)

        return accepts_structured
    if spec.type == "object":
        values = _UNCHANGED.get(spec.values) if spec.values else None
        if spec.values and values is None:
            return None

        def accepts_object(value: Any) -> bool:
            # An object of any values, or of values of the kind the field wants (null
            # values are dropped, so they change it: not kept).
            if type(value) is not dict:
                return False
            return values is None or values.issuperset(map(type, value.values()))

        return accepts_object
    kept = _UNCHANGED.get(spec.type)
    if kept is None or not (spec.choices or spec.format or _bounded(spec)):
        return None
    choices = frozenset((type(c), c) for c in spec.choices if c == c and c.__hash__ is not None)
    if len(choices) != len(spec.choices):
        return None  # a choice no set can hold: the coercer decides
    fmt = spec.format if spec.type in ("string", "text") else None
    low, high, text = spec.minimum, spec.maximum, spec.type in ("string", "text")
    if not _bounded(spec):  # the common cases, with no test that cannot fail
        if not fmt and choices:

            def accepts_choice(value: Any) -> bool:
                return type(value) in kept and (type(value), value) in choices

            return accepts_choice
        if fmt and not choices:
            test = _FORMAT_TESTS.get(fmt)
            if test is not None:

                def accepts_format(value: Any) -> bool:
                    return type(value) in kept and test(value)

                return accepts_format

    def accepts(value: Any) -> bool:
        if type(value) not in kept:
            return False
        if choices and (type(value), value) not in choices:
            return False
        if fmt is not None and _check_format(fmt, value) is not None:
            return False
        size = len(value) if text else value
        return (low is None or size >= low) and (high is None or size <= high)

    return accepts


def _bounded(spec: FieldSpec) -> bool:
    return spec.minimum is not None or spec.maximum is not None


@attrs.frozen
class PayloadChecker:
    """Coerces and validates a payload against its fields, in one pass."""

    __repr__ = attrs_repr

    fields: tuple[tuple[FieldSpec, Coercer], ...]
    additional: bool
    # Per field, what the per-event loop needs, read once: name, the types kept unchanged, and
    # (coercer, allow_null, keep "", drop when invalid, label); then the required fields with
    # their condition (None: always).
    _steps: tuple[_Step, ...] = attrs.field(init=False, repr=False, eq=False)
    _required: tuple[tuple[str, str, Condition | None], ...] = attrs.field(
        init=False, repr=False, eq=False
    )
    _known: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _slow: dict[str, _Slow] = attrs.field(init=False, repr=False, eq=False)
    """Per field, what a value of a type it does not keep needs."""
    _kept: dict[str, frozenset[type]] = attrs.field(init=False, repr=False, eq=False)
    """Per field, the exact types whose values it keeps as they are."""
    _unconditional: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    """The fields required whatever the payload holds."""
    _conditional: tuple[tuple[str, Condition], ...] = attrs.field(init=False, repr=False, eq=False)
    """The fields required on a condition, with it."""
    _floats: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    """The fields that keep a finite float as it is (number fields with nothing to check)."""
    _position: dict[str, int] = attrs.field(init=False, repr=False, eq=False)
    """Per field, its place in the fields' order."""
    _accepts: dict[str, Callable[[Any], bool]] = attrs.field(init=False, repr=False, eq=False)
    """Per field with choices, a format or bounds, or an object field without properties:
    whether a value passes its checks unchanged."""

    def __attrs_post_init__(self) -> None:
        steps = tuple(
            (
                spec.name,
                _unchanged(spec),
                (
                    coerce,
                    spec.allow_null,
                    spec.type in ("string", "text"),
                    spec.invalid == "drop",
                    spec.label or spec.name,
                ),
            )
            for spec, coerce in self.fields
        )
        required = tuple(
            (spec.name, spec.label or spec.name, None if spec.required else spec.required_if)
            for spec, _ in self.fields
            if spec.required or spec.required_if is not None
        )
        object.__setattr__(self, "_steps", steps)
        object.__setattr__(self, "_required", required)
        object.__setattr__(self, "_known", frozenset(spec.name for spec, _ in self.fields))
        object.__setattr__(self, "_slow", {name: slow for name, _, slow in steps})
        object.__setattr__(self, "_kept", {name: unchanged for name, unchanged, _ in steps})
        always = frozenset(name for name, _, condition in required if condition is None)
        object.__setattr__(self, "_unconditional", always)
        conditional = tuple((name, c) for name, _, c in required if c is not None)
        object.__setattr__(self, "_conditional", conditional)
        floats = frozenset(
            spec.name for spec, _ in self.fields if spec.type == "number" and _unchanged(spec)
        )
        object.__setattr__(self, "_floats", floats)
        position = {spec.name: at for at, (spec, _) in enumerate(self.fields)}
        object.__setattr__(self, "_position", position)
        accepts = {spec.name: _acceptor(spec) for spec, _ in self.fields}
        object.__setattr__(
            self, "_accepts", {name: test for name, test in accepts.items() if test is not None}
        )

    @classmethod
    def build(cls, specs: tuple[FieldSpec, ...], additional: bool = False) -> PayloadChecker:
        return cls(tuple((s, compile_field(s)) for s in specs), additional)

    def check(
        self, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[tuple[Any, ...], str]]]:
        """The coerced payload and ``(path, message)`` problems. Empty values are dropped
        first: missing, ``null`` (unless the field allows it), ``""`` for non-string fields."""
        # A copy in the fields' order (additional fields last), checked in place.
        out = {name: payload[name] for name, _, _ in self._steps if name in payload}
        if self.additional:
            known = self._known
            out.update((k, v) for k, v in payload.items() if k not in known)
        return self._settle(out)

    def keeps(self, value: dict[str, Any]) -> bool:
        """Whether :meth:`check` gives ``value`` back as it is, with no problem: its fields in
        the fields' order (additional ones, when allowed, after them and not null), every
        required one there (one required on a condition, when the condition holds), and every
        value one its field keeps unchanged."""
        if not value.keys() >= self._unconditional:
            return False
        kept, accepts = self._kept.get, self._accepts.get
        floats, position, additional = self._floats, self._position, self.additional
        after = len(position)
        last = -1
        for name, item in value.items():
            at = position.get(name)
            if at is None:
                if not additional or item is None:
                    return False
                last = after  # an additional field: no field of the list may follow it
                continue
            if at < last:
                return False
            last = at
            if type(item) in kept(name, _NOTHING_KEPT):
                continue
            if type(item) is float and item - item == 0.0 and name in floats:
                continue
            accept = accepts(name)
            if accept is None or not accept(item):
                return False
        return self._conditions_met(value)

    def check_in_place(
        self, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], Sequence[tuple[tuple[Any, ...], str]]]:
        """The checks of :meth:`check`, on a payload the caller owns and gives up (a mapping's
        fresh output): it is coerced in place, so a payload of values that need no coercion
        costs no copy. Keys and problems keep the payload's order, additional fields included;
        for a payload in the action's field order without additional fields that is what
        :meth:`check` gives."""
        payload, problems, _ = self.check_owned(payload)
        return payload, problems

    def check_owned(
        self, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], Sequence[tuple[tuple[Any, ...], str]], bool]:
        """:meth:`check_in_place`, and whether the payload is plain: every value kept as it
        is, so each a string, integer or boolean of that exact type, or a finite float that is
        0 or at least 1e-4 in size (see :data:`actions.jsonvalues.PLAIN_DUMPS`)."""
        kept = self._kept.get
        accepts = self._accepts.get
        floats = self._floats
        plain = True
        for name, value in payload.items():
            if type(value) not in kept(name, _NOTHING_KEPT):
                if type(value) is float and value - value == 0.0 and name in floats:
                    # A finite float in a number field (NaN and ±inf are invalid).
                    if not (value >= 1e-4 or value <= -1e-4 or value == 0.0):
                        plain = False
                    continue
                accept = accepts(name)
                if accept is not None and accept(value):
                    # Of a kept type and within its choices, format and bounds; or an object
                    # kept as it is (whose values orjson may write otherwise: not plain).
                    if type(value) is dict:
                        plain = False
                    continue
                return (*self._settle(payload), False)  # something to coerce, drop or report
        # The common case: every value kept as it is, and (one test) every field required
        # whatever the payload holds; then each one required on a condition.
        if payload.keys() >= self._unconditional and self._conditions_met(payload):
            return payload, (), plain
        problems: list[tuple[tuple[Any, ...], str]] = []
        self._check_required(payload, problems)
        return payload, problems, plain

    def _conditions_met(self, payload: dict[str, Any]) -> bool:
        """Whether every field required on a condition that holds is in ``payload``."""
        for name, condition in self._conditional:
            if name not in payload and condition.holds(payload):
                return False
        return True

    def _settle(
        self, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[tuple[Any, ...], str]]]:
        """:meth:`check_in_place` field by field: coerce, drop empty and invalid values."""
        problems: list[tuple[tuple[Any, ...], str]] = []
        dropped: list[str] = []
        kept = self._kept.get
        for name, value in payload.items():
            if type(value) in kept(name, _NOTHING_KEPT):
                continue
            slow = self._slow.get(name)
            if slow is None:  # not a field: kept (when not null) only if additional fields are
                if value is None or not self.additional:
                    dropped.append(name)
                continue
            coerce, allow_null, keep_empty, drop_invalid, label = slow
            if value is None:
                if not allow_null:
                    dropped.append(name)
                continue
            if value == "" and not keep_empty:
                dropped.append(name)
                continue
            try:
                payload[name] = coerce(value)  # a new value for a key: the loop goes on safely
            except Invalid as exc:
                dropped.append(name)
                if not drop_invalid:
                    problems.append(((name, *exc.path), f"{label} {exc.message}"))
        for name in dropped:
            del payload[name]
        self._check_required(payload, problems)
        return payload, problems

    def _check_required(
        self, out: dict[str, Any], problems: list[tuple[tuple[Any, ...], str]]
    ) -> None:
        for name, label, condition in self._required:
            if name in out or (condition is not None and not condition.holds(out)):
                continue
            if any(p[0][0] == name for p in problems):
                continue
            why = f" ({condition.describe()})" if condition is not None else ""
            problems.append(((name,), f"{label} is required{why}"))


_JSON_TYPES = {
    "string": "string",
    "text": "string",
    "number": "number",
    "integer": "integer",
    "boolean": "boolean",
    "datetime": "string",
    "object": "object",
}


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    """The JSON Schema of one field's (coerced) value."""
    schema: dict[str, Any] = {"type": _JSON_TYPES[spec.type]}
    if spec.description or spec.label:
        schema["description"] = spec.description or spec.label
    if spec.type == "datetime":
        schema["format"] = "date-time"
    if spec.format:
        schema["format"] = spec.format
    if spec.choices:
        schema["enum"] = list(spec.choices)
    if spec.minimum is not None:
        schema["minLength" if spec.type in ("string", "text") else "minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maxLength" if spec.type in ("string", "text") else "maximum"] = spec.maximum
    if spec.type == "object":
        if spec.properties:
            schema.update(payload_schema(spec.properties, spec.additional_properties))
        elif spec.values:
            schema["additionalProperties"] = {"type": _JSON_TYPES[spec.values]}
    if spec.allow_null:
        schema["type"] = [schema["type"], "null"]
    if spec.multiple:
        schema = {"type": "array", "items": schema}
    return schema


def payload_schema(specs: tuple[FieldSpec, ...], additional: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft-07) of a whole payload."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {s.name: field_schema(s) for s in specs},
        "additionalProperties": additional,
    }
    required = [s.name for s in specs if s.required]
    if required:
        schema["required"] = required
    conditional = []
    for spec in specs:
        condition = spec.required_if
        if condition is None or spec.required:
            continue
        if condition.has_is:
            test: dict[str, Any] = {
                "properties": {condition.field: {"const": condition.is_}},
                "required": [condition.field],
            }
        elif condition.has_is_not:
            test = {"properties": {condition.field: {"not": {"const": condition.is_not}}}}
        else:
            test = {"required": [condition.field]}
        conditional.append({"if": test, "then": {"required": [spec.name]}})
    if conditional:
        schema["allOf"] = conditional
    return schema
