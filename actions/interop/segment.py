"""Segment subscriptions and destination filters, to and from configs.

:func:`import_segment` reads them as Segment's Public API gives them (list and get responses,
or bare objects) and as its Terraform provider gives them (``terraform show -json``, a state
file, or ``.tf.json``), and makes a config; :func:`export_segment` makes them from a config, in
either shape. Whatever cannot convert (an action or a field the pack lacks, a directive or a
trigger form one side has not, a filter shape the other side has not) is a located finding, a
:class:`~actions.errors.Diagnostic`; nothing is left out in silence. Segment's ids are kept
under the config's ``x-segment`` key, so that an export writes them back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import yaml

from actions import fql
from actions._repr import attrs_repr
from actions.destinations.loading import load_destination, resolve
from actions.destinations.model import Destination
from actions.engine.config import SAMPLE_KEYS, SEGMENT_ORDER, filter_kind
from actions.errors import ActionsError, DataPath, Diagnostic, Severity
from actions.fql import ast
from actions.mapping import check as check_mapping
from actions.yamlsource import SourceMap, load_yaml

SUBSCRIPTION_TYPE = "segment_destination_subscription"
FILTER_TYPE = "segment_destination_filter"
ALL_EVENTS = "all"
"""The ``if`` of a Segment filter that applies to every event."""

BATCH_KEYS = ("enable_batching", "batch_size", "batch_keys", "batch_bytes")
"""Segment subscription settings about batching, which the engine's process_batch does here."""

TRIGGER_FIELDS = ("type", "event", "name", "userId", "properties", "traits", "context")
"""The fields Segment's trigger parser reads (others are dropped from the condition)."""

MAPPING_ONLY_HERE = ("@coalesce", "@lookup", "@omit", "@convert")
"""Directives this library adds to Segment's."""

Format = Literal["api", "terraform"]


@attrs.frozen
class Converted:
    """What a conversion gives: the document (a config, or Segment's objects) and the
    findings (what could not convert, and why)."""

    __repr__ = attrs_repr

    document: dict[str, Any]
    findings: tuple[Diagnostic, ...]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.findings if d.severity is Severity.ERROR)


# -- reading Segment's files ----------------------------------------------------------------------


@attrs.frozen
class _Item:
    __repr__ = attrs_repr

    kind: Literal["subscription", "filter"]
    data: Mapping[str, Any]
    path: DataPath
    source: SourceMap
    terraform: bool


def _classify(value: Any) -> Literal["subscription", "filter"] | None:
    if not isinstance(value, dict):
        return None
    if "trigger" in value and ("actionId" in value or "action_id" in value or "settings" in value):
        return "subscription"
    if "actions" in value and ("if" in value or "title" in value):
        return "filter"
    return None


def _items(value: Any, path: DataPath, source: SourceMap) -> Iterator[_Item]:
    """Every subscription and filter in one of Segment's documents."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _items(item, (*path, index), source)
        return
    if not isinstance(value, dict):
        return
    kind = _classify(value)
    if kind is not None:
        yield _Item(kind, value, path, source, terraform="action_id" in value)
        return
    if "data" in value:  # a Public API response
        yield from _items(value["data"], (*path, "data"), source)
    for key in ("subscriptions", "subscription", "filters", "filter"):
        if key in value:
            yield from _items(value[key], (*path, key), source)
    values = value.get("values")
    if isinstance(values, dict):  # terraform show -json
        yield from _module(values.get("root_module"), (*path, "values", "root_module"), source)
    resources = value.get("resources")
    if isinstance(resources, list) and "values" not in value:  # a state file
        for index, resource in enumerate(resources):
            if isinstance(resource, dict) and resource.get("type") in (
                SUBSCRIPTION_TYPE,
                FILTER_TYPE,
            ):
                kind = "subscription" if resource["type"] == SUBSCRIPTION_TYPE else "filter"
                for number, instance in enumerate(resource.get("instances") or []):
                    attributes = instance.get("attributes") if isinstance(instance, dict) else None
                    if isinstance(attributes, dict):
                        where = (*path, "resources", index, "instances", number, "attributes")
                        yield _Item(kind, attributes, where, source, terraform=True)
    declared = value.get("resource")
    if isinstance(declared, dict):  # .tf.json, with import blocks for the ids
        ids = _import_ids(value.get("import"))
        for type_, kind in ((SUBSCRIPTION_TYPE, "subscription"), (FILTER_TYPE, "filter")):
            for name, attributes in (declared.get(type_) or {}).items():
                if isinstance(attributes, dict):
                    where = (*path, "resource", type_, name)
                    known = ids.get(f"{type_}.{name}")
                    data = {**attributes, "id": known} if known else attributes
                    comment = str(data.get("//", ""))
                    if comment.startswith(_SLUG_COMMENT):
                        data = {**data, "action_slug": comment[len(_SLUG_COMMENT) :]}
                    yield _Item(kind, data, where, source, terraform=True)  # type: ignore[arg-type]


_SLUG_COMMENT = "Segment action slug: "
"""A ``//`` (comment) attribute of a subscription in .tf.json: the action's slug, which the
provider does not keep."""


def _import_ids(blocks: Any) -> dict[str, str]:
    """Resource address -> Segment id, from .tf.json import blocks (``destination:id``)."""
    out = {}
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and isinstance(block.get("id"), str):
            out[str(block.get("to"))] = block["id"].rpartition(":")[2]
    return out


def _module(module: Any, path: DataPath, source: SourceMap) -> Iterator[_Item]:
    if not isinstance(module, dict):
        return
    for index, resource in enumerate(module.get("resources") or []):
        if not isinstance(resource, dict):
            continue
        kind = {SUBSCRIPTION_TYPE: "subscription", FILTER_TYPE: "filter"}.get(
            str(resource.get("type"))
        )
        if kind is not None and isinstance(resource.get("values"), dict):
            where = (*path, "resources", index, "values")
            yield _Item(kind, resource["values"], where, source, terraform=True)  # type: ignore[arg-type]
    for index, child in enumerate(module.get("child_modules") or []):
        yield from _module(child, (*path, "child_modules", index), source)


def _get(data: Mapping[str, Any], camel: str, snake: str, default: Any = None) -> Any:
    if camel in data:
        return data[camel]
    return data.get(snake, default)


def _key(text: str) -> str:
    """An action slug compared loosely: ``sendEvent``, ``send_event``, ``Send Event``."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


# -- import ---------------------------------------------------------------------------------------


class _Importer:
    def __init__(self, destination: Destination, actions: Mapping[str, str]) -> None:
        self.destination = destination
        self.actions = dict(actions)
        self.findings: list[Diagnostic] = []

    def finding(
        self,
        item: _Item,
        rule: str,
        message: str,
        where: DataPath = (),
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        offset: int | None = None,
    ) -> None:
        path = (*item.path, *where)
        location = (
            item.source.locate_in_scalar(path, offset)
            if offset is not None
            else item.source.locate(path)
        )
        self.findings.append(
            Diagnostic(rule, message, severity, path=path, location=location, hint=hint)
        )

    def action(self, item: _Item) -> str | None:
        data = item.data
        action_id = _get(data, "actionId", "action_id")
        slug = _get(data, "actionSlug", "action_slug")
        for given in (action_id, slug):
            if given is not None and str(given) in self.actions:
                return self.actions[str(given)]
        if slug is not None:
            for key in self.destination.actions:
                if _key(key) == _key(str(slug)):
                    return key
        if len(self.destination.actions) == 1 and slug is None:
            return next(iter(self.destination.actions))
        known = ", ".join(self.destination.actions)
        named = f"action {slug!r}" if slug is not None else f"action id {action_id!r}"
        self.finding(
            item,
            "interop-action",
            f"{named} has no counterpart in {self.destination.slug}; the subscription is left out",
            _action_key(data),
            hint=f"name it with --action {slug or action_id}=ACTION (actions: {known})",
        )
        return None

    def subscription(self, item: _Item, names: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        data = item.data
        model = _get(data, "modelId", "model_id")
        if model:
            self.finding(
                item,
                "interop-action",
                f"a Reverse ETL subscription (model {model!r}) maps rows of a model, not "
                "events; the subscription is left out",
                ("modelId" if "modelId" in data else "model_id",),
            )
            return {}, {}
        action = self.action(item)
        name = str(data.get("name") or action or "subscription")
        trigger = str(data.get("trigger") or "")
        try:
            parsed = fql.compile(trigger)
            differences = list(dict.fromkeys(_condition_problems(parsed.ast, 0)))
            if "'" in trigger:
                differences.append(
                    "it keeps single quotes in a string's value, so that it never matches"
                )
            for difference in differences:
                self.finding(
                    item,
                    "interop-trigger",
                    f"Segment's trigger parser reads the trigger of {name!r} differently: "
                    f"{difference}; here it means what it says",
                    ("trigger",),
                    severity=Severity.WARNING,
                    hint="see docs/fql.md, Differences from Segment's trigger parser",
                )
        except fql.FQLSyntaxError as exc:
            self.finding(
                item,
                "interop-trigger",
                f"trigger of {name!r} does not compile: {exc.message}; "
                "the subscription is left out",
                ("trigger",),
                offset=exc.offset,
            )
            action = None
        if action is None:
            return {}, {}
        settings, settings_path = data.get("settings"), ("settings",)
        if isinstance(settings, str):
            try:
                settings = json.loads(settings) if settings.strip() else {}
            except json.JSONDecodeError as exc:
                self.finding(
                    item, "interop-mapping", f"settings are not JSON: {exc}", settings_path
                )
                settings = {}
        mapping: dict[str, Any] = {}
        fields = {f.name for f in self.destination.actions[action].fields}
        for key, value in (settings or {}).items():
            where = (*settings_path, key)
            if key in BATCH_KEYS:
                self.finding(
                    item,
                    "interop-batching",
                    f"{key}: batching is not a subscription setting here; left out",
                    where,
                    severity=Severity.INFO,
                    hint="ConfiguredDestination.process_batch groups a batch action's requests",
                )
                continue
            if key not in fields:
                self.finding(
                    item,
                    "interop-field",
                    f"action {action!r} has no field {key!r}; left out",
                    where,
                    hint=f"fields: {', '.join(sorted(fields))}",
                )
                continue
            problems = check_mapping(value, source=item.source, base_path=(*item.path, *where))
            if isinstance(data.get("settings"), str):  # inside JSON text: locate the text
                problems = [
                    attrs.evolve(p, location=item.source.locate((*item.path, *settings_path)))
                    for p in problems
                ]
            if problems:
                for problem in problems:
                    self.findings.append(
                        attrs.evolve(
                            problem,
                            rule="interop-mapping",
                            message=f"field {key!r}: {problem.message}; the field is left out",
                        )
                    )
                continue
            mapping[key] = value
        unique = name
        number = 2
        while unique in names:
            unique = f"{name} ({number})"
            number += 1
        if unique != name:
            self.finding(
                item,
                "interop-name",
                f"a subscription is already named {name!r}: this one is {unique!r}",
                ("name",),
                severity=Severity.WARNING,
            )
        names.add(unique)
        out: dict[str, Any] = {"name": unique, "action": action, "trigger": trigger}
        if mapping:
            out["mapping"] = mapping
        enabled = data.get("enabled", True)
        if enabled is False:
            out["enabled"] = False
        slug = _get(data, "actionSlug", "action_slug")
        ids = {
            k: v
            for k, v in (
                ("id", data.get("id")),
                ("action_id", _get(data, "actionId", "action_id")),
                # Kept when it says more than the action's own key (which an export writes).
                ("action_slug", None if slug == action else slug),
            )
            if v is not None
        }
        return out, ids

    def filter(self, item: _Item, names: set[str]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        data = item.data
        title = str(data.get("title") or data.get("name") or "filter")
        if data.get("enabled") is False:
            self.finding(
                item,
                "interop-filter",
                f"filter {title!r} is disabled in Segment; not imported",
                ("enabled",),
                severity=Severity.INFO,
            )
            return []
        condition = str(data.get("if") or "").strip()
        parsed: fql.Trigger | None = None
        if condition and condition != ALL_EVENTS:
            try:
                parsed = fql.compile(condition)
            except fql.FQLSyntaxError as exc:
                self.finding(
                    item,
                    "interop-filter",
                    f"the if of filter {title!r} does not compile: {exc.message}; "
                    "the filter is left out",
                    ("if",),
                    offset=exc.offset,
                )
                return []
        out: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for index, action in enumerate(data.get("actions") or []):
            where: DataPath = ("actions", index)
            kind = str(action.get("type", "")).upper() if isinstance(action, dict) else ""
            converted: dict[str, Any] | None = None
            if kind == "DROP":
                converted = _drop(condition, parsed)
            elif kind == "SAMPLE":
                converted = self.sample(item, action, where)
                if converted is not None and parsed is not None:
                    converted["if"] = condition
            elif kind in ("DROP_PROPERTIES", "ALLOW_PROPERTIES"):
                fields = self.fields(item, action, where)
                if fields:
                    key = "drop_fields" if kind == "DROP_PROPERTIES" else "allow_fields"
                    converted = {key: fields}
                    if parsed is not None:
                        converted["if"] = condition
            else:
                self.finding(
                    item,
                    "interop-filter",
                    f"filter {title!r}: action type {kind or '(none)'!r} has no counterpart; "
                    "left out",
                    where,
                    hint="filter actions: DROP, SAMPLE, DROP_PROPERTIES, ALLOW_PROPERTIES",
                )
            if converted is None:
                continue
            name = title if index == 0 or not out else f"{title} #{index + 1}"
            number = 2
            while name in names:
                name = f"{title} ({number})"
                number += 1
            names.add(name)
            ids = {}
            if not out:  # Segment's filter, kept with its first part
                ids = {
                    k: data[k]
                    for k in ("id", "description")
                    if isinstance(data.get(k), str) and data[k]
                }
            out.append(({"name": name, **converted}, ids))
        return out

    def sample(
        self, item: _Item, action: Mapping[str, Any], where: DataPath
    ) -> dict[str, Any] | None:
        percent: Any = action.get("percent")
        number = isinstance(percent, int | float) and not isinstance(percent, bool)
        if not number or not 0 <= percent <= 1:
            self.finding(
                item,
                "interop-filter",
                f"a SAMPLE filter needs a percent from 0 to 1, not {percent!r}; left out",
                (*where, "percent"),
            )
            return None
        by = action.get("path")
        share = round(percent * 100, 10)
        sample: dict[str, Any] = {"percent": int(share) if share == int(share) else share}
        if by is None or by == "":
            self.finding(
                item,
                "interop-sample",
                "Segment samples this filter at random; here by messageId, the same events "
                "every time",
                where,
                severity=Severity.INFO,
            )
            sample["by"] = "messageId"
        elif str(by).removeprefix("$.") in SAMPLE_KEYS:
            sample["by"] = str(by).removeprefix("$.")
        else:
            self.finding(
                item,
                "interop-filter",
                f"a sample by {by!r} has no counterpart (by: {', '.join(SAMPLE_KEYS)}); left out",
                (*where, "path"),
            )
            return None
        return {"sample": sample}

    def fields(
        self, item: _Item, action: Mapping[str, Any], where: DataPath
    ) -> dict[str, list[str]] | None:
        fields = action.get("fields")
        if isinstance(fields, str):
            try:
                fields = json.loads(fields)
            except json.JSONDecodeError:
                fields = None
        if not isinstance(fields, dict) or not fields:
            self.finding(
                item, "interop-filter", "a properties filter needs its fields; left out", where
            )
            return None
        out: dict[str, list[str]] = {}
        for part, names in fields.items():
            if part not in ("properties", "traits", "context") or not isinstance(names, list):
                self.finding(
                    item,
                    "interop-filter",
                    f"fields of {part!r} have no counterpart (properties, traits, context); "
                    "left out",
                    (*where, "fields"),
                )
                continue
            out[part] = [str(n) for n in names]
        return out or None


def _action_key(data: Mapping[str, Any]) -> DataPath:
    for key in ("actionSlug", "action_slug", "actionId", "action_id"):
        if key in data:
            return (key,)
    return ()


def _drop(condition: str, parsed: fql.Trigger | None) -> dict[str, Any]:
    """Segment's DROP (drop the events ``if`` matches): ``drop``, or ``keep`` for Segment's
    "only send" form ``!(...)``."""
    if parsed is None:
        return {"drop": "true"}
    node = parsed.ast
    if isinstance(node, ast.Not) and node.operand.parenthesized:
        inner = parsed.source[node.operand.start + 1 : node.operand.end - 1].strip()
        return {"keep": inner}
    return {"drop": condition}


def import_segment(
    files: Sequence[str | Path],
    destination: str | Path,
    *,
    settings: Mapping[str, Any] | None = None,
    actions: Mapping[str, str] | None = None,
) -> Converted:
    """A config for ``destination`` (a pack slug or path) from Segment's subscriptions and
    destination filters in ``files``. ``actions`` names our action for a Segment action id or
    slug, where the slugs do not say it."""
    pack = load_destination(destination)
    importer = _Importer(pack, actions or {})
    items: list[_Item] = []
    for file in files:
        text = Path(file).read_text(encoding="utf-8")
        loaded = load_yaml(text, str(file))
        loaded.raise_for_errors(f"Segment export {file}")
        found = list(_items(loaded.value, (), loaded.source))
        if not found:
            importer.findings.append(
                Diagnostic(
                    "interop-input",
                    "no Segment subscription or destination filter found in this file",
                    location=loaded.source.locate(()),
                )
            )
        items.extend(found)
    subscriptions: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    ids: dict[str, Any] = {"destination_id": None, "source_id": None}
    ids.update(subscriptions={}, filters={})
    names: set[str] = set()
    filter_names: set[str] = set()
    for item in items:
        destination_id = _get(item.data, "destinationId", "destination_id")
        if isinstance(destination_id, str) and not destination_id.startswith("${"):
            ids["destination_id"] = ids["destination_id"] or destination_id
        if item.kind == "subscription":
            converted, found_ids = importer.subscription(item, names)
            if converted:
                subscriptions.append(converted)
                if found_ids:
                    ids["subscriptions"][converted["name"]] = found_ids
        else:
            source_id = _get(item.data, "sourceId", "source_id")
            if isinstance(source_id, str) and not source_id.startswith("${"):
                ids["source_id"] = ids["source_id"] or source_id
            for converted, found_ids in importer.filter(item, filter_names):
                filters.append(converted)
                if found_ids:
                    ids["filters"][converted["name"]] = found_ids
    config: dict[str, Any] = {
        "destination": str(destination) if Path(str(destination)).exists() else pack.slug,
        "settings": dict(settings or {}),
    }
    if filters:
        config["filter_order"] = "segment"
        config["filters"] = filters
    config["subscriptions"] = subscriptions
    config["x-segment"] = {k: v for k, v in ids.items() if v}
    return Converted(config, tuple(importer.findings))


# -- export ---------------------------------------------------------------------------------------


class _Exporter:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.findings: list[Diagnostic] = []

    def finding(
        self,
        rule: str,
        message: str,
        path: DataPath,
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        offset: int | None = None,
    ) -> None:
        location = (
            self.source.locate_in_scalar(path, offset)
            if offset is not None
            else self.source.locate(path)
        )
        self.findings.append(Diagnostic(rule, message, severity, path, location, hint))

    def mapping(self, value: Any, path: DataPath) -> bool:
        """Whether ``value`` is a mapping Segment can run (each reason a finding)."""
        ok = True
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(key, str) and key.startswith("@"):
                    if key in MAPPING_ONLY_HERE:
                        self.finding(
                            "interop-directive",
                            f"Segment has no {key}; the field is left out",
                            (*path, key),
                        )
                        ok = False
                    if key == "@if" and isinstance(inner, dict) and "when" in inner:
                        self.finding(
                            "interop-directive",
                            "Segment's @if has no when (an FQL condition); the field is left out",
                            (*path, key, "when"),
                        )
                        ok = False
                    if key in ("@path", "@template") and isinstance(inner, str):
                        ok = self.path_text(inner, (*path, key)) and ok
                ok = self.mapping(inner, (*path, key)) and ok
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                ok = self.mapping(inner, (*path, index)) and ok
        return ok

    def path_text(self, text: str, path: DataPath) -> bool:
        if "$settings." in text:
            self.finding(
                "interop-directive",
                "Segment mappings cannot read the destination settings ($settings.); "
                "the field is left out",
                path,
            )
            return False
        if re.search(r"\[\*\]|\.\.|\[\?|\[-\d|\[\d*:\d*\]|\*", text):
            self.finding(
                "interop-directive",
                f"Segment paths have no JSONPath wildcards, filters, slices or negative "
                f"indexes ({text!r}); the field is left out",
                path,
            )
            return False
        return True

    def trigger(self, text: str, path: DataPath) -> str | None:
        """The trigger as Segment's trigger parser reads it the same, or None (findings)."""
        try:
            parsed = fql.compile(text)
        except fql.FQLSyntaxError as exc:
            self.finding("interop-trigger", exc.message, path, offset=exc.offset)
            return None
        problems = list(dict.fromkeys(_condition_problems(parsed.ast, 0)))
        for problem in problems:
            self.finding(
                "interop-trigger",
                f"Segment's trigger parser would read this trigger differently: {problem}; "
                "the subscription is left out",
                path,
            )
        if problems:
            return None
        return text if "'" not in text else fql.format(parsed.ast)


def _condition_problems(node: ast.Expr, depth: int) -> Iterator[str]:
    """Why Segment's trigger parser would not read ``node``, a condition, as we do."""
    if isinstance(node, ast.Path | ast.Literal):
        yield "a bare value is not a condition there (compare it: = true)"
        return
    yield from _trigger_problems(node, depth)


def _trigger_problems(node: ast.Expr, depth: int) -> Iterator[str]:
    if isinstance(node, ast.And | ast.Or):
        if depth >= 2:
            yield "more than one level of parentheses"
        for operand in node.operands:
            if isinstance(operand, ast.And | ast.Or) and not operand.parenthesized:
                yield "and and or mixed without parentheses (Segment lets the last one decide)"
            elif isinstance(operand, ast.And | ast.Or) and depth >= 1:
                yield "more than one level of parentheses"
            yield from _condition_problems(operand, depth + 1)
        return
    if isinstance(node, ast.Not):
        if not (isinstance(node.operand, ast.Call) and node.operand.name in ("contains", "match")):
            yield "! only negates contains() or match() there"
        else:
            yield from _trigger_problems(node.operand, depth)
        return
    if isinstance(node, ast.Call):
        if node.name not in ("contains", "match"):
            yield f"no function {node.name}()"
            return
        if node.name == "match":
            pattern = node.args[1] if len(node.args) > 1 else None
            if not (
                isinstance(pattern, ast.Literal)
                and isinstance(pattern.value, str)
                and re.fullmatch(r"\*?[^*?\[\]\\]+|[^*?\[\]\\]+\*", pattern.value)
                and (pattern.value.startswith("*") != pattern.value.endswith("*"))
            ):
                yield 'match() is only a prefix ("X*") or a suffix ("*X") there'
        for arg in node.args:
            yield from _trigger_problems(arg, depth)
        return
    if isinstance(node, ast.Compare):
        if not isinstance(node.left, ast.Path) or not isinstance(node.right, ast.Literal):
            yield "a comparison is a field, an operator and a value there"
        yield from _trigger_problems(node.left, depth)
        return
    if isinstance(node, ast.In | ast.ListLiteral):
        yield "no in and no lists"
        return
    if isinstance(node, ast.Path):
        if node.keys[0] not in TRIGGER_FIELDS:
            yield f"it ignores the field {node.keys[0]!r} (fields: {', '.join(TRIGGER_FIELDS)})"
        return


def export_segment(config: str | Path, *, format: Format = "api") -> Converted:
    """Segment's subscriptions and destination filters from a config file, as its Public API
    objects (``{"subscriptions": [...], "filters": [...]}``) or as Terraform resources
    (``.tf.json``)."""
    from actions.engine.configfile import load_config

    path = Path(config)
    load_config(path)  # the config must be valid: every problem is raised, located
    loaded = load_yaml(path.read_text(encoding="utf-8"), str(path))
    data = loaded.value
    exporter = _Exporter(loaded.source)
    extension = data.get("x-segment") or {}
    destination_id = extension.get("destination_id")
    source_id = extension.get("source_id")
    sub_ids = extension.get("subscriptions") or {}
    filter_ids = extension.get("filters") or {}
    raw_subscriptions = data.get("subscriptions")
    if raw_subscriptions is None:
        pack = load_destination(_pack(path, data["destination"]))
        exporter.finding(
            "interop-presets",
            "the config has no subscriptions: the pack's presets are exported",
            ("destination",),
            severity=Severity.INFO,
        )
        raw_subscriptions = [
            {"name": p.name, "action": p.action, "trigger": p.trigger, "mapping": p.mapping}
            for p in pack.presets
        ]
    subscriptions = []
    for index, item in enumerate(raw_subscriptions):
        where: DataPath = ("subscriptions", index)
        name = str(item.get("name") or item["action"])
        trigger = exporter.trigger(str(item.get("trigger") or ""), (*where, "trigger"))
        if trigger is None:
            continue
        settings = {
            key: value
            for key, value in (item.get("mapping") or {}).items()
            if exporter.mapping(value, (*where, "mapping", key))
        }
        known = sub_ids.get(name) or {}
        subscriptions.append(
            {
                "id": known.get("id"),
                "name": name,
                "actionId": known.get("action_id"),
                "actionSlug": known.get("action_slug", item["action"]),
                "destinationId": destination_id,
                "enabled": bool(item.get("enabled", True)),
                "trigger": trigger,
                "settings": settings,
            }
        )
    raw_filters = list(data.get("filters") or [])
    kinds = [filter_kind(f) for f in raw_filters]
    in_order = sorted(kinds, key=SEGMENT_ORDER.index) == kinds
    if data.get("filter_order", "config") != "segment" and not in_order:
        exporter.finding(
            "interop-filter-order",
            "Segment applies filters by kind (sample, drop, drop_fields, allow_fields), not in "
            "the order written: events may be filtered differently there",
            ("filters",),
            severity=Severity.WARNING,
            hint="write them in Segment's order, or set filter_order: segment",
        )
    filters = []
    for index, item in enumerate(raw_filters):
        name = str(item.get("name") or f"filter {index + 1}")
        condition = item.get("if")
        action: dict[str, Any]
        if "drop" in item or "keep" in item:
            test = item["drop"] if "drop" in item else f"!({item['keep']})"
            if test == "true" and not condition:
                condition = None
            elif condition:
                condition = f"({condition}) and ({test})"
            else:
                condition = test
            action = {"type": "DROP"}
        elif "sample" in item:
            sample = item["sample"]
            action = {
                "type": "SAMPLE",
                "percent": round(float(sample["percent"]) / 100, 12),
                "path": sample.get("by", "messageId"),
            }
        else:
            key = "drop_fields" if "drop_fields" in item else "allow_fields"
            fields = {k: list(v) for k, v in item[key].items()}
            action = {
                "type": "DROP_PROPERTIES" if key == "drop_fields" else "ALLOW_PROPERTIES",
                "fields": fields,
            }
        known = filter_ids.get(name) or {}
        filters.append(
            {
                "id": known.get("id"),
                "sourceId": source_id,
                "destinationId": destination_id,
                "title": name,
                "description": known.get("description"),
                "if": condition or ALL_EVENTS,
                "enabled": True,
                "actions": [action],
            }
        )
    if format == "terraform":
        document = _terraform(subscriptions, filters)
    else:
        document = {
            "subscriptions": [_without_none(s) for s in subscriptions],
            "filters": [_without_none(f) for f in filters],
        }
    return Converted(document, tuple(exporter.findings))


def _pack(config: Path, target: str) -> str | Path:
    relative = config.parent / target
    return relative if relative.exists() else resolve(target)


def _without_none(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _resource_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "resource"
    if base[0].isdigit():
        base = f"r_{base}"
    unique, number = base, 2
    while unique in taken:
        unique = f"{base}_{number}"
        number += 1
    taken.add(unique)
    return unique


def _terraform(
    subscriptions: list[dict[str, Any]], filters: list[dict[str, Any]]
) -> dict[str, Any]:
    """Terraform JSON configuration (``.tf.json``) for Segment's provider."""
    variable = "${var.segment_destination_id}"
    taken: set[str] = set()
    subs = {}
    imports = []
    for s in subscriptions:
        name = _resource_name(s["name"], taken)
        if s["id"] and s["destinationId"]:
            imports.append(
                {"to": f"{SUBSCRIPTION_TYPE}.{name}", "id": f"{s['destinationId']}:{s['id']}"}
            )
        subs[name] = _without_none(
            {
                "//": f"{_SLUG_COMMENT}{s['actionSlug']}",
                "destination_id": s["destinationId"] or variable,
                "name": s["name"],
                "action_id": s["actionId"] or s["actionSlug"],
                "enabled": s["enabled"],
                "trigger": s["trigger"],
                "settings": json.dumps(s["settings"], sort_keys=True, ensure_ascii=False),
            }
        )
    found = {}
    for f in filters:
        actions = []
        for a in f["actions"]:
            actions.append(
                {
                    "type": a["type"],
                    "percent": a.get("percent"),
                    "path": a.get("path"),
                    "fields": json.dumps(a["fields"], sort_keys=True) if "fields" in a else None,
                }
            )
        name = _resource_name(f["title"], taken)
        if f["id"] and f["destinationId"]:
            imports.append({"to": f"{FILTER_TYPE}.{name}", "id": f"{f['destinationId']}:{f['id']}"})
        found[name] = _without_none(
            {
                "destination_id": f["destinationId"] or variable,
                "source_id": f["sourceId"] or "${var.segment_source_id}",
                "title": f["title"],
                "description": f.get("description"),
                "if": f["if"],
                "enabled": f["enabled"],
                "actions": actions,
            }
        )
    resource: dict[str, Any] = {}
    if subs:
        resource[SUBSCRIPTION_TYPE] = subs
    if found:
        resource[FILTER_TYPE] = found
    document: dict[str, Any] = {"resource": resource}
    if imports:
        document["import"] = imports
    return document


def config_text(config: Mapping[str, Any]) -> str:
    """A config as YAML, keys in the order made."""
    return yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True, width=100)


def read_settings(file: str | Path) -> dict[str, Any]:
    loaded = load_yaml(Path(file).read_text(encoding="utf-8"), str(file))
    loaded.raise_for_errors(f"settings {file}")
    if not isinstance(loaded.value, dict):
        raise ActionsError(f"settings {file}: expected an object of settings")
    return dict(loaded.value)
