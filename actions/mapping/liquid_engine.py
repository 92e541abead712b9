"""Liquid templates on python-liquid, with Segment's limits: what ``@liquid`` (``liquid.py``)
parses and renders. Imported when the first ``@liquid`` is compiled, not before: python-liquid
is a large import that most mappings never need.

The template is parsed once, when the mapping is compiled: a template that does not parse, or
that uses a disabled tag, a disabled filter or a filter python-liquid does not have, is a
located compile error naming it. Rendering is bounded:

- the template is at most 1,000 characters (Segment's limit);
- the tags ``case``, ``for``, ``include``, ``layout``, ``render`` and ``tablerow`` are disabled,
  as in Segment, so a template has no loop and no partial: every tag and output runs at most
  once, and render time is linear in the size of the template times the largest value;
- every filter's result is bounded (:data:`MAX_VALUE_LENGTH` characters of text,
  :data:`MAX_ITEMS` items of a list, :data:`MAX_INTEGER_BITS` bits for whole numbers), as
  are the output (:data:`MAX_OUTPUT_BYTES`) and the template's own variables (``assign``,
  ``capture``): python-liquid's ``output_stream_limit`` and ``local_namespace_limit``.

python-liquid has no render time limit (Segment's liquidjs has 500 ms); these bounds take its
place: a template cannot stall a stream (see docs/mapping.md for the measured worst case).

Results follow liquidjs where Liquid dialects differ: ``divided_by`` divides (``10 | divided_by:
4`` is ``2.5``), and whole numbers print without ``.0``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TextIO

from liquid import Environment
from liquid.builtin.output import Output, OutputNode
from liquid.builtin.tags.echo_tag import EchoNode, EchoTag
from liquid.context import RenderContext
from liquid.exceptions import FilterError, LiquidError, LiquidSyntaxError
from liquid.stream import TokenStream
from liquid.stringify import to_liquid_string
from liquid.tag import Tag

from actions.mapping.liquid import MAX_OUTPUT_BYTES
from actions.mapping.values import DirectiveFailure

MAX_VALUE_LENGTH = 100_000
"""Longest text or list a filter may produce."""

MAX_ITEMS = 1_000
"""Longest list a filter may produce (``split``)."""

MAX_INTEGER_BITS = 1024
"""Largest whole number a filter may produce, in bits (``times`` of large numbers)."""

MAX_LOCALS_BYTES = 1_000_000
"""Largest total size of the template's own variables (``assign``, ``capture``)."""

DISABLED_TAGS = ("case", "for", "include", "layout", "render", "tablerow")
"""Tags Segment disables."""

DISABLED_FILTERS = (
    "array_to_sentence_string",
    "concat",
    "find",
    "find_exp",
    "find_index",
    "find_index_exp",
    "group_by",
    "group_by_exp",
    "has",
    "has_exp",
    "map",
    "newline_to_br",
    "reject",
    "reject_exp",
    "reverse",
    "sort",
    "sort_natural",
    "uniq",
    "where_exp",
    "type",
)
"""Filters Segment disables (some are liquidjs's own and unknown to python-liquid)."""


def _number_text(value: Any) -> Any:
    """Numbers as JavaScript prints them: whole floats without ``.0``."""
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) < 2**53
    ):
        return str(int(value))
    return value


class _JsOutputNode(OutputNode):
    """An output statement whose whole floats print as liquidjs prints them."""

    __slots__ = ()

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        value = _number_text(self.expression.evaluate(context))
        return buffer.write(to_liquid_string(value, context.autoescape))


class _JsOutput(Output):
    node_class = _JsOutputNode


class _JsEchoNode(EchoNode):
    """``{% echo %}``, printing numbers as output statements do."""

    __slots__ = ()

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        value = _number_text(self.expression.evaluate(context))
        return buffer.write(to_liquid_string(value, context.autoescape))


class _JsEcho(EchoTag):
    node_class = _JsEchoNode


def _disabled_tag(tag_name: str) -> type[Tag]:
    class Disabled(Tag):
        name = tag_name
        block = False

        def parse(self, stream: TokenStream) -> Any:
            raise LiquidSyntaxError(f'tag "{tag_name}" is disabled', token=stream.current)

    return Disabled


def _too_big(name: str, value: Any) -> str | None:
    if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
        return f"{name}: the result is longer than {MAX_VALUE_LENGTH:,} characters"
    if isinstance(value, list | dict) and len(value) > MAX_ITEMS:
        return f"{name}: the result has more than {MAX_ITEMS:,} items"
    if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS:
        return f"{name}: the result is larger than 2**{MAX_INTEGER_BITS}"
    return None


def _bounded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its result bounded; for ``replace`` and ``join``, the result's size
    is checked before it is built (their results can be a product of their inputs' sizes)."""

    @functools.wraps(function)
    def bounded(value: Any, *args: Any, **kwargs: Any) -> Any:
        if name in ("replace", "join") and isinstance(value, str | list) and args:
            _check_product(name, value, args)
        result = function(value, *args, **kwargs)
        problem = _too_big(name, result)
        if problem:
            raise FilterError(problem, token=None)
        return result

    return bounded


def _check_product(name: str, value: str | list[Any], args: tuple[Any, ...]) -> None:
    if name == "replace" and isinstance(value, str) and len(args) >= 2:
        pattern, replacement = str(args[0]), str(args[1])
        count = value.count(pattern)
        size = len(value) + count * (len(replacement) - len(pattern))
    elif name == "join" and isinstance(value, list):
        size = len(value) * len(str(args[0])) + sum(
            len(item) if isinstance(item, str) else 24 for item in value
        )
    else:
        return
    if size > MAX_VALUE_LENGTH:
        raise FilterError(
            f"{name}: the result is longer than {MAX_VALUE_LENGTH:,} characters", token=None
        )


def _js_round(value: Any, places: Any = 0) -> Any:
    """liquidjs's ``round``: halves go up (``3.25 | round: 1`` is ``3.3``), not to even."""
    number = _to_number(value)
    digits = _to_number(places)
    digits = int(digits) if isinstance(digits, int | float) and math.isfinite(digits) else 0
    if not isinstance(number, int | float) or not math.isfinite(number):
        return number
    digits = max(0, min(digits, 15))
    scale = 10**digits
    rounded = math.floor(number * scale + 0.5) / scale
    return int(rounded) if digits == 0 else rounded


def _to_number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value))
    except ValueError:
        return 0


class SegmentLiquid(Environment):
    """python-liquid with Segment's tags and filters, and bounded rendering."""

    output_stream_limit: ClassVar[int | None] = MAX_OUTPUT_BYTES
    local_namespace_limit: ClassVar[int | None] = MAX_LOCALS_BYTES
    loop_iteration_limit: ClassVar[int | None] = 1_000  # no loop tag is enabled; a belt
    context_depth_limit: ClassVar[int] = 10

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=False)
        self.add_tag(_JsOutput)
        self.add_tag(_JsEcho)
        for name in DISABLED_TAGS:
            self.add_tag(_disabled_tag(name))
        for name in DISABLED_FILTERS:
            self.filters.pop(name, None)
        divided_by = self.filters["divided_by"]

        def divide(value: Any, other: Any = None, *args: Any, **kwargs: Any) -> Any:
            # liquidjs divides; Ruby Liquid (and python-liquid) divide integers whole.
            if isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            return divided_by(value, other, *args, **kwargs)

        self.filters["divided_by"] = divide
        self.filters["round"] = _js_round
        for name, function in list(self.filters.items()):
            self.filters[name] = _bounded(name, function)


ENVIRONMENT = SegmentLiquid()


class Template:
    """A parsed template; calling it renders it with ``data``'s keys as its variables."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._template = ENVIRONMENT.from_string(source) if source else None

    def render(self, data: Mapping[str, Any]) -> str:
        if self._template is None:
            return ""
        return self._template.render(data)


def parse(source: str) -> tuple[Template | None, str | None, int | None]:
    """``(template, None, None)``, or ``(None, message, offset)`` for a template that does not
    parse or uses a disabled or unknown tag or filter (offset into ``source``, when known)."""
    try:
        template = Template(source)
    except LiquidError as exc:
        token = exc.token
        offset = token.start_index if token is not None and token.start_index >= 0 else None
        message = str(exc.message)
        if message.startswith("unexpected tag '"):
            name = message[len("unexpected tag '") :].rstrip("'")
            if name in DISABLED_TAGS:
                message = f'tag "{name}" is disabled'
        return None, message, offset
    if template._template is None:
        return template, None, None
    analysis = template._template.analyze(include_partials=False)
    problems: list[tuple[int, str]] = []
    for name, spans in analysis.filters.items():
        offset = min((span.index for span in spans), default=0)
        if name in DISABLED_FILTERS:
            problems.append((offset, f'filter "{name}" is disabled'))
        elif name not in ENVIRONMENT.filters:
            problems.append((offset, f'unknown filter "{name}"'))
    if problems:
        problems.sort()
        return None, "; ".join(message for _, message in problems), problems[0][0]
    return template, None, None


def _path_text(segments: list[Any]) -> str:
    """``$.properties['a b'][0]`` for a variable's segments, up to its first dynamic one."""
    out = "$"
    for segment in segments:
        if isinstance(segment, bool) or not isinstance(segment, str | int):
            break  # a segment known only when rendering: the path read is its prefix
        if isinstance(segment, int):
            out += f"[{segment}]"
        elif segment.isidentifier():
            out += f".{segment}"
        else:
            escaped = segment.replace("\\", "\\\\").replace("'", "\\'")
            out += f"['{escaped}']"
    return out


def event_paths(template: Template) -> list[str]:
    """The data paths a template reads (its global variables), as ``@path`` texts."""
    if template._template is None:
        return []
    analysis = template._template.analyze(include_partials=False)
    return sorted({_path_text(list(v.segments)) for vs in analysis.globals.values() for v in vs})


_NO_DATA: Mapping[str, Any] = {}


def render(template: Template, root: Any) -> str:
    """What @liquid gives: the template rendered with the data's keys as its variables."""
    try:
        return template.render(root if isinstance(root, dict) else _NO_DATA)
    except LiquidError as exc:
        raise DirectiveFailure(f"@liquid: {exc.message}") from None
    except (ValueError, ArithmeticError, MemoryError, RecursionError) as exc:
        raise DirectiveFailure(f"@liquid: {type(exc).__name__}: {exc}") from None
