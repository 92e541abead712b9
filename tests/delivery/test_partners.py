"""The partner emulator answers as the partners document, and every scripted fault happens."""

from __future__ import annotations

import base64
import email.utils
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from partners import Fault, PartnerProcess, PartnerServer, request_key, strict_json

import actions
from actions import load_destination
from actions.engine.outcomes import Request

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = Path(__file__).resolve().parent / "partners.py"

ADJUST_OK = {
    "s2s": "1",
    "app_token": "4w565xzmb54d",
    "event_token": "f2e728",
    "environment": "sandbox",
    "idfa": "6D92078A-8246-4BA4-AE5B-76104861E7DC",
}
KOCHAVA_OK: dict[str, Any] = {
    "kochava_app_id": "koshoply-ios-5f2c81d0e",
    "kochava_device_id": "B1D5A4E2",
    "action": "event",
    "data": {"event_name": "Order Completed", "device_ids": {"idfa": "6D92078A"}, "usertime": 1},
}
BRANCH_OK: dict[str, Any] = {
    "branch_key": "key_live_hcnegAumkH7Kv18M8AOHhfgiohpXq5tB",
    "name": "PURCHASE",
    "user_data": {"os": "iOS", "idfa": "6D92078A"},
}


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


@pytest.fixture
def client(partners: PartnerServer) -> httpx.Client:
    with httpx.Client(base_url=partners.url, timeout=10) as client:
        yield client  # type: ignore[misc]


# --- the partners' answers ----------------------------------------------------------------------


ADJUST_CASES = [
    ("well formed", ADJUST_OK, 200, '{"status":"OK"}', "success"),
    ("no s2s", _without(ADJUST_OK, "s2s"), 400, "s2s", "drop"),
    ("no app token", _without(ADJUST_OK, "app_token"), 400, "Invalid app token", "drop"),
    (
        "malformed app token",
        {**ADJUST_OK, "app_token": "tok_123"},
        400,
        "Invalid app token",
        "drop",
    ),
    ("no event token", _without(ADJUST_OK, "event_token"), 400, "Invalid event token", "drop"),
    ("no device id", _without(ADJUST_OK, "idfa"), 404, "Device not found", "drop"),
    (
        "android device",
        {**_without(ADJUST_OK, "idfa"), "gps_adid": "38400000"},
        200,
        "OK",
        "success",
    ),
    (
        "callback params not JSON",
        {**ADJUST_OK, "callback_params": "{"},
        400,
        "Invalid callback parameters",
        "drop",
    ),
    (
        "callback params nested",
        {**ADJUST_OK, "callback_params": '{"a":{"b":"c"}}'},
        400,
        "Invalid callback parameters",
        "drop",
    ),
    (
        "callback params NaN",
        {**ADJUST_OK, "callback_params": '{"a":NaN}'},
        400,
        "Invalid callback parameters",
        "drop",
    ),
    ("callback params flat", {**ADJUST_OK, "callback_params": '{"a":"1"}'}, 200, "OK", "success"),
    (
        "partner params not JSON",
        {**ADJUST_OK, "partner_params": "x"},
        400,
        "Invalid partner parameters",
        "drop",
    ),
    (
        "revenue NaN",
        {**ADJUST_OK, "revenue": "nan", "currency": "USD"},
        400,
        "Invalid revenue",
        "drop",
    ),
    (
        "revenue too small",
        {**ADJUST_OK, "revenue": "0.0001", "currency": "USD"},
        400,
        "Invalid revenue",
        "drop",
    ),
    ("revenue", {**ADJUST_OK, "revenue": "44.9", "currency": "USD"}, 200, "OK", "success"),
]


@pytest.mark.parametrize(
    ("params", "status", "text", "outcome"),
    [case[1:] for case in ADJUST_CASES],
    ids=[case[0] for case in ADJUST_CASES],
)
def test_adjust_answers_like_adjust(
    client: httpx.Client, params: dict[str, str], status: int, text: str, outcome: str
) -> None:
    pack = load_destination("adjust")
    for response in (client.post("/event", data=params), client.get("/event", params=params)):
        assert response.status_code == status
        assert text in response.text
        assert pack.classify_response(status, response.text).kind == outcome
        if status >= 400:
            assert response.json()["error"].startswith("Event request failed (")


def test_adjust_known_tokens_devices_and_security(
    partners: PartnerServer, client: httpx.Client
) -> None:
    pack = load_destination("adjust")
    state = partners.partners
    state.adjust_app_tokens = {"4w565xzmb54d"}
    assert client.post("/event", data={**ADJUST_OK, "app_token": "aaaaaaaaaaaa"}).status_code == 404
    state.adjust_opted_out = {ADJUST_OK["idfa"]}
    opted_out = client.post("/event", data=ADJUST_OK)
    assert opted_out.status_code == 451
    assert "opted out" in opted_out.text
    state.adjust_opted_out = set()

    state.adjust_s2s_token = "s3cr3t"
    missing = client.post("/event", data=ADJUST_OK)
    wrong = client.post("/event", data=ADJUST_OK, headers={"Authorization": "Bearer nope"})
    right = client.post("/event", data=ADJUST_OK, headers={"Authorization": "Bearer s3cr3t"})
    assert (missing.status_code, missing.text) == (202, "Missing authentication token")
    assert (wrong.status_code, wrong.text) == (202, "Wrong authentication token")
    assert right.status_code == 200
    assert pack.classify_response(202, missing.text).kind == "success"
    state.adjust_s2s_enforced = True
    enforced = client.post("/event", data=ADJUST_OK)
    assert enforced.status_code == 401
    assert pack.classify_response(401, enforced.text).kind == "drop"
    state.adjust_s2s_token = None

    state.adjust_unique_tokens = {"f2e728"}
    assert client.post("/event", data=ADJUST_OK).status_code == 200
    repeat = client.post("/event", data=ADJUST_OK)
    assert repeat.status_code == 400
    assert pack.classify_response(400, repeat.text).reason == (
        "duplicate of a unique event already tracked"
    )
    too_large = client.post("/event", data={**ADJUST_OK, "callback_params": "x" * 1_100_000})
    assert too_large.status_code == 413


KOCHAVA_CASES = [
    ("well formed", json.dumps(KOCHAVA_OK), 200),
    (
        "install",
        json.dumps({**KOCHAVA_OK, "action": "install", "data": {"device_ids": {"idfv": "X"}}}),
        200,
    ),
    ("device id only at the top", json.dumps({**KOCHAVA_OK, "data": {"event_name": "x"}}), 200),
    ("not JSON", "{", 400),
    ("NaN", json.dumps(KOCHAVA_OK)[:-1] + ', "x": NaN}', 400),
    (
        "Infinity",
        json.dumps({**KOCHAVA_OK, "data": {**KOCHAVA_OK["data"], "usertime": 1e999}}),
        400,
    ),
    ("not an object", "[]", 400),
    ("no app id", json.dumps(_without(KOCHAVA_OK, "kochava_app_id")), 400),
    ("unknown action", json.dumps({**KOCHAVA_OK, "action": "session"}), 400),
    ("no data", json.dumps(_without(KOCHAVA_OK, "data")), 400),
    ("no event name", json.dumps({**KOCHAVA_OK, "data": {"device_ids": {"idfa": "X"}}}), 400),
    (
        "no device id",
        json.dumps({**_without(KOCHAVA_OK, "kochava_device_id"), "data": {"event_name": "x"}}),
        400,
    ),
]


@pytest.mark.parametrize(
    ("body", "status"), [c[1:] for c in KOCHAVA_CASES], ids=[c[0] for c in KOCHAVA_CASES]
)
def test_kochava_answers_like_kochava(client: httpx.Client, body: str, status: int) -> None:
    response = client.post(
        "/track/json", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["success"] == ("1" if status == 200 else "0")
    expected = "success" if status == 200 else "drop"
    assert load_destination("kochava").classify_response(status, response.text).kind == expected


BRANCH_CASES = [
    ("standard", "standard", BRANCH_OK, 200),
    ("custom", "custom", {**BRANCH_OK, "name": "Level Up"}, 200),
    (
        "web event",
        "custom",
        {**BRANCH_OK, "name": "x", "user_data": {"browser_fingerprint_id": "1"}},
        200,
    ),
    ("custom name on standard", "standard", {**BRANCH_OK, "name": "Level Up"}, 400),
    ("no key", "standard", _without(BRANCH_OK, "branch_key"), 400),
    ("malformed key", "standard", {**BRANCH_OK, "branch_key": "abc"}, 401),
    ("no name", "custom", _without(BRANCH_OK, "name"), 400),
    ("no user data", "standard", _without(BRANCH_OK, "user_data"), 400),
    ("no identifier", "standard", {**BRANCH_OK, "user_data": {"os": "iOS"}}, 400),
    ("event data not an object", "standard", {**BRANCH_OK, "event_data": []}, 400),
    ("content items not a list", "standard", {**BRANCH_OK, "content_items": {}}, 400),
]


@pytest.mark.parametrize(
    ("category", "body", "status"), [c[1:] for c in BRANCH_CASES], ids=[c[0] for c in BRANCH_CASES]
)
def test_branch_answers_like_branch(
    client: httpx.Client, category: str, body: dict[str, Any], status: int
) -> None:
    response = client.post(f"/v2/event/{category}", json=body)
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"branch_view_enabled": False}
    else:
        assert response.json()["error"]["code"] == status
    expected = "success" if status == 200 else "drop"
    assert load_destination("branch").classify_response(status, response.text).kind == expected


def test_branch_rejects_nan_and_unknown_keys(partners: PartnerServer, client: httpx.Client) -> None:
    nan = json.dumps(BRANCH_OK)[:-1] + ', "custom_data": {"a": NaN}}'
    response = client.post("/v2/event/standard", content=nan)
    assert response.status_code == 400
    partners.partners.branch_keys = {"key_live_other"}
    assert client.post("/v2/event/standard", json=BRANCH_OK).status_code == 401


def test_unknown_paths_are_not_found(client: httpx.Client) -> None:
    assert client.post("/v1/event", json={}).status_code == 404
    assert client.get("/track/json").status_code == 405


@pytest.mark.parametrize("slug", ["adjust", "kochava", "branch"])
def test_the_packs_requests_for_their_fixtures_are_accepted(
    partners: PartnerServer, client: httpx.Client, slug: str
) -> None:
    folder = ROOT / "mappings" / slug
    settings = yaml.safe_load((folder / "settings.sample.yaml").read_text(encoding="utf-8"))
    cases = yaml.safe_load((folder / "fixtures" / "events.yaml").read_text(encoding="utf-8"))
    configured = actions.configure(load_destination(slug), settings)
    requests = [
        outcome
        for result in configured.stream([case["event"] for case in cases["cases"]])
        for outcome in result.outcomes
        if isinstance(outcome, Request)
    ]
    assert requests
    for request in requests:
        target = urlsplit(request.url)
        response = client.request(
            request.method,
            target.path,
            params=request.query or None,
            headers=request.headers,
            content=request.body,
        )
        assert response.status_code == 200, (request.body, response.text)
    assert len(partners.acknowledged()) == len(requests)


# --- the batch endpoint -------------------------------------------------------------------------


def test_batch_answers_a_status_per_item(partners: PartnerServer, client: httpx.Client) -> None:
    items = [{"messageId": f"m{i}", "n": i} for i in range(5)]
    assert client.post("/batch", json=items).json() == {
        "results": [{"index": i, "status": 200} for i in range(5)]
    }
    partners.plan([Fault.items({1, 3}, status=422, error="bad item")])
    response = client.post("/batch", json={"payloads": items})
    assert response.status_code == 207
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == [200, 422, 200, 422, 200]
    assert response.json()["results"][1]["error"] == "bad item"
    partners.plan([Fault.items(lambda _index, item: item["n"] == 4, status=500)])
    assert [r["status"] for r in client.post("/batch", json=items).json()["results"]] == [
        200,
        200,
        200,
        200,
        500,
    ]
    assert partners.ack_counts() == {"m0": 3, "m1": 2, "m2": 3, "m3": 2, "m4": 2}
    mixed = client.post("/batch", json=[{"id": 1}, 2])
    assert mixed.status_code == 207
    assert mixed.json()["results"][1] == {
        "index": 1,
        "status": 400,
        "error": "the item is not an object",
    }
    assert client.post("/batch", json={"x": 1}).status_code == 400
    assert client.post("/batch", json=[{}] * 1001).status_code == 413


# --- the record ---------------------------------------------------------------------------------


def test_request_keys_ignore_key_order_and_prefer_the_idempotency_key() -> None:
    one = request_key("POST", "/track/json", (), (), b'{"a":1,"b":[1,2]}')
    two = request_key("POST", "/track/json", (), (), b'{ "b": [1, 2], "a": 1 }')
    assert one == two
    assert one != request_key("POST", "/track/json", (), (), b'{"a":1,"b":[2,1]}')
    assert request_key("POST", "/event", (), (), b"a=1&b=2") == request_key(
        "POST", "/event", (), (), b"b=2&a=1"
    )
    assert request_key("POST", "/x", (), (("Idempotency-Key", "k-1"),), b"{}") == "k-1"


def test_strict_json_rejects_nan_and_infinity() -> None:
    for text in ("NaN", "[Infinity]", '{"a": -Infinity}'):
        with pytest.raises(ValueError, match="not JSON"):
            strict_json(text)
    assert strict_json(b'{"a": 1.5}') == {"a": 1.5}


def test_records_every_request_and_counts_acknowledgements(
    partners: PartnerServer, client: httpx.Client
) -> None:
    partners.plan([Fault.status(503)])
    first = client.post("/track/json", json=KOCHAVA_OK, headers={"X-Test": "1"})
    second = client.post("/track/json", json=KOCHAVA_OK)
    assert (first.status_code, second.status_code) == (503, 200)
    received = partners.requests
    assert [r.attempt for r in received] == [0, 1]
    assert received[0].key == received[1].key
    assert received[0].header("x-test") == "1"
    assert received[0].json() == KOCHAVA_OK
    assert (received[0].fault, received[0].status, received[0].acknowledged) == (
        "status",
        503,
        False,
    )
    assert (received[1].fault, received[1].status, received[1].acknowledged) == (None, 200, True)
    assert partners.duplicates() == {}
    client.post("/track/json", json=KOCHAVA_OK)
    assert partners.duplicates() == {received[0].key: 2}
    client.post("/event", data=ADJUST_OK)
    assert partners.received(partner="adjust")[0].params == ADJUST_OK
    assert len(partners.received(path="/track/json")) == 3
    partners.reset()
    assert partners.requests == []


# --- faults -------------------------------------------------------------------------------------


def test_status_faults_in_order_then_normal_answers(
    partners: PartnerServer, client: httpx.Client
) -> None:
    partners.plan([Fault.status(429, retry_after=2), Fault.status(503) * 3, Fault.status(500)])
    assert partners.pending_faults == 5
    answers = [client.post("/v2/event/standard", json=BRANCH_OK) for _ in range(6)]
    assert [a.status_code for a in answers] == [429, 503, 503, 503, 500, 200]
    assert answers[0].headers["Retry-After"] == "2"
    assert answers[0].json() == {"error": {"message": "Rate Limit Reached", "code": 429}}
    assert load_destination("branch").classify_response(429, answers[0].text).kind == "retry"
    assert partners.pending_faults == 0


def test_retry_after_as_an_http_date(partners: PartnerServer, client: httpx.Client) -> None:
    fixed = datetime(2026, 12, 6, 13, 0, 0, tzinfo=UTC)
    partners.plan([Fault.status(503, retry_after=fixed), Fault.status(429, retry_after_date=30)])
    assert client.post("/event", data=ADJUST_OK).headers["Retry-After"] == (
        "Sun, 06 Dec 2026 13:00:00 GMT"
    )
    before = datetime.now(UTC).replace(microsecond=0)
    response = client.post("/event", data=ADJUST_OK)
    when = email.utils.parsedate_to_datetime(response.headers["Retry-After"])
    assert before + timedelta(seconds=29) <= when <= datetime.now(UTC) + timedelta(seconds=31)
    sent = email.utils.parsedate_to_datetime(response.headers["Date"])
    assert when - sent in (timedelta(seconds=29), timedelta(seconds=30), timedelta(seconds=31))


def test_partner_flavoured_error_bodies(partners: PartnerServer, client: httpx.Client) -> None:
    partners.plan([Fault.status(500), Fault.status(503, body="down"), Fault.status(502)])
    adjust = client.post("/event", data=ADJUST_OK)
    assert adjust.json() == {
        "error": "Event request failed (Internal error, contact support@adjust.com)"
    }
    assert client.post("/event", data=ADJUST_OK).text == "down"
    assert client.post("/track/json", json=KOCHAVA_OK).json() == {
        "success": "0",
        "error": "Bad Gateway",
    }


def test_faults_by_predicate_and_permanent_faults(
    partners: PartnerServer, client: httpx.Client
) -> None:
    partners.plan(
        [
            Fault.status(400, body="Invalid event token").when(lambda r: r.partner == "adjust"),
            Fault.status(503).when(lambda r: r.attempt == 0).always(),
        ]
    )
    assert client.post("/track/json", json=KOCHAVA_OK).status_code == 503
    assert client.post("/track/json", json=KOCHAVA_OK).status_code == 200
    assert client.post("/event", data=ADJUST_OK).status_code == 400
    assert client.post("/event", data=ADJUST_OK).status_code == 200
    assert client.post("/v2/event/standard", json=BRANCH_OK).status_code == 503
    assert client.post("/v2/event/standard", json=BRANCH_OK).status_code == 200
    assert partners.pending_faults == 1
    partners.clear_faults()
    assert partners.pending_faults == 0


def test_errors_while_serving_are_kept_for_the_test() -> None:
    def broken(received: Any) -> bool:
        raise KeyError(received.path)

    with PartnerServer() as server, httpx.Client(base_url=server.url) as client:
        server.plan([Fault.status(503).when(broken)])
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/track/json", json=KOCHAVA_OK)
        assert [type(e) for e in server.errors] == [KeyError]


def test_timeout_holds_the_connection_then_closes_it(
    partners: PartnerServer, client: httpx.Client
) -> None:
    partners.plan([Fault.timeout(1.5)])
    with pytest.raises(httpx.ReadTimeout):
        client.post("/track/json", json=KOCHAVA_OK, timeout=0.2)
    # On a loaded machine the server may record the request after the client gave up on it,
    # and may even have stopped holding it by then.
    assert partners.wait_for(1)
    assert partners.requests[0].outcome in ("held", "timeout")
    assert client.post("/track/json", json=KOCHAVA_OK).status_code == 200
    deadline = time.monotonic() + 10
    while partners.requests[0].outcome == "held" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert partners.requests[0].outcome == "timeout"
    assert partners.requests[0].status is None


def test_reset_sends_a_tcp_reset(partners: PartnerServer, client: httpx.Client) -> None:
    partners.plan([Fault.reset()])
    with pytest.raises(httpx.ReadError) as caught:
        client.post("/track/json", json=KOCHAVA_OK)
    assert (
        isinstance(caught.value.__context__, ConnectionResetError)
        or "reset" in str(caught.value).lower()
    )
    assert client.post("/track/json", json=KOCHAVA_OK).status_code == 200
    assert [r.outcome for r in partners.requests] == ["reset", "answered"]


def test_close_ends_the_connection_without_an_answer(
    partners: PartnerServer, client: httpx.Client
) -> None:
    partners.plan([Fault.close()])
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/track/json", json=KOCHAVA_OK)
    assert partners.requests[0].outcome == "closed"


def test_slow_answers_come_late_but_as_the_partner_would(
    partners: PartnerServer, client: httpx.Client
) -> None:
    partners.plan([Fault.slow(0.3)])
    started = time.monotonic()
    response = client.post("/event", data=ADJUST_OK)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert partners.requests[0].fault == "slow"


def test_chaos_is_repeatable_for_a_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with PartnerServer() as server, httpx.Client(base_url=server.url) as client:
            server.chaos(0.3, [Fault.status(500), Fault.status(503)], seed=seed)
            return [
                client.post(
                    "/track/json", json={**KOCHAVA_OK, "kochava_device_id": str(i)}
                ).status_code
                for i in range(200)
            ]

    first = statuses(7)
    assert first == statuses(7)
    assert first != statuses(8)
    failed = sum(s != 200 for s in first)
    assert 30 <= failed <= 90
    assert set(first) == {200, 500, 503}


def test_fault_specs_from_text() -> None:
    assert Fault.parse("503") == Fault.status(503)
    assert Fault.parse("503x3") == Fault.status(503) * 3
    assert Fault.parse("500x*") == Fault.status(500).always()
    assert Fault.parse("429:retry=2") == Fault.status(429, retry_after="2")
    assert Fault.parse("429:retry-date=5") == Fault.status(429, retry_after_date=5)
    assert Fault.parse("timeout:2.5") == Fault.timeout(2.5)
    assert Fault.parse("slow:0.1") == Fault.slow(0.1)
    assert Fault.parse("resetx2") == Fault.reset() * 2
    assert Fault.parse("close") == Fault.close()
    for bad in ("teapot", "503:wait=1", "reset:1"):
        with pytest.raises(ValueError, match="unknown"):
            Fault.parse(bad)


def test_stop_wakes_held_requests_and_closes_connections() -> None:
    server = PartnerServer().start()
    server.plan([Fault.timeout(60)])
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(f"{server.url}/track/json", json=KOCHAVA_OK, timeout=120)
        except httpx.HTTPError as error:
            errors.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    assert server.wait_for(1)
    started = time.monotonic()
    server.stop()
    caller.join(timeout=30)
    assert not caller.is_alive()
    assert time.monotonic() - started < 30
    assert len(errors) == 1


def test_many_concurrent_keep_alive_clients(partners: PartnerServer) -> None:
    threads, each = 64, 10
    failures: list[int] = []

    def run(n: int) -> None:
        with httpx.Client(base_url=partners.url, timeout=30) as client:
            for i in range(each):
                body = {**KOCHAVA_OK, "kochava_device_id": f"{n}-{i}"}
                status = client.post("/track/json", json=body).status_code
                if status != 200:
                    failures.append(status)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert failures == []
    received = partners.requests
    assert len(received) == threads * each
    assert sorted(r.seq for r in received) == list(range(threads * each))
    assert len(partners.ack_counts()) == threads * each
    assert partners.duplicates() == {}


def test_command_line_serves_until_killed() -> None:
    process = subprocess.Popen(
        [sys.executable, str(EMULATOR), "--port", "0", "--fault", "503", "--fault", "429:retry=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url, timeout=10) as client:
            statuses = [client.post("/track/json", json=KOCHAVA_OK).status_code for _ in range(3)]
            assert statuses == [503, 429, 200]
            record = client.get("/_emulator/requests").json()
            assert [r["status"] for r in record] == [503, 429, 200]
            assert [r["acknowledged"] for r in record] == [False, False, True]
            assert json.loads(base64.b64decode(record[2]["body"])) == KOCHAVA_OK
            assert client.post("/_emulator/reset").status_code == 200
            assert client.get("/_emulator/requests").json() == []
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode != 0


def test_partner_process_plans_faults_and_reads_the_record() -> None:
    with (
        PartnerProcess("500", keep_bodies=True) as emulator,
        httpx.Client(base_url=emulator.url) as client,
    ):
        emulator.plan("reset", "429:retry-date=3")
        assert client.post("/event", data=ADJUST_OK).status_code == 500
        with pytest.raises(httpx.ReadError):
            client.post("/event", data=ADJUST_OK)
        limited = client.post("/event", data=ADJUST_OK)
        assert limited.status_code == 429
        assert email.utils.parsedate_to_datetime(limited.headers["Retry-After"]) is not None
        assert client.post("/event", data=ADJUST_OK).status_code == 200
        assert emulator.duplicates() == {}
        assert client.post("/event", data=ADJUST_OK).status_code == 200
        record = emulator.requests()
        assert [r["outcome"] for r in record] == ["answered", "reset"] + ["answered"] * 3
        assert [r["attempt"] for r in record] == [0, 1, 2, 3, 4]
        assert emulator.duplicates() == {record[0]["key"]: 2}
        with pytest.raises(urllib.error.HTTPError):
            emulator.plan("teapot")
        emulator.reset()
        assert emulator.requests() == []
        process = emulator.process
        assert process is not None
    assert process.poll() is not None


def test_adjust_chronology_when_enabled(partners: PartnerServer, client: httpx.Client) -> None:
    assert client.post("/event", data={**ADJUST_OK, "created_at_unix": "200"}).status_code == 200
    assert client.post("/event", data={**ADJUST_OK, "created_at_unix": "100"}).status_code == 200
    partners.partners.adjust_chronological = True
    assert client.post("/event", data={**ADJUST_OK, "created_at_unix": "200"}).status_code == 200
    late = client.post("/event", data={**ADJUST_OK, "created_at_unix": "100"})
    assert late.status_code == 400
    assert load_destination("adjust").classify_response(400, late.text).kind == "drop"
    assert "Bad event state" in late.text
    other_token = {**ADJUST_OK, "event_token": "k7q0ba", "created_at_unix": "100"}
    assert client.post("/event", data=other_token).status_code == 200


def test_malformed_framing_and_records_without_bodies() -> None:
    with PartnerServer(keep_bodies=False) as server:
        port = server.port
        for head, status in (
            (b"Content-Length: x\r\n", 400),
            (b"Content-Length: -1\r\n", 400),
            (b"Transfer-Encoding: chunked\r\n", 400),
            (b"Content-Length: 99999999\r\n", 413),
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"POST /track/json HTTP/1.1\r\nHost: x\r\n" + head + b"\r\nzz\r\n")
                assert sock.recv(100).startswith(f"HTTP/1.1 {status} ".encode())
        assert server.requests == []
        chunked = (
            b"POST /track/json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(
                b"%x\r\n%s\r\n" % (len(part), part)
                for part in (
                    json.dumps(KOCHAVA_OK).encode()[:10],
                    json.dumps(KOCHAVA_OK).encode()[10:],
                )
            )
            + b"0\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(chunked)
            assert sock.recv(100).startswith(b"HTTP/1.1 200 ")
        (received,) = server.requests
        assert (received.status, received.acknowledged, received.body, received.headers) == (
            200,
            True,
            b"",
            (),
        )
        assert received.key == request_key(
            "POST", "/track/json", (), (), json.dumps(KOCHAVA_OK).encode()
        )


def test_listens_on_the_loopback_only() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        PartnerServer(host="0.0.0.0")
