"""The built-in directives: Segment's set, plus @coalesce, @lookup, @omit, @convert and the
``when`` condition of @if. Each is a declaration with its meaning (a plain function over its
options, which :mod:`.reference` runs) and its compile function (the fast form the backend
builds; see ``directives.py``). tests/mapping/test_reference.py checks that the two agree."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from actions.jsonvalues import (
    compact_json,
    is_finite,
    non_finite_path,
    number_from_text,
    number_text,
)
from actions.mapping.closures import constant
from actions.mapping.directives import (
    ARRAY_PATH,
    BOOLEAN,
    FQL,
    MAPPING,
    MAPPINGS,
    OBJECT_MAPPING,
    STRING,
    STRING_OR_DIRECTIVE,
    STRINGS,
    CompileContext,
    Lazy,
    OnOperand,
    Option,
    OptionError,
    Scope,
    directive,
)
from actions.mapping.ir import Const, Node, Path, Template
from actions.mapping.paths import (
    EMPTY_DATA,
    WHOLE_DATA,
    ParsedPath,
    PathSyntaxError,
    compile_path,
    parse_path,
    path_text,
)
from actions.mapping.template import compile_template, parse_template, render, renderer
from actions.mapping.values import (
    MISSING,
    DirectiveFailure,
    Evaluator,
    Failures,
    Settings,
    to_text,
    type_name,
)

MAX_REPLACE_LENGTH = 256
"""Longest @replace pattern or replacement (Segment allows 10)."""
MAX_FLATTEN_DEPTH = 32
"""Deepest object @flatten walks into."""
MAX_FLATTEN_KEYS = 10_000
"""Most keys @flatten may produce for one event."""
MAX_JSON_TEXT = 1_000_000
"""Longest text @json decode accepts (characters)."""
MAX_ITEMS = 10_000
"""Most items @arrayPath maps for one event."""
MAX_DYNAMIC_CACHE = 256

_NOTHING = constant(MISSING)


def _short(node: Any) -> tuple[str, ...]:
    """The keys of ``node`` when it reads a path of one to three string keys, else ``()``."""
    if isinstance(node, Path) and 1 <= len(node.string_keys) <= 3:
        return node.string_keys
    return ()


def _text_option(value: Any, name: str) -> str:
    """A string-or-directive option's value, known per event: a string, or a failure."""
    if not isinstance(value, str):
        raise DirectiveFailure(f"{name} expected a string, got {type_name(value)}")
    return value


def _reads_all(args: Mapping[str, Any]) -> tuple[str, ...]:
    """A path or template known only per event may read anything."""
    return (WHOLE_DATA,)


@lru_cache(maxsize=MAX_DYNAMIC_CACHE)
def _dynamic_path(text: str) -> ParsedPath:
    return parse_path(text)


@lru_cache(maxsize=MAX_DYNAMIC_CACHE)
def _dynamic_template(text: str) -> tuple[tuple[str, ...], tuple[ParsedPath, ...]]:
    return parse_template(text)


@lru_cache(maxsize=MAX_DYNAMIC_CACHE)
def _compiled_template(text: str) -> Evaluator:
    return compile_template(text)


# -- @path, @template, @literal ----------------------------------------------------------------


def _parse_path(args: Mapping[str, Any]) -> Any:
    """A path of literal text is a :class:`Path` node; a path given by a directive stays a call
    (its text known per event)."""
    value = args["value"]
    if not isinstance(value, str):
        return args
    try:
        return Path(parse_path(value))
    except PathSyntaxError as exc:
        raise OptionError(
            None, str(exc), hint="write paths like $.properties.items[0].sku"
        ) from None


def _path_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    text = _text_option(args["value"](), "@path")
    try:
        parsed = _dynamic_path(text)
    except PathSyntaxError as exc:
        raise DirectiveFailure(f"@path: {exc}") from None
    return scope.read(parsed)


@directive(
    "@path",
    argument=Option("value", STRING_OR_DIRECTIVE),
    summary="the value at a path of the event ($.a.b, $.a[0], $.a[*].b) or the settings",
    declares_reads=True,
    meaning=_path_meaning,
    parse=_parse_path,
    reads=_reads_all,
)
def path_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    text_of: Evaluator = args["value"]

    def dynamic(root: Any, settings: Settings, failures: Failures) -> Any:
        text = _text_option(text_of(root, settings, failures), "@path")
        try:
            reader = compile_path(_dynamic_path(text))
        except PathSyntaxError as exc:
            raise DirectiveFailure(f"@path: {exc}") from None
        return reader(root, settings, failures)

    return dynamic


def _parse_template(args: Mapping[str, Any]) -> Mapping[str, Any]:
    value = args["value"]
    if not isinstance(value, str):
        return args
    try:
        parts, paths = parse_template(value)
    except (PathSyntaxError, ValueError) as exc:
        raise OptionError(None, str(exc)) from None
    return {"value": Template(value, parts, paths)}


def _template_reads(args: Mapping[str, Any]) -> tuple[str, ...]:
    value = args["value"]
    return tuple(p.text for p in value.paths) if isinstance(value, Template) else (WHOLE_DATA,)


def _template_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    value = args["value"]
    if isinstance(value, Template):
        return render(value.parts, [scope.read(p) for p in value.paths])
    text = _text_option(value(), "@template")
    try:
        parts, paths = _dynamic_template(text)
    except (PathSyntaxError, ValueError) as exc:
        raise DirectiveFailure(f"@template: {exc}") from None
    return render(parts, [scope.read(p) for p in paths])


@directive(
    "@template",
    argument=Option("value", STRING_OR_DIRECTIVE),
    summary="text with {{path}} placeholders",
    declares_reads=True,
    meaning=_template_meaning,
    parse=_parse_template,
    reads=_template_reads,
)
def template_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator | OnOperand:
    value = args["value"]
    if isinstance(value, Template):
        if not value.paths:
            return constant(value.parts[0])
        return OnOperand(Path(value.paths[0]), renderer(value.parts, value.paths))
    text_of: Evaluator = value

    def dynamic(root: Any, settings: Settings, failures: Failures) -> Any:
        text = _text_option(text_of(root, settings, failures), "@template")
        try:
            render_text = _compiled_template(text)
        except (PathSyntaxError, ValueError) as exc:
            raise DirectiveFailure(f"@template: {exc}") from None
        return render_text(root, settings, failures)

    return dynamic


@directive(
    "@literal",
    argument=Option("value", MAPPING),
    summary="the value, as written",
    declares_reads=True,
    meaning=lambda args, scope: args["value"](),
)
def literal_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    evaluator: Evaluator = args["value"]
    return evaluator


# -- @if ---------------------------------------------------------------------------------------


def _if_reads(args: Mapping[str, Any]) -> list[str]:
    trigger = args["when"]
    if trigger is MISSING:
        return []
    return [path_text(keys) for keys in trigger.paths if keys[:1] != ("$settings",)]


def _condition_data(trigger: Any, root: Any, settings: Settings) -> Any:
    """What a ``when`` condition sees: the data, or, when it reads settings as
    ``$settings.name``, a copy of the data with the settings beside it."""
    if not any(path[:1] == ("$settings",) for path in trigger.paths):
        return root
    data = dict(root) if isinstance(root, dict) else {}
    data["$settings"] = dict(settings)
    return data


def _if_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    if args["when"] is not MISSING:
        holds = args["when"].matches(_condition_data(args["when"], scope.root, scope.settings))
    elif args["exists"] is not MISSING:
        value = args["exists"]()
        holds = value is not MISSING and value is not None
    else:
        value = args["blank"]()
        holds = value is not MISSING and value is not None and value != ""
    branch: Lazy | Any = args["then"] if holds else args["else"]
    return MISSING if branch is MISSING else branch()


@directive(
    "@if",
    options=(
        Option("exists", MAPPING, description="true when the value is neither missing nor null"),
        Option("blank", MAPPING, description='true when the value is not missing, null or ""'),
        Option("when", FQL, description="an FQL condition on the data"),
        Option("then", MAPPING),
        Option("else", MAPPING),
    ),
    one_of=("exists", "blank", "when"),
    summary="then or else, by a condition",
    declares_reads=True,
    meaning=_if_meaning,
    reads=_if_reads,
)
def if_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    then: Evaluator = args["then"] if args["then"] is not MISSING else _NOTHING
    else_: Evaluator = args["else"] if args["else"] is not MISSING else _NOTHING
    if args["when"] is not MISSING:
        trigger = args["when"]
        matches = trigger.matches
        if not any(path[:1] == ("$settings",) for path in trigger.paths):

            def when(root: Any, settings: Settings, failures: Failures) -> Any:
                return (then if matches(root) else else_)(root, settings, failures)

            return when

        if all(path[:1] == ("$settings",) for path in trigger.paths):
            # A condition on the settings alone sees nothing else: no copy of the data.

            def when_settings_only(root: Any, settings: Settings, failures: Failures) -> Any:
                data = {"$settings": settings if type(settings) is dict else dict(settings)}
                return (then if matches(data) else else_)(root, settings, failures)

            return when_settings_only

        def when_settings(root: Any, settings: Settings, failures: Failures) -> Any:
            data = dict(root) if isinstance(root, dict) else {}
            data["$settings"] = dict(settings)
            return (then if matches(data) else else_)(root, settings, failures)

        return when_settings
    if args["exists"] is not MISSING:
        operand: Evaluator = args["exists"]

        def exists(root: Any, settings: Settings, failures: Failures) -> Any:
            value = operand(root, settings, failures)
            chosen = then if value is not MISSING and value is not None else else_
            return chosen(root, settings, failures)

        return exists
    operand = args["blank"]

    def blank(root: Any, settings: Settings, failures: Failures) -> Any:
        value = operand(root, settings, failures)
        chosen = then if value is not MISSING and value is not None and value != "" else else_
        return chosen(root, settings, failures)

    return blank


# -- strings -----------------------------------------------------------------------------------


def _case_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    value = args["value"]()
    if not isinstance(value, str):
        return value
    return value.lower() if args["operator"] == "lower" else value.upper()


@directive(
    "@case",
    options=(
        Option("operator", STRING, required=True, choices=("lower", "upper")),
        Option("value", MAPPING, required=True),
    ),
    summary="a string in lower or upper case (other values unchanged)",
    declares_reads=True,
    meaning=_case_meaning,
)
def case_(args: Mapping[str, Any], ctx: CompileContext) -> OnOperand:
    convert = str.lower if args["operator"] == "lower" else str.upper

    def case(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
        return convert(value) if isinstance(value, str) else value

    return OnOperand(ctx.call.args["value"], case, keeps_missing=True)


def _replacer(pattern: str, replacement: str, ignorecase: bool, all_: bool) -> Any:
    if not ignorecase:
        count = -1 if all_ else 1
        return lambda text: text.replace(pattern, replacement, count)
    regex = re.compile(re.escape(pattern), re.IGNORECASE)
    count = 0 if all_ else 1
    return lambda text: regex.sub(lambda _match: replacement, text, count=count)


def _replace_text_of(value: Any) -> Any:
    """What @replace replaces in: text; a number or boolean as its text; null as it is."""
    if value is MISSING or value is None:
        return value
    if isinstance(value, bool | int | float):
        return to_text(value)
    if not isinstance(value, str):
        raise DirectiveFailure(f"@replace expected a string, got {type_name(value)}")
    return value


def _replace_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    value = _replace_text_of(args["value"]())
    if not isinstance(value, str):
        return value
    pairs = [(args["pattern"], args["replacement"])]
    if args["pattern2"] is not MISSING:
        pairs.append((args["pattern2"], args["replacement2"]))
    for pattern, replacement in pairs:
        value = _replacer(pattern, replacement, args["ignorecase"], args["global"])(value)
    return value


@directive(
    "@replace",
    options=(
        Option("value", MAPPING, required=True),
        Option("pattern", STRING, required=True, min_length=1, max_length=MAX_REPLACE_LENGTH),
        Option("replacement", STRING, default="", max_length=MAX_REPLACE_LENGTH),
        Option("pattern2", STRING, min_length=1, max_length=MAX_REPLACE_LENGTH),
        Option("replacement2", STRING, default="", max_length=MAX_REPLACE_LENGTH),
        Option("ignorecase", BOOLEAN, default=False),
        Option("global", BOOLEAN, default=True),
    ),
    summary="literal find and replace (twice at most)",
    declares_reads=True,
    meaning=_replace_meaning,
)
def replace_(args: Mapping[str, Any], ctx: CompileContext) -> OnOperand:
    operand: Node = ctx.call.args["value"]
    first = _replacer(args["pattern"], args["replacement"], args["ignorecase"], args["global"])
    second = None
    if args["pattern2"] is not MISSING:
        second = _replacer(
            args["pattern2"], args["replacement2"], args["ignorecase"], args["global"]
        )

    if second is None and not args["ignorecase"]:
        # One literal pair (the usual case): str.replace, without a call in between.
        pattern: str = args["pattern"]
        replacement: str = args["replacement"]
        count = -1 if args["global"] else 1

        def replace_once(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
            if type(value) is not str:
                if value is MISSING or value is None:
                    return value
                value = _replace_text_of(value)
                if not isinstance(value, str):
                    return value
            return value.replace(pattern, replacement, count)

        return OnOperand(operand, replace_once, keeps_missing=True)

    def replace(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
        value = _replace_text_of(value)
        if not isinstance(value, str):
            return value
        value = first(value)
        return second(value) if second is not None else value

    return OnOperand(operand, replace, keeps_missing=True)


# -- arrays and objects ------------------------------------------------------------------------


def _items(value: Any) -> list[Any] | None:
    """What @arrayPath maps: a list as it is, an object as a list of one; None for anything
    else (given back unchanged). Raises for more than :data:`MAX_ITEMS` items."""
    if type(value) is not list:
        if isinstance(value, dict):
            return [value]
        if not isinstance(value, list):
            return None
    if len(value) > MAX_ITEMS:
        raise DirectiveFailure(f"@arrayPath: {len(value)} items, more than {MAX_ITEMS}")
    return value


def _parse_array_path(args: Mapping[str, Any]) -> Mapping[str, Any]:
    root, shape = args["value"]
    if isinstance(root, str):
        try:
            root = Path(parse_path(root))
        except PathSyntaxError as exc:
            raise OptionError(None, str(exc)) from None
    return {"value": (root, shape)}


def _array_path_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    source, shape = args["value"]
    value = source()
    if shape is None or value is MISSING:
        return value
    items = _items(value)
    if items is None:
        return value
    mapped = [shape.at(item) for item in items]
    return [None if item is MISSING else item for item in mapped]


@directive(
    "@arrayPath",
    argument=Option("value", ARRAY_PATH),
    summary="a list (from a path), each item reshaped by an item mapping",
    declares_reads=True,
    meaning=_array_path_meaning,
    parse=_parse_array_path,
)
def array_path_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator | OnOperand:
    source: Evaluator = args["value"][0]
    shape: Evaluator | None = args["value"][1]
    source_node, _ = ctx.call.args["value"]
    if shape is None:
        return source
    # The item shape is compiled like any object (one that reads only keys of the item is a
    # plain loop of dict.get, see closures.plain_object): one call per item.
    item_shape = shape

    def array_path(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
        items = _items(value)
        if items is None:
            return value
        out = []
        for item in items:
            mapped = item_shape(item, settings, failures)
            out.append(None if mapped is MISSING else mapped)
        return out

    return OnOperand(source_node, array_path, keeps_missing=True)


def _merge_into(out: dict[str, Any], position: int, value: Any) -> None:
    """Merge ``value``, the object at ``position`` in the order of merging, into ``out``."""
    if value is MISSING or value is None:
        return
    if not isinstance(value, dict):
        raise DirectiveFailure(f"@merge: object {position} is {type_name(value)}, not object")
    out.update(value)


def _merge_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    parts: tuple[Lazy, ...] = args["objects"]
    out: dict[str, Any] = {}
    order = range(len(parts)) if args["direction"] == "right" else range(len(parts) - 1, -1, -1)
    for position, index in enumerate(order):
        _merge_into(out, position, parts[index]())
    return out


def merged(values: tuple[Any, ...]) -> dict[str, Any]:
    """The objects of ``@merge`` (right: later wins), their values given in order (generated
    mappings evaluate them inline, then call this)."""
    out: dict[str, Any] = {}
    for position, value in enumerate(values):
        _merge_into(out, position, value)
    return out


@directive(
    "@merge",
    options=(
        Option("objects", MAPPINGS, required=True, min_length=0),
        Option("direction", STRING, default="right", choices=("left", "right")),
    ),
    summary="one object from several (right: later wins; left: earlier wins)",
    declares_reads=True,
    meaning=_merge_meaning,
)
def merge_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    parts: tuple[Evaluator, ...] = args["objects"]
    if args["direction"] == "left":
        parts = parts[::-1]

    def merge(root: Any, settings: Settings, failures: Failures) -> Any:
        out: dict[str, Any] = {}
        for position, part in enumerate(parts):  # each evaluated once those before it merged
            _merge_into(out, position, part(root, settings, failures))
        return out

    return merge


@directive(
    "@transform",
    options=(
        Option("apply", OBJECT_MAPPING, required=True),
        Option("mapping", MAPPING, required=True, relative=True),
    ),
    summary="apply one mapping, then map its result",
    declares_reads=True,
    meaning=lambda args, scope: args["mapping"].at(args["apply"]()),
)
def transform_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    first: Evaluator = args["apply"]
    then: Evaluator = args["mapping"]

    def transform(root: Any, settings: Settings, failures: Failures) -> Any:
        return then(first(root, settings, failures), settings, failures)

    return transform


def _flatten_into(
    out: dict[str, Any], value: Any, prefix: str, separator: str, omit_arrays: bool, depth: int
) -> None:
    if depth > MAX_FLATTEN_DEPTH:
        raise DirectiveFailure(f"@flatten: value is nested deeper than {MAX_FLATTEN_DEPTH} levels")
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list) and not omit_arrays:
        items = enumerate(value)
    else:
        out[prefix] = value
        if len(out) > MAX_FLATTEN_KEYS:
            raise DirectiveFailure(f"@flatten: more than {MAX_FLATTEN_KEYS} keys")
        return
    for key, child in items:
        name = f"{prefix}{separator}{key}" if prefix else str(key)
        _flatten_into(out, child, name, separator, omit_arrays, depth + 1)


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def _flatten_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    value = args["value"]()
    if not isinstance(value, dict | list):
        return value
    out: dict[str, Any] = {}
    _flatten_into(out, value, "", args["separator"], args["omitArrays"], 0)
    return out


@directive(
    "@flatten",
    options=(
        Option("value", MAPPING, required=True),
        Option("separator", STRING, default="."),
        Option("omitArrays", BOOLEAN, default=False),
    ),
    summary="a nested object as one level, keys joined by the separator",
    declares_reads=True,
    meaning=_flatten_meaning,
)
def flatten_(args: Mapping[str, Any], ctx: CompileContext) -> OnOperand:
    separator: str = args["separator"]
    omit_arrays: bool = args["omitArrays"]

    scalars = _SCALAR_TYPES
    containers = (dict, list)
    limit = MAX_FLATTEN_KEYS

    def flatten(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
        if not isinstance(value, containers):
            return value
        out: dict[str, Any] = {}
        if not isinstance(value, dict):
            _flatten_into(out, value, "", separator, omit_arrays, 0)
            return out
        # The top level of _flatten_into, inline: a string key with a scalar value is kept as
        # it is (most objects given to @flatten are flat); anything else is flattened into
        # the result under its key. The key limit is checked before each descent and at
        # the end, so the same failure is reported.
        for key, child in value.items():
            if type(key) is str and type(child) in scalars:
                out[key] = child
            else:
                if len(out) > limit:
                    raise DirectiveFailure(f"@flatten: more than {limit} keys")
                _flatten_into(out, child, str(key), separator, omit_arrays, 1)
        if len(out) > limit:
            raise DirectiveFailure(f"@flatten: more than {limit} keys")
        return out

    return OnOperand(ctx.call.args["value"], flatten, keeps_missing=True)


@directive(
    "@json",
    options=(
        Option("mode", STRING, required=True, choices=("encode", "decode")),
        Option("value", MAPPING, required=True),
    ),
    summary="JSON text from a value (encode), or a value from JSON text (decode)",
    declares_reads=True,
    meaning=lambda args, scope: _json(args["mode"], args["value"]()),
)
def json_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    operand: Evaluator = args["value"]
    transform = _json_encode if args["mode"] == "encode" else _json_decode

    def evaluate(root: Any, settings: Settings, failures: Failures) -> Any:
        return transform(operand(root, settings, failures))

    return evaluate


def _json(mode: str, value: Any) -> Any:
    """What @json means."""
    return _json_encode(value) if mode == "encode" else _json_decode(value)


def _json_encode(value: Any) -> Any:
    if value is MISSING:
        return MISSING
    try:
        return compact_json(value)
    except ValueError:
        raise DirectiveFailure(_non_finite_message("@json encode", value)) from None


def _json_decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if len(value) > MAX_JSON_TEXT:
        raise DirectiveFailure(f"@json decode: text longer than {MAX_JSON_TEXT} characters")
    try:
        return json.loads(value, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise DirectiveFailure(f"@json decode: not valid JSON ({exc})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _non_finite_message(what: str, value: Any) -> str:
    path = non_finite_path(value)
    where = "" if not path else " at " + "".join(f"[{k!r}]" for k in path)
    return f"{what}: NaN and Infinity are not JSON numbers (one{where})"


def _exclude_when_null(value: Any) -> Any:
    return MISSING if value is None else _without_nulls(value)


def _without_nulls(value: Any, depth: int = 0) -> Any:
    if isinstance(value, dict) and depth <= MAX_FLATTEN_DEPTH:
        return {k: _without_nulls(v, depth + 1) for k, v in value.items() if v is not None}
    return value


@directive(
    "@excludeWhenNull",
    argument=Option("value", MAPPING),
    summary="the value, left out when null (null keys removed from objects)",
    declares_reads=True,
    meaning=lambda args, scope: _exclude_when_null(args["value"]()),
)
def exclude_when_null_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    operand: Evaluator = args["value"]

    def exclude(root: Any, settings: Settings, failures: Failures) -> Any:
        value = operand(root, settings, failures)
        if value is None:
            return MISSING
        return _without_nulls(value)

    return exclude


# -- additions ---------------------------------------------------------------------------------


def _coalesce_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    value: Any = MISSING
    for candidate in args["value"]:
        value = candidate()
        if value is not MISSING and value is not None:
            return value
    return value


@directive(
    "@coalesce",
    argument=Option("value", MAPPINGS),
    summary="the first candidate that is neither missing nor null",
    declares_reads=True,
    meaning=_coalesce_meaning,
)
def coalesce_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator | OnOperand:
    candidates: tuple[Evaluator, ...] = args["value"]
    if len(candidates) == 2:
        first, second = candidates
        first_node, second_node = ctx.call.args["value"]
        if _short(first_node):
            # The first candidate is a path, read without a call; a constant fallback is
            # returned without one either.
            if isinstance(second_node, Const):
                fallback = second_node.value

                def or_constant(
                    value: Any, root: Any, settings: Settings, failures: Failures
                ) -> Any:
                    return fallback if value is MISSING or value is None else value

                return OnOperand(first_node, or_constant)

            if _short(second_node):
                # Both candidates are short paths: the second is read here too.
                k1, k2, k3 = (*_short(second_node), None, None)[:3]
                get = dict.get
                empty = EMPTY_DATA

                def or_path(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
                    if value is not MISSING and value is not None:
                        return value
                    try:
                        if k2 is None:
                            return get(root, k1, MISSING)
                        if k3 is None:
                            return get(get(root, k1) or empty, k2, MISSING)
                        return get(get(get(root, k1) or empty, k2) or empty, k3, MISSING)
                    except Exception:  # a non-dict intermediate: the path is missing
                        return MISSING

                return OnOperand(first_node, or_path)

            def or_second(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
                if value is MISSING or value is None:
                    return second(root, settings, failures)
                return value

            return OnOperand(first_node, or_second)

        def coalesce2(root: Any, settings: Settings, failures: Failures) -> Any:
            value = first(root, settings, failures)
            if value is MISSING or value is None:
                return second(root, settings, failures)
            return value

        return coalesce2

    def coalesce(root: Any, settings: Settings, failures: Failures) -> Any:
        value: Any = MISSING
        for candidate in candidates:
            value = candidate(root, settings, failures)
            if value is not MISSING and value is not None:
                return value
        return value

    return coalesce


def _lookup_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    key = args["value"]()
    if isinstance(key, str | int | float) and not isinstance(key, bool):
        table = args["table"]()
        if isinstance(table, dict) and to_text(key) in table:
            return table[to_text(key)]
        if not isinstance(table, dict) and table is not MISSING and table is not None:
            raise DirectiveFailure(f"@lookup: the table is {type_name(table)}, not object")
    return MISSING if args["default"] is MISSING else args["default"]()


@directive(
    "@lookup",
    options=(
        Option("value", MAPPING, required=True),
        Option("table", OBJECT_MAPPING, required=True),
        Option("default", MAPPING),
    ),
    summary="the value looked up in a table (inline, or read from the settings)",
    declares_reads=True,
    meaning=_lookup_meaning,
)
def lookup_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    operand: Evaluator = args["value"]
    table: Evaluator = args["table"]
    default: Evaluator = args["default"] if args["default"] is not MISSING else _NOTHING

    def lookup(root: Any, settings: Settings, failures: Failures) -> Any:
        key = operand(root, settings, failures)
        kind = type(key)
        if kind is str or (isinstance(key, str | int | float) and not isinstance(key, bool)):
            found = table(root, settings, failures)
            if isinstance(found, dict):
                value = found.get(key if kind is str else to_text(key), MISSING)
                if value is not MISSING:
                    return value
            elif found is not MISSING and found is not None:
                raise DirectiveFailure(f"@lookup: the table is {type_name(found)}, not object")
        return default(root, settings, failures)

    return lookup


def _omit(value: Any, keys: Collection[str]) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in keys}
    if value is MISSING or value is None:
        return value
    raise DirectiveFailure(f"@omit expected an object, got {type_name(value)}")


@directive(
    "@omit",
    options=(Option("value", MAPPING, required=True), Option("keys", STRINGS, required=True)),
    summary="an object without the listed keys",
    declares_reads=True,
    meaning=lambda args, scope: _omit(args["value"](), args["keys"]),
)
def omit_(args: Mapping[str, Any], ctx: CompileContext) -> OnOperand:
    drop = frozenset(args["keys"])

    def omit(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
        return _omit(value, drop)

    return OnOperand(ctx.call.args["value"], omit, keeps_missing=True)


def _to_number(value: Any) -> Any:
    """A number, or text that writes one (a leading + allowed; see
    :func:`actions.jsonvalues.number_text`); never NaN or ±Infinity (those are missing)."""
    if isinstance(value, bool):
        return MISSING
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if is_finite(value) else MISSING
    if isinstance(value, str):
        number = number_from_text(value, plus_sign=True)
        return MISSING if number is None else number
    return MISSING


def _to_integer(value: Any) -> Any:
    number = _to_number(value)
    if isinstance(number, float):
        return int(number) if number.is_integer() else MISSING
    return number


def _to_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    return MISSING


def _to_string(value: Any) -> Any:
    if type(value) is str:
        return value
    if value is None or value is MISSING:
        return MISSING
    try:
        return to_text(value)
    except DirectiveFailure:  # NaN or Infinity (also inside), or an integer too long for text
        return MISSING


def _dated(text: str) -> bool:
    """Whether ``text`` starts as a date does, four digits and ``-`` (``2026-12-06...``): then
    it is no number (a ``-`` inside a number follows ``e``), and the number's parse is spared."""
    return text[4:5] == "-" and text[:4].isdigit()


def _epoch_seconds(value: Any) -> float | None:
    """Seconds since the epoch from an ISO 8601 string, or from a number (seconds, or
    milliseconds when larger than 10^11)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            seconds = value / 1000 if abs(value) > 1e11 else float(value)
        except OverflowError:  # an integer too large for a float
            return None
        return seconds if is_finite(seconds) else None
    if isinstance(value, str):
        text = value.strip()
        if not _dated(text) and number_text(text, plus_sign=True) is not None:
            return _epoch_seconds(float(text))
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None


def _to_unix_seconds(value: Any) -> Any:
    seconds = _epoch_seconds(value)
    return MISSING if seconds is None else int(seconds // 1)


def _to_unix_milliseconds(value: Any) -> Any:
    seconds = _epoch_seconds(value)
    return MISSING if seconds is None else round(seconds * 1000)


def _to_iso8601(value: Any) -> Any:
    seconds = _epoch_seconds(value)
    if seconds is None:
        return MISSING
    try:
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return MISSING
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Each byte as it appears in a URL component: RFC 3986's unreserved characters as themselves,
# any other byte as %XX: one str.translate over the bytes read as Latin-1 characters.
_PERCENT = {
    b: chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-._~") else f"%{b:02X}"
    for b in range(256)
}


def _to_percent_encoded(value: Any) -> Any:
    """Text percent-encoded as a URL component: the UTF-8 bytes of every character other than
    ``A-Z a-z 0-9 - . _ ~`` as ``%XX`` (a space is ``%20``); numbers and booleans as their text.
    A lone surrogate (possible in JSON text) is encoded as its three bytes, never an error."""
    text = _to_string(value)
    if text is MISSING:
        return text
    return text.encode("utf-8", "surrogatepass").decode("latin-1").translate(_PERCENT)


CONVERSIONS = {
    "string": _to_string,
    "number": _to_number,
    "integer": _to_integer,
    "boolean": _to_boolean,
    "unix_seconds": _to_unix_seconds,
    "unix_milliseconds": _to_unix_milliseconds,
    "iso8601": _to_iso8601,
    "percent_encoded": _to_percent_encoded,
}


def _convert_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    value = args["value"]()
    conversion = CONVERSIONS[args["to"]]
    if value is MISSING:
        return MISSING
    if args["each"] and isinstance(value, dict):
        converted = {key: conversion(item) for key, item in value.items()}
        return {key: item for key, item in converted.items() if item is not MISSING}
    if args["each"] and isinstance(value, list):
        return [None if item is MISSING else item for item in map(conversion, value)]
    return conversion(value)


@directive(
    "@convert",
    options=(
        Option("value", MAPPING, required=True),
        Option("to", STRING, required=True, choices=tuple(CONVERSIONS)),
        Option("each", BOOLEAN, default=False),
    ),
    summary="the value converted to another type (missing when it cannot be)",
    declares_reads=True,
    meaning=_convert_meaning,
)
def convert_(args: Mapping[str, Any], ctx: CompileContext) -> OnOperand:
    conversion = CONVERSIONS[args["to"]]
    # The one type the conversion gives back as it is, with no call (text to text).
    kept: type | None = str if args["to"] == "string" else None
    if not args["each"]:

        def convert(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
            return conversion(value)

        return OnOperand(ctx.call.args["value"], convert, keeps_missing=True)

    def convert_each(value: Any, root: Any, settings: Settings, failures: Failures) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if type(item) is not kept:
                    item = conversion(item)
                    if item is MISSING:
                        continue
                out[key] = item
            return out
        if isinstance(value, list):
            converted_items = [conversion(item) for item in value]
            return [None if item is MISSING else item for item in converted_items]
        return conversion(value)

    return OnOperand(ctx.call.args["value"], convert_each, keeps_missing=True)


__all__ = ["CONVERSIONS"]
