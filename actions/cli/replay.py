"""``actions replay``: run the events of a dead letter again through the current
configuration (a dry run, or ``--send``); what fails again goes to a new dead letter."""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from actions.cli.jsonlines import MAX_DEPTH, dump, outcome_lines, parse, parse_text
from actions.cli.send_options import add_send_arguments
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Failed, Filtered, Outcome, Problem
from actions.errors import ActionsError

if TYPE_CHECKING:
    from actions.cli.send import Item

REPLAY_EXAMPLES = """examples:
  actions replay failed.jsonl --config config.yaml                 # a dry run
  actions replay failed.jsonl --config config.yaml --send --ledger sent.sqlite \\
      --dead-letter failed-again.jsonl
"""


def add_replay_parser(commands: Any) -> None:
    replay = commands.add_parser(
        "replay",
        help="run the events of a dead letter again (engine failures and delivery give-ups)",
        epilog=REPLAY_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("dead_letter_in", metavar="DEAD_LETTER", help="a dead letter file")
    replay.add_argument(
        "--config",
        dest="destination",
        help="a config file, or a pack slug or path (default: the destination its delivery "
        "records name, with --settings)",
    )
    replay.add_argument("--settings", help="a YAML settings file, with a pack")
    replay.add_argument("--output", "-o", help="write outcomes here instead of stdout")
    replay.add_argument("--dead-letter", help="write what fails again here (a new file)")
    replay.add_argument("--reveal-secrets", action="store_true", help="do not redact secrets")
    replay.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    add_send_arguments(replay)
    replay.set_defaults(handler=cmd_replay, spec_check=None)


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line, the record or None, a message when the line is not a record)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            # Read as `actions run` reads a line (no NaN or Infinity, bounded nesting and
            # integers): a row's event one level down.
            record, error = parse_text(line, MAX_DEPTH + 1)
            if error is not None:
                yield number, None, f"dead letter line {number} {error}"
                continue
            if not isinstance(record, dict):
                yield number, None, f"dead letter line {number} is not a record"
                continue
            yield number, record, ""


def _replayed(
    configured: ConfiguredDestination, path: Path, raws: dict[int, dict[str, Any]]
) -> Iterator[Item]:
    """The dead letter's events through ``configured``; ``raws`` gets, per dead-letter line
    whose raw line fails again, its raw fields (for the new dead letter)."""
    for number, record, message in _records(path):
        if record is None:
            yield number, None, [Failed((Problem("$", message),))]
            continue
        event = record.get("event")
        if event is None:
            event, why = _from_raw(record)
            if why is not None:
                raws[number] = {k: record[k] for k in _RAW_KEYS if k in record}
                yield number, None, [Failed((Problem("$", f"dead letter line {number} {why}"),))]
                continue
        outcomes: list[Outcome] = configured.process(event)
        subscription = record.get("subscription")
        if record.get("kind") == "delivery" and isinstance(subscription, str):
            # Only the request that was given up: the event's other requests were answered.
            outcomes = [o for o in outcomes if o.subscription == subscription] or [
                Filtered(f"subscription {subscription!r} no longer makes a request of this event")
            ]
        yield number, event, outcomes


_RAW_KEYS = ("raw", "raw_base64", "length")


def _from_raw(record: dict[str, Any]) -> tuple[Any, str | None]:
    """The event of a row whose input line gave none: its ``raw`` line (``raw_base64``, the
    exact bytes, when the line was not UTF-8) read again as ``actions run`` reads a line, so a
    line fixed by hand in the dead letter replays, and one that is not fails again."""
    encoded, raw = record.get("raw_base64"), record.get("raw")
    if isinstance(encoded, str):
        try:
            data = base64.b64decode(encoded, validate=True)
        except ValueError:
            return None, "has a raw_base64 that is not base64"
    elif isinstance(raw, str):
        data = raw.encode("utf-8", "surrogatepass")
    else:
        return None, "has no event and no raw line (an over-long line is not kept)"
    event, error = parse(data)
    return event, None if error is None else f"(the raw line) {error}"


def _destination_named(path: Path) -> str | None:
    for _number, record, _message in _records(path):
        if record is not None and isinstance(record.get("destination"), str):
            return str(record["destination"])
    return None


def cmd_replay(args: argparse.Namespace) -> int:
    from actions.cli import EXIT_FINDINGS, EXIT_OK, _configure

    source = Path(args.dead_letter_in)
    if not source.is_file():
        raise ActionsError(f"no dead letter file {str(source)!r}")
    for given in (args.dead_letter, args.output):
        if given and Path(given).resolve() == source.resolve():
            raise ActionsError("write to a new file: the dead letter being replayed is the input")
    if args.destination is None:
        args.destination = _destination_named(source)
        if args.destination is None:
            raise ActionsError(
                "the dead letter names no destination: give one with --config (a config file "
                "or a pack slug)"
            )
    configured = _configure(args.destination, args.settings, env=args.env)
    raws: dict[int, dict[str, Any]] = {}
    items = _replayed(configured, source, raws)
    if args.send:
        from actions.cli.send import run_send  # asyncio and delivery: only when sending

        return run_send(args, configured, items)
    out: IO[bytes] = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    dead = open(args.dead_letter, "wb") if args.dead_letter else None  # noqa: SIM115
    kinds: dict[str, int] = {}
    line_of = outcome_lines(args.reveal_secrets)
    try:
        for number, event, outcomes in items:
            for outcome in outcomes:
                outcome, data = line_of(outcome, number)
                out.write(data)
                kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
                if dead is not None and isinstance(outcome, Failed):
                    failure = {
                        "line": number,
                        "event": event,
                        **(raws.get(number, {}) if event is None else {}),
                        "subscription": outcome.subscription,
                        "reason": outcome.reason,
                        "problems": [p.to_dict() for p in outcome.problems],
                    }
                    dead.write(dump(failure))
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        if dead is not None:
            dead.close()
    if not args.quiet:
        print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())), file=sys.stderr)
    return EXIT_FINDINGS if kinds.get("failed") else EXIT_OK
