"""Testing configs and packs: fixture files with exact and partial assertions, fixtures
generated from triggers, and coverage of what the fixtures exercised (see docs/testing.md).

:func:`run_tests` is what ``actions test`` does; the modules hold the parts: ``fixtures``
(loading and running fixture files, ``--update``), ``assertions`` (partial assertions and their
diffs), ``generate`` (``--generate``) and ``coverage`` (``--coverage``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import attrs

from actions._repr import attrs_repr
from actions.language import Language
from actions.testing.coverage import Coverage
from actions.testing.fixtures import fixture_files, load_fixture_file, run_file, update_file


@attrs.frozen
class TestRun:
    """What a run of fixture files gave."""

    __repr__ = attrs_repr

    passed: int
    failed: int
    coverage: Coverage | None


def run_tests(
    paths: Sequence[str],
    out: TextIO,
    *,
    destination: str | None = None,
    update: bool = False,
    coverage: bool = False,
    coverage_json: str | None = None,
    env: Language | None = None,
) -> TestRun:
    """Run (or with ``update``, rewrite the expected outcomes of) the fixture files under
    ``paths``, printing failures with their diffs and a summary to ``out``. Packs and configs
    are loaded in ``env`` (the built-in language when None)."""
    recorded = Coverage() if coverage or coverage_json else None
    passed = failed = 0
    for file in fixture_files(paths):
        fixture = load_fixture_file(file, destination, env=env)
        if update:
            changed = update_file(fixture)
            if changed:
                print(changed, file=out)
            fixture = load_fixture_file(file, destination, env=env)
        for result, _ in run_file(fixture, recorded):
            if result.passed:
                passed += 1
                continue
            failed += 1
            print(f"FAIL {file}: {result.name}", file=out)
            for problem in result.problems:
                print(problem, file=out)
    print(f"{passed} passed, {failed} failed", file=out)
    if recorded is not None:
        if coverage:
            print(recorded.render(), file=out)
        if coverage_json:
            Path(coverage_json).write_text(
                json.dumps(recorded.to_dict(), indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
    return TestRun(passed, failed, recorded)


__all__ = ["Coverage", "TestRun", "run_tests"]
