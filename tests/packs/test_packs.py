"""The shipped packs: they load, their sample settings are valid, every golden fixture gives
exactly its recorded outcomes, every preset fires on the sample stream, responses are
classified, and inbound callbacks become valid Spec events."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import actions
from actions._resources import mappings_dir, pack_slugs
from actions.destinations.schema import CONFIG_SCHEMA, DESTINATION_SCHEMA
from actions.samples import load_sample_events
from actions.spec import check_event

# Every pack under mappings/ (a folder with a destination.yaml): a new pack is tested as it lands.
PACKS = pack_slugs()
ROOT = Path(__file__).resolve().parent.parent.parent


def _fixtures(folder: Path | None = None) -> list[Any]:
    params = []
    root = mappings_dir() if folder is None else folder
    for pack in pack_slugs(root):
        for file in sorted((root / pack / "fixtures").glob("*.yaml")):
            fixture = yaml.safe_load(file.read_text(encoding="utf-8"))
            for case in fixture["cases"]:
                params.append(
                    pytest.param(
                        pack,
                        fixture.get("settings") or {},
                        case,
                        id=f"{pack}:{file.stem}:{case['name']}",
                    )
                )
    return params


@pytest.mark.parametrize(("pack", "settings", "case"), _fixtures())
def test_golden_fixture(pack: str, settings: dict[str, Any], case: dict[str, Any]) -> None:
    destination = actions.load_destination(pack)
    configured = actions.configure(destination, {**destination.sample_settings(), **settings})
    got = [o.to_dict() for o in configured.process(case["event"])]
    if got != case["expected"]:
        want_text = json.dumps(
            case["expected"], indent=1, sort_keys=True, ensure_ascii=False
        ).splitlines()
        got_text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
        pytest.fail(
            "\n".join(difflib.unified_diff(want_text, got_text, "expected", "got", lineterm=""))
        )


def test_the_shipped_packs_are_found() -> None:
    assert {"adjust", "branch", "kochava"} <= set(PACKS)


def test_a_pack_dropped_into_the_folder_is_found_and_its_fixtures_run(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(mappings_dir() / "kochava", tmp_path / "kochava")
    shutil.copytree(mappings_dir() / "branch", tmp_path / "newpartner")
    (tmp_path / "notes").mkdir()  # a folder without a destination.yaml is not a pack
    (tmp_path / "README.md").write_text("not a pack", encoding="utf-8")
    assert pack_slugs(tmp_path) == ("kochava", "newpartner")
    ids = [param.id for param in _fixtures(tmp_path)]
    branch = [param.id for param in _fixtures() if param.id.startswith("branch:")]
    assert [i for i in ids if i.startswith("newpartner:")] == [
        "newpartner:" + i.split(":", 1)[1] for i in branch
    ]
    assert any(i.startswith("kochava:") for i in ids)


@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_has_a_docs_page(pack: str) -> None:
    assert (ROOT / "docs" / "packs" / f"{pack}.md").is_file(), f"write docs/packs/{pack}.md"


@pytest.mark.parametrize("pack", PACKS)
def test_enough_fixtures_per_pack(pack: str) -> None:
    count = sum(
        len(yaml.safe_load(f.read_text(encoding="utf-8"))["cases"])
        for f in (mappings_dir() / pack / "fixtures").glob("*.yaml")
    )
    assert count >= 25


@pytest.mark.parametrize("pack", PACKS)
def test_definition_validates_against_the_published_schema(pack: str) -> None:
    text = (mappings_dir() / pack / "destination.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    jsonschema.Draft7Validator(DESTINATION_SCHEMA).validate(yaml.safe_load(text))


def test_published_schema_files_are_current() -> None:
    for name, schema in (("destination", DESTINATION_SCHEMA), ("config", CONFIG_SCHEMA)):
        path = ROOT / "actions" / "schemas" / f"{name}.schema.json"
        assert json.loads(path.read_text(encoding="utf-8")) == schema


@pytest.mark.parametrize("pack", PACKS)
def test_every_preset_fires_on_the_sample_stream(pack: str) -> None:
    destination = actions.load_destination(pack)
    configured = actions.configure(destination, destination.sample_settings())
    fired = {
        outcome.subscription
        for event in load_sample_events()
        for outcome in configured.process(event)
        if isinstance(outcome, actions.Request)
    }
    assert fired == {preset.name for preset in destination.presets}


def test_adjust_rejects_two_names_for_one_token() -> None:
    adjust = actions.load_destination("adjust")
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(
            adjust,
            {"app_token": "a", "event_tokens": {"Order Completed": "abc", "Purchase": "abc"}},
        )
    [problem] = caught.value.diagnostics
    assert problem.rule == "duplicate-setting-value"
    assert "'Order Completed' and 'Purchase'" in problem.message


@pytest.mark.parametrize(
    ("pack", "status", "body", "kind"),
    [
        ("adjust", 200, "OK", "success"),
        ("adjust", 500, "Internal error", "retry"),
        ("adjust", 429, "", "retry"),
        ("adjust", 404, '{"error": "Event request failed (Device not found)"}', "drop"),
        ("adjust", 400, '{"error": "Event request failed (Invalid event token)"}', "drop"),
        ("kochava", 200, '{"success":"1"}', "success"),
        ("kochava", 503, "", "retry"),
        ("kochava", 400, "", "drop"),
        ("branch", 200, '{"branch_view_enabled": false}', "success"),
        ("branch", 429, "Rate Limit Reached", "retry"),
        ("branch", 400, '{"error": {"message": "bad", "code": 400}}', "drop"),
    ],
)
def test_response_classification(pack: str, status: int, body: str, kind: str) -> None:
    result = actions.load_destination(pack).classify_response(status, body)
    assert result.kind == kind
    if kind != "success":
        assert result.reason


def test_adjust_device_not_found_reason() -> None:
    result = actions.load_destination("adjust").classify_response(404, "Device not found")
    assert result.reason is not None
    assert "install" in result.reason


@pytest.mark.parametrize(
    ("pack", "params"),
    [
        (
            "adjust",
            {
                "anonymous_id": "a-1",
                "adid": "7e1f",
                "network": "Facebook Installs",
                "campaign": "Winter",
                "adgroup": "Gloves",
                "creative": "Hero",
                "tracker_name": "Facebook::Winter::Gloves",
                "installed_at": "1793610850",
            },
        ),
        (
            "kochava",
            {
                "anonymous_id": "a-2",
                "network": "Apple Search Ads",
                "campaign": "Launch",
                "adgroup": "Exact",
                "creative": "c-9",
                "tracker_name": "ASA",
                "installed_at": "2026-11-02T09:14:03Z",
            },
        ),
    ],
)
def test_inbound_install_attributed(pack: str, params: dict[str, str]) -> None:
    event = actions.load_destination(pack).inbound_event("install_attributed", params)
    assert check_event(event) == ()
    assert event["event"] == "Install Attributed"
    assert event["context"]["campaign"]["name"] == params["campaign"]
    assert event["context"]["campaign"]["source"] == params["network"]
    assert event["timestamp"].startswith("2026-11-02T09:14")


def test_inbound_without_identity_is_refused() -> None:
    with pytest.raises(actions.ActionsError):
        actions.load_destination("adjust").inbound_event("install_attributed", {"campaign": "x"})


@pytest.mark.parametrize("pack", PACKS)
def test_configured_packs_pickle(pack: str) -> None:
    import pickle

    destination = actions.load_destination(pack)
    configured = actions.configure(destination, destination.sample_settings())
    clone = pickle.loads(pickle.dumps(configured))
    for event in load_sample_events():
        assert [o.to_dict() for o in clone.process(event)] == [
            o.to_dict() for o in configured.process(event)
        ]


def test_every_shipped_yaml_file_names_its_schema() -> None:
    from actions.destinations.schema import FIXTURES_SCHEMA, settings_schema

    for pack in PACKS:
        folder = mappings_dir() / pack
        destination = actions.load_destination(pack)
        schema = settings_schema(destination.slug, destination.settings)
        assert json.loads((folder / "settings.schema.json").read_text(encoding="utf-8")) == schema
        jsonschema.Draft7Validator(schema).validate(destination.sample_settings())
        for file in sorted(folder.rglob("*.yaml")):
            first = file.read_text(encoding="utf-8").splitlines()[0]
            assert first.startswith("# yaml-language-server: $schema="), file
            target = (file.parent / first.split("$schema=", 1)[1]).resolve()
            assert target.is_file(), (file, target)
        for file in sorted((folder / "fixtures").glob("*.yaml")):
            jsonschema.Draft7Validator(FIXTURES_SCHEMA).validate(
                yaml.safe_load(file.read_text(encoding="utf-8"))
            )
    assert (
        json.loads((ROOT / "actions" / "schemas" / "fixtures.schema.json").read_text())
        == FIXTURES_SCHEMA
    )


@pytest.mark.parametrize(
    "pack", [p for p in PACKS if "install_attributed" in actions.load_destination(p).inbound]
)
def test_documented_callback_url_feeds_the_inbound_mapping(pack: str) -> None:
    """The callback URL a user pastes into the partner's dashboard (docs/packs/<pack>.md) uses
    only keys the inbound mapping reads, and every key it reads that the mapping needs; with
    example values in place of the partner's placeholders, it gives a valid Spec event."""
    import re
    from urllib.parse import parse_qsl, urlsplit

    text = (ROOT / "docs" / "packs" / f"{pack}.md").read_text(encoding="utf-8")
    [url] = re.findall(r"```text\n(https://\S+)\n```", text)
    placeholders = re.findall(r"=(\{[a-z_]+\}|\[[a-z_]+\])", url)
    destination = actions.load_destination(pack)
    assert placeholders
    # The pack's own description of the inbound mapping names the same placeholders.
    description = " ".join(destination.inbound["install_attributed"].description.split())
    for placeholder in placeholders:
        assert placeholder in description, placeholder
    examples = {
        "installed_at": "1793610843",
        "network": "Apple Search Ads",
        "campaign": "Launch",
    }
    params = {
        key: examples.get(key, f"example-{key}")
        for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)
    }
    read = {path.split(".")[-1] for path in destination.inbound["install_attributed"].mapping.paths}
    assert set(params) <= read
    event = destination.inbound_event("install_attributed", params)
    assert check_event(event) == ()
    assert event["anonymousId"] == "example-anonymous_id"
    assert event["context"]["campaign"] == {
        "source": "Apple Search Ads",
        "name": "Launch",
        "content": "example-creative",
        "ad_creative": "example-creative",
        "ad_group": "example-adgroup",
    }
    assert event["timestamp"] == "2026-11-02T09:14:03.000Z"


def test_kochava_standard_names_table_is_the_packs() -> None:
    """docs/packs/kochava.md's table of standard event names is the one the pack applies."""
    import re

    pack = yaml.safe_load((mappings_dir() / "kochava" / "destination.yaml").read_text("utf-8"))
    text = (ROOT / "docs" / "packs" / "kochava.md").read_text(encoding="utf-8")
    section = text.split("### Event names", 1)[1].split("###", 1)[0]
    documented = dict(re.findall(r"^\| ([A-Z][^|]*?) \| `([^`]+)` \|$", section, re.MULTILINE))
    assert documented == pack["x-standard-names"]
    kochava = actions.load_destination("kochava")
    on = actions.configure(kochava, {**kochava.sample_settings(), "standard_event_names": True})
    off = actions.configure(kochava, kochava.sample_settings())
    event = next(e for e in load_sample_events() if e.get("event") == "Order Completed")
    names = [
        json.loads(str(o.to_dict()["body"]))["data"]["event_name"]
        for o in (*on.process(event), *off.process(event))
    ]
    assert names == ["Purchase", "Order Completed"]
