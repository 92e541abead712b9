"""``actions diff`` and ``actions profile``: argument parsing, and the streams fed to
:mod:`actions.analysis` (read by :mod:`actions.cli.jsonlines`, as ``actions run`` reads them)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from actions.cli.jsonlines import MAX_DEPTH, MAX_LINE_BYTES

EXIT_OK, EXIT_FINDINGS = 0, 1


def cmd_diff(args: argparse.Namespace) -> int:
    from actions.analysis.diff import RENDERERS, Differ
    from actions.cli import _configure, _events

    differ = Differ(
        _configure(args.old, args.settings, env=args.env),
        _configure(args.new, args.settings, env=args.env),
    )
    lines = _events(args.events, MAX_LINE_BYTES, MAX_DEPTH)
    try:
        for line in lines:
            if line.error is not None:
                differ.unreadable += 1
            else:
                differ.add(line.number, line.event)
    finally:
        lines.close()
    report = differ.report()
    print(RENDERERS[args.format](report))
    return EXIT_FINDINGS if args.fail_on_change and report["changed"] else EXIT_OK


def cmd_profile(args: argparse.Namespace) -> int:
    from actions.analysis.html import render_html
    from actions.analysis.profile import Profiler, drift, render_text
    from actions.cli import _configure, _events

    profiler = Profiler(_configure(args.config, args.settings, env=args.env))
    lines = _events(args.events, MAX_LINE_BYTES, MAX_DEPTH)
    try:
        for line in lines:
            if line.error is not None:
                profiler.unreadable += 1
            else:
                profiler.add(line.event)
    finally:
        lines.close()
    report: dict[str, Any] = profiler.report()
    if args.baseline:
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
        report["drift"] = drift(baseline, report)
    if args.html:
        Path(args.html).write_text(render_html(report), encoding="utf-8")
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_text(report))
    if args.html:
        print(f"wrote {args.html}", file=sys.stderr)
    return EXIT_OK


def add_parsers(commands: Any) -> None:
    diff = commands.add_parser(
        "diff",
        help="run two configs (or packs) over the same events and report what changed",
        epilog="examples:\n  actions diff old.yaml new.yaml events.jsonl\n"
        "  actions diff mappings/adjust new/adjust events.jsonl --format github\n"
        "  actions diff old.yaml new.yaml events.jsonl --format json --fail-on-change",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("old", help="a config file, a pack path or a pack slug")
    diff.add_argument("new", help="a config file, a pack path or a pack slug")
    diff.add_argument(
        "events", nargs="?", help="a JSON-lines file, or - for stdin (default: the sample events)"
    )
    diff.add_argument("--settings", help="a YAML settings file for packs (default: their samples)")
    diff.add_argument("--format", choices=["text", "json", "github"], default="text")
    diff.add_argument(
        "--fail-on-change", action="store_true", help="exit 1 when any event's outcomes differ"
    )
    diff.set_defaults(handler=cmd_diff)

    profile = commands.add_parser(
        "profile",
        help="profile a stream against a config: unrouted events, missing paths, reasons",
        epilog="examples:\n  actions profile events.jsonl --config config.yaml\n"
        "  actions profile events.jsonl --config adjust --format json > today.json\n"
        "  actions profile events.jsonl --config adjust --baseline yesterday.json --html p.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    profile.add_argument(
        "events", nargs="?", help="a JSON-lines file, or - for stdin (default: the sample events)"
    )
    profile.add_argument(
        "--config", required=True, help="a config file, a pack path or a pack slug"
    )
    profile.add_argument("--settings", help="a YAML settings file for a pack")
    profile.add_argument("--format", choices=["text", "json"], default="text")
    profile.add_argument(
        "--baseline", metavar="OLD.json", help="an earlier --format json profile: report drift"
    )
    profile.add_argument("--html", metavar="FILE", help="also write a page with charts")
    profile.set_defaults(handler=cmd_profile)
