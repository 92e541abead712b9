"""Mappings written for Segment, in Segment's JSON format, work unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from actions.mapping import compile

FILES = sorted((Path(__file__).parent / "segment").glob("*.json"))


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_segment_mapping(file: Path) -> None:
    case: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    value, failures = compile(case["mapping"]).evaluate(case["event"])
    assert failures == ()
    assert value == case["expected"]
