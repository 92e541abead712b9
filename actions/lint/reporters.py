"""Rendering lint findings: text (with the source line and a caret underline), concise, JSON,
GitHub workflow commands, and SARIF 2.1.0. Findings are data; these are separate functions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from actions._version import __version__
from actions.errors import Diagnostic, Location, Severity
from actions.lint.catalog import BUILTIN_RULES
from actions.lint.rules import Rules


def _source_line(file: str | None, line: int, cache: dict[str, list[str]]) -> str:
    if not file:
        return ""
    if file not in cache:
        try:
            cache[file] = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[file] = []
    lines = cache[file]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _hide(
    text: str, line: int, column: int, width: int, hidden: Sequence[Location]
) -> tuple[str, int, int]:
    """Source line ``line`` with each hidden span on it shown as ``***`` (whatever its
    length), and the underline's column and width moved to match."""
    cuts = []
    for span in hidden:
        last = span.end_line or span.line
        if not span.line <= line <= last:
            continue
        start = span.column if span.line == line else 1
        end = span.end_column if last == line and span.end_column else len(text) + 1
        if end > start:
            cuts.append((start, end))
    if not cuts:
        return text, column, width
    end_column = column + width

    def moved(at: int, inside: int) -> int:
        """Column ``at`` on the shown line; within a hidden span, its start plus ``inside``."""
        shift = 0
        for start, end in cuts:
            if at >= end:
                shift += (end - start) - 3
            elif at > start:
                shift += at - start - inside
        return at - shift

    for start, end in sorted(cuts, reverse=True):
        text = text[: start - 1] + "***" + text[end - 1 :]
    column, end_column = moved(column, 0), moved(end_column, 3)
    return text, column, max(1, end_column - column)


def render_text(findings: Sequence[Diagnostic]) -> str:
    cache: dict[str, list[str]] = {}
    out = []
    for d in findings:
        loc = d.location
        head = f"{loc.file}:{loc.line}:{loc.column}: " if loc else ""
        out.append(f"{head}{d.severity.value}: {d.message} [{d.rule}]")
        if loc:
            text = _source_line(loc.file, loc.line, cache)
            if text:
                width = 1
                if (
                    loc.end_column
                    and (loc.end_line in (None, loc.line))
                    and loc.end_column > loc.column
                ):
                    width = loc.end_column - loc.column
                text, column, width = _hide(text, loc.line, loc.column, width, d.hidden)
                out.append(f"  {loc.line:>4} | {text}")
                out.append(f"       | {' ' * (column - 1)}^{'~' * (width - 1)}")
        if d.hint:
            out.append(f"  hint: {d.hint}")
    return "\n".join(out)


def render_concise(findings: Sequence[Diagnostic]) -> str:
    lines = []
    for d in findings:
        loc = d.location
        head = f"{loc.file}:{loc.line}:{loc.column}: " if loc else ""
        lines.append(f"{head}{d.severity.value}: {d.message} [{d.rule}]")
    return "\n".join(lines)


def render_json(findings: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in findings], indent=2, ensure_ascii=False)


def render_github(findings: Sequence[Diagnostic]) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for d in findings:
        loc = d.location
        parts = []
        if loc:
            parts = [f"file={loc.file}", f"line={loc.line}", f"col={loc.column}"]
            if loc.end_column:
                parts.append(f"endColumn={loc.end_column}")
        parts.append(f"title={d.rule}")
        message = d.message + (f" ({d.hint})" if d.hint else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        lines.append(f"::{level[d.severity]} {','.join(parts)}::{message}")
    return "\n".join(lines)


def render_sarif(findings: Sequence[Diagnostic], rules: Rules = BUILTIN_RULES) -> str:
    """SARIF 2.1.0, listing ``rules`` (an environment's) as the tool's rules."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    described = [
        {
            "id": rule.id,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.explanation},
            "help": {"text": rule.explanation},
            "defaultConfiguration": {"level": level[rule.severity]},
        }
        for rule in rules.values()
    ]
    index = {rule.id: i for i, rule in enumerate(rules.values())}
    results = []
    for d in findings:
        result: dict[str, object] = {
            "ruleId": d.rule,
            "level": level[d.severity],
            "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
        }
        if d.rule in index:
            result["ruleIndex"] = index[d.rule]
        loc = d.location
        if loc:
            region: dict[str, int] = {"startLine": loc.line, "startColumn": loc.column}
            if loc.end_column and loc.end_line in (None, loc.line):
                region["endColumn"] = loc.end_column
            result["locations"] = [
                {
                    "physicalLocation": {"artifactLocation": {"uri": loc.file}, "region": region},
                }
            ]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "actions", "version": __version__, "rules": described}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def render_summary(files: int, findings: Sequence[Diagnostic]) -> str:
    """The closing line of the text format: ``3 files checked, no findings`` or
    ``2 files checked: 1 error, 2 warnings``."""
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if not findings:
        return f"{checked}, no findings"
    counts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        count = sum(1 for d in findings if d.severity is severity)
        if count:
            noun = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
            counts.append(f"{count} {noun[severity]}{'s' if count != 1 else ''}")
    return f"{checked}: {', '.join(counts)}"


REPORTERS = {
    "text": render_text,
    "concise": render_concise,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
}
