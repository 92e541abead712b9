"""Fixture files: events in, outcomes out, against a pack (with settings and subscriptions) or a
config file (its settings, destination filters and subscriptions). See docs/testing.md."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from actions._repr import attrs_repr
from actions.destinations.loading import DefinitionError, load_destination, resolve
from actions.engine.configfile import check_config
from actions.engine.configure import configure
from actions.engine.engine import ConfiguredDestination
from actions.errors import Diagnostic
from actions.language import Language
from actions.testing.assertions import diff, failures
from actions.testing.coverage import Coverage
from actions.testing.yamledit import set_values
from actions.yamlsource import SourceMap, load_yaml


@attrs.frozen
class CaseResult:
    __repr__ = attrs_repr

    file: Path
    name: str
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


@attrs.frozen
class FixtureFile:
    """A loaded fixture file: its data and the configured destination its cases run against."""

    __repr__ = attrs_repr

    path: Path
    data: dict[str, Any]
    configured: ConfiguredDestination
    config_source: SourceMap | None
    """Where the subscriptions and filters are written (the config file, or this file)."""
    source: SourceMap | None = None
    """This file's text and where each of its values is written (for ``--update``)."""


def fixture_files(paths: Sequence[str]) -> list[Path]:
    """Fixture files: each file given, the ``*.yaml`` under each folder, or a pack's
    ``fixtures/`` for a pack name."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.yaml")))
        elif path.is_file():
            files.append(path)
        else:
            pack = resolve(raw).parent / "fixtures"
            files.extend(sorted(pack.glob("*.yaml")))
    return files


def _relative(file: Path, target: str) -> str | Path:
    candidate = file.parent / target
    return candidate if candidate.exists() else target


def load_fixture_file(
    path: Path, destination: str | None = None, *, env: Language | None = None
) -> FixtureFile:
    """Load ``path`` and configure what it tests, in ``env``. ``destination`` overrides its
    pack."""
    loaded = load_yaml(path.read_bytes(), str(path))
    loaded.raise_for_errors(f"fixture {path}")
    data = loaded.value
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise DefinitionError(
            f"fixture {path}",
            [Diagnostic("schema", "a fixture file is an object with a list of `cases`")],
        )
    config = data.get("config")
    if isinstance(config, str) and destination is None:
        file = Path(_relative(path, config))
        config_loaded = load_yaml(file.read_bytes(), str(file))
        config_loaded.raise_for_errors(f"config {file}")
        checked = check_config(config_loaded.value, config_loaded.source, file.parent, env=env)
        if checked.problems or checked.configured is None:
            raise DefinitionError(f"config {file}", list(checked.problems))
        return FixtureFile(path, data, checked.configured, config_loaded.source, loaded.source)
    target = destination or data.get("destination") or path.parent.parent
    pack = load_destination(
        target if isinstance(target, Path) else _relative(path, str(target)), env=env
    )
    settings = {**pack.sample_settings(), **(data.get("settings") or {})}
    subscriptions = data.get("subscriptions")
    filters = data.get("filters")
    configured = configure(pack, settings, subscriptions, filters, source=loaded.source)
    own = subscriptions is not None or filters is not None
    return FixtureFile(path, data, configured, loaded.source if own else None, loaded.source)


def run_file(
    fixture: FixtureFile, coverage: Coverage | None = None
) -> Iterator[tuple[CaseResult, list[dict[str, Any]]]]:
    """Each case's result, with the outcomes it gave (as ``to_dict()``)."""
    configured = fixture.configured
    recorder = coverage.recorder(configured, fixture.config_source) if coverage else None
    for index, case in enumerate(fixture.data["cases"]):
        name = str(case.get("name") or f"case {index + 1}") if isinstance(case, dict) else ""
        if not isinstance(case, dict) or "event" not in case:
            yield CaseResult(fixture.path, name, ("a case needs an `event`",)), []
            continue
        outcomes = configured.process(case["event"])
        if recorder is not None:
            recorder.observe(case["event"], outcomes)
        got = [o.to_dict() for o in outcomes]
        problems: list[str] = []
        if "expected" in case and got != case["expected"]:
            problems.append(diff(case["expected"], got))
        if "assert" in case:
            assertions = case["assert"]
            if not isinstance(assertions, list):
                assertions = [assertions]
            problems.extend(failures(assertions, outcomes))
        if "expected" not in case and "assert" not in case:
            problems.append("a case needs `expected` outcomes or `assert`ions")
        yield CaseResult(fixture.path, name, tuple(problems)), got


def update_file(fixture: FixtureFile) -> str:
    """Rewrite the file's ``expected`` outcomes from what the destination gives now (cases
    with only assertions are left as they are); the diff of what changed ("" when nothing
    did). Only the ``expected`` values that changed are rewritten, in place: the rest of the
    file stays as it is (see :mod:`actions.testing.yamledit`). Where that cannot be done, the
    whole file is written anew, after its leading comment lines."""
    changes: list[str] = []
    edits: list[tuple[tuple[str | int, ...], Any]] = []
    for index, case in enumerate(fixture.data["cases"]):
        if not isinstance(case, dict) or "event" not in case:
            continue
        if "assert" in case and "expected" not in case:
            continue
        got = [o.to_dict() for o in fixture.configured.process(case["event"])]
        if case.get("expected") != got:
            name = case.get("name") or f"case {index + 1}"
            changes.append(
                f"{fixture.path}: {name}\n"
                + diff(case.get("expected", []), got, ("was expected", "now expected"))
            )
            case["expected"] = got
            edits.append((("cases", index, "expected"), got))
    if changes:
        text = set_values(fixture.source, edits, fixture.data) if fixture.source else None
        if text is None:
            write_fixture(fixture.path, fixture.data)
        else:
            fixture.path.write_bytes(text.encode("utf-8"))
    return "\n".join(changes)


def write_fixture(path: Path, data: dict[str, Any], header: str | None = None) -> None:
    """Write fixture data as YAML, after ``header`` (default: the file's leading comments)."""
    if header is None:
        header = ""
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.startswith("#"):
                    break
                header += line + "\n"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + text, encoding="utf-8")


__all__ = [
    "CaseResult",
    "FixtureFile",
    "fixture_files",
    "load_fixture_file",
    "run_file",
    "update_file",
    "write_fixture",
]
