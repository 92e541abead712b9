"""The ``actions`` command: run, test, explain, lint, schema, replay, diff, profile."""

from __future__ import annotations

import argparse
import io
import json
import os
import stat
import sys
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import yaml

from actions.cli.analysis import add_parsers as analysis_parsers
from actions.cli.jsonlines import (
    MAX_DEPTH,
    MAX_LINE_BYTES,
    Line,
    dump,
    outcome_lines,
    parse,
    parse_text,
    read_lines,
)
from actions.cli.replay import add_replay_parser
from actions.cli.send_options import add_send_arguments
from actions.destinations.loading import load_destination
from actions.destinations.schema import CONFIG_SCHEMA, DESTINATION_SCHEMA
from actions.engine.config import load_settings
from actions.engine.configfile import load_config
from actions.engine.configure import configure
from actions.engine.engine import SPEC_CHECKS, ConfiguredDestination, SpecCheck
from actions.engine.outcomes import Failed, Problem
from actions.engine.privacy import explain as privacy_explain
from actions.environment import DEFAULT_ENVIRONMENT, Environment
from actions.errors import ActionsError, InvalidInputError, render_diagnostic
from actions.interop.cli import add_parsers as interop_parsers
from actions.samples import sample_events_path
from actions.yamlsource import load_yaml

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for a program ended by a closed pipe

RUN_EXAMPLES = """examples:
  actions run branch                              # sample events, sample settings
  actions run adjust events.jsonl --settings adjust.yaml --output requests.jsonl
  actions run config.yaml - --dead-letter failed.jsonl < events.jsonl
  actions run adjust events.jsonl -q --fail-on failed   # CI: exit 1 if any event failed
"""


def _configure(
    target: str,
    settings_file: str | None,
    spec_check: SpecCheck | None = None,
    *,
    env: Environment = DEFAULT_ENVIRONMENT,
) -> ConfiguredDestination:
    """A destination slug or pack path (with settings), or a config file, in ``env``."""
    path = Path(target)
    if path.is_file() and path.name != "destination.yaml":
        loaded = load_yaml(path.read_bytes(), str(path))
        if isinstance(loaded.value, dict) and "destination" in loaded.value:
            return load_config(path, spec_check, env=env)
    destination = load_destination(target, env=env)
    if settings_file:
        settings = load_settings(settings_file, destination)
    else:
        settings = destination.sample_settings()
    return configure(destination, settings, spec_check=spec_check or "read")


def _events(
    source: str | None,
    max_line_bytes: int,
    max_depth: int,
) -> Generator[Line]:
    """Each non-blank line of the events (a file, ``-`` for stdin, or the samples), read as
    bytes with bounds (see :mod:`actions.cli.jsonlines`): a bad line carries its error."""
    handle: IO[bytes]
    if source in (None, ""):
        handle = sample_events_path().open("rb")
    elif source == "-":
        # No standard input at all (a closed descriptor) reads as an empty stream.
        handle = sys.stdin.buffer if sys.stdin is not None else io.BytesIO()
    else:
        handle = Path(source).open("rb")  # noqa: SIM115 - closed below
    try:
        yield from read_lines(handle, max_line_bytes, max_depth)
    finally:
        if source != "-":
            handle.close()


def _may_wait(source: str | None) -> bool:
    """Whether reading the events may wait for a writer (standard input that is a pipe or a
    terminal, or that cannot be told): then each line's outcomes are flushed before the next
    line is read, so that a reader sees them at once. From a file, they are written as the
    buffer fills (8 KiB) and at the end."""
    if source != "-" or sys.stdin is None:
        return False
    try:
        return not stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError):  # no file descriptor (standard input replaced in-process)
        return True


FAIL_ON_KINDS = ("failed", "skipped", "filtered")


def _fail_on(text: str) -> list[str]:
    """``--fail-on`` values: outcome kinds, comma-separated."""
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    for kind in kinds:
        if kind not in FAIL_ON_KINDS:
            raise argparse.ArgumentTypeError(
                f"{kind!r} is not an outcome kind to fail on; "
                f"choose from {', '.join(FAIL_ON_KINDS)}"
            )
    return kinds


def _line_failed(line: Line, message: str) -> Failed:
    return Failed((Problem("$", f"line {line.number} {message}"),))


def _planned(lines: Generator[Line], checker: Any) -> Generator[Line]:
    """The lines, each event checked against the tracking plan as it passes."""
    try:
        for line in lines:
            if line.error is None:
                checker.check(line.event)
            yield line
    finally:
        lines.close()


def _plan_summary(checker: Any, quiet: bool) -> None:
    if checker is not None and not quiet:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(checker.counts.items())) or "none"
        print(f"  tracking plan violations (events): {counts}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    configured = _configure(args.destination, args.settings, args.spec_check, env=args.env)
    lines = _events(args.events, args.max_line_bytes, args.max_depth)
    checker = None
    if args.plan:
        from actions.plans import EventChecker, load_plan

        checker = EventChecker(load_plan(args.plan))
        lines = _planned(lines, checker)
    if args.send:
        from actions.cli.send import run_send  # asyncio and delivery: only when sending

        code = run_send(
            args,
            configured,
            (
                (line.number, None, [_line_failed(line, line.error)])
                if line.error is not None
                else (line.number, line.event, configured.process(line.event))
                for line in lines
            ),
        )
        _plan_summary(checker, args.quiet)
        return code
    out: IO[bytes] = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    dead = open(args.dead_letter, "wb") if args.dead_letter else None  # noqa: SIM115
    start = time.perf_counter()
    show_progress = sys.stderr.isatty() and not args.quiet
    try:
        count, kinds, per_subscription = run_stream(
            configured,
            lines,
            out,
            dead,
            args.reveal_secrets,
            show_progress,
            flush_each_line=_may_wait(args.events),
        )
    finally:
        lines.close()
        if args.output:
            out.close()
        if dead is not None:
            dead.close()
    elapsed = time.perf_counter() - start
    failing = [
        kind for kind in dict.fromkeys(k for ks in args.fail_on for k in ks) if kinds.get(kind)
    ]
    if not args.quiet:
        if show_progress:
            print("\r", end="", file=sys.stderr)
        rate = count / elapsed if elapsed > 0 else 0.0
        print(f"{count} events in {elapsed:.2f}s ({rate:,.0f} events/s)", file=sys.stderr)
        print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())), file=sys.stderr)
        for name, counts in per_subscription.items():
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            print(f"  {name}: {shown}", file=sys.stderr)
        _plan_summary(checker, args.quiet)
        if failing:
            shown = ", ".join(f"{kinds[k]} {k}" for k in failing)
            print(f"actions run: {shown} (--fail-on): exit code 1", file=sys.stderr)
    return EXIT_FINDINGS if failing else EXIT_OK


def run_stream(
    configured: ConfiguredDestination,
    lines: Iterable[Line],
    out: IO[bytes],
    dead: IO[bytes] | None,
    reveal_secrets: bool,
    show_progress: bool = False,
    flush_each_line: bool = False,
) -> tuple[int, dict[str, int], dict[str, dict[str, int]]]:
    """What ``actions run`` does once the destination is configured: each line's outcomes
    written to ``out`` (a failed one also to ``dead``), flushed after each line when
    ``flush_each_line`` (else as the buffers fill, and by the caller at the end); and the
    counts: lines, outcomes per kind, outcomes per subscription and kind."""
    write, process, line_of = out.write, configured.process, outcome_lines(reveal_secrets)
    counts: dict[tuple[str | None, str], int] = {}  # (subscription, kind)
    start = time.perf_counter()
    count = 0
    for line in lines:
        count += 1
        number = line.number
        outcomes: list[Any]
        if line.error is None:
            try:
                outcomes = process(line.event)
            except Exception as exc:  # process never raises; should it, the run goes on
                outcomes = [_line_failed(line, f"internal error: {type(exc).__name__}")]
        else:
            outcomes = [_line_failed(line, line.error)]
        for outcome in outcomes:
            outcome, data = line_of(outcome, number)
            write(data)
            key = (outcome.subscription, outcome.kind)
            counts[key] = counts.get(key, 0) + 1
            if dead is not None and isinstance(outcome, Failed):
                dead.write(_dead_letter(line, outcome))
        if flush_each_line:
            out.flush()
            if dead is not None:
                dead.flush()
        if show_progress and count % 1000 == 0:
            rate = count / max(time.perf_counter() - start, 1e-9)
            bar = "#" * min(30, count // 1000 % 31)
            print(
                f"\r[{bar:<30}] {count:,} events, {rate:,.0f}/s",
                end="",
                file=sys.stderr,
                flush=True,
            )
    kinds: dict[str, int] = {}
    per_subscription: dict[str, dict[str, int]] = {}
    for (subscription, kind), number in counts.items():
        kinds[kind] = kinds.get(kind, 0) + number
        named = per_subscription.setdefault(subscription or "(destination)", {})
        named[kind] = named.get(kind, 0) + number
    return count, kinds, per_subscription


def _dead_letter(line: Line, outcome: Failed) -> bytes:
    """The dead-letter row of a failed outcome: the event, or when the line gave none (or the
    event cannot be written back as JSON), the raw line to replay (see ``Line.raw``)."""
    row: dict[str, Any] = {
        "line": line.number,
        "event": line.event if line.error is None else None,
        "subscription": outcome.subscription,
        "reason": outcome.reason,
        "problems": [p.to_dict() for p in outcome.problems],
    }
    if line.error is not None:
        row.update(line.raw)
    try:
        return dump(row)
    except (ValueError, RecursionError):
        return dump({**row, "event": None, **line.raw})


def cmd_test(args: argparse.Namespace) -> int:
    from actions.testing import run_tests
    from actions.testing.generate import generate_suite

    if args.generate:
        if not args.output:
            print("actions test --generate: give --output DIR", file=sys.stderr)
            return EXIT_USAGE
        path, cases, coverage = generate_suite(args.generate, args.output, env=args.env)
        print(f"wrote {path}: {len(cases)} cases, coverage {coverage.percent}%")
        return EXIT_OK
    if not args.paths:
        print("actions test: give fixture files or folders, or a pack name", file=sys.stderr)
        return EXIT_USAGE
    run = run_tests(
        args.paths,
        sys.stdout,
        destination=args.destination,
        update=args.update,
        coverage=args.coverage or args.min_coverage is not None,
        coverage_json=args.coverage_json,
        env=args.env,
    )
    if run.failed:
        return EXIT_FINDINGS
    recorded = run.coverage
    if args.min_coverage is not None and recorded and recorded.percent < args.min_coverage:
        print(
            f"coverage {recorded.percent}% is below --min-coverage {args.min_coverage}%",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    configured = _configure(args.destination, args.settings, env=args.env)
    if args.code:
        for line in code_lines(configured):
            print(line)
        return EXIT_OK
    if args.event is None:
        print(
            "actions explain: give an event (a JSON file or inline JSON), or --code",
            file=sys.stderr,
        )
        return EXIT_USAGE
    event, error = _explain_event(args.event)
    if error is not None:
        print(f"actions explain: {error}", file=sys.stderr)
        return EXIT_USAGE
    for line in explain_lines(configured, event):
        print(line)
    return EXIT_OK


def code_lines(configured: ConfiguredDestination) -> Iterator[str]:
    """What ``actions explain --code`` prints: per subscription, the Python source generated for
    its trigger and its mapping. Every value of the pack, the config and the settings is bound
    to a name (``_c0``, ...), never written into the source, so nothing secret is shown."""
    for compiled in configured.compiled:
        yield f"# subscription {compiled.subscription.name!r} ({compiled.action.key})"
        yield "# trigger: " + compiled.trigger.source
        yield from compiled.trigger.source_code.rstrip().splitlines()
        yield "# mapping"
        code = compiled.mapping.source_code
        yield from (code or "# (closures: no generated source)").rstrip().splitlines()
        yield ""


def explain_lines(configured: ConfiguredDestination, event: Any) -> Iterator[str]:
    """What ``actions explain`` prints: per subscription, its trigger and mapping traced for
    the event, then the outcomes (as shown: nothing derived from a secret setting)."""
    yield from privacy_explain(configured.consent, configured.suppression, event)
    if isinstance(event, dict):
        yield from configured.explain_filters(event)  # each destination filter's decision
    for compiled in configured.compiled:
        name = compiled.subscription.name
        matched = compiled.trigger.matches(event)
        yield f"subscription {name!r} ({compiled.action.key}): " + (
            "matched" if matched else "not matched"
        )
        yield "  trigger:"
        for line in compiled.trigger.explain(event).render().splitlines():
            yield "    " + line
        if not matched:
            continue
        yield "  mapping:"
        # Values and failures as the shown settings (each secret ***) give them; a value that
        # differs with the real settings is derived from a secret, and says so.
        real = compiled.mapping.trace(event, configured._settings)
        shown = compiled.mapping.trace(event, configured.settings_view)
        for entry, view in zip(real, shown, strict=True):
            value = (
                "(missing)"
                if repr(view.value) == "MISSING"
                else json.dumps(view.value, ensure_ascii=False)
            )
            secret = "  (from a secret setting, shown as ***)" if entry != view else ""
            yield f"    {view.key} = {value}  ← {entry.origin}{secret}"
            for failure in view.failures:
                yield f"      failed: {failure}"
    yield "outcomes:"
    for outcome in configured.process(event):
        shown_outcome = json.dumps(outcome.to_dict(payload=True), ensure_ascii=False, indent=2)
        yield "  " + shown_outcome.replace("\n", "\n  ")


def _explain_event(argument: str) -> tuple[Any, str | None]:
    """The event ``explain`` is given: inline JSON (text that starts with ``{`` or ``[``, of any
    length, or any text that names no file) or a JSON file, with ``run``'s bounds."""
    if argument.lstrip()[:1] not in ("{", "["):
        path = Path(argument)
        try:
            is_file = path.is_file()
        except (OSError, ValueError):  # a name too long for the system, a NUL byte
            is_file = False
        if is_file:
            with path.open("rb") as handle:
                data = handle.read(MAX_LINE_BYTES + 1)
            if len(data) > MAX_LINE_BYTES:
                return None, f"{argument} is over {MAX_LINE_BYTES:,} bytes"
            event, error = parse(data)
            return event, None if error is None else f"{argument} {error}"
        event, error = parse_text(argument)
        shown = argument if len(argument) <= 60 else argument[:57] + "..."
        return event, None if error is None else f"{shown} names no file, and {error}"
    event, error = parse_text(argument)
    return event, None if error is None else f"the event {error}"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def cmd_lint(args: argparse.Namespace) -> int:
    from actions.errors import Severity
    from actions.lint import REPORTERS, render_summary
    from actions.lint.reporters import render_sarif

    rules = args.env.rules
    if args.explain:
        rule = rules.get(args.explain)
        if rule is None:
            print(
                f"actions: no lint rule {args.explain!r}; rules: {', '.join(sorted(rules))}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print(f"{rule.id} ({rule.severity.value}): {rule.summary}\n\n{rule.explanation}")
        return EXIT_OK
    if not args.paths:
        print("actions lint: give at least one file or folder", file=sys.stderr)
        return EXIT_USAGE
    unknown = [r for r in args.ignore if r not in rules]
    if unknown:
        print(f"actions: no lint rule {unknown[0]!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        plan = None
        if args.plan:
            from actions.plans import load_plan

            plan = load_plan(args.plan)
        result = args.env.lint(args.paths, args.ignore, plan)
    except FileNotFoundError as exc:
        print(f"actions: {exc}", file=sys.stderr)
        return EXIT_USAGE
    findings = result.findings
    if args.format == "sarif":
        output = render_sarif(findings, rules)
    else:
        output = REPORTERS[args.format](findings)
    if output:
        print(output)
    if args.format == "text":  # the other formats stay machine-readable
        print(render_summary(len(result.files), findings))
    threshold = Severity(args.fail_level).rank
    return EXIT_FINDINGS if any(d.severity.rank >= threshold for d in findings) else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from actions.destinations.schema import FIXTURES_SCHEMA, settings_schema

    if args.kind == "settings":
        if not args.destination:
            print("actions schema settings: name a destination", file=sys.stderr)
            return EXIT_USAGE
        destination = load_destination(args.destination, env=args.env)
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
        "--dead-letter",
        help="write failed events here, with the reason and field paths (the raw line when it gave "
        "no event)",
    )
    run.add_argument(
        "--spec-check",
        choices=SPEC_CHECKS,
        help="read (the default): check every event's envelope and the documented fields each "
        "matching subscription reads; full: every documented field of every event",
    )
    run.add_argument("--reveal-secrets", action="store_true", help="do not redact secret settings")
    run.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    run.add_argument(
        "--fail-on",
        type=_fail_on,
        action="append",
        default=[],
        metavar="KIND[,KIND]",
        help="exit with 1 when any outcome is of this kind: failed, skipped, filtered "
        "(comma-separated or repeated; default: exit 0 whatever the outcomes)",
    )
    run.add_argument(
        "--max-line-bytes",
        type=_positive,
        default=MAX_LINE_BYTES,
        metavar="N",
        help=f"a longer line is a failed outcome, not read into memory (default {MAX_LINE_BYTES})",
    )
    run.add_argument(
        "--max-depth",
        type=_positive,
        default=MAX_DEPTH,
        metavar="N",
        help=f"an event nested deeper is a failed outcome (default {MAX_DEPTH})",
    )
    run.add_argument(
        "--plan",
        metavar="PLAN",
        help="check each event against a tracking plan (JSON or YAML) and count the violations",
    )
    add_send_arguments(run)
    run.set_defaults(handler=cmd_run)

    test = commands.add_parser(
        "test",
        help="run fixture files (event in, expected outcomes out)",
        epilog="examples:\n  actions test adjust\n"
        "  actions test mappings/branch/fixtures/purchase.yaml\n"
        "  actions test tests/ --coverage --min-coverage 90\n"
        "  actions test --generate config.yaml --output tests/generated",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument("paths", nargs="*", help="fixture files or folders, or a pack slug")
    test.add_argument(
        "--destination", help="the destination to test against (default: from the fixture)"
    )
    test.add_argument(
        "--update",
        action="store_true",
        help="rewrite the expected outcomes from what the code gives now (assertions are kept)",
    )
    test.add_argument(
        "--generate",
        metavar="CONFIG_OR_PACK",
        help="write a fixture file of events made from each trigger (needs --output)",
    )
    test.add_argument("--output", metavar="DIR", help="where --generate writes")
    test.add_argument("--coverage", action="store_true", help="report what the fixtures exercised")
    test.add_argument("--coverage-json", metavar="FILE", help="write the coverage as JSON")
    test.add_argument(
        "--min-coverage",
        type=float,
        metavar="PCT",
        help="exit 1 when the coverage is below PCT percent",
    )
    test.set_defaults(handler=cmd_test)

    explain = commands.add_parser(
        "explain",
        help="why one event did or did not become a request",
        epilog="examples:\n  actions explain adjust event.json\n"
        '  actions explain branch \'{"type": "track", ...}\'\n'
        "  actions explain adjust --code",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("destination")
    explain.add_argument("event", nargs="?", help="a JSON file or inline JSON")
    explain.add_argument("--settings")
    explain.add_argument(
        "--code",
        action="store_true",
        help="print the Python generated for each subscription's trigger and mapping",
    )
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
    lint_parser.add_argument(
        "--plan",
        metavar="PLAN",
        help="check triggers and mappings against a tracking plan (Protocols JSON or YAML)",
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
    add_replay_parser(commands)
    interop_parsers(commands)  # import, export
    analysis_parsers(commands)  # diff, profile
    return parser


def main(argv: list[str] | None = None, *, env: Environment | None = None) -> int:
    """Run the command line ``argv`` (``sys.argv[1:]`` when None) in ``env`` (the default
    environment when None): a project with its own directives, functions or lint rules runs
    ``actions`` through its own entry point, ``sys.exit(main(env=MY_ENVIRONMENT))``."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.env = DEFAULT_ENVIRONMENT if env is None else env
    except SystemExit as exc:  # --help, or a usage error
        code = int(exc.code or 0) and EXIT_USAGE
        try:
            sys.stdout.flush()  # --help into a closed pipe shows here
        except BrokenPipeError:
            return _broken_pipe()
        return code
    try:
        code = int(args.handler(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except BrokenPipeError:
        return _broken_pipe()
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


def _broken_pipe() -> int:
    """Standard output was closed early (``actions schema | head -1``): stop quietly, with the
    code a shell gives a program ended by SIGPIPE. What is still buffered goes nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (stdout replaced in-process)
        pass
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
