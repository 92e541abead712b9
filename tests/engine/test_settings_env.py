"""Settings read from environment variables: ``{env: NAME}`` is resolved where the destination
is configured, and only the name travels in pickles and job graphs."""

from __future__ import annotations

import pickle
from pathlib import Path

import jsonschema
import pytest

import actions
from actions.destinations.schema import CONFIG_SCHEMA, settings_schema
from actions.pipelines import DestinationSpec

TOKEN = "s2s-from-the-environment"
EVENT = {
    "type": "track",
    "event": "Signed Up",
    "userId": "u",
    "messageId": "m",
    "context": {"device": {"type": "ios", "id": "v"}},
}
SETTINGS = {
    "app_token": "a1",
    "event_tokens": {"Signed Up": "t1"},
    "s2s_token": {"env": "ACTIONS_TEST_S2S"},
}


def authorization(configured: actions.ConfiguredDestination) -> str:
    [request] = configured.process(EVENT)
    assert isinstance(request, actions.Request)
    return str(request.to_dict(reveal_secrets=True)["headers"]["Authorization"])


def test_a_setting_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_TEST_S2S", TOKEN)
    configured = actions.configure(actions.load_destination("adjust"), SETTINGS)
    assert authorization(configured) == f"Bearer {TOKEN}"
    [request] = configured.process(EVENT)
    assert TOKEN not in repr(request) + str(request.to_dict())
    # A pickle holds the variable's name, never its value; it is read again when loaded.
    data = pickle.dumps(configured)
    assert TOKEN.encode() not in data
    assert b"ACTIONS_TEST_S2S" in data
    monkeypatch.setenv("ACTIONS_TEST_S2S", "rotated")
    assert authorization(pickle.loads(data)) == "Bearer rotated"


def test_an_unset_variable_is_a_located_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ACTIONS_TEST_S2S", raising=False)
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(actions.load_destination("adjust"), SETTINGS)
    [problem] = caught.value.diagnostics
    assert problem.rule == "setting-env"
    assert problem.path == ("settings", "s2s_token", "env")
    assert "'ACTIONS_TEST_S2S'" in problem.message
    assert "not set" in problem.message
    config = tmp_path / "adjust.yaml"
    config.write_text(
        "destination: adjust\nsettings:\n  app_token: a1\n  s2s_token: {env: ACTIONS_TEST_S2S}\n",
        encoding="utf-8",
    )
    with pytest.raises(actions.DefinitionError) as caught:
        actions.load_config(config)
    [problem] = caught.value.diagnostics
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (4, 20)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("string", " x ", " x "),
        ("integer", "42", 42),
        ("number", "2.5", 2.5),
        ("number", "7", 7),
        ("boolean", "True", True),
        ("boolean", "false", False),
    ],
)
def test_values_take_the_setting_type(
    monkeypatch: pytest.MonkeyPatch, kind: str, text: str, value: object
) -> None:
    monkeypatch.setenv("ACTIONS_TEST_VALUE", text)
    destination = _one_setting(kind)
    configured = actions.configure(destination, {"value": {"env": "ACTIONS_TEST_VALUE"}})
    assert configured._settings["value"] == value


@pytest.mark.parametrize(
    ("kind", "text"), [("integer", "4.5"), ("number", "nan"), ("boolean", "yes")]
)
def test_a_value_of_the_wrong_type_is_not_shown(
    monkeypatch: pytest.MonkeyPatch, kind: str, text: str
) -> None:
    monkeypatch.setenv("ACTIONS_TEST_VALUE", text)
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(_one_setting(kind), {"value": {"env": "ACTIONS_TEST_VALUE"}})
    [problem] = caught.value.diagnostics
    assert problem.rule == "setting-env"
    assert "ACTIONS_TEST_VALUE" in problem.message
    assert text not in str(caught.value)


def test_object_settings_take_env_as_a_key() -> None:
    configured = actions.configure(
        actions.load_destination("adjust"), {"app_token": "a", "event_tokens": {"env": "TOKEN"}}
    )
    assert configured._settings["event_tokens"] == {"env": "TOKEN"}


def test_job_graphs_hold_only_the_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ACTIONS_TEST_S2S", raising=False)
    config = tmp_path / "adjust.yaml"
    config.write_text(
        "destination: adjust\n"
        "settings:\n"
        "  app_token: a1\n"
        "  event_tokens: {Signed Up: t1}\n"
        "  s2s_token: {env: ACTIONS_TEST_S2S}\n",
        encoding="utf-8",
    )
    # Built where the variable is not set: the spec keeps the name.
    spec = DestinationSpec.from_config(config)
    assert spec.settings["s2s_token"] == {"env": "ACTIONS_TEST_S2S"}
    shipped = pickle.dumps(spec)
    assert "ACTIONS_TEST_S2S" in repr(spec)
    assert "a1" not in repr(spec)
    # A worker that has it.
    monkeypatch.setenv("ACTIONS_TEST_S2S", TOKEN)
    assert TOKEN.encode() not in shipped
    assert authorization(pickle.loads(shipped).build()) == f"Bearer {TOKEN}"


def test_the_schemas_accept_the_form() -> None:
    config = {"destination": "adjust", "settings": {"s2s_token": {"env": "ADJUST_S2S"}}}
    jsonschema.Draft7Validator(CONFIG_SCHEMA).validate(config)
    bad = {"destination": "adjust", "settings": {"s2s_token": {"env": "not a name"}}}
    assert list(jsonschema.Draft7Validator(CONFIG_SCHEMA).iter_errors(bad))
    adjust = actions.load_destination("adjust")
    schema = settings_schema(adjust.slug, adjust.settings)
    validator = jsonschema.Draft7Validator(schema)
    validator.validate({"app_token": {"env": "ADJUST_APP_TOKEN"}, "send_to_production": True})
    assert list(validator.iter_errors({"app_token": {"env": "A", "other": 1}}))


def _one_setting(kind: str) -> actions.Destination:
    from actions.destinations.loading import load_destination_text

    return load_destination_text(
        f"""
name: One
slug: one
settings:
  value: {{type: {kind}, required: true}}
actions:
  a:
    title: A
    default_trigger: type = "track"
    fields:
      v: {{type: string, default: {{"@path": "$.event"}}}}
    request: {{url: https://one.example/a, body: {{encoding: json}}}}
"""
    )
