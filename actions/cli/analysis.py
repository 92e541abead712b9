"""``actions diff`` and ``actions profile``: argument parsing, and the streams fed to
:mod:`actions.analysis` (read by :mod:`actions.cli.jsonlines`, as ``actions run`` reads them)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from actions.cli.jsonlines import MAX_DEPTH, MAX_LINE_BYTES, read_lines
from actions.samples import sample_events_path

EXIT_OK, EXIT_FINDINGS = 0, 1
MAX_JOBS = 64
JOBS_HELP = (
    "worker processes (default auto: every core for a file of 8 MiB or more, else 1); the "
    "report is the same for any number"
)


READ = functools.partial(read_lines, max_line_bytes=MAX_LINE_BYTES, max_depth=MAX_DEPTH)
"""How diff and profile read lines, in one process or in each worker of ``--jobs``."""


def _jobs(text: str) -> int | None:
    """``--jobs``: a number of processes, or ``auto`` (None)."""
    if text == "auto":
        return None
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"give auto or a number from 1 to {MAX_JOBS}")
    return jobs


@contextlib.contextmanager
def _source(events: str | None) -> Iterator[IO[bytes]]:
    """The events as bytes: a file, ``-`` for standard input, or the sample events."""
    if events in (None, ""):
        with sample_events_path().open("rb") as handle:
            yield handle
    elif events == "-":
        # No standard input at all (a closed descriptor) reads as an empty stream.
        yield sys.stdin.buffer if sys.stdin is not None else io.BytesIO()
    else:
        with Path(events).open("rb") as handle:
            yield handle


def cmd_diff(args: argparse.Namespace) -> int:
    from actions.analysis.diff import RENDERERS
    from actions.analysis.parallel import auto_jobs, diff_lines
    from actions.cli import _configure

    old = _configure(args.old, args.settings, env=args.env)
    new = _configure(args.new, args.settings, env=args.env)
    jobs = args.jobs or auto_jobs(args.events)
    with _source(args.events) as handle:
        differ = diff_lines(old, new, handle, READ, jobs=jobs, max_line_bytes=MAX_LINE_BYTES)
    report = differ.report()
    print(RENDERERS[args.format](report))
    return EXIT_FINDINGS if args.fail_on_change and report["changed"] else EXIT_OK


def cmd_profile(args: argparse.Namespace) -> int:
    from actions.analysis.html import render_html
    from actions.analysis.parallel import auto_jobs, profile_lines
    from actions.analysis.profile import drift, render_text
    from actions.cli import _configure

    configured = _configure(args.config, args.settings, env=args.env)
    jobs = args.jobs or auto_jobs(args.events)
    with _source(args.events) as handle:
        profiler = profile_lines(configured, handle, READ, jobs=jobs, max_line_bytes=MAX_LINE_BYTES)
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
    diff.add_argument("--jobs", type=_jobs, default=None, metavar="N|auto", help=JOBS_HELP)
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
    profile.add_argument("--jobs", type=_jobs, default=None, metavar="N|auto", help=JOBS_HELP)
    profile.set_defaults(handler=cmd_profile)
