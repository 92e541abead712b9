"""Load a pack: safe YAML with positions, schema validation located in the file, then compile
every trigger, mapping and request once, collecting every problem."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions._resources import mappings_dir, pack_slugs
from actions.destinations.delivery import DEFAULT_DELIVERY
from actions.destinations.fields import Condition, FieldSpec, PayloadChecker
from actions.destinations.model import (
    Action,
    Destination,
    Inbound,
    Preset,
    ResponseRule,
    SettingSpec,
    SkipRule,
)
from actions.destinations.request import RequestSpec
from actions.destinations.schema import DESTINATION_SCHEMA
from actions.destinations.settingrefs import pack_references, unknown_setting_references
from actions.destinations.shipped import load_pack
from actions.errors import ActionsError, DataPath, Diagnostic, InvalidInputError, Severity
from actions.fql import FQLSyntaxError, Trigger
from actions.fql import compile as compile_trigger
from actions.language import BUILTIN, Language
from actions.mapping import MappingError
from actions.mapping import compile as compile_mapping
from actions.yamlsource import SourceMap, read_file

if TYPE_CHECKING:
    import jsonschema

    from actions.destinations.batch import ItemResults


class DefinitionError(InvalidInputError):
    """A pack or config with problems; ``diagnostics`` lists every one, located in the file."""


@cache
def _validator(schema_id: str) -> Any:
    # Imported here, when a document is first checked: a shipped pack loads without it.
    import jsonschema

    from actions.destinations.schema import CONFIG_SCHEMA

    schema = DESTINATION_SCHEMA if schema_id == DESTINATION_SCHEMA["$id"] else CONFIG_SCHEMA
    return jsonschema.Draft7Validator(schema)


def schema_problems(
    instance: Any, schema: Mapping[str, Any], source: SourceMap | None
) -> list[Diagnostic]:
    """Schema errors, each pointed at the offending key (not its parent)."""
    out = []
    for error in _leaves(_validator(str(schema["$id"])).iter_errors(instance)):
        path: DataPath = tuple(error.absolute_path)
        key = False
        message = error.message
        hint = None
        if error.validator == "additionalProperties":
            schema_part = error.schema if isinstance(error.schema, dict) else {}
            allowed = sorted((schema_part.get("properties") or {}).keys())
            patterns = list((schema_part.get("patternProperties") or {}).keys())
            instance = error.instance if isinstance(error.instance, dict) else {}
            extra = [
                str(k)
                for k in instance
                if k not in allowed and not any(re.search(p, str(k)) for p in patterns)
            ]
            for name in extra or [""]:
                import difflib  # here: only a misspelt name needs it

                close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
                diagnostic = Diagnostic(
                    "schema",
                    f"unknown key {name!r}",
                    path=(*path, name),
                    location=source.locate((*path, name), key=True) if source else None,
                    hint=f"did you mean {close[0]!r}?"
                    if close
                    else f"allowed: {', '.join(allowed)}",
                )
                out.append(diagnostic)
            continue
        if "propertyNames" in error.schema_path:  # a field name that starts with @
            path, key = (*path, str(error.instance)), True
            message = f"field name {error.instance!r} starts with @"
            hint = "a mapping key that starts with @ is a directive: rename the field"
        elif error.validator == "required":
            missing = re.findall(r"'([^']+)'", error.message)
            message = f"missing required key {missing[0]!r}" if missing else message
        elif error.validator == "enum":
            choices = error.validator_value if isinstance(error.validator_value, list) else []
            hint = "one of: " + ", ".join(map(str, choices))
            message = f"{error.instance!r} is not allowed here"
        elif error.validator == "type":
            message = f"must be {error.validator_value}, not {type(error.instance).__name__}"
        location = source.locate(path, key=key) if source else None
        out.append(Diagnostic("schema", message, path=path, location=location, hint=hint))
    return out


class SchemaErrorPaths:
    """The paths of a document's schema errors, indexed so that asking about one part is quick
    whatever the number of errors (a pack with 10,000 bad actions has 10,000 of them, and each
    action is asked about)."""

    def __init__(self, paths: Iterable[DataPath]) -> None:
        self.paths = frozenset(tuple(p) for p in paths)
        self.within = frozenset(p[:i] for p in self.paths for i in range(len(p) + 1))


def schema_intact(bad: SchemaErrorPaths, prefix: DataPath) -> bool:
    """No schema error (of those at the paths ``bad``) at ``prefix`` or at one of its parents
    (the root aside: a missing top-level key leaves the rest checkable)."""
    prefix = tuple(prefix)
    return not any(prefix[:i] in bad.paths for i in range(1, len(prefix) + 1))


def schema_valid(bad: SchemaErrorPaths, prefix: DataPath) -> bool:
    """No schema error at ``prefix``, above it or inside it."""
    return schema_intact(bad, prefix) and tuple(prefix) not in bad.within


def _leaves(errors: Iterator[jsonschema.ValidationError]) -> Iterator[jsonschema.ValidationError]:
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            if len(deepest.absolute_path) > len(error.absolute_path):
                yield from _leaves(iter([deepest]))
                continue
        yield error


def resolve(name_or_path: str | Path) -> Path:
    """A shipped pack's slug, a destination.yaml, or a folder holding one."""
    candidate = Path(name_or_path)
    if candidate.is_dir():
        candidate = candidate / "destination.yaml"
    if candidate.is_file():
        return candidate.resolve()
    shipped = mappings_dir() / str(name_or_path) / "destination.yaml"
    if shipped.is_file():
        return shipped
    known = ", ".join(pack_slugs())
    raise ActionsError(f"no destination {str(name_or_path)!r}: give a path or one of: {known}")


def load_destination(name_or_path: str | Path, *, env: Language | None = None) -> Destination:
    """Load and compile a destination, its mappings and triggers in ``env`` (the built-in
    language when None). With the built-in language, cached per file and modification
    time."""
    path = resolve(name_or_path)
    if env is None or env.is_builtin:
        return _load(path, path.stat().st_mtime_ns)
    return _read(path, env)


@cache
def _load(path: Path, mtime: int) -> Destination:
    return _read(path, BUILTIN)


def _read(path: Path, env: Language) -> Destination:
    return load_destination_text(read_file(path, "destination"), str(path), path, env=env)


def load_destination_text(
    text: str | bytes,
    file: str | None = None,
    path: Path | None = None,
    *,
    env: Language = BUILTIN,
) -> Destination:
    """Load and compile a pack from its text (or the bytes of its file, which must be UTF-8),
    its mappings and triggers in ``env``. The text of a shipped pack is not parsed again, nor
    checked against the schema again (see :mod:`actions.destinations.shipped`)."""
    loaded, schema_checked = load_pack(text, file)
    if loaded.value is None or any(p.rule == "yaml-syntax" for p in loaded.problems):
        loaded.raise_for_errors(f"destination {file or '<text>'}")
    builder = _Builder(loaded.source, env)
    # A duplicate key or a tag does not stop the pack from being checked: all come together.
    builder.problems.extend(p for p in loaded.problems if p.severity is Severity.ERROR)
    destination = builder.destination(loaded.value, path, loaded.source.text, schema_checked)
    if builder.problems:
        raise DefinitionError(f"destination {file or '<text>'}", builder.problems)
    assert destination is not None
    return destination


class _Builder:
    def __init__(self, source: SourceMap, env: Language) -> None:
        self.source = source
        self.env = env
        self.problems: list[Diagnostic] = []

    def trigger(self, text: str, path: DataPath) -> Trigger | None:
        try:
            return compile_trigger(text, functions=self.env.functions)
        except FQLSyntaxError as exc:
            self.problems.append(
                Diagnostic(
                    "fql-syntax",
                    exc.message,
                    path=path,
                    location=self.source.locate_in_scalar(
                        path, exc.offset, exc.end_column - exc.column
                    ),
                    hint=exc.hint,
                )
            )
            return None

    def mapping(self, value: Any, path: DataPath) -> Any:
        try:
            return compile_mapping(
                value,
                source=self.source,
                base_path=path,
                directives=self.env.directives,
                functions=self.env.functions,
            )
        except MappingError as exc:
            self.problems.extend(exc.diagnostics)
            return None

    def request(self, raw: Mapping[str, Any], path: DataPath) -> RequestSpec | None:
        try:
            return RequestSpec.compile(raw, source=self.source, path=path, env=self.env)
        except MappingError as exc:
            self.problems.extend(exc.diagnostics)
            return None

    def destination(
        self, data: Any, path: Path | None, text: str, schema_checked: bool = False
    ) -> Destination | None:
        """The destination, or None with the problems. A schema error does not hide the rest:
        every part (a setting, an action, a preset, an inbound mapping) that has no schema
        error of its own is still compiled and checked. A document known to pass the schema
        (``schema_checked``: the text of a shipped pack that passed it when the package was
        built) is not checked again."""
        problems = [] if schema_checked else schema_problems(data, DESTINATION_SCHEMA, self.source)
        self.problems.extend(problems)
        if not isinstance(data, dict):
            return None
        bad = SchemaErrorPaths(p.path for p in problems)

        def intact(*prefix: str | int) -> bool:
            return schema_intact(bad, prefix)

        def valid(*prefix: str | int) -> bool:
            return schema_valid(bad, prefix)

        raw_settings = data.get("settings") if intact("settings") else None
        settings = {
            name: _setting(name, raw)
            for name, raw in (raw_settings or {}).items()
            if valid("settings", name)
        }
        declared = data.get("settings", {})
        if isinstance(declared, dict):  # a pack without `settings:` declares none
            for where, value in pack_references(data):
                if valid(*where):
                    self.problems.extend(
                        unknown_setting_references(value, where, declared, self.source)
                    )
        raw_actions: dict[str, Any] = (data.get("actions") or {}) if intact("actions") else {}
        actions = {}
        for key, raw in raw_actions.items():
            if not valid("actions", key):
                continue
            action = self.action(key, raw, ("actions", key))
            if action is not None:
                actions[key] = action
        presets = []
        raw_presets = (data.get("presets") or []) if intact("presets") else []
        for index, raw in enumerate(raw_presets):
            where = ("presets", index)
            if not valid(*where):
                continue
            if raw["action"] not in raw_actions:
                if intact("actions"):
                    self.unknown_action(raw["action"], raw_actions, (*where, "action"))
                continue
            action_raw = raw_actions[raw["action"]]
            trigger = raw.get("trigger") or (
                action_raw.get("default_trigger") if isinstance(action_raw, dict) else None
            )
            if trigger is None:
                self.problems.append(
                    Diagnostic(
                        "schema",
                        "a preset needs a trigger (its action has no default_trigger)",
                        path=where,
                        location=self.source.locate(where),
                    )
                )
                continue
            if "trigger" in raw:  # a default trigger is checked with its action
                self.trigger(trigger, (*where, "trigger"))
            self.mapping(raw.get("mapping") or {}, (*where, "mapping"))
            presets.append(
                Preset(
                    raw.get("name") or raw["action"],
                    raw["action"],
                    trigger,
                    raw.get("mapping") or {},
                )
            )
        inbound = {}
        raw_inbound = (data.get("inbound") or {}) if intact("inbound") else {}
        for name, raw in raw_inbound.items():
            if not valid("inbound", name):
                continue
            compiled = self.mapping(raw["mapping"], ("inbound", name, "mapping"))
            if compiled is not None:
                inbound[name] = Inbound(name, raw.get("description", ""), compiled)
        if problems:
            return None
        responses = tuple(
            ResponseRule(
                tuple(r["status"] if isinstance(r["status"], list) else [r["status"]]),
                r["outcome"],
                r.get("reason"),
                r.get("body_contains"),
            )
            for r in data.get("responses") or []
        )
        return Destination(
            name=data["name"],
            slug=data["slug"],
            description=data.get("description", ""),
            settings=settings,
            actions=actions,
            presets=tuple(presets),
            responses=responses,
            inbound=inbound,
            path=path,
            definition=data,
            text=text,
            delivery=DEFAULT_DELIVERY.with_overrides(data.get("delivery")),
            env=self.env,
        )

    def unknown_action(self, name: str, actions: Mapping[str, Any], path: DataPath) -> None:
        import difflib  # here: only a misspelt name needs it

        close = difflib.get_close_matches(name, list(actions), n=1, cutoff=0.5)
        self.problems.append(
            Diagnostic(
                "unknown-action",
                f"no action {name!r} in this destination",
                path=path,
                location=self.source.locate(path),
                hint=f"did you mean {close[0]!r}?" if close else f"actions: {', '.join(actions)}",
            )
        )

    def action(self, key: str, raw: Mapping[str, Any], path: DataPath) -> Action | None:
        fields = tuple(_field(name, spec) for name, spec in raw["fields"].items())
        defaults = {f.name: f.default for f in fields if f.has_default}
        before = len(self.problems)
        for name in defaults:
            self.mapping(defaults[name], (*path, "fields", name, "default"))
        default_trigger = raw.get("default_trigger")
        if default_trigger is not None:
            self.trigger(default_trigger, (*path, "default_trigger"))
        field_names = {f.name for f in fields}
        skip = []
        for index, rule in enumerate(raw.get("skip") or []):
            where = (*path, "skip", index)
            if "when" in rule:
                trigger = self.trigger(rule["when"], (*where, "when"))
                if trigger is not None:
                    skip.append(SkipRule(rule["reason"], when=trigger))
            else:
                for position, name in enumerate(rule["missing"]):
                    if name not in field_names:
                        self.problems.append(
                            Diagnostic(
                                "unknown-field",
                                f"no field {name!r} in action {key!r}",
                                path=(*where, "missing", position),
                                location=self.source.locate((*where, "missing", position)),
                            )
                        )
                skip.append(SkipRule(rule["reason"], missing=tuple(rule["missing"])))
        request = self.request(raw["request"], (*path, "request"))
        batch = None
        if "batch" in raw:
            batch_request = self.request(raw["batch"]["request"], (*path, "batch", "request"))
            if batch_request is not None:
                from actions.destinations.batch import BatchSpec

                items = raw["batch"].get("items")
                batch = BatchSpec(
                    raw["batch"]["max_size"],
                    batch_request,
                    None if items is None else _item_results(items),
                )
        if request is None or len(self.problems) > before:
            return None
        return Action(
            key=key,
            title=raw["title"],
            description=raw.get("description", ""),
            fields=fields,
            defaults=defaults,
            default_trigger=default_trigger,
            skip=tuple(skip),
            request=request,
            batch=batch,
            checker=PayloadChecker.build(fields),
        )


def _setting(name: str, raw: Mapping[str, Any]) -> SettingSpec:
    return SettingSpec(
        name=name,
        type=raw["type"],
        label=raw.get("label", ""),
        description=raw.get("description", ""),
        required=raw.get("required", False),
        secret=raw.get("secret", False),
        default=raw.get("default"),
        has_default="default" in raw,
        choices=tuple(raw.get("choices") or ()),
        values=raw.get("values"),
        unique_values=raw.get("unique_values", False),
    )


def _field(name: str, raw: Mapping[str, Any]) -> FieldSpec:
    required = raw.get("required", False)
    condition = None
    if isinstance(required, dict):
        condition = Condition(
            field=required["field"],
            is_=required.get("is"),
            is_not=required.get("is_not"),
            present=required.get("present"),
            has_is="is" in required,
            has_is_not="is_not" in required,
        )
        required = False
    properties = tuple(_field(k, v) for k, v in (raw.get("properties") or {}).items())
    return FieldSpec(
        name=name,
        type=raw["type"],
        label=raw.get("label", ""),
        description=raw.get("description", ""),
        required=bool(required),
        required_if=condition,
        multiple=raw.get("multiple", False),
        choices=tuple(raw.get("choices") or ()),
        format=raw.get("format"),
        allow_null=raw.get("allow_null", False),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        properties=properties,
        additional_properties=raw.get("additional_properties", not properties),
        values=raw.get("values"),
        default=raw.get("default"),
        has_default="default" in raw,
        invalid=raw.get("invalid", "fail"),
        pii=raw.get("pii"),
        hashed=bool(raw.get("hashed", False)),
    )


def _item_results(raw: Mapping[str, Any]) -> ItemResults:
    """A batch's ``items:`` block (checked by the schema: ``path`` is ``$`` or ``$.key...``)."""
    from actions.destinations.batch import ItemResults

    path = raw["path"]
    return ItemResults(
        tuple(path.split(".")[1:]) if path != "$" else (),
        raw.get("status", "status"),
        raw.get("index"),
        raw.get("reason"),
    )
