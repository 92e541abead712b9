"""``actions run --send`` through its real entry point (a subprocess) against a real server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from _support import Answer, Received, events, serving

ROOT = Path(__file__).resolve().parent.parent.parent


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "actions", *args]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), input=stdin, capture_output=True, text=True, cwd=ROOT, check=False
    )


def write_events(path: Path, count: int, extra: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(e) for e in events(count)]
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def order(received: Received) -> str:
    return str(json.loads(received.body)["data"]["event_data"]["order_id"])


def test_send_accounts_for_every_request_and_dead_letters_both_kinds(tmp_path: Path) -> None:
    source = write_events(tmp_path / "events.jsonl", 30, ("not json", '{"type": "track"}'))

    def script(received: Received, nth: int) -> Answer:
        n = int(order(received).split("-")[1])
        if n % 10 == 1:
            return Answer(400, "rejected")
        if n % 10 == 2:
            return Answer(500, "down for maintenance")
        if n % 10 == 3 and nth == 1:
            return Answer(429, "slow down", {"Retry-After": "1"})
        return Answer()

    with serving(script) as server:
        result = run(
            "run", "kochava", str(source), "--send", "--endpoint", server.url + "/ignored?x=1",
            "--dead-letter", str(tmp_path / "dead.jsonl"), "--summary-json",
            str(tmp_path / "summary.json"), "--max-attempts", "2", "--rate", "0",
        )  # fmt: skip
    assert result.returncode == 1, result.stderr  # requests were given up
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    requests = [line for line in lines if line["kind"] == "request"]
    assert len(requests) == 30
    statuses = Counter(line["delivery"]["status"] for line in requests)
    assert statuses == {"delivered": 24, "dropped": 3, "dead-lettered": 3}
    assert {line["url"] for line in requests} == {"https://control.kochava.com/track/json"}
    assert {r.path for r in server.received} == {"/track/json"}  # the pack's path is kept
    dropped = next(line for line in requests if line["delivery"]["status"] == "dropped")
    assert dropped["delivery"]["reason"].startswith("Kochava rejected the event")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["events"] == 32
    assert summary["delivery"]["delivered"] == 24
    assert summary["delivery"]["retried"] == 6  # the 429s once, the 500s twice
    assert summary["latency_ms"]["p99"] >= summary["latency_ms"]["p50"] > 0
    assert "dead-lettered: 3" in result.stderr
    dead = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    delivery = [d for d in dead if d.get("kind") == "delivery"]
    engine = [d for d in dead if d.get("kind") != "delivery"]
    assert len(engine) == 2
    assert {d["http_status"] for d in delivery} == {500}
    assert all(d["attempts"] == 2 and d["response"] == "down for maintenance" for d in delivery)
    assert all(d["event"]["messageId"].startswith("message-") for d in delivery)
    assert all(d["request"]["url"].endswith("/track/json") for d in delivery)


def test_the_command_line_overrides_a_configs_delivery_block(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "destination: kochava\nsettings: {app_guid: koshoply-ios-5f2c81d0e}\n"
        "delivery: {rate: 5, burst: 1, concurrency: 2}\n",
        encoding="utf-8",
    )
    source = write_events(tmp_path / "events.jsonl", 4)
    with serving() as server:
        result = run(
            "run", str(config), str(source), "--send", "--endpoint", server.url,
            "--concurrency", "3", "--summary-json", str(tmp_path / "summary.json"), "-q",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["settings"]["rate"] == 5.0
    assert summary["settings"]["concurrency"] == 3
    times = sorted(r.at for r in server.received)
    assert times[-1] - times[0] >= 3 / 5 * 0.8  # burst 1 at 5/s: 4 requests over >= 0.6 s


def test_a_bad_delivery_block_in_a_config_is_located(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "destination: kochava\nsettings: {app_guid: x}\ndelivery:\n  rates: 5\n", encoding="utf-8"
    )
    result = run("run", str(config), "--send", "--endpoint", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "unknown key 'rates'" in result.stderr
    assert ":4:" in result.stderr  # the line of the key


def test_kill_9_then_a_restart_with_the_ledger_loses_nothing(tmp_path: Path) -> None:
    count, concurrency = 300, 4
    source = write_events(tmp_path / "events.jsonl", count)
    ledger = tmp_path / "ledger.sqlite"

    def slow(received: Received, nth: int) -> Answer:
        return Answer(delay=0.01)

    args = (
        "run", "kochava", str(source), "--send", "--ledger", str(ledger), "--rate", "0",
        "--concurrency", str(concurrency),
    )  # fmt: skip
    with serving(slow) as server:
        first = subprocess.Popen(
            command(*args, "--endpoint", server.url, "-o", str(tmp_path / "first.jsonl")),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(server.received) < count // 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        before = len(server.received)
        assert count // 3 <= before < count  # stopped in the middle
        time.sleep(0.1)  # answers to the killed process's last requests
        before = len(server.received)
        second = run(*args, "--endpoint", server.url, "--summary-json", str(tmp_path / "s.json"))
        assert second.returncode == 0, second.stderr
    received = Counter(order(r) for r in server.received)
    assert set(received) == {f"order-{n}" for n in range(count)}  # nothing lost
    twice = [name for name, times in received.items() if times > 1]
    assert all(times <= 2 for times in received.values())
    assert len(twice) <= concurrency  # only what was in flight at the kill
    first_orders = [order(r) for r in server.received[:before]]
    assert set(twice) <= set(first_orders[-2 * concurrency :])
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["delivery"]["delivered"] == count
    assert summary["delivery"]["from_ledger"] == before - len(twice)


def test_replay_sends_again_what_was_given_up_and_keeps_what_fails_again(tmp_path: Path) -> None:
    source = write_events(tmp_path / "events.jsonl", 12, ('{"type": "track"}',))
    ledger, dead, again = (
        tmp_path / "ledger.sqlite",
        tmp_path / "dead.jsonl",
        tmp_path / "again.jsonl",
    )
    down = {"on": True}

    def script(received: Received, nth: int) -> Answer:
        if down["on"] and int(order(received).split("-")[1]) % 4 == 0:
            return Answer(503, "down")
        return Answer()

    common = ("--send", "--ledger", str(ledger), "--max-attempts", "1", "--rate", "0", "-q")
    with serving(script) as server:
        first = run(
            "run",
            "kochava",
            str(source),
            "--endpoint",
            server.url,
            "--dead-letter",
            str(dead),
            *common,
        )
        assert first.returncode == 1, first.stderr
        records = [json.loads(line) for line in dead.read_text().splitlines()]
        assert Counter(r.get("kind", "engine") for r in records) == {"delivery": 3, "engine": 1}
        assert all(r["destination"] == "kochava" for r in records if r.get("kind") == "delivery")
        dry = run("replay", str(dead), "--config", "kochava")
        assert dry.returncode == 1  # the engine failure fails again
        kinds = Counter(json.loads(line)["kind"] for line in dry.stdout.splitlines())
        assert kinds == {"request": 3, "failed": 1}
        down["on"] = False
        sent_before = len(server.received)
        replay = run(
            "replay", str(dead), "--endpoint", server.url, "--dead-letter", str(again), *common
        )
    assert replay.returncode == 0, replay.stderr
    lines = [json.loads(line) for line in replay.stdout.splitlines()]
    delivered = [line for line in lines if line["kind"] == "request"]
    assert [line["delivery"]["status"] for line in delivered] == ["delivered"] * 3
    assert len(server.received) == sent_before + 3  # only what had been given up
    assert sorted(order(r) for r in server.received[sent_before:]) == [
        "order-0",
        "order-4",
        "order-8",
    ]
    (failed_again,) = [json.loads(line) for line in again.read_text().splitlines()]
    assert failed_again["event"] == {"type": "track"}


def test_replay_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    dead = tmp_path / "dead.jsonl"
    dead.write_text('{"event": {"type": "track"}}\n', encoding="utf-8")
    result = run("replay", str(dead), "--config", "kochava", "--dead-letter", str(dead))
    assert result.returncode == 2
    assert "new file" in result.stderr
    assert dead.read_text() == '{"event": {"type": "track"}}\n'
    result = run("replay", str(dead))
    assert result.returncode == 2
    assert "--config" in result.stderr
