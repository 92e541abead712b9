"""The options of ``actions run --send`` and ``actions replay --send``, apart from the delivery
they drive (:mod:`actions.cli.send`, imported only when sending: building the command line
needs none of it)."""

from __future__ import annotations

import argparse


def add_send_arguments(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group("delivery (with --send; see docs/delivery.md)")
    group.add_argument(
        "--send", action="store_true", help="send the requests (default: a dry run that prints)"
    )
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help="send to this scheme, host and port instead of the pack's (path and query kept)",
    )
    group.add_argument(
        "--ledger",
        metavar="FILE",
        help="an SQLite file of the requests answered: a rerun over the same input skips them",
    )
    group.add_argument("--concurrency", type=int, metavar="N", help="requests in flight at most")
    group.add_argument("--rate", type=float, metavar="R", help="requests per second at most")
    group.add_argument("--burst", type=int, metavar="N", help="requests at once after a pause")
    group.add_argument("--max-attempts", type=int, metavar="N", help="tries per request")
    group.add_argument(
        "--max-elapsed", type=float, metavar="SECONDS", help="give a request up after this long"
    )
    group.add_argument(
        "--max-wait",
        type=float,
        metavar="SECONDS",
        help="a batch action's request waits this long at most for its batch to fill",
    )
    group.add_argument(
        "--summary-json", metavar="FILE", help="write the summary (counts, latency) as JSON"
    )
