"""``actions profile``: unrouted events, missing and mistyped paths, reasons, drift, the page."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tokenize
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.analysis import Profiler
from actions.analysis.html import render_html
from actions.analysis.profile import MAX_NAMES, OTHER_NAMES, _Reads, _step
from actions.cli import main
from actions.engine.configfile import load_config
from actions.plans.events import json_type
from actions.samples import load_sample_events

CONFIG = Path(__file__).parent / "configs" / "profile.yaml"


def _profile(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(["profile", *args, "--config", str(CONFIG), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_profile_of_the_sample_events(capsys: pytest.CaptureFixture[str]) -> None:
    report = _profile(capsys)
    assert report["events"] == 67
    assert sum(report["volume"].values()) == 67
    assert report["unrouted"]["(identify)"] == 5
    assert "Order Completed" not in report["unrouted"]
    assert sum(report["unrouted"].values()) == 67 - 7 - 4 - 2  # all but orders, carts, turned off
    orders = report["subscriptions"]["Orders"]
    assert orders["outcomes"] == {"request": 5, "skipped": 2}
    assert orders["events"] == 7
    revenue = orders["paths"]["properties.revenue"]
    assert revenue["missing"] == 0
    assert revenue["wrong_type"] == 1  # "revenue": "229.00", text where the field is a number
    assert revenue["expects"] == ["integer", "number"]
    assert orders["paths"]["context.device.adid"]["missing_share"] == 1.0
    assert sum(orders["reasons"].values()) == 2
    assert all(r.startswith("skipped: ") for r in orders["reasons"])
    assert report["properties"]["Order Completed"]["order_id"] == 7


def test_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--config", str(CONFIG)]) == 0
    out = capsys.readouterr().out
    assert "events no subscription takes:\n  (identify): 5 (7% of events)\n" in out
    assert "  Product Viewed: 4 (6% of events)\n" in out
    assert (
        "  properties.revenue: missing 0%, wrong type 14% (the field takes integer or number)"
        in out
    )


def test_drift_against_a_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = load_sample_events()
    earlier = []
    for event in events:
        if event.get("event") == "Signed Up":
            continue
        props = event.get("properties")
        if isinstance(props, dict):
            props.pop("coupon", None)
        earlier.append(event)
    baseline_events = tmp_path / "before.jsonl"
    baseline_events.write_text("".join(json.dumps(e) + "\n" for e in earlier))
    baseline = tmp_path / "before.json"
    baseline.write_text(json.dumps(_profile(capsys, str(baseline_events))))
    report = _profile(capsys, "--baseline", str(baseline))
    found = report["drift"]
    assert {"name": "Signed Up", "before": 0.0, "after": round(2 / 67, 4)} in found["volume"]
    assert "Signed Up" in found["unrouted"]
    assert {"name": "Order Completed", "property": "coupon", "count": 2} in found["properties"]
    assert main(["profile", "--config", str(CONFIG), "--baseline", str(baseline)]) == 0
    assert "  Order Completed: new property coupon (2)" in capsys.readouterr().out


def test_a_long_property_name_is_counted_under_its_shortened_text() -> None:
    profiler = Profiler(load_config(CONFIG))
    long = "k" * 500
    for _ in range(3):
        profiler.add({"type": "track", "event": "Long", "properties": {long: 1, "short": 2}})
    keys = dict(profiler.report()["properties"]["Long"])
    assert keys["short"] == 3
    [(shown, count)] = [(k, v) for k, v in keys.items() if k.startswith("kkk")]
    assert count == 3
    assert len(shown) < len(long)


def test_memory_is_bounded_by_names() -> None:
    profiler = Profiler(load_config(CONFIG))
    for i in range(MAX_NAMES + 10):
        profiler.add({"type": "track", "event": f"e{i}", "properties": {f"k{i}": 1}})
    report = profiler.report()
    assert len(report["volume"]) == MAX_NAMES + 1
    assert report["volume"][OTHER_NAMES] == 10


def test_the_page_is_self_contained_and_escaped() -> None:
    profiler = Profiler(load_config(CONFIG))
    for event in load_sample_events():
        profiler.add(event)
    profiler.add({"type": "track", "event": "<script>alert(1)</script>"})
    page = render_html(profiler.report())
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.findall(r"(?:src|href|url)\s*[=(]", page) == []
    assert page.count("http") == page.count('xmlns="http://www.w3.org/2000/svg"')


def _chromium() -> str:
    """Debian's chromium, installed with apt-get when it is missing and the tests run as root
    (as in CI, where .ci/run installs it first)."""
    found = shutil.which("chromium")
    if found is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"], check=True, capture_output=True, env=env
        )
        found = shutil.which("chromium")
    if found is None:
        pytest.fail("the page test needs chromium: apt-get install -y chromium (as root)")
    return found


def test_the_page_renders_its_charts_in_a_headless_browser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "profile.html"
    assert main(["profile", "--config", str(CONFIG), "--html", str(page)]) == 0
    capsys.readouterr()
    report = _profile(capsys)
    browser = _chromium()
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    # The browser parsed the page into a DOM with the three charts, each with its bars.
    for chart in ("outcomes", "missing", "volume"):
        assert re.search(rf'<svg id="{chart}" class="chart"', dom), chart
    outcome_bars = sum(len(e["outcomes"]) for e in report["subscriptions"].values())
    path_bars = 2 * sum(len(e.get("paths", {})) for e in report["subscriptions"].values())
    volume_bars = len(report["volume"])
    assert dom.count('<rect class="bar"') == outcome_bars + min(path_bars, 80) + volume_bars
    assert "Order Completed" in dom


# -- the generated reads of a subscription ---------------------------------------------------

KEYS = ["context", "device", "adid", "properties", "revenue", "get", "type", "0", "'\"); x"]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=12,
)


def _reads_of_keys(paths: list[tuple[Any, ...]]) -> Any:
    return _Reads(
        [
            (".".join(map(str, keys)), keys, frozenset({"number"}) if i % 2 else None)
            for i, keys in enumerate(paths)
        ]
    )


PATHS = st.lists(
    st.lists(st.sampled_from([*KEYS, 0, -1, 2]), min_size=1, max_size=4).map(tuple),
    min_size=1,
    max_size=8,
    unique=True,
)


@settings(max_examples=200, deadline=None)
@given(paths=PATHS, events=st.lists(JSON, max_size=5))
def test_the_generated_reads_count_as_a_walk_does(paths: list[Any], events: list[Any]) -> None:
    reads = _reads_of_keys(paths)
    missing, wrong = [0] * len(paths), [0] * len(paths)
    for event in events:
        reads.check(event)
        for i, (_, keys, accepts) in enumerate(reads.paths):
            value = event
            for key in keys:
                value = _step(value, key)
            if value is None:
                missing[i] += 1
            elif accepts is not None and json_type(value) not in accepts:
                wrong[i] += 1
    assert (reads.missing, reads.wrong) == (missing, wrong)


@settings(max_examples=100, deadline=None)
@given(paths=PATHS)
def test_no_key_reaches_the_generated_source(paths: list[Any]) -> None:
    source = _reads_of_keys(paths).source
    ours = {"def", "check", "if", "elif", "else", "is", "not", "in", "and", "None", "missing"}
    ours |= {"wrong", "type", "dict", "get", "step", "json_type"}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        assert token.type != tokenize.STRING, token
        if token.type == tokenize.NAME:
            assert token.string in ours or re.fullmatch(r"[vkta]\d+", token.string), token
