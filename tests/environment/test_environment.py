"""Environments: extensions scoped to a value, never to global state, and honoured by every
stage (loading, configuring, pickling, linting, the command line)."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import actions
from actions import cli
from actions.errors import ActionsError, DataPath, Diagnostic, Severity
from actions.fql.functions import NULL, STRING, function
from actions.lint import rule
from actions.lint.rules import Document
from actions.mapping import Kind, Option, directive
from actions.mapping.directives import CompileContext
from actions.mapping.values import Evaluator


@function("reverse", params=(STRING | NULL,), returns=STRING | NULL, doc="the text reversed")
def reverse(value: Any) -> Any:
    return value[::-1] if isinstance(value, str) else None


@directive("@shout", argument=Option("value", Kind.MAPPING), summary="text in capitals")
def shout(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    value: Evaluator = args["value"]

    def evaluate(root: Any, settings: Any, failures: Any) -> Any:
        found = value(root, settings, failures)
        return found.upper() if isinstance(found, str) else found

    return evaluate


@rule("no-demo", Severity.WARNING, "the pack is a demo", "Demo packs are for tests only.")
def no_demo(doc: Document) -> Iterator[Diagnostic]:
    if doc.kind == "destination" and isinstance(doc.data, dict) and doc.data.get("slug") == "x":
        where: DataPath = ("slug",)
        yield Diagnostic("no-demo", "this pack is a demo", path=where, severity=Severity.WARNING)


ENV = actions.DEFAULT_ENVIRONMENT.extend(directives=[shout], functions=[reverse], rules=[no_demo])

PACK = """
name: X
slug: x
settings:
  key: {type: string, required: true}
actions:
  send:
    title: Send
    default_trigger: reverse(event) = "olleh"
    fields:
      name: {type: string, default: {"@shout": {"@path": "$.event"}}}
    request:
      method: POST
      url: https://example.test/e
      body: {encoding: json}
presets:
  - {name: Hello, action: send}
"""

EVENT = {"type": "track", "event": "hello", "userId": "u1"}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    path = tmp_path / "destination.yaml"
    path.write_text(PACK, encoding="utf-8")
    return path


def test_extend_returns_a_new_environment_and_changes_nothing_else() -> None:
    default = actions.DEFAULT_ENVIRONMENT
    assert "reverse" in ENV.functions
    assert "@shout" in ENV.directives
    assert "no-demo" in ENV.rules
    assert "reverse" not in default.functions
    assert "@shout" not in default.directives
    assert "no-demo" not in default.rules
    with pytest.raises(TypeError):
        ENV.functions["other"] = reverse  # type: ignore[index]


def test_a_name_the_environment_has_cannot_be_added_again() -> None:
    with pytest.raises(ActionsError, match="declared twice"):
        ENV.extend(functions=[reverse])
    with pytest.raises(ActionsError, match="declared twice"):
        ENV.extend(rules=[no_demo])


def test_two_environments_do_not_collide() -> None:
    @function("reverse", params=(STRING | NULL,), returns=STRING | NULL)
    def other(value: Any) -> Any:
        return "x"

    mine = actions.DEFAULT_ENVIRONMENT.extend(functions=[other])
    text = 'reverse(event) = "x"'
    assert actions.fql.compile(text, functions=mine.functions).matches({"event": "a"})
    assert not actions.fql.compile(text, functions=ENV.functions).matches({"event": "a"})


def test_a_pack_using_extensions_loads_only_in_their_environment(pack: Path) -> None:
    with pytest.raises(actions.DefinitionError) as caught:
        actions.load_destination(pack)
    rules = {d.rule for d in caught.value.diagnostics}
    assert rules == {"unknown-directive", "fql-syntax"}
    destination = actions.load_destination(pack, env=ENV)
    assert destination.env is ENV


def test_configuring_uses_the_destinations_environment(pack: Path) -> None:
    destination = ENV.load_destination(pack)
    configured = actions.configure(destination, {"key": "k"})
    assert configured.env is ENV
    [request] = configured.process(EVENT)
    assert isinstance(request, actions.Request)
    assert json.loads(request.body or "") == {"name": "HELLO"}
    subscription = {"name": "s", "action": "send", "trigger": 'reverse(event) = "ih"'}
    again = actions.configure(destination, {"key": "k"}, [subscription], env=ENV)
    assert again.process({**EVENT, "event": "hi"})[0].kind == "request"


def test_a_configured_destination_pickles_with_its_environment(pack: Path) -> None:
    configured = ENV.configure(ENV.load_destination(pack), {"key": "k"})
    clone = pickle.loads(pickle.dumps(configured))
    assert clone.env == ENV
    assert [o.to_dict() for o in clone.process(EVENT)] == [
        o.to_dict() for o in configured.process(EVENT)
    ]


def test_a_config_file_is_configured_in_the_environment(pack: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "destination: destination.yaml\nsettings: {key: k}\n"
        "subscriptions:\n  - {name: s, action: send, trigger: 'reverse(event) = \"olleh\"'}\n",
        encoding="utf-8",
    )
    with pytest.raises(actions.DefinitionError):
        actions.load_config(config)
    configured = ENV.load_config(config)
    assert configured.process(EVENT)[0].kind == "request"


def test_lint_runs_the_environments_rules(pack: Path) -> None:
    findings = ENV.lint([str(pack)]).findings
    assert [d.rule for d in findings] == ["no-demo"]
    assert findings[0].location is not None
    assert findings[0].location.line == 3
    default = actions.DEFAULT_ENVIRONMENT.lint([str(pack)]).findings
    assert "no-demo" not in {d.rule for d in default}
    assert {"unknown-directive", "fql-syntax"} <= {d.rule for d in default}


def test_the_command_line_takes_an_environment(
    pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["lint", str(pack)], env=ENV) == 0
    assert "no-demo" in capsys.readouterr().out
    assert cli.main(["lint", "--explain", "no-demo"], env=ENV) == 0
    assert "Demo packs are for tests only." in capsys.readouterr().out
    assert cli.main(["lint", "--explain", "no-demo"]) == 2
    settings = tmp_path / "settings.yaml"
    settings.write_text("key: k\n", encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(EVENT) + "\n", encoding="utf-8")
    capsys.readouterr()
    code = cli.main(["run", str(pack), str(events), "--settings", str(settings), "-q"], env=ENV)
    assert code == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["kind"] == "request"


def test_sarif_lists_the_environments_rules(pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["lint", "--format", "sarif", str(pack)], env=ENV)
    log = json.loads(capsys.readouterr().out)
    ids = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "no-demo" in ids
    assert set(actions.DEFAULT_ENVIRONMENT.rules) <= ids
