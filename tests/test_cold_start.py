"""What makes a cold start quick, each held to what it replaces: the shipped packs' schema
digests (a pack is checked in full unless its text is one that passed), the FQL parser's
shipped tables (the same parser as the one built from the grammar), and ``import actions``
importing each public name only when it is first used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml
from _loaded import exact
from hypothesis import given, settings
from hypothesis import strategies as st

import actions
from actions import yamlsource
from actions.destinations import shipped
from actions.destinations.loading import DefinitionError, load_destination_text
from actions.fql import FQLSyntaxError, tables
from actions.fql import parser as fql_parser
from actions.fql.lalr import Declined

ROOT = Path(__file__).resolve().parents[1]
PACKS = sorted((ROOT / "mappings").glob("*/destination.yaml"))


def _fresh(code: str, **env: str) -> str:
    """The output of ``code`` run by a fresh Python process."""
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    return run.stdout


# The shipped packs' YAML files, parsed when the package was built

SHIPPED_YAML = sorted(
    p for name in shipped.SHIPPED_FILES for p in (ROOT / "mappings").glob(f"*/{name}")
)


def test_the_shipped_files_are_current() -> None:
    """Fails when a pack or the schema changed and the data did not: run
    ``python -m actions.destinations.shipped`` to write it again."""
    files = shipped.current_files()
    assert set(shipped.PARSED_DIR.glob("*.json")) == set(files) - {shipped.TABLE_FILE}
    for path, text in files.items():
        assert path.read_text(encoding="utf-8") == text, path


def test_every_shipped_file_loads_from_its_data_as_the_parser_gives_it() -> None:
    assert len(SHIPPED_YAML) == 6
    for path in SHIPPED_YAML:
        data = path.read_bytes()
        loaded, _checked = shipped.load_pack(data, str(path))
        assert isinstance(loaded.source.values, yamlsource._Table), path  # from the data
        assert exact(loaded) == exact(yamlsource.load_yaml(data, str(path))), path
        assert shipped.load_yaml(data.decode("utf-8"), "x.yaml").source.file == "x.yaml"


def test_every_shipped_pack_passes_the_schema_unchecked() -> None:
    assert len(PACKS) == 3
    for path in PACKS:
        text = path.read_bytes().decode("utf-8")
        assert shipped.schema_checked(text), path
        assert shipped.load_pack(text)[1]
    assert not shipped.schema_checked((PACKS[0].parent / "settings.sample.yaml").read_text())


def test_a_pack_changed_by_one_character_is_parsed_and_checked() -> None:
    text = PACKS[0].read_text(encoding="utf-8")
    for changed in (text + " ", text.replace("name:", "nmae:", 1)):
        assert not shipped.schema_checked(changed)
        loaded, checked = shipped.load_pack(changed, "p.yaml")
        assert not checked
        assert type(loaded.source.values) is dict  # parsed
        assert exact(loaded) == exact(yamlsource.load_yaml(changed, "p.yaml"))
    with pytest.raises(DefinitionError) as caught:
        load_destination_text(text.replace("name:", "nmae:", 1))
    assert "schema" in {d.rule for d in caught.value.diagnostics}


def test_a_changed_value_does_not_move_the_locations() -> None:
    """The source map's tables are built from the data read anew, not from the value handed
    out, which its user may change before an error needs a location."""
    data = PACKS[0].read_bytes()
    loaded = shipped.load_yaml(data, "p.yaml")
    expected = yamlsource.load_yaml(data, "p.yaml")
    first = next(iter(loaded.value))
    loaded.value[first] = loaded.value.pop(first)  # the same values, in another order
    assert exact(loaded)[2:] == exact(expected)[2:]


def test_a_changed_schema_checks_every_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    text = PACKS[0].read_text(encoding="utf-8")
    monkeypatch.setattr(shipped, "schema_text", lambda: "{}")
    assert not shipped.schema_checked(text)
    loaded, checked = shipped.load_pack(text)
    assert not checked
    assert isinstance(loaded.source.values, yamlsource._Table)  # the text is still known


def test_changed_limits_parse_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    data = PACKS[0].read_bytes()
    monkeypatch.setattr(yamlsource, "MAX_YAML_BYTES", 1_000)
    loaded = shipped.load_yaml(data, "p.yaml")
    assert [p.rule for p in loaded.problems] == ["yaml-limit"]
    assert exact(loaded) == exact(yamlsource.load_yaml(data, "p.yaml"))


@pytest.mark.parametrize(
    "content", ["", "not json", "[]", '{"schema": 1, "files": {}}', '{"schema": "", "files": []}']
)
def test_a_missing_or_broken_index_parses_every_text(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "shipped_packs.json"
    if content:
        broken.write_text(content, encoding="utf-8")
    monkeypatch.setattr(shipped, "TABLE_FILE", broken)
    shipped._index.cache_clear()
    try:
        text = PACKS[0].read_text(encoding="utf-8")
        assert not shipped.schema_checked(text)
        loaded, checked = shipped.load_pack(text)
        assert not checked
        assert type(loaded.source.values) is dict
        assert load_destination_text(text).slug == PACKS[0].parent.name
    finally:
        monkeypatch.undo()
        shipped._index.cache_clear()


@pytest.mark.parametrize("damage", ["missing", "not json", "other text", "other format"])
def test_a_missing_or_broken_parsed_file_parses_the_text(
    damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for file in shipped.PARSED_DIR.glob("*.json"):
        (tmp_path / file.name).write_bytes(file.read_bytes())
    target = tmp_path / "adjust.destination.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    if damage == "missing":
        target.unlink()
    elif damage == "not json":
        target.write_text("{", encoding="utf-8")
    else:
        data["text" if damage == "other text" else "format"] = "x"
        target.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(shipped, "PARSED_DIR", tmp_path)
    pack = ROOT / "mappings" / "adjust" / "destination.yaml"
    loaded, checked = shipped.load_pack(pack.read_bytes(), str(pack))
    assert not checked
    assert type(loaded.source.values) is dict
    assert exact(loaded) == exact(yamlsource.load_yaml(pack.read_bytes(), str(pack)))


def test_the_command_checks_and_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert shipped.main(["--check"]) == 0
    monkeypatch.setattr(shipped, "TABLE_FILE", tmp_path / "shipped_packs.json")
    monkeypatch.setattr(shipped, "PARSED_DIR", tmp_path / "shipped_yaml")
    assert shipped.main(["--check"]) == 1
    assert "stale" in capsys.readouterr().out
    assert shipped.main([]) == 0
    index = json.loads((tmp_path / "shipped_packs.json").read_text(encoding="utf-8"))
    assert index["files"].keys() == {f"{p.parent.name}/{p.name}" for p in SHIPPED_YAML}
    assert shipped.main(["--check"]) == 0
    extra = tmp_path / "shipped_yaml" / "gone.destination.json"
    extra.write_text("{}", encoding="utf-8")
    assert shipped.main(["--check"]) == 1
    assert shipped.main([]) == 0
    assert not extra.exists()


UNUSED = (
    "yaml",
    "jsonschema",
    "lark",
    "hashlib",
    "difflib",
    "traceback",
    "actions.fql.analysis",
    "actions.fql.explain",
    "actions.fql.many",
    "actions.mapping.tracing",
    "actions.mapping.reference",
    "actions.destinations.batch",
    "actions.destinations.responses",
    "actions.engine.filters",
    "actions.engine.consent",
    "actions.spec.problems",
)
"""What the first event of a shipped pack does not import: PyYAML (the pack ships parsed),
jsonschema (it passed), Lark (triggers are parsed from its tables), hashlib with OpenSSL (no
@hash, no sample filter), difflib and traceback (only a mistake or a defect needs them), the
linter's analysis of triggers; and the modules of attrs classes it does not use (attrs builds
each class at import): a trigger explained, a set of triggers, the mapping trace with the
reference evaluator, batches, response classes, destination filters, consent, an event's
problems."""

LAZY_NAMES = {
    "actions.fql": ("ExplainNode", "TriggerSet"),
    "actions.mapping": ("TraceEntry", "trace"),
    "actions.destinations.model": ("BatchSpec", "ItemResults", "ResponseClass"),
    "actions.engine.config": ("Filter", "Sample"),
    "actions.engine.privacy": ("Consent",),
    "actions.spec": ("EventProblem",),
}
"""Names whose module is imported when the name is first used, from where they were always
imported."""


def test_names_moved_to_modules_imported_when_used_still_import_from_their_old_homes() -> None:
    # Each name by an import statement, and by attribute, in a fresh process: the same object.
    lines = ["import importlib, attrs"]
    for home, names in LAZY_NAMES.items():
        for name in names:
            lines += [
                f"from {home} import {name} as again",
                f"value = getattr(importlib.import_module({home!r}), {name!r})",
                f"assert again is value, {(home, name)!r}",
                f"print({name!r}, attrs.has(value) or callable(value))",
            ]
    lines += [
        "import actions.mapping.tracing",
        "from actions import mapping",
        "print(mapping.trace is actions.mapping.tracing.trace)",
    ]
    code = "\n".join(lines) + "\n"
    names = [n for names in LAZY_NAMES.values() for n in names]
    assert _fresh(code).split() == [w for n in names for w in (n, "True")] + ["True"]
    with pytest.raises(AttributeError):
        actions.destinations.model.NoSuchClass  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError):
        actions.engine.config.NoSuchClass  # type: ignore[attr-defined]  # noqa: B018


def test_the_analysis_of_triggers_is_reached_from_fql_in_a_fresh_process() -> None:
    code = (
        "import sys, actions.fql as fql\n"
        "print('actions.fql.analysis' in sys.modules, fql.analysis.KeyTest.__name__)\n"
        "from actions.fql import analysis\n"
        "print(analysis is fql.analysis, 'analysis' in fql.__all__)\n"
    )
    assert _fresh(code).split() == ["False", "KeyTest", "True", "True"]
    with pytest.raises(AttributeError):
        actions.fql.no_such_name  # noqa: B018


def test_a_shipped_pack_runs_without_yaml_jsonschema_or_what_only_mistakes_need(
    tmp_path: Path,
) -> None:
    code = (
        f"import sys, actions\nNAMES = {UNUSED!r}\n"
        "d = actions.load_destination({!r})\n"
        "c = actions.configure(d, d.sample_settings())\n"
        "[outcome] = c.process({{'type': 'track', 'event': 'Order Completed', 'userId': 'u1',"
        " 'messageId': 'm1', 'timestamp': '2026-12-06T10:00:00.000Z',"
        " 'properties': {{'revenue': 12.5, 'currency': 'EUR'}},"
        " 'context': {{'device': {{'type': 'android', 'id': 'd1', 'advertisingId': 'a1'}}}}}})\n"
        "assert outcome.kind == 'request', outcome\n"
        "print(*(name in sys.modules for name in NAMES))\n"
    )
    assert _fresh(code.format("adjust")).split() == ["False"] * len(UNUSED)
    copy = tmp_path / "pack"
    copy.mkdir()
    (copy / "destination.yaml").write_text(
        PACKS[0].read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8"
    )
    (copy / "settings.sample.yaml").write_bytes(
        (PACKS[0].parent / "settings.sample.yaml").read_bytes()
    )
    assert _fresh(code.format(str(copy))).split()[:2] == ["True", "True"]


# The FQL parser's tables


def _triggers() -> list[str]:
    """Every trigger of the conformance suite (those that parse and those that do not), and
    of the shipped packs."""
    found = []
    for file in sorted((ROOT / "tests" / "fql" / "conformance").glob("*.yaml")):
        found.extend(str(t) for t, _ in yaml.safe_load(file.read_text(encoding="utf-8"))["cases"])

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("trigger", "default_trigger", "when") and isinstance(item, str):
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in PACKS:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def _outcome(text: str) -> Any:
    try:
        return fql_parser.parse(text)
    except FQLSyntaxError as exc:
        return (exc.kind, exc.message, exc.offset, exc.expected, exc.hint)


def test_the_parser_tables_are_current() -> None:
    """Fails when the grammar or Lark changed and the tables did not: run
    ``python -m actions.fql.tables`` to write them again."""
    grammar = fql_parser.grammar_text()
    written = tables.TABLES_FILE.read_text(encoding="utf-8")
    assert written == tables.document_text(fql_parser.build_parser(grammar), grammar)


def test_the_parser_tables_are_the_same_whatever_the_hash_seed() -> None:
    """Lark numbers states by set order: the tables are renumbered canonically."""
    for seed in ("1", "2"):
        out = _fresh(
            "from actions.fql import tables; tables.main(['--check'])", PYTHONHASHSEED=seed
        )
        assert "is current" in out


def test_the_parser_from_the_tables_parses_as_the_one_from_the_grammar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grammar = fql_parser.grammar_text()
    loaded = tables.load_parser(grammar, **fql_parser._code_options())
    assert loaded is not None
    built = fql_parser.build_parser(grammar)
    triggers = _triggers()
    assert len(triggers) > 200
    results = []
    for parser in (loaded, built):
        monkeypatch.setattr(fql_parser, "_parser", lambda parser=parser: parser)
        results.append([_outcome(t) for t in triggers])
    assert results[0] == results[1]
    assert any(isinstance(r, tuple) for r in results[0])  # errors were compared too


def test_the_tables_round_trip_through_json() -> None:
    grammar = fql_parser.grammar_text()
    data, memo = tables.parser_data(fql_parser.build_parser(grammar))
    read = tables.read_tables(
        tables.document_text(fql_parser.build_parser(grammar), grammar), grammar
    )
    assert read == (data, memo)


def test_stale_or_broken_tables_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grammar = fql_parser.grammar_text()
    options = fql_parser._code_options()
    assert tables.load_parser(grammar + "\n// changed\n", **options) is None
    document = json.loads(tables.TABLES_FILE.read_text(encoding="utf-8"))
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({**document, "lark": "0.0.1"}), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**document, "data": {"rules": 1}}), encoding="utf-8")
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00not json")
    for path in (stale, broken, garbage, tmp_path / "missing.json"):
        monkeypatch.setattr(tables, "TABLES_FILE", path)
        assert tables.load_parser(grammar, **options) is None, path.name
    # and the parser is then built from the grammar, to the same results
    triggers = ["a = 1 and b in [1, 'x']", "a == 1", "a = ", "!contains(a, 'b') or c"]
    expected = [_outcome(t) for t in triggers]
    fql_parser._parser.cache_clear()
    fql_parser._driver.cache_clear()
    try:
        assert fql_parser._driver() is None
        assert [_outcome(t) for t in triggers] == expected
        assert fql_parser._parser().source_path != "<deserialized>"
    finally:
        monkeypatch.undo()
        fql_parser._parser.cache_clear()
        fql_parser._driver.cache_clear()
    assert fql_parser._parser().source_path == "<deserialized>"
    assert fql_parser._driver() is not None


def _dump(node: Any) -> Any:
    """A node with every field, the offsets and parentheses included (equality leaves them
    out)."""
    if isinstance(node, tuple):
        return tuple(_dump(n) for n in node)
    if attrs.has(type(node)):
        fields = attrs.fields(type(node))
        return (type(node).__name__, *((f.name, _dump(getattr(node, f.name))) for f in fields))
    return (type(node).__name__, node)


def _fast_and_lark(text: str) -> tuple[Any, Any]:
    """What the parser without Lark gives (a tree, or Declined) and what Lark gives (a tree,
    or the error's kind), the depth limit set as parse() sets it."""
    driver = fql_parser._driver()
    assert driver is not None
    limit = fql_parser._limit.set((fql_parser.MAX_DEPTH, text))
    try:
        try:
            fast = _dump(driver.parse(text)[0])
        except Declined:
            fast = Declined
        try:
            slow = _dump(fql_parser._parse_with_lark(text, fql_parser.MAX_DEPTH))
        except FQLSyntaxError as exc:
            slow = exc.kind
    finally:
        fql_parser._limit.reset(limit)
    return fast, slow


def _agree(text: str) -> None:
    fast, slow = _fast_and_lark(text)
    if isinstance(slow, str):  # Lark raised: the driver must not have parsed it
        assert fast is Declined, (text, fast, slow)
    else:
        assert fast == slow, text


def test_the_parser_without_lark_agrees_with_lark_on_the_corpus() -> None:
    triggers = _triggers()
    for text in triggers:
        _agree(text)
    outcomes = [_fast_and_lark(t)[0] for t in triggers]
    assert sum(o is Declined for o in outcomes) > 20  # errors were compared too
    assert sum(o is not Declined for o in outcomes) > 150


_ATOMS = ["a", "properties.total", "a.0.b", "\\and", "p\\ q", "$x", "'x'", '"y\\""', "1", "-2.5"]
_ATOMS += ["1e3", ".5", "true", "false", "null", "andy", "in_", "ORDER"]


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from([" = ", "!=", " < ", ">=", " in ", " and ", " or ", "and", " "])
    return st.one_of(
        st.tuples(inner, ops, inner).map("".join),
        inner.map(lambda t: f"!{t}"),
        inner.map(lambda t: f"({t})"),
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(inner, max_size=3).map(lambda xs: "contains(" + ",".join(xs) + ")"),
    )


_NEAR_FQL = st.recursive(st.sampled_from(_ATOMS), _grow, max_leaves=10)
_FRAGMENTS = st.lists(
    st.sampled_from([*_ATOMS, "and", "or", "in", "!", "=", "<", "(", ")", "[", "]", ",", " "]),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_NEAR_FQL)
def test_the_parser_without_lark_agrees_with_lark_on_near_fql(text: str) -> None:
    _agree(text)


@settings(max_examples=400, deadline=None)
@given(_FRAGMENTS | st.text(alphabet="ab.()[]!=<>,'\" 1-eEinordt\t", max_size=12))
def test_the_parser_without_lark_agrees_with_lark_on_fragments(text: str) -> None:
    _agree(text)


def test_a_deep_trigger_is_declined_and_lark_reports_it() -> None:
    text = "(" * 70 + "a" + ")" * 70
    assert _fast_and_lark(text) == (Declined, "too-deep")
    with pytest.raises(FQLSyntaxError) as caught:
        fql_parser.parse(text)
    assert caught.value.kind == "too-deep"


def test_a_valid_trigger_is_parsed_without_lark() -> None:
    out = _fresh(
        "import sys\n"
        "from actions import fql\n"
        "fql.compile(\"type = 'track' and properties.total > 10\")\n"
        "print('lark' in sys.modules)\n"
        "try:\n"
        "    fql.compile('type == 1')\n"
        "except fql.FQLSyntaxError as exc:\n"
        "    print(exc.kind, 'lark' in sys.modules)\n"
        "try:\n"
        "    fql.compile('type = ')\n"
        "except fql.FQLSyntaxError as exc:\n"
        "    print(exc.kind, 'lark' in sys.modules)\n"
    )
    assert out.split() == ["False", "double-equals", "False", "missing-value", "True"]


# import actions


def test_import_actions_imports_nothing_else() -> None:
    out = _fresh(
        "import sys, actions\nprint(sorted(m for m in sys.modules if m.startswith('actions')))\n"
    )
    assert out.strip() == "['actions', 'actions._version']"


def test_every_public_name_resolves_to_its_module() -> None:
    for name in actions.__all__:
        value = getattr(actions, name)
        if name != "__version__":
            home = actions._HOME[name]
            assert value is getattr(sys.modules[home], name), name
    assert set(actions.__all__) <= set(dir(actions))
    assert set(actions._HOME) | {"__version__"} == set(actions.__all__)


def test_every_public_name_resolves_in_a_fresh_process() -> None:
    out = _fresh(
        "import actions\n"
        "from actions import *\n"
        "missing = [n for n in actions.__all__ if n not in globals()]\n"
        "from actions import configure, Destination\n"
        "print(missing, configure is actions.configure, actions.fql.parse('a = 1').op)\n"
    )
    assert out.split() == ["[]", "True", "="]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = actions.nothing_here  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        from actions import nothing_here  # type: ignore[attr-defined]  # noqa: F401
