"""Set values in a YAML file by editing its text in place, so that everything else in it (its
comments, blank lines, quoting, flow or block style, anchors) stays byte for byte as it was.

``actions test --update`` rewrites the ``expected`` outcomes of a fixture file this way. A value
that is there is replaced from the start of its key to the end of its last character; a key
that is not there is added on a line of its own after the last line of its mapping, at the
column of that mapping's keys. Each new value is written as a YAML block by PyYAML's safe
dumper and indented to its key's column.

An edit is only kept when it is safe: the text it gives must load (with the usual budgets) to
exactly the data it is meant to hold. When it does not (the mapping is written in flow style,
``{a: 1}``; the value held an anchor used elsewhere; anything else), :func:`set_values` gives
None and the caller writes the whole file anew.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from actions.errors import DataPath
from actions.yamlsource import LINE_BREAK, SourceMap, line_starts, load_yaml

# An alias after a key (``key: *name``): its node is the anchored one, located where the anchor
# is, so the alias's own end is found from its key's.
_ALIAS_AFTER_KEY = re.compile("[ \t]*:[ \t]+\\*[^\\s,\\[\\]{}]+")
_TRAILING_SPACE = frozenset(" \t\r\n\x85\u2028\u2029")


def set_values(
    source: SourceMap, changes: Sequence[tuple[DataPath, Any]], expected: Any
) -> str | None:
    """``source``'s text with the value at each path of ``changes`` set (the paths are
    distinct; a path's parent must be a mapping written in block style), or None when the
    edited text would not load to ``expected``, the whole document as it should now be."""
    text, starts = source.text, line_starts(source.text)
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, int, str]] = []
    for path, value in changes:
        edit = _edit(source, starts, newline, path, value)
        if edit is None:
            return None
        edits.append(edit)
    for start, end, new in sorted(edits, reverse=True):  # from the end: offsets stay right
        text = text[:start] + new + text[end:]
    reloaded = load_yaml(text, source.file)
    if reloaded.problems or reloaded.value != expected:
        return None
    return text


def _edit(
    source: SourceMap, starts: list[int], newline: str, path: DataPath, value: Any
) -> tuple[int, int, str] | None:
    """The span of ``source.text`` to replace and its new text, to set ``path`` to ``value``."""
    parent, key = tuple(path[:-1]), path[-1]
    if not isinstance(key, str) or _is_flow(source, starts, parent):
        return None
    at = source.keys.get(tuple(path))
    if at is not None:  # replace the key and its value
        start = _offset(starts, at.line, at.column)
        end = _content_end(source, starts, tuple(path))
        return start, end, _block(key, value, at.column - 1, newline)
    columns = [
        found.column
        for where, found in source.keys.items()
        if len(where) == len(parent) + 1 and where[:-1] == parent
    ]
    if not columns:  # an empty mapping is written in flow style, {}
        return None
    after = _content_end(source, starts, parent)
    line_end = LINE_BREAK.search(source.text, after)
    end = len(source.text) if line_end is None else line_end.start()
    indent = min(columns) - 1
    return end, end, newline + " " * indent + _block(key, value, indent, newline)


def _block(key: str, value: Any, indent: int, newline: str) -> str:
    """``key: value`` as YAML in block style, its lines after the first indented by
    ``indent`` spaces, without a line break at the end."""
    import yaml

    dumped = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=100)
    lines = dumped.rstrip("\n").split("\n")
    return (newline + " " * indent).join(lines)


def _offset(starts: list[int], line: int | None, column: int | None) -> int:
    return starts[(line or 1) - 1] + (column or 1) - 1


def _is_flow(source: SourceMap, starts: list[int], path: DataPath) -> bool:
    """Whether the collection at ``path`` is written in flow style (``[...]`` or ``{...}``)."""
    at = source.values.get(path)
    if at is None:
        return False
    return source.text[_offset(starts, at.line, at.column) :][:1] in ("[", "{")


def _content_end(source: SourceMap, starts: list[int], path: DataPath) -> int:
    """The offset just after the last character written for the value at ``path``: the end of
    its last scalar, flow collection, key or aliased value. (PyYAML ends a block collection,
    and may end a block scalar, where the next token starts: after the blank and comment lines
    that follow.)"""
    size, text = len(path), source.text
    ends = [
        _offset(starts, info.end.line, info.end.column)
        for where, info in source.scalars.items()
        if where[:size] == path
    ]
    ends.extend(
        _offset(starts, at.end_line, at.end_column)
        for where, at in source.values.items()
        if where[:size] == path and at.end_line is not None and _is_flow(source, starts, where)
    )
    for where, at in source.keys.items():
        if len(where) > size and where[:size] == path:
            key_end = _offset(starts, at.end_line, at.end_column)
            ends.append(key_end)
            value = source.values.get(where)
            if value is not None and _offset(starts, value.line, value.column) < key_end:
                alias = _ALIAS_AFTER_KEY.match(text, key_end)
                if alias is not None:
                    ends.append(alias.end())
    end = max(ends, default=_offset(starts, *_start(source, path)))
    while end > 0 and text[end - 1] in _TRAILING_SPACE:
        end -= 1
    return end


def _start(source: SourceMap, path: DataPath) -> tuple[int, int]:
    at = source.values.get(path)
    return (at.line, at.column) if at is not None else (1, 1)


__all__ = ["set_values"]
