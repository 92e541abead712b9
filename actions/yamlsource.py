"""Safe YAML loading that remembers where every value came from.

:func:`load_yaml` builds plain Python values (dicts, lists, scalars) with PyYAML's *safe*
resolver and constructor, and a :class:`SourceMap` from data paths to source spans, so every
later error (schema, FQL, mapping) can point at ``file:line:column``. Problems PyYAML hides are
reported instead of being silently resolved: duplicate keys (PyYAML keeps the last one), tags
such as a trigger written ``!contains(...)`` unquoted, and syntax errors.

Every document is bounded before a Python value is built (docs/format.md, "Limits"): its size
(:data:`MAX_YAML_BYTES`), its nesting (:data:`MAX_YAML_DEPTH`) and the nodes its aliases expand
to (:data:`MAX_YAML_ALIAS_NODES`, which stops "billion laughs" documents in milliseconds). Bytes
that are not UTF-8 are a located ``yaml-encoding`` problem. The limits are read when a document
is loaded, so assigning a new value to the module attribute changes them for the process.

PyYAML is imported when a text is first parsed. A document already parsed when the package was
built (a shipped pack, see :mod:`actions.destinations.shipped`) is rebuilt by :func:`from_parsed`
from :func:`to_parsed`'s plain data, without it.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from actions._repr import attrs_repr

from .errors import ActionsError, DataPath, Diagnostic, InvalidInputError, Location, Severity

MAX_YAML_BYTES = 250_000
"""Largest document accepted, in bytes of UTF-8. The largest shipped pack has 13 kB; a
config-shaped document at this size loads in 0.13 s of CPU time (benchmarks/bench_yaml.py)."""

MAX_YAML_NODES = 25_000
"""Most values (mappings, lists, keys and scalars) in one document, aliases aside: it bounds a
document dense in tiny values (`[0, 0, 0, ...]`), which at the size limit could have 125,000.
The shipped packs have at most 900."""

MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (the shipped packs nest at most 17)."""

MAX_YAML_ALIAS_NODES = 10_000
"""Most values that aliases (``*name``) may add to a document when they are expanded. Each
alias stands for a copy of its anchor's whole subtree; the shipped packs add at most 735."""

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import MappingNode, Node, ScalarNode

_Loader: type[yaml.SafeLoader] | None = None
"""The loader class, when not the default: libyaml's composer when PyYAML was built with it (10x
faster than the pure-Python one), chosen when the first text is parsed."""


def _loader_class() -> type[yaml.SafeLoader]:
    import yaml  # here: a program that parses no YAML text does not import PyYAML

    if _Loader is not None:
        return _Loader
    default: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return default


_STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "map",
        "seq",
        "timestamp",
        "binary",
        "merge",
    )
)
_STR = "tag:yaml.org,2002:str"


@attrs.frozen
class ScalarInfo:
    """How a scalar was written: its style (``None`` plain, ``'`` ``"`` ``|`` ``>``), its raw
    source text and the tag YAML resolved it to (``tag:yaml.org,2002:bool`` for ``yes``)."""

    __repr__ = attrs_repr

    style: str | None
    raw: str
    tag: str
    start: Location
    end: Location


@attrs.frozen
class SourceMap:
    """Maps data paths of a loaded document to source locations."""

    __repr__ = attrs_repr

    file: str | None
    text: str
    values: Mapping[DataPath, Location] = attrs.field(factory=dict)
    keys: Mapping[DataPath, Location] = attrs.field(factory=dict)
    scalars: Mapping[DataPath, ScalarInfo] = attrs.field(factory=dict)

    def locate(self, path: DataPath, *, key: bool = False) -> Location | None:
        """The location of the value at ``path`` (or of its key when ``key`` is true), falling
        back to the nearest ancestor that has one."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while True:
            found = table.get(probe) or (self.values.get(probe) if key else None)
            if found is not None:
                return found
            if not probe:
                return None
            probe = probe[:-1]

    def locate_in_scalar(self, path: DataPath, offset: int, length: int = 1) -> Location | None:
        """The location of character ``offset`` of the string value at ``path`` (for errors
        inside a scalar, such as an FQL syntax error inside a trigger)."""
        info = self.scalars.get(tuple(path))
        if info is None:
            return self.locate(path)
        return _offset_location(self, info, offset, length)

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


@attrs.frozen
class LoadedYAML:
    __repr__ = attrs_repr

    value: Any
    source: SourceMap
    problems: tuple[Diagnostic, ...]

    def raise_for_errors(self, what: str) -> None:
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        if errors:
            raise InvalidInputError(what, errors)


def _location(file: str | None, node: Node) -> Location:
    start, end = node.start_mark, node.end_mark
    return Location(file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def decode_yaml(data: bytes, file: str | None = None) -> tuple[str | None, Diagnostic | None]:
    """The text of a UTF-8 file (a leading byte order mark dropped), or a ``yaml-encoding``
    problem located at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, line_start) + 1
        prefix = data[line_start : exc.start].decode("utf-8-sig", "replace")
        column = len(prefix) + 1
        problem = Diagnostic(
            "yaml-encoding",
            f"the file is not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
            location=Location(file, line, column, line, column + 1),
            hint="save the file as UTF-8",
        )
        return None, problem


def read_file(path: Path, what: str) -> bytes:
    """The bytes of the file at ``path`` (a ``what`` such as "config"), or an
    :class:`ActionsError` that says which file cannot be read and why."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ActionsError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def load_yaml_file(path: Path, what: str) -> LoadedYAML:
    """:func:`load_yaml` of the file at ``path`` (read by :func:`read_file`)."""
    return load_yaml(read_file(path, what), str(path))


def load_yaml(text: str | bytes, file: str | None = None) -> LoadedYAML:
    """Parse one YAML document (text, or the bytes of a UTF-8 file) safely. Never raises for
    bad input: syntax errors, bytes that are not UTF-8 and documents over a limit come back as
    problems (``yaml-syntax``, ``yaml-encoding``, ``yaml-limit``, ``yaml-aliases``) with a
    ``None`` value."""
    size = len(text) if isinstance(text, bytes) else _utf8_size(text)
    if size > MAX_YAML_BYTES:
        problem = Diagnostic(
            "yaml-limit",
            f"the document has {size:,} bytes; at most {MAX_YAML_BYTES:,} are accepted",
            location=Location(file, 1, 1),
            hint="split the document into smaller files (docs/format.md, Limits)",
        )
        return LoadedYAML(None, SourceMap(file, ""), (problem,))
    if isinstance(text, bytes):
        decoded, bad = decode_yaml(text, file)
        if decoded is None:
            assert bad is not None
            return LoadedYAML(None, SourceMap(file, ""), (bad,))
        text = decoded
    collecting = gc.isenabled()
    gc.disable()  # a large document makes many objects: collecting meanwhile only slows it
    try:
        return _load(text, file)
    finally:
        if collecting:
            gc.enable()


def _load(text: str, file: str | None) -> LoadedYAML:
    import yaml

    loader_class = _loader_class()
    empty = SourceMap(file, text)
    try:
        loader = loader_class(text)  # the pure-Python reader checks the characters here
    except yaml.reader.ReaderError as exc:
        return LoadedYAML(None, empty, (_bad_character(exc, text, file, False),))
    except UnicodeEncodeError as exc:  # libyaml encodes the text: a lone surrogate cannot be
        return LoadedYAML(None, empty, (_lone_surrogate(text, file, exc.start),))
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        if "maximum nesting depth" in message:
            problem = _too_deep(where)
        else:
            problem = Diagnostic("yaml-syntax", message, location=where, hint="fix the YAML syntax")
        return LoadedYAML(None, empty, (problem,))
    except yaml.reader.ReaderError as exc:
        problem = _bad_character(exc, text, file, loader_class is not yaml.SafeLoader)
        return LoadedYAML(None, empty, (problem,))
    except yaml.YAMLError as exc:
        return LoadedYAML(None, empty, (Diagnostic("yaml-syntax", str(exc)),))
    except RecursionError:
        return LoadedYAML(None, empty, (_too_deep(Location(file, 1, 1)),))
    finally:
        loader.dispose()
    if root is None:
        return LoadedYAML(None, empty, ())
    refused = _check_shape(root, file)
    if refused is not None:
        return LoadedYAML(None, empty, (refused,))
    builder = _Builder(file, loader, text)
    try:
        value = builder.build(root, ())
    except RecursionError:  # not expected: the depth was checked above
        return LoadedYAML(None, empty, (_too_deep(Location(file, 1, 1)),))
    source = SourceMap(file, text, builder.values, builder.keys, builder.scalars)
    return LoadedYAML(value, source, tuple(builder.problems))


def _utf8_size(text: str) -> int:
    # ASCII text (the usual case) is measured without encoding it.
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _bad_character(
    exc: yaml.reader.ReaderError, text: str, file: str | None, in_bytes: bool
) -> Diagnostic:
    """A character YAML does not allow (a control character), located. libyaml counts the
    offset in bytes of UTF-8, the Python reader in characters."""
    offset = exc.position
    if in_bytes:
        offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    if 0xD800 <= code <= 0xDFFF:  # the Python reader's word for it
        return _lone_surrogate(text, file, offset)
    return Diagnostic(
        "yaml-syntax",
        f"the character U+{code:04X} is not allowed in YAML",
        location=_offset_to_location(text, file, offset),
        hint="remove the character (write it as an escape in a double-quoted string)",
    )


def _lone_surrogate(text: str, file: str | None, offset: int) -> Diagnostic:
    """Text holding a lone surrogate (say, bytes decoded with ``surrogateescape``): it has no
    UTF-8 form, located at the first such character."""
    return Diagnostic(
        "yaml-encoding",
        f"the character U+{ord(text[offset]):04X} (a lone surrogate) is not valid text",
        location=_offset_to_location(text, file, offset),
        hint="save the file as UTF-8, or decode its bytes strictly",
    )


def _offset_to_location(text: str, file: str | None, offset: int) -> Location:
    line_start = text.rfind("\n", 0, offset) + 1
    line = text.count("\n", 0, line_start) + 1
    return Location(file, line, offset - line_start + 1)


def _too_deep(where: Location) -> Diagnostic:
    return Diagnostic(
        "yaml-limit",
        f"the document nests more than {MAX_YAML_DEPTH} levels deep",
        location=where,
        hint="flatten the structure (docs/format.md, Limits)",
    )


def _check_shape(root: Node, file: str | None) -> Diagnostic | None:
    """Refuse a composed document that nests too deeply, or whose aliases would expand to too
    many nodes, before any Python value is built. Sizes are memoised per node, so a document
    whose aliases expand to 9**9 nodes is measured in as many steps as it has nodes."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    def children_of(node: Node) -> list[Node]:
        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, MappingNode):
            return [part for pair in node.value for part in pair]
        return []

    size: dict[int, int] = {}  # expanded nodes under a node, itself included
    depth: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[Node, int, bool]] = [(root, 1, False)]
    open_: set[int] = set()
    while stack:
        node, level, done = stack.pop()
        key = id(node)
        if not done:
            if key in size or key in open_:  # an alias (or a recursive one: built as null)
                continue
            distinct += 1
            if distinct > MAX_YAML_NODES:
                return Diagnostic(
                    "yaml-limit",
                    f"the document has more than {MAX_YAML_NODES:,} values",
                    location=_location(file, node),
                    hint="split the document into smaller files (docs/format.md, Limits)",
                )
            if isinstance(node, ScalarNode):
                size[key], depth[key] = 1, 0
                continue
            if level > MAX_YAML_DEPTH:
                return _too_deep(_location(file, node))
            open_.add(key)
            stack.append((node, level, True))
            stack.extend((child, level + 1, False) for child in reversed(children_of(node)))
            continue
        open_.discard(key)
        children = [c for c in children_of(node) if id(c) in size]
        size[key] = 1 + sum(size[id(c)] for c in children)
        depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
        if level + depth[key] - 1 > MAX_YAML_DEPTH:
            return _too_deep(_location(file, node))
        added = size[key] - distinct
        if added > MAX_YAML_ALIAS_NODES:
            return Diagnostic(
                "yaml-aliases",
                f"the aliases in this value expand to {size[key]:,} values; at most "
                f"{MAX_YAML_ALIAS_NODES:,} values may come from aliases",
                location=_location(file, node),
                hint="write the values out, or use fewer aliases (docs/format.md, Limits)",
            )
    return None


class _Builder:
    def __init__(self, file: str | None, loader: yaml.SafeLoader, text: str) -> None:
        import yaml
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        self._yaml_error = yaml.YAMLError
        self._marked_error = yaml.MarkedYAMLError
        self._scalar_node, self._sequence_node = ScalarNode, SequenceNode
        self._mapping_node = MappingNode
        self.file = file
        self.loader = loader
        self.text = text
        self.values: dict[DataPath, Location] = {}
        self.keys: dict[DataPath, Location] = {}
        self.scalars: dict[DataPath, ScalarInfo] = {}
        self.problems: list[Diagnostic] = []
        self._active: set[int] = set()

    def build(self, node: Node, path: DataPath) -> Any:
        self.values[path] = _location(self.file, node)
        if id(node) in self._active:
            self.problems.append(
                Diagnostic("yaml-syntax", "recursive alias", path=path, location=self.values[path])
            )
            return None
        if isinstance(node, self._scalar_node):
            return self._scalar(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, self._sequence_node):
                self._check_tag(node, path, "tag:yaml.org,2002:seq")
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, self._mapping_node)
            self._check_tag(node, path, "tag:yaml.org,2002:map")
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _check_tag(self, node: Node, path: DataPath, expected: str) -> None:
        if node.tag != expected:
            self.problems.append(
                Diagnostic(
                    "yaml-tag",
                    f"unsupported YAML tag {node.tag!r}",
                    path=path,
                    location=_location(self.file, node),
                    hint="remove the tag; only plain YAML values are supported",
                )
            )

    def _mapping(self, node: MappingNode, path: DataPath) -> dict[Any, Any]:
        try:
            self.loader.flatten_mapping(node)  # resolves `<<` merge keys
        except self._marked_error as exc:
            self.problems.append(
                Diagnostic("yaml-syntax", str(exc.problem), path=path, location=self.values[path])
            )
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Keys are names: `on:`, `yes:` and `1:` stay the strings they were written as.
            key = key_node.value if isinstance(key_node, self._scalar_node) else None
            if not isinstance(key, str):
                self.problems.append(
                    Diagnostic(
                        "yaml-syntax",
                        "mapping keys must be plain scalars",
                        path=path,
                        location=_location(self.file, key_node),
                    )
                )
                continue
            key_location = _location(self.file, key_node)
            child = (*path, key)
            if key in result:
                first = self.keys.get(child)
                self.problems.append(
                    Diagnostic(
                        "duplicate-key",
                        f"duplicate key {key!r}"
                        + (f" (first defined at line {first.line})" if first else ""),
                        path=child,
                        location=key_location,
                        hint="remove one of the entries; YAML keeps only the last one",
                    )
                )
            self.keys[child] = key_location
            result[key] = self.build(value_node, child)
        return result

    def _scalar(self, node: ScalarNode, path: DataPath) -> Any:
        location = self.values[path]
        end = Location(self.file, location.end_line or location.line, location.end_column or 1)
        raw = self.text[node.start_mark.index : node.end_mark.index]
        self.scalars[path] = ScalarInfo(node.style or None, raw, node.tag, location, end)
        if node.tag == _STR:
            return node.value
        if node.tag not in _STANDARD_TAGS:
            self._check_tag(node, path, "tag:yaml.org,2002:str")
            tag_text = node.tag if node.tag.startswith("!") else ""
            return f"{tag_text} {node.value}".strip() if tag_text else node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except self._yaml_error as exc:
            self.problems.append(Diagnostic("yaml-syntax", str(exc), path=path, location=location))
            return node.value


def _offset_location(source: SourceMap, info: ScalarInfo, offset: int, length: int) -> Location:
    """Translate an offset in a scalar's *value* into a source position."""
    start = info.start
    if info.style in ("|", ">"):
        lines = source.text.splitlines()
        body = lines[start.line : (info.end.line if info.end.line > start.line else start.line + 1)]
        indent = next((len(t) - len(t.lstrip(" ")) for t in body if t.strip()), 0)
        remaining = offset
        for i, text in enumerate(body):
            content_len = max(len(text) - indent, 0)
            if remaining <= content_len:
                col = indent + remaining + 1
                line = start.line + 1 + i
                return Location(source.file, line, col, line, col + length)
            remaining -= content_len + 1
        return start
    # Plain and quoted scalars: walk the raw text, counting decoded characters.
    raw = info.raw
    index = 1 if info.style in ("'", '"') else 0
    line, column = start.line, start.column + index
    decoded = 0
    while index < len(raw) and decoded < offset:
        char = raw[index]
        escaped = (info.style == '"' and char == "\\" and index + 1 < len(raw)) or (
            info.style == "'" and raw.startswith("''", index)
        )
        step = 2 if escaped else 1
        if char == "\n":
            line, column = line + 1, 1
            index += 1
            while index < len(raw) and raw[index] == " ":
                index += 1
                column += 1
            decoded += 1
            continue
        index += step
        column += step
        decoded += 1
    return Location(source.file, line, column, line, column + length)


# Documents parsed when the package was built

PARSED_FORMAT = 1
"""The version of :func:`to_parsed`'s data; data of another version is not used."""

_STYLES: tuple[str | None, ...] = (None, "'", '"', "|", ">")


def limits() -> tuple[int, int, int, int]:
    """The limits in force (bytes, values, depth, values added by aliases)."""
    return (MAX_YAML_BYTES, MAX_YAML_NODES, MAX_YAML_DEPTH, MAX_YAML_ALIAS_NODES)


def to_parsed(loaded: LoadedYAML) -> dict[str, Any] | None:
    """Plain JSON data from which :func:`from_parsed` rebuilds ``loaded`` exactly: its text, its
    value and every location and scalar of its source map (numbers in the order of a walk of
    the value, so that no path is written). None when it cannot: a document with a problem, an
    empty one, or one holding a value JSON does not carry exactly (a date, bytes, a float that
    is not finite, an integer beyond 64 bits). The result is checked by rebuilding it."""
    source = loaded.source
    if loaded.problems or loaded.value is None or not _plain(loaded.value):
        return None
    values, keys, scalars = _walk(loaded.value)
    if (len(values), len(keys), len(scalars)) != (
        len(source.values),
        len(source.keys),
        len(source.scalars),
    ):
        return None
    tags: list[str] = []
    data: dict[str, Any] = {
        "format": PARSED_FORMAT,
        "limits": list(limits()),
        "text": source.text,
        "value": loaded.value,
        "tags": tags,
        "values": [],
        "keys": [],
        "scalars": [],
    }
    starts = line_starts(source.text)
    try:
        for name, paths, table in (("values", values, source.values), ("keys", keys, source.keys)):
            for path in paths:
                at = table[path]
                data[name].extend((at.line, at.column, at.end_line, at.end_column))
        for path in scalars:
            info = source.scalars[path]
            start = starts[info.start.line - 1] + info.start.column - 1
            if info.tag not in tags:
                tags.append(info.tag)
            style = _STYLES.index(info.style)
            data["scalars"].extend((style, start, start + len(info.raw), tags.index(info.tag)))
    except (KeyError, ValueError):
        return None
    rebuilt = from_parsed(data, source.text, source.file)
    if rebuilt is None or rebuilt != loaded or _tables(rebuilt.source) != _tables(source):
        return None
    return data


def from_parsed(
    data: Any, text: str, file: str | None, again: Callable[[], Any] | None = None
) -> LoadedYAML | None:
    """The document :func:`to_parsed` described, when ``data`` is its data for exactly ``text``
    under the limits in force; otherwise None (the text is then to be parsed). The source
    map's tables are built when first read (errors need them, a document without any does
    not), by a walk of the value of ``again()``, the same data read anew (without ``again``,
    of the value given, which must then not be changed before they are read); should the data
    not fit its value, they come from parsing the text."""
    if not isinstance(data, dict) or data.get("text") != text:
        return None
    if data.get("format") != PARSED_FORMAT or data.get("limits") != list(limits()):
        return None
    if not all(isinstance(data.get(k), list) for k in ("tags", "values", "keys", "scalars")):
        return None
    value = data.get("value")
    if value is None:
        return None
    tables = _ParsedTables(again or (lambda: data), text, file)
    source = SourceMap(file, text, _Table(tables, 0), _Table(tables, 1), _Table(tables, 2))
    return LoadedYAML(value, source, ())


def _plain(value: Any) -> bool:
    """Whether JSON carries ``value`` exactly (read back by orjson: integers of 64 bits)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, float):
        return value - value == 0  # finite
    return False


def _walk(value: Any) -> tuple[list[DataPath], list[DataPath], list[DataPath]]:
    """The paths of every value, of every mapping key and of every scalar, in the order the
    builder meets them."""
    values: list[DataPath] = []
    keys: list[DataPath] = []
    scalars: list[DataPath] = []
    stack: list[tuple[DataPath, Any, bool]] = [((), value, False)]
    while stack:
        path, item, is_key = stack.pop()
        if is_key:
            keys.append(path)
        values.append(path)
        if isinstance(item, dict):
            stack.extend(((*path, k), v, True) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*path, i), v, False) for i, v in reversed(list(enumerate(item))))
        else:
            scalars.append(path)
    return values, keys, scalars


LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""A line break as YAML reads one: ``\\r\\n``, ``\\r``, ``\\n``, NEL, LS or PS."""


def line_starts(text: str) -> list[int]:
    """The offset in ``text`` where each line starts (item 0 is line 1), lines broken as YAML
    breaks them (:data:`LINE_BREAK`)."""
    return [0, *(found.end() for found in LINE_BREAK.finditer(text))]


def _tables(source: SourceMap) -> tuple[dict[DataPath, Any], ...]:
    return dict(source.values), dict(source.keys), dict(source.scalars)


class _ParsedTables:
    """The three tables of a pre-parsed document's source map, built once when first read."""

    def __init__(self, again: Callable[[], Any], text: str, file: str | None) -> None:
        self._again: Callable[[], Any] | None = again
        self._text = text
        self._file = file
        self._built: tuple[dict[DataPath, Any], ...] = ()

    def table(self, which: int) -> dict[DataPath, Any]:
        if not self._built:
            try:
                self._built = self._build()
            except (ValueError, TypeError, IndexError, KeyError):  # data unlike its value
                self._built = _tables(load_yaml(self._text, self._file).source)
            self._again = None
        return self._built[which]

    def _build(self) -> tuple[dict[DataPath, Any], ...]:
        file, text = self._file, self._text
        assert self._again is not None
        data = self._again()
        if not isinstance(data, dict) or data.get("text") != text:
            raise ValueError("not the data of this text")
        values_at, keys_at, scalars_at = _walk(data["value"])
        values: dict[DataPath, Location] = {}
        keys: dict[DataPath, Location] = {}
        for paths, numbers, table in (
            (values_at, data["values"], values),
            (keys_at, data["keys"], keys),
        ):
            if len(numbers) != 4 * len(paths):
                raise ValueError("the locations do not fit the value")
            for i, path in enumerate(paths):
                line, column, end_line, end_column = numbers[4 * i : 4 * i + 4]
                table[path] = Location(file, line, column, end_line, end_column)
        numbers, tags = data["scalars"], data["tags"]
        if len(numbers) != 4 * len(scalars_at):
            raise ValueError("the scalars do not fit the value")
        scalars: dict[DataPath, ScalarInfo] = {}
        for i, path in enumerate(scalars_at):
            style, start, end, tag = numbers[4 * i : 4 * i + 4]
            at = values[path]
            last = Location(file, at.end_line or at.line, at.end_column or 1)
            scalars[path] = ScalarInfo(_STYLES[style], text[start:end], tags[tag], at, last)
        return values, keys, scalars


class _Table(Mapping[DataPath, Any]):
    """One table of a pre-parsed document's source map, built when first read; it compares,
    copies and pickles as the dict it stands for."""

    def __init__(self, tables: _ParsedTables, which: int) -> None:
        self._tables = tables
        self._which = which

    def _dict(self) -> dict[DataPath, Any]:
        return self._tables.table(self._which)

    def __getitem__(self, path: DataPath) -> Any:
        return self._dict()[path]

    def get(self, path: DataPath, default: Any = None) -> Any:
        return self._dict().get(path, default)

    def __contains__(self, path: object) -> bool:
        return path in self._dict()

    def __iter__(self) -> Iterator[DataPath]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __eq__(self, other: object) -> bool:
        return self._dict() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._dict())

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self._dict(),))
