"""The built-in FQL functions. A function is one small typed Python function plus a signature
(the types each argument may have, and the type it returns) used for compile-time checks.

    @function("reverse", params=(STRING,), returns=STRING | NULL)
    def reverse(value):
        return value[::-1] if isinstance(value, str) else None
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from actions._declarations import declarations_table, reduce_declaration
from actions._repr import attrs_repr
from actions.errors import ActionsError
from actions.fql.glob import glob_match
from actions.jsonvalues import is_finite, json_text, number_from_text

# Static types, as bit flags: what an expression may evaluate to.
STRING, NUMBER, BOOL, NULL, LIST, OBJECT = 1, 2, 4, 8, 16, 32
ANY = STRING | NUMBER | BOOL | NULL | LIST | OBJECT
TYPE_NAMES = {
    STRING: "string",
    NUMBER: "number",
    BOOL: "bool",
    NULL: "null",
    LIST: "list",
    OBJECT: "object",
}


def type_of(value: Any) -> int:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return LIST
    return OBJECT


def describe_types(mask: int) -> str:
    return " or ".join(name for bit, name in TYPE_NAMES.items() if mask & bit)


@attrs.frozen
class Function:
    """An FQL function: its implementation and its signature. Calling it calls the
    implementation."""

    __repr__ = attrs_repr

    name: str = attrs.field()
    implementation: Callable[..., Any]
    params: tuple[int, ...]
    returns: int
    doc: str = ""

    @name.validator
    def _check_name(self, attribute: Any, value: str) -> None:
        if not _NAME.fullmatch(value):
            raise ActionsError(f"{value!r} is not a valid FQL function name")

    def __call__(self, *args: Any) -> Any:
        return self.implementation(*args)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        fields = (self.name, self.implementation, self.params, self.returns, self.doc)
        return reduce_declaration(self, self.implementation, fields)


_NAME = re.compile(r"[a-z][a-z0-9_]*")

Functions = Mapping[str, Function]
"""The FQL functions a trigger may call, by name (an environment's ``functions``)."""


def signature(function: Function) -> str:
    """``length(string | list | null) -> number | null``: for messages and docs."""

    def shown(mask: int) -> str:
        return "any" if mask == ANY else describe_types(mask).replace(" or ", " | ")

    params = ", ".join(shown(p) for p in function.params)
    return f"{function.name}({params}) -> {shown(function.returns)}"


def function(
    name: str, *, params: tuple[int, ...], returns: int, doc: str = ""
) -> Callable[[Callable[..., Any]], Function]:
    """Declare an FQL function. ``params`` are the static types each argument may have (a
    literal of another type is a compile-time error); ``returns`` the types the function may
    return. The implementation receives JSON values (missing fields as ``None``) and must not
    raise. Add it to an environment with ``env.extend(functions=[...])``."""

    def declare(implementation: Callable[..., Any]) -> Function:
        return Function(name, implementation, params, returns, doc)

    return declare


def functions_table(declared: Iterable[Function]) -> Functions:
    """An immutable table of ``declared`` by name; a name declared twice is an error."""
    return declarations_table(declared, lambda function: function.name, "FQL function")


def equal(a: Any, b: Any) -> bool:
    """Typed equality: the same type and equal (booleans are not numbers)."""
    ta, tb = type_of(a), type_of(b)
    if ta != tb:
        return False
    if ta == LIST:
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if ta == OBJECT:
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(equal(a[k], b[k]) for k in a)
        )
    return bool(a == b)


@function(
    "contains",
    params=(STRING | LIST | NULL, ANY),
    returns=BOOL,
    doc="true when a string contains a substring, or a list contains an element",
)
def contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, str):
        return isinstance(needle, str) and needle in haystack
    if isinstance(haystack, list):
        return any(equal(item, needle) for item in haystack)
    return False


@function(
    "match",
    params=(STRING | NULL, STRING | NULL),
    returns=BOOL,
    doc="true when the whole string matches a glob (* ? [abc] [a-z] \\x)",
)
def match(value: Any, pattern: Any) -> bool:
    return isinstance(value, str) and isinstance(pattern, str) and glob_match(pattern, value)


@function(
    "length",
    params=(STRING | LIST | NULL,),
    returns=NUMBER | NULL,
    doc="the number of list elements, or of UTF-8 bytes in a string; 0 for null",
)
def length(value: Any) -> int | None:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, list):
        return len(value)
    return 0 if value is None else None


@function(
    "lowercase", params=(STRING | NULL,), returns=STRING | NULL, doc="the string in lower case"
)
def lowercase(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


@function(
    "uppercase", params=(STRING | NULL,), returns=STRING | NULL, doc="the string in upper case"
)
def uppercase(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) else None


_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W_]+")


def _words(value: str) -> list[str]:
    return _WORDS.findall(value)


@function(
    "snakecase",
    params=(STRING | NULL,),
    returns=STRING | NULL,
    doc="words in lower case joined by _: 'Test String' -> 'test_string'",
)
def snakecase(value: Any) -> str | None:
    return "_".join(w.lower() for w in _words(value)) if isinstance(value, str) else None


@function(
    "kebabcase",
    params=(STRING | NULL,),
    returns=STRING | NULL,
    doc="words in lower case joined by -: 'Test String' -> 'test-string'",
)
def kebabcase(value: Any) -> str | None:
    return "-".join(w.lower() for w in _words(value)) if isinstance(value, str) else None


@function(
    "titlecase",
    params=(STRING | NULL,),
    returns=STRING | NULL,
    doc="each space-separated word capitalised: 'test string' -> 'Test String'",
)
def titlecase(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(w[:1].upper() + w[1:].lower() for w in value.split(" "))


@function(
    "typeof",
    params=(ANY,),
    returns=STRING,
    doc="'string', 'number', 'bool', 'null', 'list' or 'object'",
)
def typeof(value: Any) -> str:
    return TYPE_NAMES[type_of(value)]


@function(
    "bool",
    params=(ANY,),
    returns=BOOL,
    doc="true for true, non-zero numbers and the text 'true' (any case); else false",
)
def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return False


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


@function(
    "string",
    params=(ANY,),
    returns=STRING | NULL,
    doc="the value as text: 5 -> '5', 1.5 -> '1.5', true -> 'true'; null stays null",
)
def to_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    return json_text(value)


@function(
    "number",
    params=(ANY,),
    returns=NUMBER | NULL,
    doc="finite numbers, and text that is one; otherwise null",
)
def to_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if is_finite(value) else None
    if isinstance(value, str):
        return number_from_text(value)
    return None


BUILTIN_FUNCTIONS: Functions = functions_table(
    value for value in tuple(globals().values()) if isinstance(value, Function)
)
"""The built-in FQL functions (every declaration of this module)."""
