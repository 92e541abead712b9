"""Lint files: load each one as the engine would (collecting every problem), run the lint rules,
then apply suppressions (``--ignore``, the file's ``x-lint: {ignore: [...]}``, and
``# actions: disable-line=rule-id`` comments)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.destinations.loading import load_destination_text
from actions.engine.config import is_environment_form
from actions.engine.configfile import check_config
from actions.errors import Diagnostic, InvalidInputError, Location
from actions.language import BUILTIN, Language
from actions.lint.catalog import BUILTIN_RULES
from actions.lint.rules import Document, Rules
from actions.plans import TrackingPlan, check_document
from actions.yamlsource import SourceMap, load_yaml

_DISABLE = re.compile(r"#\s*actions:\s*disable-line=([\w,\s-]+)")


def discover(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*.y*ml")) if "fixtures" not in p.parts)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {raw}")
    return files


def _kind(path: Path, data: Any) -> str | None:
    if not isinstance(data, dict):
        return "destination" if path.name == "destination.yaml" else None
    if path.name == "destination.yaml" or "actions" in data:
        return "destination"
    if "destination" in data:
        return "config"
    return None


_KEY_RULES = frozenset({"unknown-setting", "unknown-field", "unknown-directive"})


def _locate(diagnostics: Iterable[Diagnostic], source: SourceMap) -> list[Diagnostic]:
    """Locate findings made without positions; names that are wrong point at the key."""
    return [
        d if d.location is not None else d.at(source.locate(d.path, key=d.rule in _KEY_RULES))
        for d in diagnostics
    ]


def lint_file(
    path: Path,
    plan: TrackingPlan | None = None,
    *,
    rules: Rules = BUILTIN_RULES,
    env: Language = BUILTIN,
) -> list[Diagnostic]:
    """Every finding of one file. A schema error does not hide the other stages: the parts of
    the file that are valid are still compiled (triggers, mappings, settings) with ``env``'s
    directives and functions, and every one of ``rules`` runs on whatever can be read. With a
    tracking ``plan``, the ``plan-*`` rules too."""
    file = str(path)
    loaded = load_yaml(path.read_bytes(), file)
    text = loaded.source.text
    found: list[Diagnostic] = list(loaded.problems)
    kind = _kind(path, loaded.value)
    if loaded.value is None or kind is None or any(p.rule == "yaml-syntax" for p in found):
        return _suppress(found, text, loaded.value)
    destination = None
    if kind == "destination":
        try:
            destination = load_destination_text(text, file, path.resolve(), env=env)
        except InvalidInputError as exc:
            found.extend(exc.diagnostics)
    else:
        checked = check_config(loaded.value, loaded.source, path.parent, env=env)
        # A setting read from an environment variable is read where the destination runs,
        # not where its config is linted.
        found.extend(d for d in checked.problems if d.rule != "setting-env")
        destination = checked.destination
    document = Document(file, kind, loaded.value, loaded.source, destination)
    for rule in rules.values():
        if rule.check is not None:
            found.extend(rule.check(document))
    if plan is not None:
        found.extend(check_document(kind, loaded.value, loaded.source, destination, plan))
    findings = _suppress(_locate(found, loaded.source), text, loaded.value, file)
    if kind == "config":
        hidden = _setting_values(loaded.value, destination, loaded.source)
        findings = [
            attrs.evolve(d, hidden=hidden)
            if hidden and (d.location is None or d.location.file == file)
            else d
            for d in findings
        ]
    return findings


def _setting_values(data: Any, destination: Any, source: SourceMap) -> tuple[Location, ...]:
    """Where a config's setting values that may be secret are: those of secret settings, of
    settings the destination does not have (a misspelt secret), or all of them when the
    destination is unknown; ``{env: NAME}`` forms hold no value."""
    settings = data.get("settings") if isinstance(data, dict) else None
    if not isinstance(settings, dict):
        return ()
    known = destination.settings if destination is not None else {}
    spans = []
    for name, value in settings.items():
        spec = known.get(name)
        if (spec is not None and not spec.secret) or is_environment_form(value):
            continue
        location = source.values.get(("settings", name))
        if location is not None:
            spans.append(location)
    return tuple(spans)


def _suppress(
    found: list[Diagnostic], text: str, data: Any, file: str | None = None
) -> list[Diagnostic]:
    """Drop ignored findings; a disable-line comment counts for findings of this file (a
    ``plan-*`` finding may point into the tracking plan)."""
    ignored: set[str] = set()
    if isinstance(data, dict) and isinstance(data.get("x-lint"), dict):
        ignored.update(str(r) for r in data["x-lint"].get("ignore") or [])
    lines = text.splitlines()
    out: list[Diagnostic] = []
    seen: set[tuple[Any, ...]] = set()
    for diagnostic in found:
        if diagnostic.rule in ignored:
            continue
        location = diagnostic.location
        here = file is None or location is None or location.file in (None, file)
        if here and location is not None and 0 < location.line <= len(lines):
            match = _DISABLE.search(lines[location.line - 1])
            if match and diagnostic.rule in {r.strip() for r in match.group(1).split(",")}:
                continue
        key = (
            diagnostic.rule,
            diagnostic.message,
            location.line if location else None,
            location.column if location else None,
        )
        if key not in seen:
            seen.add(key)
            out.append(diagnostic)
    return sorted(
        out,
        key=lambda d: (
            d.location.line if d.location else 0,
            d.location.column if d.location else 0,
        ),
    )


@attrs.frozen
class LintResult:
    """The files checked and every finding, in file order."""

    __repr__ = attrs_repr

    files: tuple[Path, ...]
    findings: tuple[Diagnostic, ...]


def lint_paths(
    paths: Sequence[str],
    ignore: Iterable[str] = (),
    plan: TrackingPlan | None = None,
    *,
    rules: Rules = BUILTIN_RULES,
    env: Language = BUILTIN,
) -> LintResult:
    skip = set(ignore)
    files = discover(paths)
    findings = [
        d
        for file in files
        for d in lint_file(file, plan, rules=rules, env=env)
        if d.rule not in skip
    ]
    return LintResult(tuple(files), tuple(findings))


def lint(
    paths: Sequence[str],
    ignore: Iterable[str] = (),
    *,
    rules: Rules = BUILTIN_RULES,
    env: Language = BUILTIN,
) -> list[Diagnostic]:
    return list(lint_paths(paths, ignore, rules=rules, env=env).findings)
