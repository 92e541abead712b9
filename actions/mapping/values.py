"""The values every mapping module shares: the MISSING sentinel, evaluators, per-event failures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

import attrs

from actions._repr import attrs_repr
from actions.errors import ActionsError
from actions.jsonvalues import non_finite_path
from actions.jsonvalues import to_text as json_to_text
from actions.jsonvalues import type_name as json_type_name


class _Missing:
    """The type of :data:`MISSING`: "no value here" (a key absent from the output)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""No value: a missing path, a condition with no branch, a failed conversion. Removed from
objects, turned into ``null`` inside arrays."""

Settings: TypeAlias = Mapping[str, Any]
Failures: TypeAlias = list["MappingFailure"]
Evaluator: TypeAlias = Callable[[Any, Settings, Failures], Any]
"""A compiled mapping node: ``(root data, settings, failures) -> value or MISSING``."""
Transform: TypeAlias = Callable[[Any, Any, Settings, Failures], Any]
"""What a directive does with its operand's value: ``(value, root data, settings, failures) ->
value or MISSING`` (see :func:`actions.mapping.compiler.with_operand`)."""


@attrs.frozen
class MappingFailure:
    """Why one field could not be produced for one event. ``pointer`` is the JSON pointer of the
    field inside the mapping (for plain objects, the same as inside the output)."""

    __repr__ = attrs_repr

    pointer: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class DirectiveFailure(ActionsError):
    """Raised by a directive while applying a mapping to one event; caught by the enclosing
    object or array, which records a :class:`MappingFailure` and leaves the field out. Never
    escapes :meth:`CompiledMapping.evaluate`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def type_name(value: object) -> str:
    """JSON type names for messages (``missing`` for MISSING)."""
    return "missing" if value is MISSING else json_type_name(value)


def to_text(value: Any) -> str:
    """A value as JSON writes it; null and missing as the empty string. NaN and ±Infinity
    (also inside an object or array) have no text: :class:`DirectiveFailure`."""
    if type(value) is str:
        return value
    if type(value) is float and value - value == 0.0:  # finite: as json_to_text writes it, no call
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return float.__repr__(value)
    if value is MISSING:
        return ""
    try:
        return json_to_text(value)
    except ValueError as exc:
        if non_finite_path(value) is None:  # an integer too long for text
            raise DirectiveFailure(f"cannot write the value as text: {exc}") from None
        raise DirectiveFailure(
            "NaN and Infinity are not numbers a request can carry (JSON has no text for them)"
        ) from None
