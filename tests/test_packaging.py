"""The built wheel carries the grammars, the packs and the sample data, and works on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from actions._resources import pack_slugs

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("actions-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "actions/py.typed" in names
    assert "actions/grammars/fql.lark" in names
    assert "actions/samples/events.jsonl" in names
    assert "actions/spec/fields.json" in names
    assert "actions/fql/fql_parser.json" in names
    assert "actions/destinations/shipped_packs.json" in names
    for pack in pack_slugs():
        assert f"actions/mappings/{pack}/destination.yaml" in names
        assert f"actions/destinations/shipped_yaml/{pack}.destination.json" in names
        assert f"actions/destinations/shipped_yaml/{pack}.settings.sample.json" in names
    assert not any(name.startswith(("grammars/", "mappings/", "tests/")) for name in names)


def test_installed_wheel_works_in_a_fresh_environment(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    probe = """
import json, sys, actions, actions.fql
from actions.fql import parser
from actions._resources import grammar_path, mappings_dir
from actions.samples import load_sample_events
trigger = actions.fql.compile('type = "track" and event = "Order Completed"')
branch = actions.load_destination("branch")
pack_schema_checked = "jsonschema" in sys.modules
configured = actions.configure(branch, branch.sample_settings())
pack_parsed = "yaml" in sys.modules
kinds = sorted({o.kind for e in load_sample_events() for o in configured.process(e)})
print(json.dumps({
    "package": actions.__file__,
    "grammar": str(grammar_path("fql.lark")),
    "mappings": str(mappings_dir()),
    "matches": trigger.matches({"type": "track", "event": "Order Completed"}),
    "kinds": kinds,
    "parser_tables": parser._driver() is not None,
    "pack_schema_checked": pack_schema_checked,
    "pack_parsed": pack_parsed,
}))
"""
    # Run from an empty directory so the source checkout cannot be imported by accident.
    result = subprocess.run(
        [str(python), "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    site = str(env_dir)
    assert found["package"].startswith(site)
    assert found["grammar"].startswith(site)
    assert found["mappings"].startswith(site)
    assert found["matches"] is True
    assert found["kinds"] == ["filtered", "request", "skipped"]
    assert found["parser_tables"] is True  # the shipped FQL tables are found and used
    assert found["pack_schema_checked"] is False  # the shipped pack's text is in the table
    assert found["pack_parsed"] is False  # it and its sample settings load from shipped data
    command = subprocess.run(
        [str(env_dir / "bin" / "actions"), "test", *pack_slugs()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert command.returncode == 0, command.stdout + command.stderr
    assert command.stdout.strip().endswith("0 failed")
