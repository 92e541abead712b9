"""Safe YAML loading that remembers where every value came from.

:func:`load_yaml` builds plain Python values (dicts, lists, scalars) with PyYAML's *safe*
resolver and constructor, and a :class:`SourceMap` from data paths to source spans, so every
later error (schema, FQL, mapping) can point at ``file:line:column``. Problems PyYAML hides are
reported instead of being silently resolved: duplicate keys (PyYAML keeps the last one), tags
such as a trigger written ``!contains(...)`` unquoted, and syntax errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import DataPath, Diagnostic, InvalidInputError, Location, Severity

MAX_YAML_BYTES = 5_000_000
"""Largest YAML document accepted (bytes)."""

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


@attrs.frozen
class ScalarInfo:
    """How a scalar was written: its style (``None`` plain, ``'`` ``"`` ``|`` ``>``), its raw
    source text and the tag YAML resolved it to (``tag:yaml.org,2002:bool`` for ``yes``)."""

    style: str | None
    raw: str
    tag: str
    start: Location
    end: Location


@attrs.frozen
class SourceMap:
    """Maps data paths of a loaded document to source locations."""

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


def load_yaml(text: str, file: str | None = None) -> LoadedYAML:
    """Parse ``text`` (one YAML document) safely. Never raises for bad YAML: syntax errors come
    back as ``yaml-syntax`` problems with a ``None`` value."""
    empty = SourceMap(file, text)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        problem = Diagnostic(
            "yaml-too-large",
            f"document is larger than {MAX_YAML_BYTES} bytes",
            hint="split the document into smaller files",
        )
        return LoadedYAML(None, empty, (problem,))
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        problem = Diagnostic("yaml-syntax", message, location=where, hint="fix the YAML syntax")
        return LoadedYAML(None, empty, (problem,))
    except yaml.YAMLError as exc:
        return LoadedYAML(None, empty, (Diagnostic("yaml-syntax", str(exc)),))
    except RecursionError:
        problem = Diagnostic("yaml-too-deep", "document is nested too deeply to load")
        return LoadedYAML(None, empty, (problem,))
    finally:
        loader.dispose()
    if root is None:
        return LoadedYAML(None, empty, ())
    builder = _Builder(file, loader)
    try:
        value = builder.build(root, ())
    except RecursionError:
        problem = Diagnostic("yaml-too-deep", "document is nested too deeply to load")
        return LoadedYAML(None, empty, (problem,))
    source = SourceMap(file, text, builder.values, builder.keys, builder.scalars)
    return LoadedYAML(value, source, tuple(builder.problems))


class _Builder:
    def __init__(self, file: str | None, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
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
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, path, "tag:yaml.org,2002:seq")
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
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
        except yaml.MarkedYAMLError as exc:
            self.problems.append(
                Diagnostic("yaml-syntax", str(exc.problem), path=path, location=self.values[path])
            )
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Keys are names: `on:`, `yes:` and `1:` stay the strings they were written as.
            key = key_node.value if isinstance(key_node, ScalarNode) else None
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
        location = _location(self.file, node)
        end = Location(self.file, node.end_mark.line + 1, node.end_mark.column + 1)
        raw = (
            node.start_mark.buffer[node.start_mark.pointer : node.end_mark.pointer]
            if (node.start_mark.buffer is not None)
            else node.value
        )
        self.scalars[path] = ScalarInfo(node.style, raw, node.tag, location, end)
        if node.tag not in _STANDARD_TAGS:
            self._check_tag(node, path, "tag:yaml.org,2002:str")
            tag_text = node.tag if node.tag.startswith("!") else ""
            return f"{tag_text} {node.value}".strip() if tag_text else node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
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
