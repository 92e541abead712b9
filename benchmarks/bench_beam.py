"""Events per second through the Beam DirectRunner, beside the plain engine on the same events.

Run: python benchmarks/bench_beam.py [events]   (needs: pip install 'actions[beam]')
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import apache_beam as beam
from _events import load_events
from apache_beam.options.pipeline_options import PipelineOptions

from actions.beam import ActionsTransform
from actions.pipelines import DestinationSpec


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    events = load_events(count)
    spec = DestinationSpec.for_pack("branch")
    configured = spec.build()
    start = time.perf_counter()
    for event in events:
        configured.process(event)
    plain = count / (time.perf_counter() - start)

    start = time.perf_counter()
    with beam.Pipeline(options=PipelineOptions(["--runner=DirectRunner"])) as pipeline:
        outputs = pipeline | beam.Create(events, reshuffle=False) | ActionsTransform(spec)
        _ = outputs.requests | "count" >> beam.combiners.Count.Globally()
    beam_rate = count / (time.perf_counter() - start)
    print(f"events: {count} (Branch pack, sample settings)")
    print(f"plain engine        {plain:10,.0f} events/s")
    print(f"Beam DirectRunner   {beam_rate:10,.0f} events/s (pipeline construction included)")
    print(f"overhead: {plain / beam_rate:.1f}x")


if __name__ == "__main__":
    main()
