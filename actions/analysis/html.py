"""A profile as one self-contained HTML page (``actions profile --html FILE``): inline SVG bar
charts (volume per subscription and outcome, the share of events missing each read path, the
volume of each event name) and the tables behind them. No script, no style sheet, font or image
from elsewhere: the page opens from a file, offline. Every text from the stream is escaped."""

from __future__ import annotations

from html import escape
from typing import Any

KIND_COLOURS = {
    "request": "#2e7d32",
    "skipped": "#f9a825",
    "failed": "#c62828",
    "filtered": "#78909c",
}
BAR_HEIGHT = 22
LABEL_WIDTH = 320
CHART_WIDTH = 420
MAX_BARS = 40
"""Bars per chart (the largest first); the tables list everything."""


def _svg(chart_id: str, title: str, rows: list[tuple[str, list[tuple[str, float, str]]]]) -> str:
    """A horizontal bar chart: each row a label and its segments (name, value, colour), scaled
    to the largest row."""
    rows = rows[:MAX_BARS]
    largest = max((sum(v for _, v, _ in segments) for _, segments in rows), default=0) or 1
    height = BAR_HEIGHT * len(rows) + 10
    width = LABEL_WIDTH + CHART_WIDTH + 80
    parts = [
        f'<svg id="{chart_id}" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, segments) in enumerate(rows):
        y = 5 + index * BAR_HEIGHT
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
        x = float(LABEL_WIDTH)
        total = 0.0
        for name, value, colour in segments:
            w = CHART_WIDTH * value / largest
            total += value
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" '
                f'height="{BAR_HEIGHT - 6}" fill="{colour}"><title>{escape(label)}: '
                f"{escape(name)} {value:g}</title></rect>"
            )
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="12">{total:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    items = "".join(
        f'<span style="display:inline-block;width:12px;height:12px;background:{colour}"></span> '
        f"{escape(kind)} &nbsp; "
        for kind, colour in KIND_COLOURS.items()
    )
    return f"<p>{items}</p>"


def _table(head: list[str], rows: list[list[Any]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    subs = report["subscriptions"]
    outcome_rows = [
        (
            name,
            [
                (kind, float(entry["outcomes"].get(kind, 0)), colour)
                for kind, colour in KIND_COLOURS.items()
                if entry["outcomes"].get(kind)
            ],
        )
        for name, entry in subs.items()
    ]
    missing = sorted(
        (
            (name, path, counts["missing_share"] * 100, counts["wrong_type_share"] * 100)
            for name, entry in subs.items()
            for path, counts in entry.get("paths", {}).items()
        ),
        key=lambda row: -(row[2] + row[3]),
    )
    missing_rows = [
        (f"{name}: {path}", [("missing %", m, "#c62828"), ("wrong type %", w, "#f9a825")])
        for name, path, m, w in missing
    ]
    volume_rows = [
        (
            name,
            [("events", float(count), "#1565c0" if name not in report["unrouted"] else "#78909c")],
        )
        for name, count in report["volume"].items()
    ]
    reasons = [
        [name, count, reason]
        for name, entry in subs.items()
        for reason, count in entry.get("reasons", {}).items()
    ]
    sections = [
        f"<h1>Stream profile</h1><p>{report['events']} events"
        + (f", {report['unreadable']} unreadable lines" if report["unreadable"] else "")
        + "</p>",
        "<h2>Outcomes per subscription</h2>",
        _legend(),
        _svg("outcomes", "Outcomes per subscription", outcome_rows),
        "<h2>Share of events missing each path (red) or holding the wrong type (yellow), %</h2>",
        _svg("missing", "Missing paths", missing_rows),
        "<h2>Volume per event (grey: no subscription takes it)</h2>",
        _svg("volume", "Volume per event", volume_rows),
        "<h2>Events no subscription takes</h2>",
        _table(["event", "count"], [[k, v] for k, v in report["unrouted"].items()]),
        "<h2>Skip and failure reasons</h2>",
        _table(["subscription", "count", "reason"], reasons),
        "<h2>Paths read</h2>",
        _table(
            ["subscription", "path", "missing %", "wrong type %"],
            [[name, path, f"{m:.1f}", f"{w:.1f}"] for name, path, m, w in missing],
        ),
    ]
    style = (
        "body{font-family:sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin-bottom:1.5em}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;font-size:13px}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>actions profile</title>"
        f"<style>{style}</style></head><body>{''.join(sections)}</body></html>\n"
    )
