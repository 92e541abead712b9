"""Text to syntax tree. The tree is built bottom-up while the LALR parser reduces (no
recursion), and depth is checked as nodes are made, so a deeply nested trigger is a clear
error, never a RecursionError.

A trigger is parsed from the parser's shipped tables by :mod:`actions.fql.lalr`, without
importing Lark; a trigger that does not parse there is parsed again by Lark (its parser loaded
from the same tables, or built from the grammar), whose error is put into words here."""

from __future__ import annotations

import contextvars
import math
import re
from functools import cache
from typing import TYPE_CHECKING, Any

import attrs

from actions._resources import grammar_path
from actions.errors import ActionsError
from actions.fql.ast import And, Call, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path
from actions.fql.errors import FQLSyntaxError
from actions.fql.lalr import Declined, Driver

if TYPE_CHECKING:
    import lark
    from lark import Lark, Token

MAX_LENGTH = 10_000
"""Longest trigger text accepted (characters)."""
MAX_DEPTH = 64
"""Deepest nesting accepted: one level is one `(`, `[`, function call or `!`."""

_limit: contextvars.ContextVar[tuple[int, str]] = contextvars.ContextVar("fql_limit")
_STRING_ESCAPE = re.compile(r"\\([\\'\"])")
_PATH_ESCAPE = re.compile(r"\\(.)")
_PATH_SPLIT = re.compile(r"((?:[^.\\]|\\.)+)")
_MAX_DIGITS = 300
"""Longest integer literal (digits); a decimal must be a finite double."""
KEYWORDS = frozenset({"and", "or", "in", "true", "false", "null"})


class _TooDeep(ActionsError):
    def __init__(self, offset: int) -> None:
        self.offset = offset


Pair = tuple[Expr, int]  # a node and its depth


def _level(offset: int, depth: int) -> int:
    limit, _ = _limit.get()
    if depth > limit:
        raise _TooDeep(offset)
    return depth


class _Nodes:
    """Builds nodes bottom-up while the LALR parser reduces (iterative, no recursion): one
    method per aliased rule of the grammar, given the rule's children."""

    def string(self, token: Token) -> Pair:
        value = _STRING_ESCAPE.sub(r"\1", token[1:-1])
        return Literal(value, start=_start(token), end=_end(token)), 0

    def number(self, token: Token) -> Pair:
        text = str(token)
        value: int | float
        if any(c in text for c in ".eE"):
            value = float(text)
            fits = math.isfinite(value)
        else:
            fits = len(text.lstrip("-")) <= _MAX_DIGITS
            value = int(text) if fits else 0
        if not fits:
            raise FQLSyntaxError(
                f"the number {_shorten(text)} is too large",
                source=_limit.get()[1],
                offset=_start(token),
                length=len(text),
                kind="bad-number",
                hint=f"numbers have at most {_MAX_DIGITS} digits and must be finite",
            )
        return Literal(value, start=_start(token), end=_end(token)), 0

    def literal_true(self, token: Token) -> Pair:
        return Literal(True, start=_start(token), end=_end(token)), 0

    def literal_false(self, token: Token) -> Pair:
        return Literal(False, start=_start(token), end=_end(token)), 0

    def literal_null(self, token: Token) -> Pair:
        return Literal(None, start=_start(token), end=_end(token)), 0

    def path(self, token: Token) -> Pair:
        keys = tuple(_PATH_ESCAPE.sub(r"\1", k) for k in _PATH_SPLIT.findall(str(token)))
        return Path(keys, start=_start(token), end=_end(token)), 0

    def call(self, name: Token, _open: Token, *rest: Any) -> Pair:
        *args, close = rest
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
            raise FQLSyntaxError(
                f"{str(name)!r} is not a function name",
                source=_limit.get()[1],
                offset=_start(name),
                length=len(name),
                kind="unknown-function",
                hint="function names are plain words such as contains or match",
            )
        present = [a for a in args if a is not None]
        depth = _level(_start(name), 1 + max((d for _, d in present), default=0))
        node = Call(str(name), tuple(n for n, _ in present), start=_start(name), end=_end(close))
        return node, depth

    def list(self, open_: Token, *rest: Any) -> Pair:
        *items, close = rest
        present = [i for i in items if i is not None]
        depth = _level(_start(open_), 1 + max((d for _, d in present), default=0))
        node = ListLiteral(tuple(n for n, _ in present), start=_start(open_), end=_end(close))
        return node, depth

    def group(self, open_: Token, inner: Pair, close: Token) -> Pair:
        node, depth = inner
        node = attrs.evolve(node, start=_start(open_), end=_end(close), parenthesized=True)
        return node, _level(_start(open_), depth + 1)

    def not_(self, bang: Token, operand: Pair) -> Pair:
        node, depth = operand
        result = Not(node, start=_start(bang), end=node.end)
        return result, _level(_start(bang), depth + 1)

    def compare(self, left: Pair, op: Token, right: Pair) -> Pair:
        node = Compare(str(op), left[0], right[0], start=left[0].start, end=right[0].end)
        return node, max(left[1], right[1])

    def in_(self, left: Pair, right: Pair) -> Pair:
        node = In(left[0], right[0], start=left[0].start, end=right[0].end)
        return node, max(left[1], right[1])

    def and_(self, left: Pair, right: Pair) -> Pair:
        head = left[0]
        first = head.operands if isinstance(head, And) and not head.parenthesized else (head,)
        node = And((*first, right[0]), start=head.start, end=right[0].end)
        return node, max(left[1], right[1])

    def or_(self, left: Pair, right: Pair) -> Pair:
        head = left[0]
        first = head.operands if isinstance(head, Or) and not head.parenthesized else (head,)
        node = Or((*first, right[0]), start=head.start, end=right[0].end)
        return node, max(left[1], right[1])


def _shorten(text: str) -> str:
    return text if len(text) <= 20 else f"{text[:8]}...{text[-8:]}"


def _start(token: Token) -> int:
    return token.start_pos or 0


def _end(token: Token) -> int:
    return token.end_pos or 0


def _keyword_as_value(token: Token) -> Token:
    """`type = and ...`: a keyword where a value belongs is a missing value, not a field."""
    if str(token) in ("and", "or", "in"):
        raise FQLSyntaxError(
            f"expected a value, found the keyword {str(token)!r}",
            source=_limit.get()[1],
            offset=_start(token),
            length=len(token),
            kind="missing-value",
            hint=f"put a value before it (a field named {token} is written \\{token})",
        )
    return token


def grammar_text() -> str:
    """The text of ``grammars/fql.lark``."""
    return grammar_path("fql.lark").read_text(encoding="utf-8")


def build_parser(grammar: str) -> Lark:
    """Lark's parser built from the grammar's text (some 30 ms)."""
    from lark import Lark

    return Lark(grammar, parser="lalr", maybe_placeholders=True, **_code_options())


def _code_options() -> dict[str, Any]:
    """Lark's options that are code: given again when its parser is loaded from its tables."""
    from lark import Transformer, v_args

    # Lark's inline transformer with the node builders' methods as its own.
    methods = {k: v for k, v in vars(_Nodes).items() if not k.startswith("_")}
    build = v_args(inline=True)(type("_Build", (Transformer,), methods))
    return {"lexer_callbacks": {"PATH": _keyword_as_value}, "transformer": build()}


@cache
def _parser() -> Lark:
    """Lark's parser, once per process: from its shipped tables (:mod:`actions.fql.tables`,
    about 2 ms), or built from the grammar when they are stale or do not load."""
    from actions.fql import tables

    grammar = grammar_text()
    return tables.load_parser(grammar, **_code_options()) or build_parser(grammar)


@cache
def _driver() -> Driver | None:
    """The parser over the shipped tables without Lark, once per process; None when the
    tables are missing, were written from another grammar or do not load."""
    # Imported here, so that `python -m actions.fql.tables` runs a module not yet imported.
    from actions.fql import tables

    try:
        data = tables.read_document(tables.TABLES_FILE.read_bytes(), grammar_text())
        if data is None:
            return None
        return Driver(*data, _Nodes(), {"PATH": _keyword_as_value})
    except Exception:  # any failure: Lark parses every trigger
        return None


def _scan(text: str) -> None:
    """Find the common mistakes before parsing, so they get their own words."""
    quote: str | None = None
    quote_at = 0
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = None
        elif char == "\\":
            i += 2
            continue
        elif char in "'\"":
            quote, quote_at = char, i
        elif text.startswith("==", i):
            raise FQLSyntaxError(
                "'==' is not an operator",
                source=text,
                offset=i,
                length=2,
                kind="double-equals",
                hint="FQL compares with a single '=': write `event = 'Order Completed'`",
            )
        elif text.startswith("&&", i) or text.startswith("||", i):
            word = "and" if char == "&" else "or"
            raise FQLSyntaxError(
                f"{text[i : i + 2]!r} is not an operator",
                source=text,
                offset=i,
                length=2,
                kind="c-style-operator",
                hint=f"write `{word}`",
            )
        elif char in "([":
            stack.append((char, i))
        elif char in ")]":
            want = "(" if char == ")" else "["
            if not stack or stack[-1][0] != want:
                raise FQLSyntaxError(
                    f"unmatched {char!r}",
                    source=text,
                    offset=i,
                    kind="unclosed-paren",
                    hint=f"remove it, or add the opening {want!r}",
                )
            stack.pop()
        i += 1
    if quote:
        raise FQLSyntaxError(
            "unclosed string",
            source=text,
            offset=quote_at,
            kind="unclosed-string",
            hint=f"close the string with {quote}",
        )
    if stack:
        opener, at = stack[-1]
        closer = ")" if opener == "(" else "]"
        raise FQLSyntaxError(
            f"{opener!r} is never closed",
            source=text,
            offset=at,
            kind="unclosed-paren",
            hint=f"add {closer!r}",
        )


_VALUE_TOKENS = {"STRING", "NUMBER", "PATH", "TRUE", "FALSE", "NULL", "LSQB", "LPAR", "BANG"}
_DESCRIBE = {
    "STRING": "a string",
    "NUMBER": "a number",
    "PATH": "a field",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "LSQB": "'['",
    "RSQB": "']'",
    "LPAR": "'('",
    "RPAR": "')'",
    "BANG": "'!'",
    "COMMA": "','",
    "_COMMA": "','",
    "COMPARE_OP": "a comparison",
    "AND": "and",
    "OR": "or",
    "IN": "in",
    "$END": "the end",
}


def parse(text: str, *, max_length: int = MAX_LENGTH, max_depth: int = MAX_DEPTH) -> Expr:
    """Parse trigger text into a syntax tree, or raise :class:`FQLSyntaxError`."""
    if not isinstance(text, str):
        raise FQLSyntaxError("a trigger must be text", source="", offset=0, kind="empty")
    if len(text) > max_length:
        raise FQLSyntaxError(
            f"trigger is {len(text)} characters long; the limit is {max_length}",
            source=text,
            offset=max_length,
            kind="too-long",
            hint="split it into simpler triggers",
        )
    if not text.strip():
        raise FQLSyntaxError(
            "empty trigger",
            source=text,
            offset=0,
            kind="empty",
            hint="write a condition such as `type = 'track'`",
        )
    _scan(text)
    token = _limit.set((max_depth, text))
    try:
        driver = _driver()
        if driver is not None:
            try:
                node: Expr = driver.parse(text)[0]
            except Declined:  # Lark says why
                pass
            else:
                return node
        return _parse_with_lark(text, max_depth)
    finally:
        _limit.reset(token)


def _parse_with_lark(text: str, max_depth: int) -> Expr:
    import lark

    try:
        result: Any = _parser().parse(text)
        node: Expr = result[0]
    except _TooDeep as exc:
        raise FQLSyntaxError(
            f"trigger is nested deeper than {max_depth} levels",
            source=text,
            offset=exc.offset,
            kind="too-deep",
            hint="simplify the trigger",
        ) from None
    except lark.exceptions.UnexpectedInput as exc:
        raise _friendly(text, exc) from None
    except lark.exceptions.VisitError as exc:
        if isinstance(exc.orig_exc, FQLSyntaxError):
            raise exc.orig_exc from None
        if isinstance(exc.orig_exc, _TooDeep):
            raise FQLSyntaxError(
                f"trigger is nested deeper than {max_depth} levels",
                source=text,
                offset=exc.orig_exc.offset,
                kind="too-deep",
                hint="simplify the trigger",
            ) from None
        raise
    return node


def _accepted(exc: lark.exceptions.UnexpectedToken) -> set[str]:
    """The tokens the parser would really accept here. An LALR state's own list can include
    tokens that only a default reduction allows (a `)` at the top level); asking the parser
    state itself does not."""
    try:
        interactive: Any = exc.interactive_parser
        if interactive is None:
            return set(exc.expected)
        accepted: set[str] = interactive.accepts()
        return set(accepted)
    except Exception:  # the parser state cannot be replayed: fall back to the state's list
        return set(exc.expected)


def _friendly(text: str, exc: lark.exceptions.UnexpectedInput) -> FQLSyntaxError:
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        char = text[offset] if offset < len(text) else ""
        hint = None
        if char == "!":
            hint = "`!` negates what follows it (`!contains(...)`); `!=` compares"
        return FQLSyntaxError(
            f"unexpected character {char!r}",
            source=text,
            offset=offset,
            kind="unexpected-character",
            hint=hint or "quote text values: `event = 'Order Completed'`",
        )
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    accepted = _accepted(exc)
    expected = tuple(sorted({_DESCRIBE.get(e, e.lower()) for e in accepted}))
    wants_value = bool(accepted & _VALUE_TOKENS) and not (
        accepted & {"AND", "OR", "COMPARE_OP", "$END"}
    )
    if token.type == "$END":
        offset = len(text.rstrip())
        if wants_value:
            return FQLSyntaxError(
                "missing value at the end of the trigger",
                source=text,
                offset=offset,
                kind="missing-value",
                expected=expected,
                hint="complete the comparison: `properties.total > 100`",
            )
        return FQLSyntaxError(
            "unexpected end of the trigger",
            source=text,
            offset=offset,
            kind="unexpected-end",
            expected=expected,
        )
    length = len(str(token)) or 1
    if wants_value:
        return FQLSyntaxError(
            f"expected a value, found {str(token)!r}",
            source=text,
            offset=offset,
            length=length,
            kind="missing-value",
            expected=expected,
            hint="put a value (a string, number, field) here",
        )
    if "_COMMA" in accepted and "$END" not in accepted:
        return FQLSyntaxError(
            f"unexpected {str(token)!r}: a ',' or a closing bracket is missing before it",
            source=text,
            offset=offset,
            length=length,
            kind="missing-comma",
            expected=expected,
            hint="separate arguments and list items with ','",
        )
    if "$END" in accepted or {"AND", "OR"} & accepted:
        suggestion = ""
        word = str(token)
        import difflib  # here: only a misspelt name needs it

        close = difflib.get_close_matches(word.lower(), ["and", "or", "in"], n=1, cutoff=0.6)
        if close:
            suggestion = f"did you mean `{close[0]}`?"
        if token.type == "COMPARE_OP":
            suggestion = "comparisons do not chain: join them with `and`"
        return FQLSyntaxError(
            f"unexpected {word!r} after a complete expression",
            source=text,
            offset=offset,
            length=length,
            kind="trailing-text",
            expected=expected,
            hint=suggestion or "join conditions with `and` / `or`, or quote text values",
        )
    return FQLSyntaxError(
        f"unexpected {str(token)!r}",
        source=text,
        offset=offset,
        length=length,
        kind="unexpected-token",
        expected=expected,
    )
