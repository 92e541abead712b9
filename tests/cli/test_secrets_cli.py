"""Secrets on the command line: ``actions explain`` and ``actions lint`` never show one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent.parent
VAULT = ROOT / "tests" / "engine" / "test_secrets.py"


def actions(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "actions", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env=env,
    )


def vault_pack(folder: Path) -> Path:
    """The engine tests' pack, whose fields are fed by a secret setting."""
    sys.path.insert(0, str(VAULT.parent))
    try:
        from test_secrets import PACK
    finally:
        sys.path.remove(str(VAULT.parent))
    path = folder / "destination.yaml"
    path.write_text(PACK, encoding="utf-8")
    return path


def test_explain_never_prints_a_secret_derived_value(tmp_path: Path) -> None:
    pack = vault_pack(tmp_path)
    settings = tmp_path / "settings.yaml"
    settings.write_text('token: "s3kr/t"\n', encoding="utf-8")
    event = {"type": "track", "event": "E", "userId": "u", "messageId": "m"}
    result = actions("explain", str(pack), json.dumps(event), "--settings", str(settings))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for form in ("s3kr/t", "S3KR/T", quote("s3kr/t", safe=""), "s3kr\\/t", "s3kr"):
        assert form not in out, form
    lines = {line.split(" = ")[0].strip(): line for line in out.splitlines() if " = " in line}
    assert lines["loud"].startswith('    loud = "***"')
    assert "from a secret setting" in lines["loud"]
    assert lines["said"].startswith('    said = "key=***!"')
    assert "from a secret setting" not in lines["name"]
    assert '"loud": "***"' in out


def test_lint_never_quotes_a_secret_value(tmp_path: Path) -> None:
    from actions.lint import REPORTERS, lint_file

    config = tmp_path / "adjust.yaml"
    config.write_text(
        "destination: adjust\n"
        "settings:\n"
        "  app_token: a1\n"
        "  s2s_token: [supersecret-1]  # a list: the wrong type\n"
        '  s2s_tokn: "supersecret-2"\n'
        "  app_tokn: plain-value\n",
        encoding="utf-8",
    )
    findings = lint_file(config)
    assert {d.rule for d in findings} == {"setting-type", "unknown-setting"}
    for name, render in REPORTERS.items():
        out = render(findings)
        assert "supersecret" not in out, name
    text = REPORTERS["text"](findings)
    assert "  s2s_token: ***  # a list: the wrong type" in text
    assert "       |              ^~~\n" in text
    # A misspelt name may be a secret's: its value is hidden too.
    assert "  s2s_tokn: ***" in text
    assert "plain-value" not in text
    assert actions("lint", str(config)).stdout.count("***") == 3


def test_hidden_spans_move_the_underline() -> None:
    from actions.errors import Location
    from actions.lint.reporters import _hide

    line = "  s2s_token: abcdef  # c"
    span = (Location("f", 3, 14, 3, 20),)
    assert _hide(line, 3, 14, 6, span) == ("  s2s_token: ***  # c", 14, 3)
    assert _hide(line, 3, 22, 1, span) == ("  s2s_token: ***  # c", 19, 1)
    assert _hide(line, 3, 3, 9, span) == ("  s2s_token: ***  # c", 3, 9)
    assert _hide(line, 4, 3, 9, span) == (line, 3, 9)  # another line
    block = (Location("f", 2, 14, 5, 3),)  # a block scalar over lines 2 to 5
    assert _hide("    more secret text", 3, 5, 4, block) == ("***", 1, 3)
    assert _hide("  x: 1", 5, 3, 1, block)[0] == "***x: 1"
