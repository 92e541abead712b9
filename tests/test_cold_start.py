"""What makes a cold start quick, each held to what it replaces: the shipped packs' schema
digests (a pack is checked in full unless its text is one that passed), the FQL parser's
shipped tables (the same parser as the one built from the grammar), and ``import actions``
importing each public name only when it is first used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from actions.destinations import shipped
from actions.destinations.loading import DefinitionError, load_destination_text

ROOT = Path(__file__).resolve().parents[1]
PACKS = sorted((ROOT / "mappings").glob("*/destination.yaml"))


def _fresh(code: str, **env: str) -> str:
    """The output of ``code`` run by a fresh Python process."""
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    return run.stdout


# The shipped packs' table


def test_the_shipped_packs_table_is_current() -> None:
    """Fails when a pack or the schema changed and the table did not: run
    ``python -m actions.destinations.shipped`` to write it again."""
    written = shipped.TABLE_FILE.read_text(encoding="utf-8")
    assert written == shipped.table_text(shipped.current_table())


def test_every_shipped_pack_is_in_the_table() -> None:
    assert len(PACKS) == 3
    for path in PACKS:
        text = path.read_bytes().decode("utf-8")
        assert shipped.schema_checked(text), path


def test_a_pack_changed_by_one_character_is_checked() -> None:
    text = PACKS[0].read_text(encoding="utf-8")
    assert shipped.schema_checked(text)
    assert not shipped.schema_checked(text + " ")
    assert not shipped.schema_checked(text.replace("name:", "nmae:", 1))
    with pytest.raises(DefinitionError) as caught:
        load_destination_text(text.replace("name:", "nmae:", 1))
    assert "schema" in {d.rule for d in caught.value.diagnostics}


def test_a_changed_schema_checks_every_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    text = PACKS[0].read_text(encoding="utf-8")
    _schema, packs = shipped._known()
    monkeypatch.setattr(shipped, "_known", lambda: ("0" * 64, packs))
    assert not shipped.schema_checked(text)


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"schema": 1, "packs": {}}'])
def test_a_missing_or_broken_table_checks_every_pack(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "shipped_packs.json"
    if content:
        broken.write_text(content, encoding="utf-8")
    monkeypatch.setattr(shipped, "TABLE_FILE", broken)
    shipped._known.cache_clear()
    try:
        text = PACKS[0].read_text(encoding="utf-8")
        assert not shipped.schema_checked(text)
        assert load_destination_text(text).slug == PACKS[0].parent.name
    finally:
        monkeypatch.undo()
        shipped._known.cache_clear()


def test_the_table_command_checks_and_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert shipped.main(["--check"]) == 0
    target = tmp_path / "shipped_packs.json"
    target.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(shipped, "TABLE_FILE", target)
    assert shipped.main(["--check"]) == 1
    assert "stale" in capsys.readouterr().out
    assert shipped.main([]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["packs"].keys() == {
        p.parent.name for p in PACKS
    }
    assert shipped.main(["--check"]) == 0


def test_a_shipped_pack_loads_without_jsonschema_and_a_user_pack_with_it(tmp_path: Path) -> None:
    code = (
        "import sys, actions\n"
        "d = actions.load_destination({!r})\n"
        "actions.configure(d, d.sample_settings())\n"
        "print('jsonschema' in sys.modules)\n"
    )
    assert _fresh(code.format("adjust")).split() == ["False"]
    copy = tmp_path / "pack"
    copy.mkdir()
    (copy / "destination.yaml").write_text(
        PACKS[0].read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8"
    )
    (copy / "settings.sample.yaml").write_bytes(
        (PACKS[0].parent / "settings.sample.yaml").read_bytes()
    )
    assert _fresh(code.format(str(copy))).split() == ["True"]
