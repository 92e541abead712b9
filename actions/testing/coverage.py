"""What a set of fixtures exercised in a configured destination: its subscriptions, destination
filters, skip rules, mapped fields and mapping branches, and each ``and``/``or`` operand of its
triggers both ways.

Coverage is recorded beside the engine, never inside it: for each event the recorder replays
the destination's decisions with the same compiled parts (triggers, filters, mappings) and walks
each matched subscription's mapping *spec* with a reference walk that evaluates the conditions
of the branching directives (``@if``, ``@coalesce``, ``@lookup``) as the compiled mapping does.
The compiled mapping the engine runs is not touched, so coverage costs nothing when it is not
asked for. Every item is located (file:line:col) in the pack or config it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Outcome, Skipped
from actions.errors import DataPath, Location
from actions.fql import Trigger
from actions.fql import compile as compile_trigger
from actions.fql import parse as parse_fql
from actions.fql.analysis import contradiction, implies
from actions.fql.ast import And, Compare, Expr, Literal, Not, Or, walk
from actions.fql.ast import Path as FQLPath
from actions.fql.compile import compile_node
from actions.fql.format import format_fql
from actions.language import BUILTIN, Language
from actions.mapping import MISSING, CompiledMapping, Kind, is_directive
from actions.mapping import compile as compile_mapping
from actions.mapping.values import to_text
from actions.yamlsource import SourceMap, load_yaml

MAX_ITEMS_WALKED = 100
"""The most items of one ``@arrayPath`` list whose item mapping is walked per event."""

KINDS = ("subscription", "filter", "skip", "field", "branch", "operand")
"""The kinds of coverage item, in the order reports list them."""


@attrs.frozen
class Item:
    """One thing a fixture can exercise: its kind, what it is, and where it is written."""

    __repr__ = attrs_repr

    kind: str
    label: str
    file: str
    line: int
    column: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "location": self.where}


class _Sources:
    """The source maps of a configured destination's pack and (when it has one) config."""

    def __init__(self, configured: ConfiguredDestination, config: SourceMap | None) -> None:
        destination = configured.destination
        file = str(destination.path) if destination.path else destination.slug
        self.pack = load_yaml(destination.text, file).source if destination.text else None
        self.config = config

    @staticmethod
    def at(source: SourceMap | None, path: DataPath, offset: int = -1, length: int = 1) -> Any:
        if source is None:
            return None
        if offset >= 0:
            return source.locate_in_scalar(path, offset, length)
        return source.locate(path)


def _item(kind: str, label: str, location: Location | None, fallback: str) -> Item:
    if location is None:
        return Item(kind, label, _shown(fallback), 0, 0)
    return Item(kind, label, _shown(location.file or fallback), location.line, location.column)


def _shown(file: str) -> str:
    """A file as reports show it: relative to the working folder when it is under it."""
    try:
        return str(Path(file).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return file


class Coverage:
    """Items and the ones exercised, merged over every configured destination observed (two
    fixture files of one pack add up)."""

    def __init__(self) -> None:
        self.items: dict[Item, None] = {}
        self.hit: set[Item] = set()
        self.unreachable: dict[Item, None] = {}
        """Branches that no event can take (not counted; see :class:`_Walker`)."""
        self._recorders: dict[int, _Recorder] = {}

    def recorder(
        self, configured: ConfiguredDestination, config: SourceMap | None = None
    ) -> _Recorder:
        """The recorder of ``configured`` (made, and its items registered, on first use)."""
        found = self._recorders.get(id(configured))
        if found is None:
            found = _Recorder(self, configured, _Sources(configured, config))
            self._recorders[id(configured)] = found
        return found

    def add(self, item: Item) -> Item:
        self.items.setdefault(item, None)
        return item

    def mark(self, item: Item) -> None:
        self.hit.add(item)

    @property
    def percent(self) -> float:
        total = len(self.items)
        covered = sum(1 for i in self.items if i in self.hit)
        return 100.0 if total == 0 else round(100.0 * covered / total, 1)

    def not_reachable(self) -> list[Item]:
        return [i for i in self.unreachable if i not in self.items]

    def uncovered(self) -> list[Item]:
        return [i for i in self.items if i not in self.hit]

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """Per kind: (covered, total)."""
        out: dict[str, tuple[int, int]] = {}
        for kind in KINDS:
            items = [i for i in self.items if i.kind == kind]
            if items:
                out[kind] = (sum(1 for i in items if i in self.hit), len(items))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": self.percent,
            "covered": sum(1 for i in self.items if i in self.hit),
            "total": len(self.items),
            "kinds": {k: {"covered": c, "total": t} for k, (c, t) in self.by_kind().items()},
            "uncovered": [i.to_dict() for i in self.uncovered()],
            "unreachable": [i.to_dict() for i in self.not_reachable()],
        }

    def render(self) -> str:
        covered = sum(1 for i in self.items if i in self.hit)
        lines = [f"coverage: {self.percent}% ({covered} of {len(self.items)} items)"]
        for kind, (covered, total) in self.by_kind().items():
            plural = "branches" if kind == "branch" else kind + "s"
            lines.append(f"  {plural:<14} {covered}/{total}")
        unreachable = self.not_reachable()
        if unreachable:
            lines.append(
                f"  ({len(unreachable)} branches not counted: the trigger or the settings rule "
                "them out)"
            )
        uncovered = self.uncovered()
        if uncovered:
            lines.append("not exercised:")
            lines.extend(f"  {i.where}: {i.kind}: {i.label}" for i in uncovered)
        return "\n".join(lines)


def _operands(
    trigger: Trigger, label: str, path: DataPath, source: SourceMap | None, fallback: str
) -> list[tuple[Item, Item, Any]]:
    """(true item, false item, evaluator) for each operand of each ``and``/``or`` of a trigger."""
    out = []
    for node in walk(trigger.ast):
        if not isinstance(node, And | Or):
            continue
        for operand in node.operands:
            where = _Sources.at(source, path, operand.start, max(1, operand.end - operand.start))
            text = format_fql(operand)
            out.append(
                (
                    _item("operand", f"{label}: `{text}` true", where, fallback),
                    _item("operand", f"{label}: `{text}` false", where, fallback),
                    compile_node(operand),
                )
            )
    return out


def _truth(evaluate: Any, event: Any) -> bool:
    try:
        return evaluate(event) is True
    except Exception:
        return False


class _Recorder:
    """Registers the items of one configured destination and records what each event hits."""

    def __init__(
        self, coverage: Coverage, configured: ConfiguredDestination, sources: _Sources
    ) -> None:
        self.coverage = coverage
        self.configured = configured
        self.settings: Mapping[str, Any] = configured._settings
        destination = configured.destination
        fallback = str(destination.path) if destination.path else destination.slug
        self.fallback = fallback
        pack, config = sources.pack, sources.config
        add = coverage.add
        raw_subscriptions = _raw_subscriptions(config)
        self.filters: list[tuple[Any, Item | None, Item | None, list[Any]]] = []
        for index, filter_ in enumerate(configured._filters):
            where: DataPath = ("filters", index)
            name = getattr(filter_, "name", f"filter {index + 1}")
            dropping = any(getattr(filter_, k, None) is not None for k in ("drop", "keep"))
            passed = add(
                _item(
                    "filter",
                    f"filter {name!r} let an event through",
                    _Sources.at(config, where),
                    fallback,
                )
            )
            dropped = (
                add(
                    _item(
                        "filter",
                        f"filter {name!r} dropped an event",
                        _Sources.at(config, where),
                        fallback,
                    )
                )
                if dropping
                else None
            )
            operands = []
            for key, attribute in (("if", "condition"), ("drop", "drop"), ("keep", "keep")):
                trigger = getattr(filter_, attribute, None)
                if isinstance(trigger, Trigger):
                    operands.extend(
                        _operands(
                            trigger, f"filter {name!r} {key}", (*where, key), config, fallback
                        )
                    )
            for true, false, _ in operands:
                add(true)
                add(false)
            self.filters.append((filter_, passed, dropped, operands))
        self.subscriptions: dict[str, _Subscription] = {}
        for compiled in configured.compiled:
            subscription = compiled.subscription
            owner: SourceMap | None
            base: DataPath
            if config is not None and subscription.name in raw_subscriptions:
                owner, base = config, ("subscriptions", raw_subscriptions[subscription.name])
            else:
                owner, base = pack, _preset_path(configured, subscription.name)
            action = compiled.action
            action_base: DataPath = ("actions", action.key)
            trigger_path: DataPath = (*base, "trigger")
            trigger_source: SourceMap | None = owner
            if owner is not None and owner.locate(trigger_path) == owner.locate(base):
                # No trigger of its own: the action's default trigger.
                trigger_source, trigger_path = pack, (*action_base, "default_trigger")
            label = f"subscription {subscription.name!r}"
            record = _Subscription(
                compiled,
                add(
                    _item(
                        "subscription",
                        f"{label} matched an event",
                        _Sources.at(owner, base),
                        fallback,
                    )
                ),
                [],
                [],
                {},
                [],
            )
            for true, false, evaluate in _operands(
                compiled.trigger, f"{label} trigger", trigger_path, trigger_source, fallback
            ):
                record.operands.append((add(true), add(false), evaluate))
            for index, rule in enumerate(action.skip):
                where = (*action_base, "skip", index)
                item = add(
                    _item(
                        "skip",
                        f"{label}: skip rule {index + 1} ({rule.reason})",
                        _Sources.at(pack, where),
                        fallback,
                    )
                )
                record.skips.append((rule.reason, item))
                if rule.when is not None:
                    for true, false, evaluate in _operands(
                        rule.when,
                        f"{label} skip rule {index + 1}",
                        (*where, "when"),
                        pack,
                        fallback,
                    ):
                        record.operands.append((add(true), add(false), evaluate))
            mapping = compiled.mapping.mapping
            for field, node in mapping.items():
                field_source: SourceMap | None
                field_path: DataPath
                if field in subscription.mapping:
                    field_source, field_path = owner, (*base, "mapping", field)
                else:
                    field_source, field_path = pack, (*action_base, "fields", field, "default")
                record.fields[field] = add(
                    _item(
                        "field",
                        f"{label}: field {field!r} given a value",
                        _Sources.at(field_source, field_path),
                        fallback,
                    )
                )
                walker = _Walker(
                    f"{label} {field}",
                    field_source,
                    fallback,
                    compiled.trigger.ast,
                    self.settings,
                    configured.env,
                )
                walker.register(node, field_path)
                for item in walker.items:
                    add(item)
                for item in walker.unreachable:
                    coverage.unreachable.setdefault(item, None)
                record.walkers.append((node, field_path, walker))
            self.subscriptions[subscription.name] = record

    def hits(self, event: Any) -> set[Item]:
        """The items ``event`` exercises (nothing is recorded)."""
        found: set[Item] = set()
        self.observe(event, self.configured.process(event), found.add)
        return found

    def observe(self, event: Any, outcomes: Iterable[Outcome], mark: Any = None) -> None:
        """Record what ``event`` (already processed into ``outcomes``) exercised."""
        mark = mark or self.coverage.mark
        outcomes = list(outcomes)
        if not isinstance(event, dict) or any(
            o.subscription is None and o.kind in ("failed", "skipped") for o in outcomes
        ):
            return  # an invalid event, or one its integrations turn off: nothing was decided
        for filter_, passed, dropped, operands in self.filters:
            for true, false, evaluate in operands:
                mark(true if _truth(evaluate, event) else false)
            try:
                after = filter_.apply(event)
            except Exception:
                return
            if after is None:
                if dropped is not None:
                    mark(dropped)
                return
            if passed is not None:
                mark(passed)
            event = after
        by_subscription = {o.subscription: o for o in outcomes if o.subscription is not None}
        for name, record in self.subscriptions.items():
            for true, false, evaluate in record.operands:
                mark(true if _truth(evaluate, event) else false)
            outcome = by_subscription.get(name)
            if outcome is None:
                continue
            mark(record.matched)
            if isinstance(outcome, Skipped):
                for reason, item in record.skips:
                    if reason == outcome.reason:
                        mark(item)
                        break
            value = record.compiled.mapping.apply(event, self.settings)
            if isinstance(value, dict):
                for field, item in record.fields.items():
                    if field in value:
                        mark(item)
            for node, path, walker in record.walkers:
                walker.observe(node, path, event, self.settings, mark)


@attrs.define
class _Subscription:
    __repr__ = attrs_repr

    compiled: Any
    matched: Item
    operands: list[tuple[Item, Item, Any]]
    skips: list[tuple[str, Item]]
    fields: dict[str, Item]
    walkers: list[tuple[Any, DataPath, _Walker]]


def _raw_subscriptions(config: SourceMap | None) -> dict[str, int]:
    """A config's subscriptions by name, with their index (from its source's locations)."""
    if config is None:
        return {}
    loaded = load_yaml(config.text, config.file)
    raw = loaded.value.get("subscriptions") if isinstance(loaded.value, dict) else None
    out: dict[str, int] = {}
    for index, item in enumerate(raw if isinstance(raw, list) else ()):
        if isinstance(item, dict):
            out.setdefault(str(item.get("name") or item.get("action")), index)
    return out


def _preset_path(configured: ConfiguredDestination, name: str) -> DataPath:
    for index, preset in enumerate(configured.destination.presets):
        if preset.name == name:
            return ("presets", index)
    return ("presets",)


class _Walker:
    """The branches of one mapping spec, and a reference walk that records which ran."""

    def __init__(
        self,
        label: str,
        source: SourceMap | None,
        fallback: str,
        trigger: Expr | None = None,
        settings: Mapping[str, Any] | None = None,
        env: Language = BUILTIN,
    ) -> None:
        self.label = label
        self.env = env
        self.source = source
        self.fallback = fallback
        self.trigger = trigger
        self.settings: Mapping[str, Any] = settings or {}
        self.items: list[Item] = []
        self.unreachable: list[Item] = []
        """Branches no event can take: ruled out by the subscription's trigger, or decided the
        other way by the settings (not counted)."""
        self._blocked = 0
        self._by_node: dict[tuple[DataPath, str], Item] = {}
        self.nodes: dict[Item, tuple[Any, str, int]] = {}
        """Per branch item: its directive node, the branch (then, else, alt, entry, default,
        reached) and, for an alternative, its index; or the entry's key (generation reads it)."""
        self._compiled: dict[tuple[int, bool], tuple[Any, Any]] = {}

    # -- registration --------------------------------------------------------------------------

    def _add(self, path: DataPath, key: str, text: str, node: Any = None, extra: Any = 0) -> None:
        location = _Sources.at(self.source, path)
        item = _item("branch", f"{self.label}: {text}", location, self.fallback)
        self._by_node[(path, key)] = item
        (self.unreachable if self._blocked else self.items).append(item)
        self.nodes[item] = (node, key, extra)

    def _compile(self, node: Any) -> CompiledMapping:
        return compile_mapping(node, directives=self.env.directives, functions=self.env.functions)

    def register(self, node: Any, path: DataPath, known: tuple[Expr, ...] = ()) -> None:
        """Register the branches of ``node`` (at ``path``); ``known``: conditions that hold
        wherever it runs (the trigger is added at the top)."""
        if not known and self.trigger is not None:
            known = (self.trigger,)
        if isinstance(node, list):
            for index, value in enumerate(node):
                self.register(value, (*path, index), known)
            return
        if not isinstance(node, dict):
            return
        if not is_directive(node):
            for key, value in node.items():
                self.register(value, (*path, key), known)
            return
        name = next(k for k in node if k.startswith("@"))
        argument = node[name]
        where = (*path, name)
        if name == "@if" and isinstance(argument, dict):
            then_ok, else_ok, when = self._reachable(argument, known)
            for key, ok in (("then", then_ok), ("else", else_ok)):
                self._blocked += not ok
                self._add(where, key, f"@if {key}", node)
                if key in argument:
                    inner = (
                        known if when is None else (*known, when if key == "then" else Not(when))
                    )
                    self.register(argument[key], (*where, key), inner)
                self._blocked -= not ok
            for key in ("exists", "blank"):
                if key in argument:
                    self.register(argument[key], (*where, key), known)
            return
        if name == "@coalesce" and isinstance(argument, list):
            for index, candidate in enumerate(argument):
                dead = self._gives_nothing(candidate, known)
                self._blocked += dead
                self._add((*where, index), "alt", f"@coalesce alternative {index + 1}", node, index)
                self._blocked -= dead
                self.register(candidate, (*where, index), known)
            return
        if name == "@coalesce" and isinstance(argument, list):
            for index in range(len(argument)):
                self._add((*where, index), "alt", f"@coalesce alternative {index + 1}", node, index)
        elif name == "@lookup" and isinstance(argument, dict):
            table = argument.get("table")
            if isinstance(table, dict) and not is_directive(table):
                for key in table:
                    dead = self._ruled_out(argument.get("value"), key, known)
                    self._blocked += dead
                    self._add((*where, "table", key), "entry", f"@lookup entry {key!r}", node, key)
                    self._blocked -= dead
            else:
                self._add((*where, "table"), "entry", "@lookup found in the table", node)
            self._add(where, "default", "@lookup not in the table (default)", node)
        else:
            self._add(where, "reached", f"{name} reached", node)
        for option_path, value in _options(self.env, name, argument, where):
            self.register(value, option_path, known)

    def _reachable(
        self, argument: dict[str, Any], known: tuple[Expr, ...]
    ) -> tuple[bool, bool, Expr | None]:
        """(then reachable, else reachable, the ``when`` condition's tree if it has one)."""
        when = argument.get("when")
        if isinstance(when, str):
            try:
                tree = parse_fql(when)
            except Exception:
                return True, True, None
            paths = [p.keys for p in walk(tree) if isinstance(p, FQLPath)]
            if paths and all(keys[:1] == ("$settings",) for keys in paths):
                decided = compile_trigger(when).matches({"$settings": dict(self.settings)})
                return decided, not decided, None
            if not known:
                return True, True, tree
            context = known[0] if len(known) == 1 else And(known)
            then_ok = contradiction(And((*known, tree))) is None
            else_ok = not implies(context, tree)
            return then_ok, else_ok, tree
        for key in ("exists", "blank"):
            operand = argument.get(key)
            if isinstance(operand, dict) and isinstance(operand.get("@path"), str):
                text = operand["@path"]
                if text.startswith("$settings.") or text == "$settings":
                    value = self._compile(operand).apply({}, self.settings)
                    present = value is not MISSING and value is not None
                    if key == "blank":
                        present = present and value != ""
                    return present, not present, None
        return True, True, None

    def _ruled_out(self, value: Any, key: Any, known: tuple[Expr, ...]) -> bool:
        """True when the looked-up value is an event field that ``known`` proves can never
        equal ``key`` (`event in ["A", "B"]` and the entry "C")."""
        if not known or not is_directive(value) or not isinstance(value.get("@path"), str):
            return False
        text = value["@path"]
        if not text.startswith("$.") or not isinstance(key, str):
            return False
        test = Compare("=", FQLPath(tuple(text[2:].split("."))), Literal(key))
        return contradiction(And((*known, test))) is not None

    def _gives_nothing(self, candidate: Any, known: tuple[Expr, ...]) -> bool:
        """True for a candidate that never gives a value with these settings: a setting that
        is not set, or an ``@if`` whose every reachable branch is absent or such a setting."""
        if self._unset_setting(candidate):
            return True
        if not is_directive(candidate) or not isinstance(candidate.get("@if"), dict):
            return False
        argument = candidate["@if"]
        then_ok, else_ok, _ = self._reachable(argument, known)
        return not any(
            ok and key in argument and not self._unset_setting(argument[key])
            for key, ok in (("then", then_ok), ("else", else_ok))
        )

    def _unset_setting(self, node: Any) -> bool:
        """``{"@path": "$settings.NAME"}`` for a setting with no value."""
        if not is_directive(node) or not isinstance(node.get("@path"), str):
            return False
        if not node["@path"].startswith("$settings."):
            return False
        value = self._compile(node).apply({}, self.settings)
        return value is MISSING or value is None

    # -- observation -----------------------------------------------------------------------------

    def _value(self, node: Any, root: Any, settings: Mapping[str, Any], owner: Any = None) -> Any:
        """``node`` applied to ``root``, compiled once per spec node: by the identity of
        ``owner`` (a node of the spec, alive as long as the walker) when ``node`` is made
        here, else of ``node`` itself."""
        key = (id(node if owner is None else owner), owner is None)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = (self._compile(node), node if owner is None else owner)
        return found[0].apply(root, settings)

    def observe(
        self, node: Any, path: DataPath, root: Any, settings: Mapping[str, Any], mark: Any
    ) -> None:
        """Record the branches of ``node`` (registered at ``path``) that ``root`` runs."""
        self._observe(node, path, root, settings, mark, 0)

    def _observe(
        self,
        node: Any,
        path: DataPath,
        root: Any,
        settings: Mapping[str, Any],
        mark: Any,
        depth: int,
    ) -> None:
        if depth > 64:
            return
        if isinstance(node, list):
            for index, value in enumerate(node):
                self._observe(value, (*path, index), root, settings, mark, depth + 1)
            return
        if not isinstance(node, dict):
            return
        if not is_directive(node):
            for key, value in node.items():
                self._observe(value, (*path, key), root, settings, mark, depth + 1)
            return
        name = next(k for k in node if k.startswith("@"))
        argument = node[name]
        where = (*path, name)
        hit = self._hit(where, mark)
        if name == "@if" and isinstance(argument, dict):
            condition = {k: v for k, v in argument.items() if k not in ("then", "else")}
            for key in ("exists", "blank"):
                if key in condition:
                    self._observe(condition[key], (*where, key), root, settings, mark, depth + 1)
            test = {"@if": {**condition, "then": True, "else": False}}
            chosen = self._value(test, root, settings, argument)
            branch = "then" if chosen is True else "else"
            hit(branch)
            if branch in argument:
                self._observe(argument[branch], (*where, branch), root, settings, mark, depth + 1)
            return
        if name == "@coalesce" and isinstance(argument, list):
            for index, candidate in enumerate(argument):
                self._observe(candidate, (*where, index), root, settings, mark, depth + 1)
                value = self._value(candidate, root, settings)
                if value is not MISSING and value is not None:
                    self._hit((*where, index), mark)("alt")
                    return
            return
        if name == "@lookup" and isinstance(argument, dict):
            self._observe(argument.get("value"), (*where, "value"), root, settings, mark, depth + 1)
            key = self._value(argument.get("value"), root, settings)
            table_node = argument.get("table")
            if is_directive(table_node):
                self._observe(table_node, (*where, "table"), root, settings, mark, depth + 1)
            table = self._value(table_node, root, settings)
            usable = isinstance(key, str | int | float) and not isinstance(key, bool)
            if usable and isinstance(table, dict) and to_text(key) in table:
                if isinstance(table_node, dict) and not is_directive(table_node):
                    self._hit((*where, "table", to_text(key)), mark)("entry")
                else:
                    self._hit((*where, "table"), mark)("entry")
                return
            hit("default")
            if "default" in argument:
                self._observe(
                    argument["default"], (*where, "default"), root, settings, mark, depth + 1
                )
            return
        hit("reached")
        if name == "@arrayPath" and isinstance(argument, list) and argument:
            first = argument[0]
            if isinstance(first, dict):
                self._observe(first, (*where, 0), root, settings, mark, depth + 1)
            if isinstance(first, str):
                items = self._value({"@path": first}, root, settings, argument)
            else:
                items = self._value(first, root, settings)
            if isinstance(items, dict):
                items = [items]
            if len(argument) == 2 and isinstance(items, list):
                for item in items[:MAX_ITEMS_WALKED]:
                    self._observe(argument[1], (*where, 1), item, settings, mark, depth + 1)
            return
        for option_path, value in _options(self.env, name, argument, where):
            self._observe(value, option_path, root, settings, mark, depth + 1)

    def _hit(self, path: DataPath, mark: Any) -> Any:
        def record(key: str) -> None:
            item = self._by_node.get((path, key))
            if item is not None:
                mark(item)

        return record


def _options(
    env: Language, name: str, argument: Any, where: DataPath
) -> list[tuple[DataPath, Any]]:
    """The nested mappings of a directive evaluated on the same data as the directive (relative
    ones, such as ``@transform``'s ``mapping``, are not walked), with their paths."""
    spec = env.directives.get(name)
    if spec is None:
        return []
    walked = (Kind.MAPPING, Kind.OBJECT_MAPPING, Kind.STRING_OR_DIRECTIVE)
    out: list[tuple[DataPath, Any]] = []
    if spec.argument is not None:
        option = spec.argument
        if option.kind in walked and not option.relative:
            out.append((where, argument))
        elif option.kind is Kind.MAPPINGS and isinstance(argument, list):
            out.extend(((*where, i), v) for i, v in enumerate(argument))
        elif option.kind is Kind.ARRAY_PATH and isinstance(argument, list) and argument:
            if isinstance(argument[0], dict):
                out.append(((*where, 0), argument[0]))
            if len(argument) == 2:
                out.append(((*where, 1), argument[1]))  # registered; walked per item
        return out
    if not isinstance(argument, dict):
        return out
    for option in spec.options:
        if option.name not in argument or option.relative:
            continue
        value = argument[option.name]
        if option.kind in walked:
            out.append(((*where, option.name), value))
        elif option.kind is Kind.MAPPINGS and isinstance(value, list):
            out.extend(((*where, option.name, i), v) for i, v in enumerate(value))
    return out


def fql_trigger(text: str) -> Trigger:
    """A compiled FQL condition (for assertions over outcomes)."""
    return compile_trigger(text)


__all__ = ["KINDS", "Coverage", "Item", "fql_trigger"]
