"""Errors and diagnostics shared by the whole library.

Every exception the library raises derives from :class:`ActionsError`. Problems found while
loading, validating or compiling user input are *data* first: a :class:`Diagnostic` carries a
rule id, a severity, a message, a hint, the data path inside the document and, when the
document came from a file, a :class:`Location`. Rendering them is a separate concern
(:func:`render_diagnostic` here for plain text; the linter has richer reporters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TypeAlias

import attrs

from actions._repr import attrs_repr

PathElement: TypeAlias = str | int
DataPath: TypeAlias = tuple[PathElement, ...]


class ActionsError(Exception):
    """Base class of every error raised by the library."""


class Severity(StrEnum):
    """How serious a diagnostic is. Ordered: ``info < warning < error``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@attrs.frozen
class Location:
    """A span in a source file. Lines and columns are 1-based; ``end_column`` is exclusive."""

    __repr__ = attrs_repr

    file: str | None
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.file or '<input>'}:{self.line}:{self.column}"


def format_path(path: Iterable[PathElement]) -> str:
    """Render a data path the way users read it: ``$.subscriptions[2].trigger``."""
    out = ["$"]
    for element in path:
        if isinstance(element, int):
            out.append(f"[{element}]")
        elif element.isidentifier():
            out.append(f".{element}")
        else:
            escaped = element.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)


def json_pointer(path: Iterable[PathElement]) -> str:
    """Render a data path as an RFC 6901 JSON pointer (``/subscriptions/2/trigger``)."""
    return "".join("/" + str(element).replace("~", "~0").replace("/", "~1") for element in path)


@attrs.frozen
class Diagnostic:
    """One problem found in user input, with everything needed to render or serialise it."""

    __repr__ = attrs_repr

    rule: str
    message: str
    severity: Severity = Severity.ERROR
    path: DataPath = ()
    location: Location | None = None
    hint: str | None = None
    hidden: tuple[Location, ...] = attrs.field(default=(), eq=False, repr=False)
    """Spans of the diagnostic's file that hold secret values: a rendering that quotes the
    source shows each as ``***``."""

    @property
    def data_path(self) -> str:
        return format_path(self.path)

    def at(self, location: Location | None) -> Diagnostic:
        """The same diagnostic with a location (kept when ``location`` is None)."""
        return self if location is None else attrs.evolve(self, location=location)

    def under(self, prefix: Sequence[PathElement]) -> Diagnostic:
        """The same diagnostic with its data path nested under ``prefix``."""
        return attrs.evolve(self, path=(*prefix, *self.path))

    def to_dict(self) -> dict[str, object]:
        loc = self.location
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "path": self.data_path,
            "pointer": json_pointer(self.path),
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "end_line": loc.end_line if loc else None,
            "end_column": loc.end_column if loc else None,
        }


def render_diagnostic(diagnostic: Diagnostic) -> str:
    """One-line plain rendering: ``file:line:col: severity: message [rule] (at $.path)``."""
    where = f"{diagnostic.location}: " if diagnostic.location else ""
    path = f" (at {diagnostic.data_path})" if diagnostic.path else ""
    hint = f"\n  hint: {diagnostic.hint}" if diagnostic.hint else ""
    return (
        f"{where}{diagnostic.severity.value}: {diagnostic.message} [{diagnostic.rule}]{path}{hint}"
    )


class InvalidInputError(ActionsError):
    """User input (a pack, a config, a mapping) has problems; ``diagnostics`` lists all of them."""

    def __init__(self, what: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.what = what
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        lines = "\n".join(render_diagnostic(d) for d in self.diagnostics)
        count = len(self.diagnostics)
        super().__init__(f"{what}: {count} problem{'s' if count != 1 else ''}\n{lines}")
