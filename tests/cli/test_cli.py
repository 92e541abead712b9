"""The command through its real entry point (a subprocess), with every exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from actions.lint.runner import discover

ROOT = Path(__file__).resolve().parent.parent.parent


def actions(
    *args: str, stdin: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "actions", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_run_on_the_samples() -> None:
    result = actions("run", "branch")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["kind"] for line in lines} == {"request", "skipped", "filtered"}
    assert all(isinstance(line["line"], int) for line in lines)
    assert "events/s" in result.stderr
    assert "Track events:" in result.stderr


def test_run_stdin_malformed_line_and_dead_letter(tmp_path: Path) -> None:
    good = json.dumps(
        {
            "type": "track",
            "event": "Order Completed",
            "userId": "u",
            "context": {"device": {"type": "android", "id": "a1", "advertisingId": "g1"}},
        }
    )
    bad_spec = json.dumps({"type": "track", "event": 5, "userId": "u"})
    dead = tmp_path / "dead.jsonl"
    out = tmp_path / "out.jsonl"
    result = actions(
        "run",
        "adjust",
        "-",
        "--dead-letter",
        str(dead),
        "-o",
        str(out),
        "-q",
        stdin=f"{good}\n{{not json\n{bad_spec}\n",
    )
    assert result.returncode == 0, result.stderr
    outcomes = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(o["line"], o["kind"]) for o in outcomes] == [
        (1, "request"),
        (2, "failed"),
        (3, "failed"),
    ]
    letters = [json.loads(line) for line in dead.read_text().splitlines()]
    assert [letter["line"] for letter in letters] == [2, 3]
    assert letters[1]["problems"] == [
        {"path": "$.event", "message": "event must be string, not number"}
    ]
    assert "line 2 is not JSON" in letters[0]["reason"]


def test_run_redacts_secrets(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        "app_token: a1\nevent_tokens: {Signed Up: t1}\ns2s_token: very-secret-token\n"
    )
    event = json.dumps(
        {
            "type": "track",
            "event": "Signed Up",
            "userId": "u",
            "context": {"device": {"type": "ios", "id": "v"}},
        }
    )
    hidden = actions("run", "adjust", "-", "--settings", str(settings), "-q", stdin=event)
    assert "very-secret-token" not in hidden.stdout
    assert "Bearer ***" in hidden.stdout
    shown = actions(
        "run", "adjust", "-", "--settings", str(settings), "-q", "--reveal-secrets", stdin=event
    )
    assert "Bearer very-secret-token" in shown.stdout


def test_test_command_passes_and_fails(tmp_path: Path) -> None:
    passing = actions("test", "adjust")
    assert passing.returncode == 0, passing.stdout
    assert passing.stdout.strip().endswith("0 failed")
    fixture = tmp_path / "wrong.yaml"
    fixture.write_text(
        "destination: adjust\ncases:\n  - name: expects a request\n"
        "    event: {type: page, userId: u}\n    expected: [{kind: request}]\n"
    )
    failing = actions("test", str(fixture))
    assert failing.returncode == 1
    assert "FAIL" in failing.stdout
    assert '+  "kind": "filtered"' in failing.stdout
    assert failing.stdout.strip().endswith("0 passed, 1 failed")


def test_explain() -> None:
    event = json.dumps(
        {
            "type": "track",
            "event": "Order Completed",
            "userId": "u",
            "properties": {"revenue": 5},
            "context": {"device": {"type": "android", "id": "a1"}},
        }
    )
    result = actions("explain", "adjust", event)
    assert result.returncode == 0, result.stderr
    assert "matched" in result.stdout
    assert "event_token" in result.stdout
    assert "@lookup" in result.stdout
    assert '"kind": "request"' in result.stdout


def test_explain_code_shows_the_generated_source_and_no_setting() -> None:
    result = actions("explain", "branch", "--code")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# subscription ")
    assert "def matches(e):" in result.stdout
    assert "def _mapping(root, settings, failures):" in result.stdout
    for value in ("secret_live_demoOnly", "key_live_hcnegAumkH7Kv18M8AOHhfgiohpXq5tB"):
        assert value not in result.stdout
    missing = actions("explain", "branch")
    assert missing.returncode == 2
    assert "--code" in missing.stderr


def test_schema() -> None:
    result = actions("schema", "config")
    assert result.returncode == 0
    assert json.loads(result.stdout)["$schema"] == "http://json-schema.org/draft-07/schema#"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("run", "no-such-pack"), 2),
        (("run", "adjust", "missing.jsonl"), 2),
        (("frobnicate",), 2),
        ((), 2),
    ],
)
def test_exit_codes(args: tuple[str, ...], code: int) -> None:
    assert actions(*args).returncode == code


def test_run_spec_check_from_the_command_line_and_the_config(tmp_path: Path) -> None:
    # An Adjust event with a documented field no subscription reads of the wrong type.
    event = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u",
        "context": {
            "device": {"type": "android", "id": "a1", "advertisingId": "g1"},
            "screen": {"density": "xxhdpi"},
        },
    }
    line = json.dumps(event) + "\n"
    read = actions("run", "adjust", "-", "-q", stdin=line)
    assert [json.loads(o)["kind"] for o in read.stdout.splitlines()] == ["request"]
    full = actions("run", "adjust", "-", "--spec-check", "full", stdin=line)
    [outcome] = [json.loads(o) for o in full.stdout.splitlines()]
    assert outcome["problems"] == [
        {
            "path": "$.context.screen.density",
            "message": "context.screen.density must be number, not string",
        }
    ]
    config = tmp_path / "config.yaml"
    config.write_text(
        "destination: adjust\nspec_check: full\n"
        "settings: {app_token: a1b2c3d4e5f6, event_tokens: {Order Completed: abc123}}\n"
    )
    from_file = actions("run", str(config), "-", "-q", stdin=line)
    assert [json.loads(o)["kind"] for o in from_file.stdout.splitlines()] == ["failed"]
    overridden = actions("run", str(config), "-", "-q", "--spec-check", "read", stdin=line)
    assert [json.loads(o)["kind"] for o in overridden.stdout.splitlines()] == ["request"]


def test_invalid_config_exit_code_and_location(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "destination: adjust\nsettings: {app_token: a}\nsubscriptions:\n"
        "  - action: send_event\n    trigger: type == 'track'\n"
    )
    result = actions("run", str(config), "-q")
    assert result.returncode == 1
    assert "'==' is not an operator [fql-syntax]" in result.stderr


def test_lint_clean_packs_exit_zero() -> None:
    result = actions("lint", "mappings/")
    assert result.returncode == 0, result.stdout
    files = len(discover([str(ROOT / "mappings")]))  # packs and sample settings, no fixtures
    assert files >= 6
    assert result.stdout == f"{files} files checked, no findings\n"
    # Machine-readable formats stay so: no summary line.
    assert actions("lint", "mappings/", "--format", "json").stdout == "[]\n"
    assert actions("lint", "mappings/", "--format", "concise").stdout == ""


def test_lint_findings_formats_and_fail_level() -> None:
    case = "tests/lint/cases/mixed-and-or.yaml"
    assert actions("lint", case).returncode == 0  # a warning is below the default fail level
    strict = actions("lint", case, "--fail-level", "warning")
    assert strict.returncode == 1
    assert "[mixed-and-or]" in strict.stdout
    assert strict.stdout.endswith("\n1 file checked: 1 warning\n")
    two = actions("lint", case, "tests/lint/cases/setting-type.yaml")
    assert two.stdout.endswith("\n2 files checked: 2 errors, 1 warning\n")
    assert "^~~" in strict.stdout
    sarif = actions("lint", case, "--format", "sarif")
    assert json.loads(sarif.stdout)["runs"][0]["results"][0]["ruleId"] == "mixed-and-or"
    github = actions("lint", case, "--format", "github")
    assert github.stdout.startswith("::warning file=")
    assert (
        actions("lint", case, "--ignore", "mixed-and-or", "--fail-level", "warning").returncode == 0
    )
    error = actions("lint", "tests/lint/cases/fql-syntax.yaml", "--format", "concise")
    assert error.returncode == 1
    assert error.stdout.startswith("tests/lint/cases/fql-syntax.yaml:5:29: error:")


def test_hostile_yaml_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    latin = tmp_path / "config.yaml"
    latin.write_bytes(b"destination: adjust\nsettings: {app_token: caf\xe9}\n")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_bytes((ROOT / "tests" / "lint" / "cases" / "yaml-aliases.yaml").read_bytes())
    for path, rule in ((latin, "yaml-encoding"), (bomb, "yaml-aliases")):
        for command in (["run", str(path), "-q"], ["lint", str(path)]):
            result = actions(*command)
            assert result.returncode == 1, (command, result.stderr)
            assert f"[{rule}]" in result.stdout + result.stderr


def test_settings_file_errors_are_located(tmp_path: Path) -> None:
    settings = tmp_path / "adjust.yaml"
    settings.write_text("app_token: 12345\nsend_to_productin: true\n", encoding="utf-8")
    result = actions("run", "adjust", "--settings", str(settings), "-q")
    assert result.returncode == 1
    assert f"{settings}:1:12: error: setting 'app_token' must be string" in result.stderr
    assert f"{settings}:2:1: error: unknown setting 'send_to_productin'" in result.stderr


def test_lint_explain_and_usage_errors() -> None:
    explained = actions("lint", "--explain", "mixed-and-or")
    assert explained.returncode == 0
    assert "Segment's own trigger parser" in explained.stdout
    assert actions("lint", "--explain", "no-such-rule").returncode == 2
    assert actions("lint", "no/such/path.yaml").returncode == 2
    assert actions("lint").returncode == 2
    assert actions("lint", "mappings", "--ignore", "nope").returncode == 2


def test_internal_error_exit_code() -> None:
    # A defect (here: a handler that raises) is reported as an internal error with exit code 3.
    code = (
        "import sys, actions.cli as cli\n"
        "def boom(args):\n    raise RuntimeError('defect')\n"
        "cli.cmd_schema = boom\n"
        "sys.exit(cli.main(['schema']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 3
    assert "internal error: RuntimeError: defect" in result.stderr


def test_schema_of_a_packs_settings() -> None:
    result = actions("schema", "settings", "adjust")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["required"] == ["app_token"]
    assert schema["properties"]["s2s_token"]["writeOnly"] is True
