"""Property test of ``actions run`` on generated JSON-lines files: every line that is not blank
gets at least one outcome with its line number, whatever it holds, and the secret setting never
shows. Invalid UTF-8, deep nesting, huge integers and lone surrogates are explored by
benchmarks/fuzz.py (docs/fuzzing.md)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.cli import main
from actions.samples import load_sample_events

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LINES = [json.dumps(e) for e in load_sample_events()]
SECRET = "fzSecretQ7x9Lm2Vb8Kd"

ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
lines = st.one_of(
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
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pack=st.sampled_from(["adjust", "branch", "kochava"]),
    file=st.lists(lines, min_size=1, max_size=15),
)
def test_every_line_gets_an_outcome_with_its_number(pack: str, file: list[str]) -> None:
    settings_ = yaml.safe_load(
        (ROOT / "mappings" / pack / "settings.sample.yaml").read_text(encoding="utf-8")
    )
    secret_key = {"adjust": "s2s_token", "branch": "branch_secret"}.get(pack)
    if secret_key:
        settings_[secret_key] = SECRET
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        (where / "settings.yaml").write_text(yaml.safe_dump(settings_), encoding="utf-8")
        (where / "events.jsonl").write_text("\n".join(file) + "\n", encoding="utf-8")
        code = main(
            [
                "run",
                pack,
                str(where / "events.jsonl"),
                "--settings",
                str(where / "settings.yaml"),
                "--output",
                str(where / "out.jsonl"),
                "--dead-letter",
                str(where / "dead.jsonl"),
                "--quiet",
            ]
        )
        assert code == 0
        output = (where / "out.jsonl").read_text(encoding="utf-8")
        dead = (where / "dead.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in output.splitlines()]
    expected = {number for number, line in enumerate(file, start=1) if line.strip()}
    assert {r["line"] for r in records} == expected
    failed = sorted(r["line"] for r in records if r["kind"] == "failed")
    assert sorted(json.loads(line)["line"] for line in dead.splitlines()) == failed
    assert SECRET not in output
    assert SECRET not in dead
