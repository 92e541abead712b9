"""``actions replay``: run the events of a dead letter again through the current
configuration (a dry run, or ``--send``); what fails again goes to a new dead letter."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from actions.cli.send import Item, add_send_arguments, run_send
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Failed, Filtered, Outcome, Problem
from actions.errors import ActionsError

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
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"dead letter line {number} is not JSON: {exc.msg}"
                continue
            if not isinstance(record, dict):
                yield number, None, f"dead letter line {number} is not a record"
                continue
            yield number, record, ""


def _replayed(configured: ConfiguredDestination, path: Path) -> Iterator[Item]:
    for number, record, message in _records(path):
        if record is None:
            yield number, None, [Failed((Problem("$", message),))]
            continue
        event = record.get("event")
        if event is None:
            why = f"dead letter line {number} has no event (the input line was not an event)"
            yield number, None, [Failed((Problem("$", why),))]
            continue
        outcomes: list[Outcome] = configured.process(event)
        subscription = record.get("subscription")
        if record.get("kind") == "delivery" and isinstance(subscription, str):
            # Only the request that was given up: the event's other requests were answered.
            outcomes = [o for o in outcomes if o.subscription == subscription] or [
                Filtered(f"subscription {subscription!r} no longer makes a request of this event")
            ]
        yield number, event, outcomes


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
    configured = _configure(args.destination, args.settings)
    items = _replayed(configured, source)
    if args.send:
        return run_send(args, configured, items)
    out: IO[str] = (
        open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    )
    dead = open(args.dead_letter, "w", encoding="utf-8") if args.dead_letter else None  # noqa: SIM115
    kinds: dict[str, int] = {}
    try:
        for number, event, outcomes in items:
            for outcome in outcomes:
                kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
                record = outcome.to_dict(reveal_secrets=args.reveal_secrets)
                record["line"] = number
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                if dead is not None and isinstance(outcome, Failed):
                    failure = {
                        "line": number,
                        "event": event,
                        "subscription": outcome.subscription,
                        "reason": outcome.reason,
                        "problems": [p.to_dict() for p in outcome.problems],
                    }
                    dead.write(json.dumps(failure, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
        if dead is not None:
            dead.close()
    if not args.quiet:
        print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())), file=sys.stderr)
    return EXIT_FINDINGS if kinds.get("failed") else EXIT_OK
