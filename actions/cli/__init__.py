"""The ``actions`` command: run, test, explain, schema."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import yaml

from actions.destinations.loading import load_destination, resolve
from actions.destinations.schema import CONFIG_SCHEMA, DESTINATION_SCHEMA
from actions.engine.config import load_config
from actions.engine.engine import SPEC_CHECKS, ConfiguredDestination, SpecCheck
from actions.engine.outcomes import Failed, Problem
from actions.errors import ActionsError, InvalidInputError, render_diagnostic
from actions.interop.cli import add_parsers as interop_parsers
from actions.samples import sample_events_path
from actions.yamlsource import load_yaml

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

RUN_EXAMPLES = """examples:
  actions run branch                              # sample events, sample settings
  actions run adjust events.jsonl --settings adjust.yaml --output requests.jsonl
  actions run config.yaml - --dead-letter failed.jsonl < events.jsonl
"""


def _configure(
    target: str, settings_file: str | None, spec_check: SpecCheck | None = None
) -> ConfiguredDestination:
    """A destination slug or pack path (with settings), or a config file."""
    path = Path(target)
    if path.is_file() and path.name != "destination.yaml":
        loaded = load_yaml(path.read_text(encoding="utf-8"), str(path))
        if isinstance(loaded.value, dict) and "destination" in loaded.value:
            return load_config(path, spec_check)
    destination = load_destination(target)
    if settings_file:
        loaded = load_yaml(Path(settings_file).read_text(encoding="utf-8"), settings_file)
        loaded.raise_for_errors(f"settings {settings_file}")
        settings = dict(loaded.value or {})
    else:
        settings = destination.sample_settings()
    return destination.configure(settings, spec_check=spec_check or "read")


def _events(source: str | None) -> Iterator[tuple[int, Any]]:
    """(line number, event) for each line; a malformed line gives a Failed marker."""
    handle: IO[str]
    if source in (None, ""):
        handle = sample_events_path().open(encoding="utf-8")
    elif source == "-":
        handle = sys.stdin
    else:
        handle = Path(source).open(encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield (
                    number,
                    _Malformed(f"line {number} is not JSON: {exc.msg} (column {exc.colno})"),
                )
    finally:
        if handle is not sys.stdin:
            handle.close()


class _Malformed:
    def __init__(self, message: str) -> None:
        self.message = message


def cmd_run(args: argparse.Namespace) -> int:
    configured = _configure(args.destination, args.settings, args.spec_check)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    dead = open(args.dead_letter, "w", encoding="utf-8") if args.dead_letter else None  # noqa: SIM115
    kinds: dict[str, int] = {}
    per_subscription: dict[str, dict[str, int]] = {}
    start = time.perf_counter()
    count = 0
    show_progress = sys.stderr.isatty() and not args.quiet
    try:
        for number, event in _events(args.events):
            count += 1
            if isinstance(event, _Malformed):
                outcomes: list[Any] = [Failed((Problem("$", event.message),))]
            else:
                outcomes = configured.process(event)
            for outcome in outcomes:
                record = outcome.to_dict(reveal_secrets=args.reveal_secrets)
                record["line"] = number
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
                name = getattr(outcome, "subscription", None) or "(destination)"
                per_subscription.setdefault(name, {}).setdefault(outcome.kind, 0)
                per_subscription[name][outcome.kind] += 1
                if dead is not None and isinstance(outcome, Failed):
                    dead.write(
                        json.dumps(
                            {
                                "line": number,
                                "event": None if isinstance(event, _Malformed) else event,
                                "subscription": outcome.subscription,
                                "reason": outcome.reason,
                                "problems": [p.to_dict() for p in outcome.problems],
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
            if show_progress and count % 1000 == 0:
                rate = count / max(time.perf_counter() - start, 1e-9)
                bar = "#" * min(30, count // 1000 % 31)
                print(
                    f"\r[{bar:<30}] {count:,} events, {rate:,.0f}/s",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if out is not sys.stdout:
            out.close()
        if dead is not None:
            dead.close()
    elapsed = time.perf_counter() - start
    if not args.quiet:
        if show_progress:
            print("\r", end="", file=sys.stderr)
        rate = count / elapsed if elapsed > 0 else 0.0
        print(f"{count} events in {elapsed:.2f}s ({rate:,.0f} events/s)", file=sys.stderr)
        print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())), file=sys.stderr)
        for name, counts in per_subscription.items():
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            print(f"  {name}: {shown}", file=sys.stderr)
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    failures = total = 0
    for file in _fixture_files(args.paths):
        loaded = load_yaml(file.read_text(encoding="utf-8"), str(file))
        loaded.raise_for_errors(f"fixture {file}")
        fixture = loaded.value
        target = args.destination or fixture.get("destination") or file.parent.parent
        destination = load_destination(
            target if isinstance(target, Path) else _relative(file, target)
        )
        settings = {**destination.sample_settings(), **(fixture.get("settings") or {})}
        configured = destination.configure(settings, fixture.get("subscriptions"))
        for case in fixture.get("cases", [fixture]):
            total += 1
            got = [o.to_dict() for o in configured.process(case["event"])]
            if got != case["expected"]:
                failures += 1
                print(f"FAIL {file}: {case.get('name', '')}")
                want_text = json.dumps(
                    case["expected"], indent=1, sort_keys=True, ensure_ascii=False
                )
                got_text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False)
                diff = difflib.unified_diff(
                    want_text.splitlines(), got_text.splitlines(), "expected", "got", lineterm=""
                )
                print("\n".join(diff))
    print(f"{total - failures} passed, {failures} failed")
    return EXIT_FINDINGS if failures else EXIT_OK


def _relative(file: Path, target: str) -> str:
    candidate = file.parent / target
    return str(candidate) if candidate.exists() else target


def _fixture_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.yaml")))
        elif path.is_file():
            files.append(path)
        else:
            pack = resolve(raw).parent / "fixtures"
            files.extend(sorted(pack.glob("*.yaml")))
    return files


def cmd_explain(args: argparse.Namespace) -> int:
    configured = _configure(args.destination, args.settings)
    text = (
        Path(args.event).read_text(encoding="utf-8") if Path(args.event).is_file() else args.event
    )
    event = json.loads(text)
    for compiled in configured._subscriptions:
        name = compiled.subscription.name
        matched = compiled.trigger.matches(event)
        print(
            f"subscription {name!r} ({compiled.action.key}): "
            + ("matched" if matched else "not matched")
        )
        print("  trigger:")
        print(
            "\n".join(
                "    " + line for line in compiled.trigger.explain(event).render().splitlines()
            )
        )
        if not matched:
            continue
        print("  mapping:")
        for entry in compiled.mapping.trace(event, configured._settings):
            value = (
                "(missing)"
                if repr(entry.value) == "MISSING"
                else json.dumps(entry.value, ensure_ascii=False)
            )
            print(f"    {entry.key} = {value}  ← {entry.origin}")
            for failure in entry.failures:
                print(f"      failed: {failure}")
    print("outcomes:")
    for outcome in configured.process(event):
        print(
            "  "
            + json.dumps(outcome.to_dict(payload=True), ensure_ascii=False, indent=2).replace(
                "\n", "\n  "
            )
        )
    return EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    from actions.errors import Severity
    from actions.lint import REPORTERS, RULES, lint

    if args.explain:
        rule = RULES.get(args.explain)
        if rule is None:
            print(
                f"actions: no lint rule {args.explain!r}; rules: {', '.join(sorted(RULES))}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print(f"{rule.id} ({rule.severity.value}): {rule.summary}\n\n{rule.explanation}")
        return EXIT_OK
    if not args.paths:
        print("actions lint: give at least one file or folder", file=sys.stderr)
        return EXIT_USAGE
    unknown = [r for r in args.ignore if r not in RULES]
    if unknown:
        print(f"actions: no lint rule {unknown[0]!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        findings = lint(args.paths, args.ignore)
    except FileNotFoundError as exc:
        print(f"actions: {exc}", file=sys.stderr)
        return EXIT_USAGE
    output = REPORTERS[args.format](findings)
    if output:
        print(output)
    threshold = Severity(args.fail_level).rank
    return EXIT_FINDINGS if any(d.severity.rank >= threshold for d in findings) else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from actions.destinations.schema import FIXTURES_SCHEMA, settings_schema

    if args.kind == "settings":
        if not args.destination:
            print("actions schema settings: name a destination", file=sys.stderr)
            return EXIT_USAGE
        destination = load_destination(args.destination)
        schema = settings_schema(destination.slug, destination.settings)
    else:
        schema = {"config": CONFIG_SCHEMA, "fixtures": FIXTURES_SCHEMA}.get(
            args.kind, DESTINATION_SCHEMA
        )
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actions",
        description="Turn Segment events into destination requests, declared in YAML.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="process events into requests (JSON lines)",
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "destination", help="a pack slug (adjust, branch, kochava), a pack path, or a config file"
    )
    run.add_argument(
        "events", nargs="?", help="a JSON-lines file, or - for stdin (default: the sample events)"
    )
    run.add_argument(
        "--settings", help="a YAML settings file (default: the pack's sample settings)"
    )
    run.add_argument("--output", "-o", help="write outcomes here instead of stdout")
    run.add_argument(
        "--dead-letter", help="write failed events here, with the reason and field paths"
    )
    run.add_argument(
        "--spec-check",
        choices=SPEC_CHECKS,
        help="read (the default): check every event's envelope and the documented fields each "
        "matching subscription reads; full: every documented field of every event",
    )
    run.add_argument("--reveal-secrets", action="store_true", help="do not redact secret settings")
    run.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    run.set_defaults(handler=cmd_run)

    test = commands.add_parser(
        "test",
        help="run fixture files (event in, expected outcomes out)",
        epilog="examples:\n  actions test adjust\n"
        "  actions test mappings/branch/fixtures/purchase.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument("paths", nargs="+", help="fixture files or folders, or a pack slug")
    test.add_argument(
        "--destination", help="the destination to test against (default: from the fixture)"
    )
    test.set_defaults(handler=cmd_test)

    explain = commands.add_parser(
        "explain",
        help="why one event did or did not become a request",
        epilog="examples:\n  actions explain adjust event.json\n"
        '  actions explain branch \'{"type": "track", ...}\'',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("destination")
    explain.add_argument("event", help="a JSON file or inline JSON")
    explain.add_argument("--settings")
    explain.set_defaults(handler=cmd_explain)

    lint_parser = commands.add_parser(
        "lint",
        help="check packs and configs statically",
        epilog="examples:\n  actions lint mappings/\n  actions lint config.yaml --format github\n"
        "  actions lint --explain mixed-and-or",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lint_parser.add_argument("paths", nargs="*", help="files or folders (YAML)")
    lint_parser.add_argument(
        "--format", choices=["text", "concise", "json", "github", "sarif"], default="text"
    )
    lint_parser.add_argument("--fail-level", choices=["info", "warning", "error"], default="error")
    lint_parser.add_argument(
        "--ignore", action="append", default=[], metavar="RULE", help="skip a rule (repeatable)"
    )
    lint_parser.add_argument(
        "--explain", metavar="RULE", help="what a rule checks, why, and how to fix it"
    )
    lint_parser.set_defaults(handler=cmd_lint)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema (draft-07) of packs, configs, fixtures or a pack's settings",
        epilog="examples:\n  actions schema destination > destination.schema.json\n"
        "  actions schema config\n  actions schema settings adjust",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument(
        "kind",
        nargs="?",
        choices=["destination", "config", "fixtures", "settings"],
        default="destination",
    )
    schema.add_argument("destination", nargs="?", help="for settings: the destination")
    schema.set_defaults(handler=cmd_schema)
    interop_parsers(commands)  # import, export
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and EXIT_USAGE
    try:
        return int(args.handler(args))
    except InvalidInputError as exc:
        for diagnostic in exc.diagnostics:
            print(render_diagnostic(diagnostic), file=sys.stderr)
        return EXIT_FINDINGS
    except (ActionsError, OSError, json.JSONDecodeError, yaml.YAMLError) as exc:
        print(f"actions: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # an internal error: say so, with exit code 3
        print(f"actions: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
