"""``@template`` strings: ``"{{properties.name}} ({{$settings.region}})"``.

A template is split once into literal text and path readers. ``{{ path }}`` and ``{{{ path }}}``
are the same (no HTML escaping, as in Segment). Placeholders use the ``@path`` syntax, including
the ``$.`` prefix and ``$settings.`` paths. Values render as JSON would (see
:func:`actions.mapping.values.to_text`); null and missing render as nothing.
"""

from __future__ import annotations

from typing import Any

from actions.mapping.paths import ParsedPath, compile_path, parse_path
from actions.mapping.values import (
    MISSING,
    DirectiveFailure,
    Evaluator,
    Failures,
    Settings,
    Transform,
    to_text,
)

MAX_TEMPLATE_LENGTH = 10_000
"""Longest template text accepted (characters)."""
MAX_RENDERED_LENGTH = 100_000
"""Longest text a template may render for one event (characters)."""


def _scan(template: str) -> list[tuple[int, int, str]]:
    """``(start, end, inner text)`` of every placeholder, left to right: ``{{{inner}}}`` or
    ``{{inner}}``, the inner text holding no ``}``. What the regular expression
    ``\\{\\{\\{([^}]*)\\}\\}\\}|\\{\\{([^}]*)\\}\\}`` finds, without its cost: it reads the text
    after every ``{{`` up to the next ``}``, which is quadratic on ``"{" * n``; here the next
    ``}`` is found once and reused until it is passed, so the scan is linear."""
    out: list[tuple[int, int, str]] = []
    position = 0
    close = -1  # the first "}" at or after the last place looked from (-1: not looked yet)
    while True:
        start = template.find("{{", position)
        if start < 0:
            return out
        if close < start + 2:
            close = template.find("}", start + 2)
            if close < 0:  # no "}" after this "{{": none after any later one either
                return out
        if template.startswith("{", start + 2) and template.startswith("}}}", close):
            out.append((start, close + 3, template[start + 3 : close]))
            position = close + 3
        elif template.startswith("}}", close):
            out.append((start, close + 2, template[start + 2 : close]))
            position = close + 2
        else:
            position = start + 1


def placeholders(template: str) -> list[tuple[int, str]]:
    """``(offset, path text)`` of every placeholder, in order."""
    return [(start, inner.strip()) for start, _, inner in _scan(template)]


def parse_template(template: str) -> tuple[tuple[str, ...], tuple[ParsedPath, ...]]:
    """Split into literal parts (one more than paths) and parsed paths. Raises
    :class:`actions.mapping.paths.PathSyntaxError` or ``ValueError`` for a bad template."""
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise ValueError(f"template is longer than {MAX_TEMPLATE_LENGTH} characters")
    parts: list[str] = []
    paths: list[ParsedPath] = []
    position = 0
    for start, end, inner in _scan(template):
        parts.append(template[position:start])
        paths.append(parse_path(inner.strip()))
        position = end
    parts.append(template[position:])
    return tuple(parts), tuple(paths)


def _text(value: Any) -> str:
    """A placeholder's value as text (a plain ``str``, so joining never runs a subclass's
    methods)."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, str):
        return str.__str__(value)
    return to_text(value)


def _too_long(text: str) -> DirectiveFailure:
    return DirectiveFailure(
        f"@template rendered {len(text)} characters, more than {MAX_RENDERED_LENGTH}"
    )


def render(parts: tuple[str, ...], values: list[Any]) -> str:
    """The template's text with each placeholder's value: what a template means."""
    out = [parts[0]]
    for value, tail in zip(values, parts[1:], strict=True):
        out.append(_text(value))
        out.append(tail)
    text = "".join(out)
    if len(text) > MAX_RENDERED_LENGTH:
        raise _too_long(text)
    return text


def renderer(parts: tuple[str, ...], paths: tuple[ParsedPath, ...]) -> Transform:
    """:func:`render` as a transform of the first placeholder's value (which the caller reads:
    the compiled backend reads a short path inline), the others read by their compiled
    readers; a value that is a plain string is used as it is. At least one path."""
    head, first_tail = parts[:2]
    rest = tuple(zip((compile_path(p) for p in paths[1:]), parts[2:], strict=True))
    limit = MAX_RENDERED_LENGTH

    def transform(first: Any, root: Any, settings: Settings, failures: Failures) -> str:
        out = [head, first if type(first) is str else _text(first), first_tail]
        for reader, tail in rest:
            value = reader(root, settings, failures)
            out.append(value if type(value) is str else _text(value))
            out.append(tail)
        text = "".join(out)
        if len(text) > limit:
            raise _too_long(text)
        return text

    return transform


def compile_template(template: str) -> Evaluator:
    """An evaluator rendering ``template`` (see :func:`parse_template` for what it raises)."""
    parts, paths = parse_template(template)
    if not paths:
        text = parts[0]
        return lambda root, settings, failures: text
    first = compile_path(paths[0])
    transform = renderer(parts, paths)
    return lambda root, settings, failures: transform(
        first(root, settings, failures), root, settings, failures
    )
