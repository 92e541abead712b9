"""Property tests of the loaders on mutated packs and configs, bad bytes, control characters,
lone surrogates and alias bombs: they load, or raise the library's own error (an
``ActionsError`` with diagnostics), never anything else, and never show a secret.
benchmarks/fuzz.py explores more of the same for minutes, with huge documents (docs/fuzzing.md)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.destinations.loading import load_destination_text
from actions.engine.configfile import load_config
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
# What YAML refuses: control characters, a byte order mark inside, a lone surrogate (text
# from bytes decoded with surrogateescape), NEL and the like.
hostile_characters = st.sampled_from(
    ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ufeff", "\ufffe", "\ud800", "\udcff", "\r"]
)
yaml_text = st.lists(
    st.text(printable, max_size=8) | yaml_pieces | hostile_characters, max_size=40
).map("".join)
RULES = {"yaml-syntax", "yaml-tag", "yaml-limit", "yaml-aliases", "yaml-encoding", "duplicate-key"}


@settings(max_examples=300, deadline=None)
@given(text=yaml_text)
def test_load_yaml_gives_a_value_or_problems(text: str) -> None:
    loaded = load_yaml(text, "fuzz.yaml")  # never raises: problems are data
    rules = {p.rule for p in loaded.problems}
    assert rules <= RULES, rules
    for problem in loaded.problems:
        assert problem.location is None or problem.location.line >= 1


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=60) | yaml_text.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_load_yaml_of_any_bytes_gives_a_value_or_problems(data: bytes) -> None:
    loaded = load_yaml(data, "fuzz.yaml")
    assert {p.rule for p in loaded.problems} <= RULES


def _bomb(levels: int, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [5, 9])  # 9**5 values: over the budget
def test_an_alias_bomb_in_a_pack_is_a_problem_quickly(levels: int) -> None:
    text = PACKS["adjust"] + "x-" + _bomb(levels).replace("\nl", "\nx-l")
    start = time.perf_counter()
    with pytest.raises(ActionsError) as caught:
        load_destination_text(text, "bomb.yaml")
    assert time.perf_counter() - start < 1.0
    assert "yaml-aliases" in {d.rule for d in caught.value.diagnostics}


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


@st.composite
def damaged_packs(draw: st.DrawFn) -> str:
    """A mutated pack with characters YAML refuses put in, or its UTF-8 damaged byte by byte
    (decoded again with surrogateescape, as a reader that keeps bad bytes would)."""
    text = draw(mutated_packs())
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            data[at] = draw(st.sampled_from([0xFF, 0xC3, 0x80, 0xED, 0x00, 0x07]))
        else:
            data[at:at] = draw(hostile_characters).encode("utf-8", "surrogatepass")
    return bytes(data).decode("utf-8", "surrogateescape")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_packs() | damaged_packs())
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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pack=st.sampled_from(["adjust", "branch"]),
    damage=st.sampled_from(["bad byte", "long destination", "control character", "bom twice"]),
    at=st.integers(0, 10_000),
)
def test_a_damaged_config_file_loads_or_is_a_located_error_without_its_secret(
    tmp_path_factory: pytest.TempPathFactory, pack: str, damage: str, at: int
) -> None:
    secret_key = {"adjust": "s2s_token", "branch": "branch_secret"}[pack]
    settings_ = yaml.safe_load(
        (ROOT / "mappings" / pack / "settings.sample.yaml").read_text(encoding="utf-8")
    )
    settings_[secret_key] = SECRET
    config = {"destination": pack, "settings": settings_}
    if damage == "long destination":
        config["destination"] = "d" * 5_000  # over any file name's length
    data = yaml.safe_dump(config, allow_unicode=True).encode("utf-8")
    at %= len(data)
    if damage == "bad byte":
        data = data[:at] + b"\xff" + data[at:]
    elif damage == "control character":
        data = data[:at] + b"\x07" + data[at:]
    elif damage == "bom twice":
        data = b"\xef\xbb\xbf\xef\xbb\xbf" + data
    path = tmp_path_factory.mktemp("config") / "config.yaml"
    path.write_bytes(data)
    try:
        configured = load_config(path)
    except ActionsError as exc:
        message, diagnostics = str(exc), getattr(exc, "diagnostics", ())
    else:
        assert damage == "bom twice"  # YAML takes a byte order mark at the start of a stream
        message, diagnostics = repr(configured), None
    assert SECRET not in message
    if diagnostics is not None:
        assert diagnostics
        assert all(d.location is None or d.location.line >= 1 for d in diagnostics)
