"""Fixtures generated from a configured destination: for each subscription, events made from
its trigger's syntax tree that match it and that just miss it, filled in from the shipped
sample events, then events that reach the mapping branches the others left out; each with the
outcomes the destination gives today as the expected ones.

Nothing here is random: the same config gives the same suite. Events are built by setting
fields of a base event (a sample event) to values read from the trigger or mapping (its
literals, a string that matches a glob, a number just inside or outside a bound, a value that
differs by one character, a missing field) and kept only when the destination agrees (the
trigger does match, or does not; the branch did run).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions._resources import mappings_dir
from actions.destinations.loading import DefinitionError, load_destination
from actions.engine.configfile import check_config
from actions.engine.configure import configure
from actions.engine.engine import ConfiguredDestination
from actions.fql import parse as parse_fql
from actions.fql.ast import And, Expr, ListLiteral, Literal, Not, Or, walk
from actions.fql.ast import Path as FQLPath
from actions.fql.compile import compile_node
from actions.fql.format import format_fql
from actions.fql.glob import _bracket as bracket
from actions.language import Language
from actions.samples import load_sample_events
from actions.spec import envelope_valid
from actions.testing.coverage import Coverage, Item, _Recorder
from actions.testing.fixtures import write_fixture
from actions.yamlsource import SourceMap, load_yaml

MAX_WAYS = 24
"""The most ways of making one trigger true (or false) that are tried."""

MAX_BASES = 3
"""The most events a missed mapping branch is tried from."""

_DELETE = object()
"""A candidate value: the field is removed."""


@attrs.frozen
class GeneratedCase:
    __repr__ = attrs_repr

    name: str
    event: dict[str, Any]
    expected: list[dict[str, Any]]


def ways(node: Expr, want: bool) -> list[list[tuple[Expr, bool]]]:
    """Ways of making ``node`` evaluate to ``want``: each a list of (test, value) to apply in
    order. An ``and`` is made false one operand at a time (the others true), an ``or`` true one
    operand at a time (the others false): every operand is seen both ways."""
    if isinstance(node, Not):
        return ways(node.operand, not want)
    if isinstance(node, And | Or):
        all_of = isinstance(node, And) == want  # every operand must take the same value
        if all_of:
            way: list[tuple[Expr, bool]] = []
            for operand in node.operands:
                first = ways(operand, want)
                way.extend(first[0] if first else [])
            return [way]
        out = []
        for focus, operand in enumerate(node.operands):
            others: list[tuple[Expr, bool]] = []
            for index, other in enumerate(node.operands):
                if index != focus:
                    first = ways(other, not want)
                    others.extend(first[0] if first else [])
            for own in ways(operand, want):
                out.append(others + own)
                if len(out) >= MAX_WAYS:
                    return out
        return out
    return [[(node, want)]]


def glob_example(pattern: str) -> str:
    """A string that the glob ``pattern`` matches (checked by the caller)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            pass
        elif char == "?":
            out.append("a")
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(pattern[index])
        elif char == "[" and bracket(pattern, index) is not None:
            regex, close = bracket(pattern, index) or ("", index)
            members = pattern[index + 1 : close] + "azAZ09_-.~ "
            out.append(next((c for c in members if re.fullmatch(regex, c)), members[0]))
            index = close
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _candidates(node: Any, want: bool) -> list[Any]:
    """Values to try for a field of ``node`` (a test, or a mapping spec), nearest first."""
    literals: list[Any] = []
    for value in _literals(node):
        if value not in literals or not isinstance(value, type(literals[literals.index(value)])):
            literals.append(value)
    near: list[Any] = []
    for value in literals:
        if isinstance(value, str):
            near.extend(
                [glob_example(value), value.lower(), value.upper(), value + "x", "x" + value]
            )
        elif isinstance(value, bool):
            near.append(not value)
        elif isinstance(value, int | float):
            near.extend([value + 1, value - 1, value + 0.5, value - 0.5])
    lists = [[v] for v in literals if isinstance(v, str | int | float)]
    generic = [_DELETE, None, "x", "", 0, 1, True, False, [], ["x"]]
    ordered = (literals + near + lists + generic) if want else (near + literals + generic + lists)
    out: list[Any] = []
    for value in ordered:
        if not any(value is o or (type(value) is type(o) and value == o) for o in out):
            out.append(value)
    return out


def _literals(node: Any) -> Iterator[Any]:
    if isinstance(node, Literal):
        yield node.value
    elif (
        isinstance(node, ListLiteral | Not | And | Or)
        or hasattr(node, "args")
        or hasattr(node, "left")
    ):
        for child in walk(node):
            if isinstance(child, Literal):
                yield child.value
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and not key.startswith("@"):
                yield key
            if key == "when" and isinstance(value, str):
                with contextlib.suppress(Exception):
                    yield from _literals(parse_fql(value))
            else:
                yield from _literals(value)
    elif isinstance(node, list):
        for value in node:
            yield from _literals(value)
    elif isinstance(node, str | int | float | bool) and not (
        isinstance(node, str) and node.startswith("$")
    ):
        yield node


def _set(event: dict[str, Any], keys: tuple[str, ...], value: Any) -> bool:
    """Set (or with _DELETE remove) the field at ``keys``, making objects on the way."""
    current: Any = event
    for key in keys[:-1]:
        if isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
            continue
        if not isinstance(current, dict):
            return False
        if not isinstance(current.get(key), dict | list):
            if value is _DELETE:
                return True
            current[key] = {}
        current = current[key]
    last = keys[-1]
    if isinstance(current, list) and last.isdigit() and int(last) < len(current):
        current[int(last)] = None if value is _DELETE else copy.deepcopy(value)
        return True
    if not isinstance(current, dict):
        return False
    if value is _DELETE:
        current.pop(last, None)
    else:
        current[last] = copy.deepcopy(value)
    return True


def _paths(node: Expr) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for child in walk(node):
        if (
            isinstance(child, FQLPath)
            and child.keys[:1] != ("$settings",)
            and child.keys not in found
        ):
            found.append(child.keys)
    return found


def apply_way(event: dict[str, Any], way: list[tuple[Expr, bool]]) -> dict[str, Any]:
    """A copy of ``event`` with each test of ``way`` made to hold its value, where one field
    can do it."""
    event = copy.deepcopy(event)
    for test, want in way:
        evaluate = compile_node(test)
        if (evaluate(event) is True) == want:
            continue
        done = False
        for keys in _paths(test):
            for value in _candidates(test, want):
                trial = copy.deepcopy(event)
                if not _set(trial, keys, value):
                    continue
                try:
                    ok = (evaluate(trial) is True) == want
                except Exception:
                    ok = False
                if ok:
                    event, done = trial, True
                    break
            if done:
                break
    return event


def _mapping_paths(node: Any) -> list[tuple[str, ...]]:
    """The event fields a mapping spec reads (its ``@path``s and its conditions' fields)."""
    found: list[tuple[str, ...]] = []

    def add(keys: tuple[str, ...]) -> None:
        if keys and keys not in found:
            found.append(keys)

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "@path" and isinstance(inner, str) and inner.startswith("$."):
                    add(tuple(inner[2:].split(".")))
                elif key == "when" and isinstance(inner, str):
                    try:
                        for keys in _paths(parse_fql(inner)):
                            add(keys)
                    except Exception:
                        pass
                else:
                    visit(inner)
        elif isinstance(value, list):
            for inner in value:
                visit(inner)

    visit(node)
    return found


class _Generator:
    def __init__(self, configured: ConfiguredDestination, config: SourceMap | None) -> None:
        self.configured = configured
        self.coverage = Coverage()
        self.recorder: _Recorder = self.coverage.recorder(configured, config)
        self.samples = load_sample_events()
        self.cases: list[tuple[str, dict[str, Any]]] = []
        self.seen: set[str] = set()

    def add(self, name: str, event: dict[str, Any], *, force: bool = False) -> bool:
        """Keep ``event`` when it is new and (unless forced) exercises something new."""
        key = json.dumps(event, sort_keys=True, default=str)
        if key in self.seen:
            return False
        hits = self._hits(event)
        if not force and hits <= self.coverage.hit:
            return False
        self.seen.add(key)
        self.coverage.hit.update(hits)
        self.cases.append((name, event))
        return True

    def triggers(self) -> None:
        for compiled in self.configured.compiled:
            name = compiled.subscription.name
            ast = compiled.trigger.ast
            matches = compiled.trigger.matches
            base = next((e for e in self.samples if matches(e)), self.samples[0])
            for want in (True, False):
                for index, way in enumerate(ways(ast, want)):
                    event = apply_way(base, way)
                    if matches(event) != want:
                        continue
                    tests = ", ".join(
                        f"`{format_fql(t)}` {'true' if v else 'false'}" for t, v in way[-1:]
                    )
                    what = "matches" if want else "just misses"
                    self.add(f"{name}: {what} ({tests}) #{index + 1}", event, force=True)

    def filters(self) -> None:
        """Each destination filter's conditions both ways (so it drops an event, and lets one
        through), from the first sample event a subscription takes."""
        takes = [c.trigger.matches for c in self.configured.compiled]
        base = next((e for e in self.samples if any(m(e) for m in takes)), self.samples[0])
        for filter_ in self.configured._filters:
            name = getattr(filter_, "name", "filter")
            for key in ("condition", "drop", "keep"):
                trigger = getattr(filter_, key, None)
                if trigger is None:
                    continue
                for want in (True, False):
                    for index, way in enumerate(ways(trigger.ast, want)):
                        event = apply_way(base, way)
                        what = "true" if want else "false"
                        self.add(f"filter {name!r}: {key} {what} #{index + 1}", event)

    def samples_greedily(self) -> None:
        remaining = [(i, e, self._hits(e)) for i, e in enumerate(self.samples)]
        while remaining:
            best, gain = None, 0
            for position, (_, _, hits) in enumerate(remaining):
                new = len(hits - self.coverage.hit)
                if new > gain:
                    best, gain = position, new
            if best is None:
                return
            index, event, _ = remaining.pop(best)
            label = event.get("event") or event.get("name") or event.get("type")
            self.add(f"sample event {index + 1} ({label})", event)

    def _hits(self, event: Any) -> set[Item]:
        """The items ``event`` exercises. An event whose envelope the Spec refuses exercises
        none (the engine fails it before any subscription), and the events made here are plain
        JSON, for which the quick envelope check is exact: such an event is not run, which
        spares the full check the engine would make only to say what is wrong."""
        return self.recorder.hits(event) if envelope_valid(event) else set()

    def missed_branches(self) -> None:
        hits: list[set[Item]] = []  # per case, in order (cases are added as branches are reached)
        for record in self.recorder.subscriptions.values():
            name = record.compiled.subscription.name
            for _, _, walker in record.walkers:
                for item, (node, branch, extra) in walker.nodes.items():
                    if item in self.coverage.hit:
                        continue
                    hits.extend(self._hits(e) for _, e in self.cases[len(hits) :])
                    cases = zip(self.cases, hits, strict=True)
                    bases = [e for (_, e), h in cases if record.matched in h]
                    for base in bases[:MAX_BASES]:
                        if self._reach(item, base, node, branch, extra, name):
                            break

    def _reach(
        self, item: Item, base: dict[str, Any], node: Any, branch: str, extra: Any, name: str
    ) -> bool:
        label = f"reaches {item.label} (line {item.line})"
        directive = (
            next((k for k in node if k.startswith("@")), "") if isinstance(node, dict) else ""
        )
        argument = node.get(directive) if directive else None
        if (
            directive == "@if"
            and isinstance(argument, dict)
            and isinstance(argument.get("when"), str)
        ):
            for way in ways(parse_fql(argument["when"]), branch == "then"):
                event = apply_way(base, way)
                if item in self._hits(event):
                    return self.add(label, event)
        start = copy.deepcopy(base)
        spec: Any = node
        if directive == "@coalesce" and isinstance(argument, list):
            for earlier in argument[:extra]:
                for keys in _mapping_paths(earlier):
                    _set(start, keys, _DELETE)
            spec = argument[extra] if extra < len(argument) else node
            if item in self._hits(start):
                return self.add(label, start)
        if directive == "@lookup" and isinstance(argument, dict) and branch == "entry":
            spec = {"value": argument.get("value"), "key": extra}
        reads = (
            argument.get("value") if directive == "@lookup" and isinstance(argument, dict) else spec
        )
        for keys in _mapping_paths(reads):
            for value in _candidates(spec, branch not in ("else", "default")):
                event = copy.deepcopy(start)
                if not _set(event, keys, value):
                    continue
                if item in self._hits(event):
                    return self.add(label, event)
        return False

    def others(self) -> None:
        """Skip rules, fields and filters still missed: single-field changes of kept events."""
        for item in list(self.coverage.items):
            if item in self.coverage.hit or item.kind == "operand":
                continue
            for _, base in list(self.cases)[: MAX_BASES * 4]:
                if self._nudge(item, base):
                    break

    def _nudge(self, item: Item, base: dict[str, Any]) -> bool:
        for record in self.recorder.subscriptions.values():
            if not (
                item is record.matched
                or item in record.fields.values()
                or any(item is i for _, i in record.skips)
            ):
                continue
            spec: Any = record.compiled.mapping.mapping
            trials: list[dict[str, Any]] = []
            for rule in record.compiled.action.skip:
                if not any(item is i and reason == rule.reason for reason, i in record.skips):
                    continue
                if rule.when is not None:
                    trials.extend(apply_way(base, way) for way in ways(rule.when.ast, True))
                if rule.missing:
                    # Every field the rule needs missing: what their mappings read, removed.
                    event = copy.deepcopy(base)
                    for field in rule.missing:
                        for keys in _mapping_paths(spec.get(field)):
                            _set(event, keys, _DELETE)
                    trials.append(event)
            for keys in _mapping_paths(spec)[:40]:
                for value in (_DELETE, None):
                    event = copy.deepcopy(base)
                    _set(event, keys, value)
                    trials.append(event)
            for event in trials:
                if item in self._hits(event):
                    return self.add(item.label, event)
        return False

    def run(self) -> list[GeneratedCase]:
        self.triggers()
        self.filters()
        self.samples_greedily()
        self.missed_branches()
        self.others()
        out = []
        for name, event in self.cases:
            expected = [o.to_dict() for o in self.configured.process(event)]
            out.append(GeneratedCase(name, event, expected))
        return out


def generate(
    configured: ConfiguredDestination, config: SourceMap | None = None
) -> tuple[list[GeneratedCase], Coverage]:
    """The generated cases for ``configured`` and the coverage they reach."""
    generator = _Generator(configured, config)
    cases = generator.run()
    return cases, generator.coverage


def generate_suite(
    target: str, output: str | Path, *, env: Language | None = None
) -> tuple[Path, list[GeneratedCase], Coverage]:
    """Write the generated fixture file for ``target`` (a config file, or a pack: slug, folder
    or destination.yaml, with its sample settings and presets, loaded in ``env``) into folder
    ``output``."""
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(target)
    source: SourceMap | None = None
    header = "# Generated by `actions test --generate`: the outcomes are the ones given on the\n"
    header += "# day it was made. Edit freely; `actions test --update` refreshes them.\n"
    if path.is_file() and path.name != "destination.yaml" and _is_config(path):
        loaded = load_yaml(path.read_bytes(), str(path))
        loaded.raise_for_errors(f"config {path}")
        checked = check_config(loaded.value, loaded.source, path.parent, env=env)
        if checked.problems or checked.configured is None:
            raise DefinitionError(f"config {path}", list(checked.problems))
        configured, source = checked.configured, loaded.source
        data: dict[str, Any] = {"config": os.path.relpath(path.resolve(), folder.resolve())}
        stem = path.stem
    else:
        destination = load_destination(target, env=env)
        configured = configure(destination, destination.sample_settings())
        shipped = destination.path is not None and destination.path.parent.parent == mappings_dir()
        where = (
            destination.slug
            if shipped or destination.path is None
            else os.path.relpath(destination.path.parent.resolve(), folder.resolve())
        )
        data = {"destination": where}
        stem = destination.slug
    cases, coverage = generate(configured, source)
    data["cases"] = [{"name": c.name, "event": c.event, "expected": c.expected} for c in cases]
    out = folder / f"{stem}.generated.yaml"
    write_fixture(out, data, header)
    return out, cases, coverage


def _is_config(path: Path) -> bool:
    loaded = load_yaml(path.read_bytes(), str(path))
    return (
        isinstance(loaded.value, dict)
        and "destination" in loaded.value
        and "actions" not in (loaded.value)
    )


__all__ = ["GeneratedCase", "apply_way", "generate", "generate_suite", "glob_example", "ways"]
