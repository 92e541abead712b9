"""``actions import segment`` and ``actions export segment`` (see docs/interop.md)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from actions.errors import ActionsError, Diagnostic, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def add_parsers(commands: Any) -> None:
    """Add ``import`` and ``export`` to the command's subparsers."""
    importer = commands.add_parser(
        "import",
        help="make a config from another system's subscriptions and filters (Segment)",
        epilog="examples:\n"
        "  actions import segment subscriptions.json filters.json --destination adjust "
        "-o config.yaml\n"
        "  actions import segment state.json --destination branch --settings branch.yaml "
        "--action 9sQkJpmD2TaPAPS9yRPmxU=log_event",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument("system", choices=["segment"])
    importer.add_argument(
        "files",
        nargs="+",
        help="JSON from Segment's Public API or its Terraform provider (terraform show -json, "
        "a state file, .tf.json)",
    )
    importer.add_argument("--destination", required=True, help="a pack slug or path")
    importer.add_argument("--settings", help="a YAML settings file to put in the config")
    importer.add_argument(
        "--action",
        action="append",
        default=[],
        metavar="SEGMENT=ACTION",
        help="the pack's action for a Segment action id or slug (repeatable)",
    )
    importer.add_argument("--output", "-o", help="write the config here instead of stdout")
    importer.set_defaults(handler=cmd_import)

    exporter = commands.add_parser(
        "export",
        help="write a config's subscriptions and filters for another system (Segment)",
        epilog="examples:\n  actions export segment config.yaml -o segment.json\n"
        "  actions export segment config.yaml --format terraform -o segment.tf.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exporter.add_argument("system", choices=["segment"])
    exporter.add_argument("config", help="a config file")
    exporter.add_argument(
        "--format",
        choices=["api", "terraform"],
        default="api",
        help="api: Public API objects (the default); terraform: .tf.json resources",
    )
    exporter.add_argument("--output", "-o", help="write here instead of stdout")
    exporter.set_defaults(handler=cmd_export)


def _report(findings: Sequence[Diagnostic]) -> None:
    from actions.lint.reporters import render_text

    if findings:
        print(render_text(findings), file=sys.stderr)


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def cmd_import(args: argparse.Namespace) -> int:
    from actions.interop.segment import config_text, import_segment, read_settings
    from actions.lint import lint

    actions: dict[str, str] = {}
    for given in args.action:
        segment, sep, ours = given.partition("=")
        if not sep or not segment or not ours:
            raise ActionsError(f"--action {given!r}: write SEGMENT_ID_OR_SLUG=ACTION")
        actions[segment] = ours
    settings = read_settings(args.settings) if args.settings else None
    converted = import_segment(args.files, args.destination, settings=settings, actions=actions)
    text = config_text(converted.document)
    _write(text, args.output)
    findings = list(converted.findings)
    # The config made is linted as it is written: what it still lacks (settings, say) is said.
    if args.output:
        findings.extend(lint([args.output]))
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "config.yaml"
            path.write_text(text, encoding="utf-8")
            for found in lint([str(path)]):
                where = found.location
                if where is not None:  # the config went to stdout: say so, not the temp file
                    found = found.at(attrs.evolve(where, file="<stdout>"))
                findings.append(found)
    _report(findings)
    return EXIT_FINDINGS if any(d.severity is Severity.ERROR for d in findings) else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from actions.interop.segment import export_segment

    converted = export_segment(args.config, format=args.format)
    _write(json.dumps(converted.document, indent=2, ensure_ascii=False) + "\n", args.output)
    _report(converted.findings)
    return EXIT_FINDINGS if converted.errors else EXIT_OK
