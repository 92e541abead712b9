"""``@template`` strings: ``"{{properties.name}} ({{$settings.region}})"``.

A template is split once into literal text and path readers. ``{{ path }}`` and ``{{{ path }}}``
are the same (no HTML escaping, as in Segment). Placeholders use the ``@path`` syntax, including
the ``$.`` prefix and ``$settings.`` paths. Values render as JSON would (see
:func:`actions.mapping.values.to_text`); null and missing render as nothing.
"""

from __future__ import annotations

from typing import Any

from actions.mapping.compiler import path_keys, with_operand
from actions.mapping.paths import EMPTY_DATA, ParsedPath, compile_path, parse_path
from actions.mapping.values import (
    MISSING,
    DirectiveFailure,
    Evaluator,
    Failures,
    Settings,
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


def compile_template(template: str) -> Evaluator:
    parts, paths = parse_template(template)
    if not paths:
        text = parts[0]
        return lambda root, settings, failures: text
    readers = tuple(compile_path(p) for p in paths)
    limit = MAX_RENDERED_LENGTH
    if path_keys(readers[0]) and len(readers) <= 3:
        # The first placeholder is a path of one to three keys (see with_operand), and there
        # are at most three: joined by an f-string, without a list or a loop. A value that is
        # a plain string is used as it is.
        if len(readers) == 1:
            p0, p1 = parts

            def render1(v1: Any, root: Any, settings: Settings, failures: Failures) -> str:
                if type(v1) is not str:
                    v1 = "" if v1 is None or v1 is MISSING else _text(v1)
                text = f"{p0}{v1}{p1}"
                if len(text) > limit:
                    raise _too_long(text)
                return text

            return with_operand(readers[0], render1)
        if len(readers) == 2 and path_keys(readers[1]):
            # Both placeholders are short paths: the second is read here too.
            p0, p1, p2 = parts
            k1, k2, k3 = (*path_keys(readers[1]), None, None)[:3]
            get = dict.get
            empty = EMPTY_DATA

            def render_paths(v1: Any, root: Any, settings: Settings, failures: Failures) -> str:
                if type(v1) is not str:
                    v1 = "" if v1 is None or v1 is MISSING else _text(v1)
                try:
                    if k2 is None:
                        v2 = get(root, k1, MISSING)
                    elif k3 is None:
                        v2 = get(get(root, k1) or empty, k2, MISSING)
                    else:
                        v2 = get(get(get(root, k1) or empty, k2) or empty, k3, MISSING)
                except Exception:  # a non-dict intermediate: the path is missing
                    v2 = MISSING
                if type(v2) is not str:
                    v2 = "" if v2 is None or v2 is MISSING else _text(v2)
                text = f"{p0}{v1}{p1}{v2}{p2}"
                if len(text) > limit:
                    raise _too_long(text)
                return text

            return with_operand(readers[0], render_paths)
        if len(readers) == 2:
            r2 = readers[1]
            p0, p1, p2 = parts

            def render2(v1: Any, root: Any, settings: Settings, failures: Failures) -> str:
                if type(v1) is not str:
                    v1 = "" if v1 is None or v1 is MISSING else _text(v1)
                v2 = r2(root, settings, failures)
                if type(v2) is not str:
                    v2 = "" if v2 is None or v2 is MISSING else _text(v2)
                text = f"{p0}{v1}{p1}{v2}{p2}"
                if len(text) > limit:
                    raise _too_long(text)
                return text

            return with_operand(readers[0], render2)
        r2, r3 = readers[1:]
        p0, p1, p2, p3 = parts

        def render3(v1: Any, root: Any, settings: Settings, failures: Failures) -> str:
            if type(v1) is not str:
                v1 = "" if v1 is None or v1 is MISSING else _text(v1)
            v2 = r2(root, settings, failures)
            if type(v2) is not str:
                v2 = "" if v2 is None or v2 is MISSING else _text(v2)
            v3 = r3(root, settings, failures)
            if type(v3) is not str:
                v3 = "" if v3 is None or v3 is MISSING else _text(v3)
            text = f"{p0}{v1}{p1}{v2}{p2}{v3}{p3}"
            if len(text) > limit:
                raise _too_long(text)
            return text

        return with_operand(readers[0], render3)
    head = parts[0]
    pairs = tuple(zip(readers, parts[1:], strict=True))

    def render(root: Any, settings: Settings, failures: Failures) -> str:
        out = [head]
        for reader, tail in pairs:
            value = reader(root, settings, failures)
            out.append(value if type(value) is str else _text(value))
            out.append(tail)
        text = "".join(out)
        if len(text) > limit:
            raise _too_long(text)
        return text

    return render
