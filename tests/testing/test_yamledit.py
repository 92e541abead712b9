"""``actions test --update`` edits a fixture file in place (actions/testing/yamledit.py): only
the ``expected`` values that changed are rewritten; every other byte stays."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.cli import main
from actions.testing.yamledit import set_values
from actions.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parent.parent.parent
HEAD = "destination: adjust\nsettings: {event_tokens: {Order Completed: f2e728}}\n"
IDENTIFY = "{type: identify, messageId: m-1, anonymousId: a-1}"
NO_MATCH = "no enabled subscription matched the event"


def _update(tmp_path: Path, text: str, newline: str = "\n") -> str:
    file = tmp_path / "case.yaml"
    file.write_bytes(text.replace("\n", newline).encode("utf-8"))
    assert main(["test", str(file), "--update"]) == 0
    assert main(["test", str(file)]) == 0
    return file.read_bytes().decode("utf-8")


def _yaml_blocks(doc: str, after: str) -> list[str]:
    """The YAML blocks of docs/testing.md's section ``after`` (a heading)."""
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    section = text[text.index(after) :]
    section = section[: section.index("\n## ")]
    return re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)


def test_the_example_in_the_docs_is_what_update_writes(tmp_path: Path) -> None:
    before, after = _yaml_blocks("testing.md", "## `--update`")
    assert _update(tmp_path, HEAD + before) == HEAD + after


def test_only_the_changed_value_is_rewritten(tmp_path: Path) -> None:
    current = f"    expected:\n    - kind: filtered\n      reason: {NO_MATCH}\n"
    text = (
        "# Header.\n" + HEAD + "x-anchor: &who a-1   # an anchor, kept\n\ncases:\n"
        f"  - name: stale   # a comment\n    event: {IDENTIFY}\n    expected: []  # stays\n\n"
        "  # Between the cases.\n"
        f"  - name: current\n    event: {IDENTIFY}\n{current}"
        f"  - name: none yet\n    event:\n      type: identify\n      messageId: m-2\n"
        "      anonymousId: *who\n      # the last line of the case\n"
        "  - name: only assertions\n    event: {type: identify, messageId: m-3, anonymousId: a}\n"
        "    assert: {kind: filtered}\n"
    )
    new = _update(tmp_path, text)
    expected_text = text.replace(
        "    expected: []  # stays\n",
        f"    expected:\n    - kind: filtered\n      reason: {NO_MATCH}  # stays\n",
    ).replace(
        "      anonymousId: *who\n",
        f"      anonymousId: *who\n{current}",
    )
    assert new == expected_text


def test_line_endings_are_kept(tmp_path: Path) -> None:
    text = HEAD + f"cases:\n  - name: a\n    event: {IDENTIFY}\n    expected: []\n"
    new = _update(tmp_path, text, "\r\n")
    assert new.count("\r\n") == new.count("\n") == 8
    assert yaml.safe_load(new)["cases"][0]["expected"] == [{"kind": "filtered", "reason": NO_MATCH}]


@pytest.mark.parametrize(
    "cases",
    [
        f"  - {{name: flow, event: {IDENTIFY}, expected: []}}\n",  # a case in flow style
        # an anchor inside the old value, used after it
        f"  - name: a\n    event: {IDENTIFY}\n    expected: [&old {{kind: x}}]\n"
        f"  - name: b\n    event: {IDENTIFY}\n    assert: *old\n",
    ],
    ids=["flow case", "anchor used elsewhere"],
)
def test_what_cannot_be_edited_in_place_is_written_anew(tmp_path: Path, cases: str) -> None:
    file = tmp_path / "case.yaml"
    file.write_text("# Kept.\n" + HEAD + "cases:\n" + cases, encoding="utf-8")
    before = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert main(["test", str(file), "--update"]) in (0, 1)
    new = file.read_text(encoding="utf-8")
    assert new.startswith("# Kept.\n")
    data = yaml.safe_load(new)
    assert data["cases"][0]["expected"] == [{"kind": "filtered", "reason": NO_MATCH}]
    assert data["cases"][1:] == before["cases"][1:]


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text("abcxyz_", min_size=1, max_size=5), inner, max_size=3),
    ),
    max_leaves=8,
)


def _document(entries: dict[str, Any], style: list[bool]) -> str:
    """A block mapping of ``entries``, each value in flow or block style, with comments."""
    lines = ["# top"]
    for (key, value), flow in zip(entries.items(), style, strict=False):
        if flow:  # key: value, the value in flow style on one line
            dumped = yaml.safe_dump({key: value}, default_flow_style=True, width=10**6)
            dumped = dumped.strip()[1:-1]
        else:
            dumped = yaml.safe_dump({key: value}, default_flow_style=False, allow_unicode=True)
        lines.extend(["  " + line for line in dumped.rstrip("\n").split("\n")])
        lines.append("  # after " + key)
    return "root:\n" + "\n".join(lines[1:]) + "\n# end\n"


@settings(max_examples=150, deadline=None)
@given(
    entries=st.dictionaries(st.text("abcdef", min_size=1, max_size=4), _VALUES, min_size=1),
    style=st.lists(st.booleans(), min_size=8, max_size=8),
    key=st.text("abcdef", min_size=1, max_size=4),
    value=_VALUES,
)
def test_a_set_value_loads_back_and_nothing_else_moves(
    entries: dict[str, Any], style: list[bool], key: str, value: Any
) -> None:
    text = _document(entries, style)
    loaded = load_yaml(text)
    assert not loaded.problems
    expected = {"root": {**loaded.value["root"], key: value}}
    new = set_values(loaded.source, [(("root", key), value)], expected)
    assert new is not None
    assert load_yaml(new).value == expected
    # Every comment is still there, in order.
    assert re.findall(r"# [a-z]+.*", new) == re.findall(r"# [a-z]+.*", text)
