"""Privacy costs: loading suppression lists of 1,000,000 entries (identifiers, and SHA-256
hashes), the engine per event with consent and suppression against the same engine without
them, and @hash per value.

Run: python benchmarks/bench_privacy.py [events]
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events, measure, measure_interleaved
from bench_engine import PACK, SETTINGS, subscriptions

import actions
from actions.engine.privacy import SuppressionList

ENTRIES = 1_000_000


def write_list(folder: Path, hashed: bool) -> Path:
    path = folder / ("hashes.txt" if hashed else "ids.txt")
    with path.open("w", encoding="utf-8") as handle:
        for i in range(ENTRIES):
            text = f"person.{i}@example.com" if i % 3 == 0 else f"u_{i:07d}"
            if hashed:
                text = hashlib.sha256(text.encode()).hexdigest()
            handle.write(text + "\n")
    return path


def load_time(path: Path, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        SuppressionList.load([path])
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ids, hashes = write_list(folder, False), write_list(folder, True)
        print(
            f"suppression list, {ENTRIES:,} identifiers: {load_time(ids):.2f} s to load (best of 3)"
        )
        print(f"suppression list, {ENTRIES:,} SHA-256 hex:  {load_time(hashes):.2f} s to load")
        events = load_events(n)
        destination = actions.load_destination(PACK)
        subs = subscriptions(20)
        consent = {"categories": ["Advertising"], "absent": "allow"}
        runs = {
            "engine": actions.configure(destination, SETTINGS, subs),
            "engine + consent": actions.configure(destination, SETTINGS, subs, consent=consent),
            "engine + suppress (ids)": actions.configure(
                destination, SETTINGS, subs, suppress=[str(ids)]
            ),
            "engine + suppress (hashes)": actions.configure(
                destination, SETTINGS, subs, suppress=[str(hashes)]
            ),
            "engine + both (ids)": actions.configure(
                destination, SETTINGS, subs, consent=consent, suppress=[str(ids)]
            ),
        }
        costs = measure_interleaved({k: v.process for k, v in runs.items()}, events)
    print(f"events: {n}, subscriptions: 20 (best of 7 interleaved passes)")
    for name, cost in costs.items():
        print(f"{name:<28} {cost:6.2f} µs/event  ({cost / costs['engine']:.2f}x the engine)")
    value = {"traits": {"email": "  Person.42@Example.com "}}
    for name, options in (
        ("@hash email sha256 hex", {"normalize": "email"}),
        ("@hash email hmac", {"normalize": "email", "key": "pepper"}),
        ("@hash phone (E.164)", {"normalize": "phone", "country": "US"}),
    ):
        path = "$.traits.email" if "phone" not in name else "$.traits.phone"
        data = value if "phone" not in name else {"traits": {"phone": "(415) 555-2671"}}
        compiled = actions.mapping.compile({"@hash": {"value": {"@path": path}, **options}})
        cost = measure(compiled.apply, [data] * 10_000)
        print(f"{name:<28} {cost:6.2f} µs/value")


if __name__ == "__main__":
    main()
