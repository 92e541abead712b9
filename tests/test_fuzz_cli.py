"""Property test of ``actions run`` and ``actions explain`` on generated files: every line that
is not blank gets at least one outcome with its line number, whatever bytes it holds (invalid
UTF-8, a byte order mark, nesting 100,000 deep, 5,000-digit integers, lone surrogates, bare
`NaN`, `\\r` inside a line), the run goes on, and the secret setting never shows, even when a
mapping sends it. benchmarks/fuzz.py explores more of the same for minutes (docs/fuzzing.md)."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import urllib.parse
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.cli import main
from actions.samples import load_sample_events

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LINES = [json.dumps(e) for e in load_sample_events()]
TRACK = next(line for line in SAMPLE_LINES if json.loads(line)["type"] == "track")
SECRETS = ("fzSecretQ7x9Lm2Vb8Kd", 'fz s3cr/t"&=+%é\\ü')
SECRET_KEYS = {"adjust": "s2s_token", "branch": "branch_secret"}
LEAK_FIELDS = {"adjust": ("send_event", "idfv"), "branch": ("log_event", "developer_identity")}

ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
text_lines = st.one_of(
    st.sampled_from(SAMPLE_LINES),
    st.sampled_from(
        ["1", '"text"', "[]", "null", "true", "{}", "-0", "[1, 2]", "{not json", "{}}"]
    ),
    ascii_text,
    st.sampled_from(["", "   ", "\t"]),
    st.builds(
        lambda line, text: line[:-1] + f", {json.dumps(text)}: 1}}",
        st.sampled_from(SAMPLE_LINES),
        ascii_text,
    ),
).map(str.encode)


def _revenue(token: str) -> bytes:
    return (
        '{"type": "track", "event": "Order Completed", "userId": "u", '
        '"context": {"device": {"type": "ios", "id": "d"}}, "properties": {"revenue": '
        + token
        + "}}"
    ).encode()


@st.composite
def hostile_lines(draw: st.DrawFn) -> bytes:
    sample = draw(st.sampled_from(SAMPLE_LINES)).encode()
    at = draw(st.integers(0, len(sample) - 1))
    return draw(
        st.sampled_from(
            [
                sample[:at] + b"\xff" + sample[at + 1 :],  # invalid UTF-8
                b"\xff\xfe" + sample,
                b"\xef\xbb\xbf" + sample,  # a byte order mark (dropped on line 1 only)
                b"[" * 100_000 + b"]" * 100_000,
                _revenue("9" * 5_000),
                _revenue("NaN"),
                _revenue("-Infinity"),
                _revenue("1e999"),
                sample.replace(b'"track"', b'"\\ud800"').replace(b'"u_', b'"\\udfff'),
                sample.replace(b", ", b",\r ", 1),  # \r is JSON whitespace
                sample + b"\x00",
            ]
        )
    )


def _forms(secret: str) -> list[str]:
    return [
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pack=st.sampled_from(["adjust", "branch", "kochava"]),
    secret=st.sampled_from(SECRETS),
    leak=st.booleans(),
    file=st.lists(text_lines | hostile_lines(), min_size=1, max_size=12),
    ending=st.sampled_from([b"\n", b"", b"\r\n"]),
)
def test_every_line_gets_an_outcome_with_its_number(
    pack: str, secret: str, leak: bool, file: list[bytes], ending: bytes
) -> None:
    settings_ = yaml.safe_load(
        (ROOT / "mappings" / pack / "settings.sample.yaml").read_text(encoding="utf-8")
    )
    config: dict[str, object] = {"destination": pack, "settings": settings_}
    if pack in SECRET_KEYS:
        settings_[SECRET_KEYS[pack]] = secret
        if leak:  # a subscription that sends the secret in a plain text field
            action, field = LEAK_FIELDS[pack]
            config["subscriptions"] = [
                {
                    "name": "Leaky",
                    "action": action,
                    "trigger": 'type = "track"',
                    "mapping": {field: {"@path": f"$settings.{SECRET_KEYS[pack]}"}},
                }
            ]
    data = b"\n".join(file) + ending
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        (where / "config.yaml").write_text(
            yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
        )
        (where / "events.jsonl").write_bytes(data)
        (where / "event.json").write_text(TRACK, encoding="utf-8")
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            code = main(
                [
                    "run",
                    str(where / "config.yaml"),
                    str(where / "events.jsonl"),
                    "--output",
                    str(where / "out.jsonl"),
                    "--dead-letter",
                    str(where / "dead.jsonl"),
                ]
            )
        assert code == 0
        output = (where / "out.jsonl").read_bytes().decode("utf-8")  # always valid UTF-8
        dead = (where / "dead.jsonl").read_bytes().decode("utf-8")
        explained = io.StringIO()
        with contextlib.redirect_stdout(explained), contextlib.redirect_stderr(errors):
            assert main(["explain", str(where / "config.yaml"), str(where / "event.json")]) == 0
    records = [json.loads(line) for line in output.splitlines()]
    # Blank is ASCII whitespace only, as `actions run` reads it (docs/cli.md).
    expected = {number for number, line in enumerate(data.split(b"\n"), start=1) if line.strip()}
    assert {r["line"] for r in records} == expected
    failed = sorted(r["line"] for r in records if r["kind"] == "failed")
    assert sorted(json.loads(line)["line"] for line in dead.splitlines()) == failed
    if pack in SECRET_KEYS:
        for shown in (output, dead, errors.getvalue(), explained.getvalue()):
            for form in _forms(secret):
                assert form not in shown, form
