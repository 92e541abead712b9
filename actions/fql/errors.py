"""FQL errors: data first (kind, message, position, expected tokens, hint), rendering second."""

from __future__ import annotations

from actions.errors import ActionsError


class FQLError(ActionsError):
    """Base class of FQL errors."""


class FQLSyntaxError(FQLError):
    """A trigger that cannot be compiled. ``offset`` is 0-based; ``line`` and ``column`` are
    1-based and point at the first character of the offending token; ``end_column`` is
    exclusive. ``kind`` is a short kebab-case id (``double-equals``, ``unclosed-string``, ...)."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        offset: int,
        length: int = 1,
        kind: str = "unexpected-token",
        hint: str | None = None,
        expected: tuple[str, ...] = (),
    ) -> None:
        self.message = message
        self.source = source
        self.offset = max(0, min(offset, len(source)))
        self.kind = kind
        self.hint = hint
        self.expected = expected
        before = source[: self.offset]
        self.line = before.count("\n") + 1
        self.column = self.offset - (before.rfind("\n") + 1) + 1
        self.end_column = self.column + max(1, length)
        super().__init__(f"{message} (line {self.line}, column {self.column})")

    def render(self, source: str | None = None) -> str:
        """The message, the source line and a caret under the offending text."""
        text = self.source if source is None else source
        lines = text.splitlines() or [""]
        line = lines[self.line - 1] if self.line <= len(lines) else ""
        width = max(1, self.end_column - self.column)
        underline = " " * (self.column - 1) + "^" + "~" * (width - 1)
        out = [
            f"{self.line}:{self.column}: {self.message} [{self.kind}]",
            f"  {line}",
            f"  {underline}",
        ]
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)
