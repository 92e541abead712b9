"""Events per second through the Beam DirectRunner, beside the plain engine on the same events.

Run: python benchmarks/bench_beam.py [events]   (needs: pip install 'actions[beam]')

The events (the sample stream repeated) are written as JSON lines and read the way a pipeline
reads them: ``ReadFromText | Map(json.loads) | ActionsTransform(spec)``. The same pipeline
without the transform is timed too, so that Beam's cost of running the engine is known apart
from the cost of reading and parsing. (``beam.Create`` over thousands of dicts is not used: on
the DirectRunner it costs about a millisecond per element and would hide everything else.)"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import apache_beam as beam
from _events import load_events, measure

from actions.beam import ActionsTransform
from actions.pipelines import DestinationSpec

PACK = "branch"


def run_beam(path: Path, stage: Callable[[Any], Any]) -> float:
    """Seconds, best of three, for one DirectRunner pipeline: read, parse, ``stage``, count."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with beam.Pipeline() as pipeline:
            events = pipeline | beam.io.ReadFromText(str(path)) | beam.Map(json.loads)
            _ = stage(events) | beam.combiners.Count.Globally()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    events = load_events(count)
    lines = [json.dumps(event) for event in events]
    spec = DestinationSpec.for_pack(PACK)
    configured = spec.build()
    plain = measure(configured.process, events)
    plain_parsed = measure(lambda line: configured.process(json.loads(line)), lines)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        bare = run_beam(path, lambda events: events)
        full = run_beam(path, lambda events: (events | ActionsTransform(spec)).requests)
    engine_in_beam = (full - bare) / count * 1e6
    whole = full / count * 1e6

    def row(label: str, micros: float) -> None:
        print(f"{label:<52} {1e6 / micros:10,.0f} events/s  {micros:8.1f} us/event")

    print(f"{count:,} events (the sample stream repeated), {PACK} pack with its sample settings")
    row("plain engine: process(event)", plain)
    row("plain engine: process(json.loads(line))", plain_parsed)
    row("DirectRunner: read, parse, count (no engine)", bare / count * 1e6)
    row("DirectRunner: read, parse, ActionsTransform, count", whole)
    row("DirectRunner: ActionsTransform alone (difference)", engine_in_beam)
    print(f"overhead of the whole DirectRunner run: {whole / plain_parsed:.1f}x the plain loop")
    print(f"overhead of the engine inside Beam:     {engine_in_beam / plain:.1f}x process(event)")


if __name__ == "__main__":
    main()
