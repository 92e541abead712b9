"""``@liquid``: a Liquid template rendered with the event as its variables (Segment's
mapping-kit directive), on python-liquid, with Segment's limits (see ``liquid_engine.py``).

The template is parsed once, when the mapping is compiled; python-liquid is imported then, the
first time a mapping uses ``@liquid``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from actions.mapping.directives import STRING, CompileContext, Option, OptionError, directive
from actions.mapping.values import Evaluator, Failures, Settings

if TYPE_CHECKING:
    from actions.mapping.liquid_engine import Template

MAX_TEMPLATE_LENGTH = 1000
"""Longest template, in characters (Segment's limit)."""

MAX_OUTPUT_BYTES = 100_000
"""Longest rendered text, in UTF-8 bytes."""


def _parse_template(args: Mapping[str, Any]) -> Mapping[str, Any]:
    from actions.mapping.liquid_engine import parse

    template, message, offset = parse(args["template"])
    if template is None:
        raise OptionError(None, message or "the template does not parse", offset=offset)
    return {"template": template}


def _render(template: Template, root: Any) -> str:
    from actions.mapping.liquid_engine import render

    return render(template, root)


def _reads(args: Mapping[str, Any]) -> list[str]:
    from actions.mapping.liquid_engine import event_paths

    return event_paths(args["template"])


@directive(
    "@liquid",
    argument=Option(
        "template",
        STRING,
        max_length=MAX_TEMPLATE_LENGTH,
        description="a Liquid template of at most 1,000 characters",
    ),
    summary="a Liquid template rendered with the event as its variables",
    declares_reads=True,
    meaning=lambda args, scope: _render(args["template"], scope.root),
    parse=_parse_template,
    reads=_reads,
)
def liquid_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    template: Template = args["template"]
    if not template.source:

        def empty(root: Any, settings: Settings, failures: Failures) -> Any:
            return ""

        return empty

    from actions.mapping.liquid_engine import render  # imported by the parse step already

    def liquid(root: Any, settings: Settings, failures: Failures) -> Any:
        return render(template, root)

    return liquid
