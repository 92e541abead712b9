"""Loading configs, packs and settings files: hostile YAML is refused with located errors, and
every problem of a file is reported together."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import actions
from actions.destinations.loading import load_destination_text
from actions.engine.config import load_settings
from actions.engine.configfile import load_config
from actions.errors import InvalidInputError

HERE = Path(__file__).parent
DEMO = HERE / "packs" / "demo"

BOMB = "".join(
    f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB  # 9**9 values


def _rules(caught: pytest.ExceptionInfo[InvalidInputError]) -> list[str]:
    return [d.rule for d in caught.value.diagnostics]


def test_an_alias_bomb_is_refused_by_every_loader(tmp_path: Path) -> None:
    pack = tmp_path / "pack" / "destination.yaml"
    pack.parent.mkdir()
    pack.write_text("name: Bomb\n" + BOMB, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("destination: adjust\nsettings:\n  x: 1\n" + BOMB, encoding="utf-8")
    settings = tmp_path / "settings.yaml"
    settings.write_text(BOMB, encoding="utf-8")
    for load in (
        lambda: actions.load_destination(pack),
        lambda: load_config(config),
        lambda: load_settings(settings),
    ):
        with pytest.raises(InvalidInputError) as caught:
            load()
        assert _rules(caught) == ["yaml-aliases"]
        assert caught.value.diagnostics[0].location is not None


def test_files_that_are_not_utf8_are_located_errors(tmp_path: Path) -> None:
    pack = tmp_path / "pack" / "destination.yaml"
    pack.parent.mkdir()
    pack.write_bytes(b"name: Caf\xe9\n")
    config = tmp_path / "config.yaml"
    config.write_bytes(b"destination: adjust\nsettings: {app_token: \xff}\n")
    for load, where in (
        (lambda: actions.load_destination(pack), (1, 10)),
        (lambda: load_config(config), (2, 23)),
    ):
        with pytest.raises(InvalidInputError) as caught:
            load()
        [problem] = caught.value.diagnostics
        assert problem.rule == "yaml-encoding"
        assert problem.location is not None
        assert (problem.location.line, problem.location.column) == where


def test_an_unknown_setting_reference_in_a_pack_is_refused(tmp_path: Path) -> None:
    text = (DEMO / "destination.yaml").read_text(encoding="utf-8")
    assert "$settings.tokens" in text
    pack = tmp_path / "destination.yaml"
    pack.write_text(text.replace("$settings.tokens", "$settings.tokns", 1), encoding="utf-8")
    with pytest.raises(actions.DefinitionError) as caught:
        actions.load_destination(pack)
    [problem] = caught.value.diagnostics
    assert problem.rule == "unknown-setting-reference"
    assert problem.hint == "did you mean `$settings.tokens`?"
    assert problem.location is not None
    line = pack.read_text(encoding="utf-8").splitlines()[problem.location.line - 1]
    assert line[problem.location.column - 1 :].startswith("tokns")


def test_an_unknown_setting_reference_in_a_subscription_is_refused(tmp_path: Path) -> None:
    destination = actions.load_destination(DEMO)
    subscription = {
        "action": "track",
        "mapping": {"name": {"@template": "{{$settings.regoin}}-{{$settings.region}}"}},
    }
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(destination, {"api_key": "k"}, [subscription])
    [problem] = caught.value.diagnostics
    assert problem.rule == "unknown-setting-reference"
    assert problem.data_path == "$.subscriptions[0].mapping.name['@template']"
    assert problem.hint == "did you mean `$settings.region`?"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"destination: {DEMO}\nsettings: {{api_key: k}}\nsubscriptions:\n"
        "  - action: track\n    mapping: {name: {'@path': $settings.api_kye}}\n",
        encoding="utf-8",
    )
    with pytest.raises(actions.DefinitionError) as caught:
        load_config(config)
    [problem] = caught.value.diagnostics
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (5, 41)


def test_a_number_for_a_text_setting_is_an_error_that_keeps_secrets() -> None:
    destination = actions.load_destination(DEMO)
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(destination, {"api_key": 982451653, "region": 7})
    messages = {d.data_path: (d.rule, d.message, d.hint) for d in caught.value.diagnostics}
    rule, message, hint = messages["$.settings.api_key"]
    assert rule == "setting-type"
    assert "982451653" not in message
    assert "982451653" not in (hint or "")
    assert message == "setting 'api_key' must be string; the value is a number"
    assert hint is not None
    assert "quotes" in hint
    assert messages["$.settings.region"][1] == "setting 'region' must be string; 7 is a number"


def test_settings_files_are_located(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        "api_key: 12345\nregoin: eu\ntokens: [a]\nsend_ip: 'no'\n", encoding="utf-8"
    )
    destination = actions.load_destination(DEMO)
    with pytest.raises(actions.DefinitionError) as caught:
        load_settings(settings, destination)
    found = sorted(
        (d.location.line, d.location.column, d.rule, d.data_path)
        for d in caught.value.diagnostics
        if d.location is not None and d.location.file == str(settings)
    )
    assert found == [
        (1, 10, "setting-type", "$.api_key"),
        (2, 1, "unknown-setting", "$.regoin"),
        (3, 9, "setting-type", "$.tokens"),
        (4, 10, "setting-type", "$.send_ip"),
    ]
    assert all("12345" not in d.message for d in caught.value.diagnostics)
    settings.write_text("api_key: k\nregion: us\n", encoding="utf-8")
    assert load_settings(settings, destination) == {"api_key": "k", "region": "us"}
    settings.write_text("- api_key\n", encoding="utf-8")
    with pytest.raises(actions.DefinitionError) as caught:
        load_settings(settings)
    assert _rules(caught) == ["schema"]


def test_load_config_reports_every_problem_together(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"destination: {DEMO}\nsettings: {{api_key: k, regoin: eu}}\nsubscriptions:\n"
        "  - action: track\n    trigerr: type = 'track'\n"
        "  - action: track\n    trigger: type == 'track'\n"
        "  - action: track\n    mapping: {nmae: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(actions.DefinitionError) as caught:
        load_config(config)
    found = sorted(
        (d.rule, d.location.line if d.location else None) for d in caught.value.diagnostics
    )
    assert found == [("fql-syntax", 7), ("schema", 5), ("unknown-field", 9), ("unknown-setting", 2)]


def test_a_pack_without_settings_may_not_read_one() -> None:
    text = (
        "name: Bare\nslug: bare\nactions:\n  send:\n    title: Send\n"
        "    fields: {key: {type: string, default: {'@path': $settings.key}}}\n"
        "    request: {url: 'https://bare.example/'}\n"
    )
    with pytest.raises(actions.DefinitionError) as caught:
        load_destination_text(text, "bare.yaml")
    [problem] = caught.value.diagnostics
    assert problem.rule == "unknown-setting-reference"
    assert problem.hint == "settings: none"
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (6, 63)


def test_a_pack_without_actions_is_a_located_error() -> None:
    # Found by the fuzz harness: a pack whose `actions:` line was deleted raised KeyError.
    text = actions.load_destination("branch").path.read_text("utf-8")
    broken = text.replace("\nactions:\n", "\n", 1)
    with pytest.raises(InvalidInputError) as caught:
        load_destination_text(broken, "branch.yaml")
    messages = [d.message for d in caught.value.diagnostics]
    assert "missing required key 'actions'" in messages
    assert any(d.location is not None for d in caught.value.diagnostics)


def test_a_setting_too_deep_or_too_large_to_quote_is_a_type_error() -> None:
    # Found by benchmarks/fuzz.py: the message quoted the value with repr(), which raised
    # RecursionError or ValueError (over Python's integer digit limit) inside configure.
    deep: object = "x"
    for _ in range(100_000):
        deep = [deep]
    destination = actions.load_destination(DEMO)
    for value, shown in ((deep, "the value is a list"), (10**5000, "a very large integer")):
        with pytest.raises(actions.DefinitionError) as caught:
            actions.configure(destination, {"api_key": "k", "region": value})
        [message] = [d.message for d in caught.value.diagnostics]
        assert shown in message
        assert len(message) < 200


@pytest.mark.parametrize("part", ["actions", "settings"])
def test_a_pack_with_thousands_of_schema_errors_is_refused_quickly(part: str) -> None:
    # Found by benchmarks/fuzz.py: each part of a pack was checked against every schema error,
    # so 10,000 bad entries (143 kB) took 30 s; now each part is one look-up.
    text = actions.load_destination("branch").path.read_text("utf-8")
    bad = "".join(f"  k{i}: {i}\n" for i in range(10_000))
    broken = text.replace(f"\n{part}:\n", f"\n{part}:\n{bad}", 1)
    start = time.perf_counter()
    with pytest.raises(InvalidInputError) as caught:
        load_destination_text(broken, "branch.yaml")
    assert time.perf_counter() - start < 5.0  # generous: about 0.5 s here
    assert len(caught.value.diagnostics) >= 10_000
