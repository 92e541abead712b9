"""Lint rules: small declared functions, each yielding located diagnostics, each with the text
`actions lint --explain RULE` prints."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any

import attrs

from actions._declarations import declarations_table, reduce_declaration
from actions._repr import attrs_repr
from actions.destinations.fields import Invalid, compile_field
from actions.destinations.model import Destination
from actions.errors import DataPath, Diagnostic, Severity
from actions.fql import FQLSyntaxError, analysis
from actions.fql import compile as compile_trigger
from actions.fql import parse as parse_trigger
from actions.mapping import is_directive
from actions.spec import KNOWN_PATHS, suggest
from actions.yamlsource import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    SourceMap,
)


@attrs.frozen
class Document:
    """One file being linted: its kind, data, positions, and (when it loads) the destination."""

    __repr__ = attrs_repr

    file: str
    kind: str  # "destination" or "config"
    data: Any
    source: SourceMap
    destination: Destination | None = None


Check = Callable[[Document], Iterator[Diagnostic]]


@attrs.frozen
class Rule:
    __repr__ = attrs_repr

    id: str
    severity: Severity
    summary: str
    explanation: str
    check: Check | None = None  # None: the rule's findings come from loading

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        fields = (self.id, self.severity, self.summary, self.explanation, self.check)
        if self.check is None:
            return (Rule, fields)
        return reduce_declaration(self, self.check, fields)


Rules = Mapping[str, Rule]
"""The lint rules, by id (an environment's ``rules``)."""


def rule(
    rule_id: str, severity: Severity, summary: str, explanation: str
) -> Callable[[Check], Rule]:
    """Declare a lint rule whose check is the decorated function."""

    def declare(check: Check) -> Rule:
        return Rule(rule_id, severity, summary, explanation, check)

    return declare


def rules_table(declared: Iterable[Rule]) -> Rules:
    """An immutable table of ``declared`` by id, in order; an id declared twice is an error."""
    return declarations_table(declared, lambda rule: rule.id, "lint rule")


def declared_rules(module: ModuleType) -> list[Rule]:
    """The rules a module declares: its module-level rules and tuples of rules, in order."""
    found: list[Rule] = []
    for value in vars(module).values():
        if isinstance(value, Rule):
            found.append(value)
        elif isinstance(value, tuple) and value and all(isinstance(v, Rule) for v in value):
            found.extend(value)
    return found


# Findings produced while loading (YAML, schema, FQL, mappings, settings): documented here.
LOADING_RULES = tuple(
    Rule(_id, Severity.ERROR, _summary, _why)
    for _id, _summary, _why in [
        (
            "yaml-syntax",
            "the file is not valid YAML",
            "A YAML syntax error stops everything else from being checked. Fix the YAML at the line shown (indentation, an unclosed quote or bracket, a `:` inside an unquoted value).",
        ),
        (
            "yaml-encoding",
            "the file is not UTF-8",
            "Packs, configs and settings files are read as UTF-8. The finding points at the first byte that is not (a file saved as Latin-1 or UTF-16, or binary data). Save the file as UTF-8.",
        ),
        (
            "yaml-aliases",
            "the aliases of a document expand to too many values",
            "Each alias (`*name`) stands for a copy of its anchor's whole value, so a few lines of "
            "aliases of aliases can stand for billions of values. At most "
            f"{MAX_YAML_ALIAS_NODES:,} values may come from aliases (docs/format.md, Limits); write "
            "the values out or use fewer aliases.",
        ),
        (
            "yaml-limit",
            "the document is too large or nested too deeply",
            f"A document may have at most {MAX_YAML_BYTES:,} bytes, {MAX_YAML_NODES:,} values and "
            f"{MAX_YAML_DEPTH} levels of nesting, so that any file loads in well under a second "
            "(docs/format.md, Limits). Split the file or flatten the structure.",
        ),
        (
            "duplicate-key",
            "a key appears twice in one mapping",
            "PyYAML silently keeps the last of two equal keys, so the first is lost without a word. Remove or rename one of them.",
        ),
        (
            "yaml-tag",
            "a value starts with `!`, which YAML reads as a tag",
            "In YAML, a plain value starting with `!` is a tag, so `trigger: !contains(event, 'x')` is not the string you wrote. Quote the value: `trigger: \"!contains(event, 'x')\"`.",
        ),
        (
            "schema",
            "the file does not match the pack or config format",
            "The key is unknown (often a typo: the hint says which key was meant), a required key is missing, or a value has the wrong type. See docs/format.md or `actions schema`.",
        ),
        (
            "fql-syntax",
            "a trigger or condition is not valid FQL",
            "A trigger that does not compile never matches anything. The caret points at the offending token inside the YAML string; the hint says how to fix it (for example `=` instead of `==`). See docs/fql.md.",
        ),
        (
            "unknown-directive",
            "a mapping uses a directive that does not exist",
            "Directives are @path, @template, @if, @case, @replace, @arrayPath, @merge, @transform, @flatten, @json, @excludeWhenNull, @literal, @coalesce, @lookup, @omit, @convert, @hash. The hint suggests the closest one.",
        ),
        (
            "directive-option",
            "a directive option is unknown, missing or has a bad value",
            "Each directive declares its options; an unknown option is usually a typo, and a missing required option means the directive cannot run. See docs/mapping.md.",
        ),
        (
            "directive-type",
            "a directive's option has the wrong type",
            'For example `@path: 5` (a path is text) or `@case: "lower"` (options are an object). See docs/mapping.md.',
        ),
        (
            "mixed-directive",
            "an object mixes a directive with other keys",
            "An object with an @-key is a directive and may hold nothing else (but `_metadata`). Put raw keys and each directive in their own objects.",
        ),
        (
            "limit",
            "a value exceeds a safety limit",
            "Mappings, templates and patterns are bounded so that no input can make the engine slow or unbounded. Simplify the value.",
        ),
        (
            "unknown-action",
            "a subscription names an action the destination does not have",
            "A subscription must run one of the destination's actions; with an unknown action nothing can be sent. Use one of the actions the hint lists (often the name has a typo).",
        ),
        (
            "unknown-field",
            "a mapping gives a field the action does not have",
            "The action has no field with this name, so its mapping would be silently ignored. Check the spelling against the action's fields, which the hint lists.",
        ),
        (
            "unknown-setting",
            "a setting the destination does not have",
            "The destination does not have this setting, so its value would be ignored; usually it is a typo of a setting the hint lists. Fix the name or remove it.",
        ),
        (
            "unknown-setting-reference",
            "a mapping or request reads a setting the destination does not have",
            "`$settings.NAME` in a mapping, a template or a request reads a setting; a name the destination does not declare (usually a typo, which the hint corrects) reads nothing, so every event would fail. Packs are refused when they load and configs when they are configured.",
        ),
        (
            "missing-setting",
            "a required setting has no value",
            "The destination cannot build a valid request without this setting, so every event would fail. Give it a value.",
        ),
        (
            "setting-type",
            "a setting has the wrong type",
            'Settings are typed in the pack (string, number, integer, boolean, object); a quoted `"true"` is text, not a boolean. Give a value of the declared type.',
        ),
        (
            "setting-choice",
            "a setting is not one of its allowed values",
            "This setting only accepts the values the pack lists (its `choices`); any other value would make the destination misbehave. Use one of the listed values.",
        ),
        (
            "duplicate-setting-value",
            "two keys of a table setting share one value",
            "Some tables must map each key to its own value: Adjust requires one Segment event name per event token, so two names mapped to one token is an error.",
        ),
    ]
)
"""Rules whose findings come from loading (YAML, schema, FQL, mappings, settings)."""


def _triggers(doc: Document) -> Iterator[tuple[DataPath, str]]:
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.kind == "destination":
        for key, action in (data.get("actions") or {}).items():
            if isinstance(action, dict):
                if isinstance(action.get("default_trigger"), str):
                    yield ("actions", key, "default_trigger"), action["default_trigger"]
                for index, skip in enumerate(action.get("skip") or []):
                    if isinstance(skip, dict) and isinstance(skip.get("when"), str):
                        yield ("actions", key, "skip", index, "when"), skip["when"]
        for index, preset in enumerate(data.get("presets") or []):
            if isinstance(preset, dict) and isinstance(preset.get("trigger"), str):
                yield ("presets", index, "trigger"), preset["trigger"]
    else:
        for index, sub in enumerate(data.get("subscriptions") or []):
            if isinstance(sub, dict) and isinstance(sub.get("trigger"), str):
                yield ("subscriptions", index, "trigger"), sub["trigger"]
        for index, filter_ in enumerate(data.get("filters") or []):
            if isinstance(filter_, dict):
                for key in ("if", "drop", "keep"):
                    if isinstance(filter_.get(key), str):
                        yield ("filters", index, key), filter_[key]
    for path, mapping in _mappings(doc):
        for sub_path, node in _walk(mapping, path):
            if is_directive(node) and "@if" in node and isinstance(node["@if"], dict):
                when = node["@if"].get("when")
                if isinstance(when, str):
                    yield (*sub_path, "@if", "when"), when


def _mappings(doc: Document) -> Iterator[tuple[DataPath, Any]]:
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.kind == "destination":
        for key, action in (data.get("actions") or {}).items():
            for name, field in ((action or {}).get("fields") or {}).items():
                if isinstance(field, dict) and "default" in field:
                    yield ("actions", key, "fields", name, "default"), field["default"]
    for index, sub in enumerate(data.get("subscriptions") or data.get("presets") or []):
        where = "subscriptions" if doc.kind == "config" else "presets"
        if isinstance(sub, dict) and isinstance(sub.get("mapping"), dict):
            yield (where, index, "mapping"), sub["mapping"]


def _walk(node: Any, path: DataPath) -> Iterator[tuple[DataPath, Any]]:
    stack = [(path, node)]
    while stack:
        current_path, current = stack.pop()
        yield current_path, current
        if isinstance(current, dict):
            stack.extend(((*current_path, k), v) for k, v in current.items())
        elif isinstance(current, list):
            stack.extend(((*current_path, i), v) for i, v in enumerate(current))


_TRUTHY = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")


@rule(
    "yaml-truthy",
    Severity.WARNING,
    "a YAML 1.1 value that is not what it looks like",
    "YAML 1.1, which PyYAML follows, reads `yes`, `no`, `on` and `off` as booleans and `1.10` as the "
    'number 1.1. Where you meant text (an event name, a version, a token), quote it: `"yes"`, `"1.10"`.',
)
def yaml_truthy(doc: Document) -> Iterator[Diagnostic]:
    for path, info in doc.source.scalars.items():
        if info.style is not None:
            continue
        if info.tag.endswith(":bool") and _TRUTHY.match(info.raw):
            message = f"`{info.raw}` is read as the boolean {str(info.raw.lower() in ('y', 'yes', 'on')).lower()}"
        elif info.tag.endswith(":float") and re.fullmatch(r"\d+\.\d*0", info.raw):
            message = f"`{info.raw}` is read as the number {float(info.raw)!r}"
        else:
            continue
        yield Diagnostic(
            "yaml-truthy",
            message,
            Severity.WARNING,
            path,
            info.start,
            hint=f'quote it if you mean the text: "{info.raw}"',
        )


@rule(
    "unknown-event-field",
    Severity.WARNING,
    "a trigger or mapping reads a field that looks like a typo of a Spec field",
    "Reading a field that does not exist is not an error (it is missing, or null in a trigger), so a "
    "typo such as `properties.revnue` silently never matches. The hint names the documented Spec field "
    "it resembles; if the field is really yours, ignore the finding.",
)
def unknown_event_field(doc: Document) -> Iterator[Diagnostic]:
    for path, text in _triggers(doc):
        try:
            ast = parse_trigger(text)
        except FQLSyntaxError:
            continue
        for node in analysis.iter_paths(ast):
            dotted = ".".join(node.keys)
            close = suggest(dotted) if dotted not in KNOWN_PATHS else None
            if close and close != dotted:
                location = doc.source.locate_in_scalar(path, node.start, node.end - node.start)
                yield Diagnostic(
                    "unknown-event-field",
                    f"`{dotted}` is not a Spec field",
                    Severity.WARNING,
                    path,
                    location,
                    hint=f"did you mean `{close}`?",
                )
    for path, mapping in _mappings(doc):
        for sub_path, node in _walk(mapping, path):
            if is_directive(node) and isinstance(node.get("@path"), str):
                text = node["@path"]
                dotted = text[2:] if text.startswith("$.") else text
                close = (
                    suggest(dotted)
                    if dotted not in KNOWN_PATHS and not text.startswith("$settings")
                    else None
                )
                if close and close != dotted:
                    where = (*sub_path, "@path")
                    yield Diagnostic(
                        "unknown-event-field",
                        f"`{text}` is not a Spec field",
                        Severity.WARNING,
                        where,
                        doc.source.locate(where),
                        hint=f"did you mean `$.{close}`?",
                    )


@rule(
    "mixed-and-or",
    Severity.WARNING,
    "`and` and `or` mixed without parentheses",
    "`a and b or c` means `(a and b) or c` here, as in most languages, but Segment's own trigger parser "
    "lets the last operator of a group decide (it reads this as `a or b or c`). Parenthesise so that "
    "the trigger means the same everywhere.",
)
def mixed_and_or(doc: Document) -> Iterator[Diagnostic]:
    for path, text in _triggers(doc):
        try:
            ast = parse_trigger(text)
        except FQLSyntaxError:
            continue
        for start, end in analysis.mixed_and_or(ast):
            yield Diagnostic(
                "mixed-and-or",
                "`and` and `or` are mixed without parentheses",
                Severity.WARNING,
                path,
                doc.source.locate_in_scalar(path, start, end - start),
                hint="add parentheses: `(a and b) or c`",
            )


@rule(
    "contradiction",
    Severity.ERROR,
    "a trigger can never match",
    'A trigger such as `type = "track" and type = "identify"` is false for every event, so its '
    "subscription never sends anything. Usually `and` was meant to be `or`.",
)
def contradiction(doc: Document) -> Iterator[Diagnostic]:
    for path, text in _triggers(doc):
        try:
            reason = analysis.contradiction(parse_trigger(text))
        except FQLSyntaxError:
            continue
        if reason:
            yield Diagnostic(
                "contradiction",
                f"this trigger can never match: {reason}",
                Severity.ERROR,
                path,
                doc.source.locate(path),
                hint="did you mean `or`?",
            )


def _subscriptions(doc: Document) -> list[tuple[int, Mapping[str, Any]]]:
    data = doc.data if isinstance(doc.data, dict) else {}
    items = data.get("subscriptions" if doc.kind == "config" else "presets") or []
    return [(i, s) for i, s in enumerate(items) if isinstance(s, dict)]


@rule(
    "shadowed-subscription",
    Severity.WARNING,
    "two subscriptions of one action match the same events",
    "Every matching subscription sends its own request, so when a later subscription's trigger only "
    "matches events an earlier one (of the same action) already matches, those events are sent twice. "
    "Remove one, or make the triggers exclusive.",
)
def shadowed(doc: Document) -> Iterator[Diagnostic]:
    seen: list[tuple[int, str, Any]] = []
    where = "subscriptions" if doc.kind == "config" else "presets"
    for index, sub in _subscriptions(doc):
        trigger = sub.get("trigger")
        if not isinstance(trigger, str) or sub.get("enabled") is False:
            continue
        try:
            ast = compile_trigger(trigger).ast
        except FQLSyntaxError:
            continue
        for earlier_index, action, earlier in seen:
            if action == sub.get("action") and analysis.implies(ast, earlier):
                path = (where, index, "trigger")
                yield Diagnostic(
                    "shadowed-subscription",
                    f"every event this trigger matches is already sent by {where}[{earlier_index}]",
                    Severity.WARNING,
                    path,
                    doc.source.locate(path),
                    hint="those events would be sent twice",
                )
                break
        seen.append((index, str(sub.get("action")), ast))


@rule(
    "type-mismatch",
    Severity.ERROR,
    "a literal value that the field's type cannot accept",
    'A literal in a mapping is checked against the field\'s type when the file is linted: `"abc"` for a '
    "number field would fail every event at run time. Use a value of the field's type, or a directive.",
)
def type_mismatch(doc: Document) -> Iterator[Diagnostic]:
    if doc.destination is None:
        return
    for index, sub in _subscriptions(doc):
        action = doc.destination.actions.get(str(sub.get("action")))
        if action is None or not isinstance(sub.get("mapping"), dict):
            continue
        where = "subscriptions" if doc.kind == "config" else "presets"
        fields = {f.name: f for f in action.fields}
        for name, value in sub["mapping"].items():
            spec = fields.get(name)
            if spec is None or value is None or isinstance(value, dict | list) or value == "":
                continue
            try:
                compile_field(spec)(value)
            except Invalid as exc:
                path = (where, index, "mapping", name)
                yield Diagnostic(
                    "type-mismatch",
                    f"{name} {exc.message}",
                    Severity.ERROR,
                    path,
                    doc.source.locate(path),
                    hint=f"{name} is a {spec.type} field",
                )


@rule(
    "required-field-unmapped",
    Severity.ERROR,
    "a required action field has no mapping",
    "The field is required by the action and has no default mapping, and the subscription does not "
    "map it, so every event would fail. Map the field in the subscription.",
)
def required_unmapped(doc: Document) -> Iterator[Diagnostic]:
    if doc.destination is None:
        return
    where = "subscriptions" if doc.kind == "config" else "presets"
    for index, sub in _subscriptions(doc):
        action = doc.destination.actions.get(str(sub.get("action")))
        if action is None:
            continue
        mapping = sub.get("mapping") or {}
        if not isinstance(mapping, dict):
            continue
        given = set(mapping) | set(action.defaults)
        for field in action.fields:
            if field.required and field.name not in given:
                path = (where, index)
                yield Diagnostic(
                    "required-field-unmapped",
                    f"required field {field.name!r} of action {action.key!r} is not mapped",
                    Severity.ERROR,
                    path,
                    doc.source.locate(path),
                    hint=f"add `{field.name}` to the mapping",
                )


MAX_SUBSCRIPTIONS = 50


@rule(
    "too-many-subscriptions",
    Severity.WARNING,
    "more than 50 subscriptions for one destination",
    "Segment allows at most 50 mappings per destination; a config meant to be portable should stay "
    "under that. The engine itself has no such limit (its dispatch cost is flat).",
)
def too_many(doc: Document) -> Iterator[Diagnostic]:
    subs = _subscriptions(doc)
    if len(subs) > MAX_SUBSCRIPTIONS:
        path: DataPath = ("subscriptions" if doc.kind == "config" else "presets",)
        yield Diagnostic(
            "too-many-subscriptions",
            f"{len(subs)} subscriptions; Segment allows {MAX_SUBSCRIPTIONS} per destination",
            Severity.WARNING,
            path,
            doc.source.locate(path, key=True),
        )
