"""`actions test`: fixtures against configs, partial assertions, --update, --generate,
--coverage and the pre-commit hooks. The runs are data (runs.yaml and the suites/ folder)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import actions
from actions._resources import pack_slugs
from actions.cli import main
from actions.fql import compile as compile_fql
from actions.fql import parse as parse_fql
from actions.fql.functions import match
from actions.samples import load_sample_events
from actions.testing.generate import apply_way, generate_suite, glob_example, ways

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RUNS = yaml.safe_load((HERE / "runs.yaml").read_text(encoding="utf-8"))
PACKS = pack_slugs()  # every pack under mappings/


def _arg(value: str) -> str:
    return str(HERE / value) if (HERE / value).exists() else value


@pytest.mark.parametrize("run", RUNS, ids=[r["name"] for r in RUNS])
def test_run(run: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", *(_arg(a) for a in run["args"])])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == run["exit"], text
    for line in run["output"]:
        assert line in text, f"{line!r} not in:\n{text}"


def test_update_rewrites_expected_keeps_assertions_and_shows_the_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "stale.yaml"
    shutil.copy(HERE / "update" / "stale.yaml", file)
    assert main(["test", str(file)]) == 1
    capsys.readouterr()
    assert main(["test", str(file), "--update"]) == 0
    shown = capsys.readouterr().out
    assert '-  "reason": "an old reason"' in shown
    assert '+  "reason": "no enabled subscription matched the event"' in shown
    assert "already current" not in shown  # nothing changed there
    text = file.read_text(encoding="utf-8")
    assert text.startswith("# A header comment that --update keeps.\n")
    data = yaml.safe_load(text)
    assert data["cases"][0]["expected"] == [
        {"kind": "filtered", "reason": "no enabled subscription matched the event"}
    ]
    assert data["cases"][1] == {
        "name": "only assertions, kept as they are",
        "event": data["cases"][1]["event"],
        "assert": [{"kind": "filtered"}],
    }
    assert data["cases"][2]["assert"] == [{"where": 'kind = "filtered"'}]
    assert main(["test", str(file)]) == 0
    assert main(["test", str(file), "--update"]) == 0
    assert "now expected" not in capsys.readouterr().out


@pytest.mark.parametrize("pack", PACKS)
def test_generated_suite_of_each_pack_passes_and_covers_90_percent(
    pack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "--generate", pack, "--output", str(tmp_path)]) == 0
    report = tmp_path / "coverage.json"
    code = main(["test", str(tmp_path), "--coverage-json", str(report), "--min-coverage", "90"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 failed" in out
    coverage = json.loads(report.read_text(encoding="utf-8"))
    print(f"{pack}: {coverage['percent']}% of {coverage['total']} items")
    assert coverage["percent"] >= 90
    assert coverage["total"] > 50
    # The branches counted out as unreachable are never taken by any event (the analysis
    # that rules them out is sound on the events the generator tries).
    _, _, generated = generate_suite(pack, tmp_path / "again")
    assert not set(generated.not_reachable()) & generated.hit
    destination = actions.load_destination(pack)
    configured = actions.configure(destination, destination.sample_settings())
    recorder = generated.recorder(configured)
    for event in load_sample_events():
        recorder.observe(event, configured.process(event))
    assert not set(generated.not_reachable()) & generated.hit
    for item in coverage["uncovered"]:
        file, line, column = item["location"].rsplit(":", 2)
        assert file.endswith("destination.yaml")
        assert int(line) > 0
        assert int(column) > 0


def test_generated_suite_of_a_config_matches_and_just_misses_each_trigger(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    shutil.copy(HERE / "generate_config.yaml", config)
    out, cases, coverage = generate_suite(str(config), tmp_path / "generated")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["config"] == "../config.yaml"
    configured = actions.engine.configfile.load_config(config)
    for name in ("Big orders", "New app screens", "Identify"):
        sent = [c for c in cases if any(o.get("subscription") == name for o in c.expected)]
        missed = [c for c in cases if c.name.startswith(f"{name}: just misses")]
        assert sent, name
        assert missed, name
        for case in missed:
            assert all(o.get("subscription") != name for o in case.expected)
    # Every operand of every `and`/`or` is seen both ways, and the filter both ways.
    kinds = coverage.to_dict()["kinds"]
    assert kinds["operand"]["covered"] == kinds["operand"]["total"]
    assert kinds["filter"]["covered"] == kinds["filter"]["total"]
    assert configured is not None
    assert main(["test", str(out.parent)]) == 0


@pytest.mark.parametrize(
    ("trigger", "want"),
    [
        ('event = "Order Completed"', True),
        ('event = "Order Completed"', False),
        ("event in ['A', 'B']", True),
        ("event in ['A', 'B']", False),
        ("properties.revenue > 20", True),
        ("properties.revenue > 20", False),
        ("properties.revenue <= 20.5", True),
        ("properties.revenue >= 3 and properties.revenue < 4", True),
        ("properties.revenue >= 3 and properties.revenue < 4", False),
        ('contains(context.library.name, "js")', True),
        ('!contains(context.library.name, "js")', True),
        ('match(context.app.version, "4.1?.*")', True),
        ('match(context.app.version, "[!a-c]x*")', True),
        ('match(context.app.version, "4.*")', False),
        ("'vip' in traits.tags", True),
        ("'vip' in traits.tags", False),
        ('(type = "track" or type = "screen") and !(event != "X")', True),
        ('(type = "track" or type = "screen") and !(event != "X")', False),
        ("properties.enabled", True),
        ('lowercase(context.os.name) = "android"', True),
    ],
)
def test_every_way_gives_the_value_it_aims_at(trigger: str, want: bool) -> None:
    compiled = compile_fql(trigger)
    found = ways(parse_fql(trigger), want)
    assert found
    base = {"type": "track", "event": "Order Completed", "context": {"os": {"name": "iOS"}}}
    for way in found:
        assert compiled.matches(apply_way(base, way)) is want, way


@given(st.text(alphabet="ab*?[]!^-\\z", max_size=12))
def test_glob_example_matches_its_glob(pattern: str) -> None:
    try:
        compile_fql(f"match(x, {json.dumps(pattern)})")
    except actions.fql.FQLSyntaxError:
        return  # not a glob the language accepts
    assert match(glob_example(pattern), pattern), pattern


@pytest.mark.slow
def test_pre_commit_hooks_run_with_pre_commit(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs this project as the hooks' environment and runs both
    hooks on a sample repository."""
    repo = tmp_path / "repo"
    (repo / "fixtures").mkdir(parents=True)
    shutil.copy(HERE / "suites" / "config" / "config.yaml", repo / "config.yaml")
    shutil.copy(HERE / "suites" / "config" / "events.yaml", repo / "fixtures" / "events.yaml")
    text = (repo / "fixtures" / "events.yaml").read_text(encoding="utf-8")
    (repo / "fixtures" / "events.yaml").write_text(
        text.replace("config: config.yaml", "config: ../config.yaml"), encoding="utf-8"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t"}
    env.update(
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "sample")
    # try-repo reads a git repository: the project's files, committed in a copy of their own
    # (CI runs on a copy of the tree without .git).
    hooks = tmp_path / "hooks"
    shutil.copytree(
        ROOT,
        hooks,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv*",
            "__pycache__",
            "*.egg-info",
            "build",
            "dist",
            ".*_cache",
            ".hypothesis",
        ),
    )
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "hooks")):
        subprocess.run(["git", *args], cwd=hooks, env=env, check=True, capture_output=True)

    def try_repo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), *args, "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    done = try_repo("--verbose")  # both hooks in one run: their environment installed once
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed, 0 failed" in done.stdout, done.stdout  # actions-test
    assert "no findings" in done.stdout, done.stdout  # actions-lint
    # A failing fixture fails the hook.
    broken = text.replace("config: config.yaml", "config: ../config.yaml").replace(
        "currency: EUR", "currency: GBP"
    )
    (repo / "fixtures" / "events.yaml").write_text(broken, encoding="utf-8")
    done = try_repo("actions-test")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout


def test_fixture_files_here_follow_the_published_schema() -> None:
    import jsonschema

    from actions.destinations.schema import FIXTURES_SCHEMA

    files = [*sorted((HERE / "suites").rglob("*.yaml")), HERE / "update" / "stale.yaml"]
    files = [f for f in files if f.name not in ("config.yaml", "invalid.yaml")]
    assert len(files) == 4
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        jsonschema.Draft7Validator(FIXTURES_SCHEMA).validate(data)
