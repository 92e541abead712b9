"""Property tests of the loaders on mutated packs and configs: they load, or raise the library's
own error (an ``ActionsError`` with diagnostics), never anything else. Bad bytes, control
characters, alias bombs and huge documents are explored by benchmarks/fuzz.py (docs/fuzzing.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.destinations.loading import load_destination_text
from actions.engine.config import load_config
from actions.errors import ActionsError
from actions.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parent.parent
PACKS = {
    p.parent.name: p.read_text(encoding="utf-8") for p in ROOT.glob("mappings/*/destination.yaml")
}
SECRET = "fzSecretQ7x9Lm2Vb8Kd"

# Text YAML accepts: printable characters (YAML 1.1 rejects other control characters).
printable = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\ufffe\uffff"
) | st.sampled_from("\t\n\r")
yaml_pieces = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ":",
        ": ",
        "- ",
        "&a ",
        "*a",
        "!!str ",
        "'",
        '"',
        "#",
        "\n",
        "  ",
        "|",
        ">",
        "@",
        "`",
        ",",
        "?",
    ]
)
yaml_text = st.lists(st.text(printable, max_size=8) | yaml_pieces, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=yaml_text)
def test_load_yaml_gives_a_value_or_problems(text: str) -> None:
    loaded = load_yaml(text, "fuzz.yaml")  # never raises: problems are data
    rules = {p.rule for p in loaded.problems}
    assert rules <= {"yaml-syntax", "yaml-tag", "yaml-too-deep", "yaml-too-large"}, rules
    for problem in loaded.problems:
        assert problem.location is None or problem.location.line >= 1


@st.composite
def mutated_packs(draw: st.DrawFn) -> str:
    """A shipped pack with lines deleted, duplicated or shifted, or a value replaced."""
    text = PACKS[draw(st.sampled_from(sorted(PACKS)))]
    if draw(st.booleans()):
        data = yaml.safe_load(text)
        node = data
        path = []
        while isinstance(node, dict | list) and node and draw(st.integers(0, 4)) > 0:
            key = draw(
                st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))
            )
            path.append(key)
            node = node[key]
        if path:
            parent = data
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = draw(
                st.none()
                | st.booleans()
                | st.integers(-(10**6), 10**6)
                | st.text(printable, max_size=30)
                | st.lists(st.text(printable, max_size=5), max_size=3)
                | st.dictionaries(st.text(printable, max_size=5), st.integers(), max_size=3)
            )
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent"]))
        if change == "delete":
            del lines[i]
        elif change == "duplicate":
            lines.insert(i, lines[draw(st.integers(0, len(lines) - 1))])
        elif change == "indent":
            lines[i] = "  " + lines[i]
        else:
            lines[i] = lines[i].lstrip(" ")
    return "".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_packs())
def test_a_mutated_pack_loads_or_raises_the_library_error(text: str) -> None:
    try:
        destination = load_destination_text(text, "fuzz.yaml")
    except ActionsError as exc:
        problems = getattr(exc, "diagnostics", None)
    else:
        problems = None
        assert destination.actions
    assert problems is None or all(d.rule and d.message for d in problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pack=st.sampled_from(["adjust", "branch"]),
    trigger=st.text(printable, max_size=40),
    extra=st.dictionaries(
        st.sampled_from(["spec_check", "filters", "subscriptions", "x-a", "settings"]),
        st.text(printable, max_size=10),
        max_size=2,
    ),
)
def test_a_mutated_config_loads_or_raises_without_its_secret(
    tmp_path_factory: pytest.TempPathFactory, pack: str, trigger: str, extra: dict[str, str]
) -> None:
    secret_key = {"adjust": "s2s_token", "branch": "branch_secret"}[pack]
    settings_ = yaml.safe_load(
        (ROOT / "mappings" / pack / "settings.sample.yaml").read_text(encoding="utf-8")
    )
    settings_[secret_key] = SECRET
    action = "send_event" if pack == "adjust" else "log_event"
    config = {
        "destination": pack,
        "settings": settings_,
        "subscriptions": [{"name": "S", "action": action, "trigger": trigger}],
        **extra,
    }
    folder = tmp_path_factory.mktemp("config")
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    try:
        configured = load_config(path)
    except ActionsError as exc:
        message = str(exc)
    else:
        message = repr(configured)
    assert SECRET not in message
