"""Cost of ``@liquid`` renders: ordinary templates per event, and the slowest templates the
bounds allow (each filter's result, the output and the template's length are bounded; loops
and partials are disabled), which must not stall a stream.

Run: python benchmarks/bench_liquid.py [repeats]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events

from actions import mapping

ORDINARY = {
    "a variable": "{{ event }}",
    "a filter": "{{ context.os.name | downcase }}",
    "if/else with a default": (
        "{% if traits.vip %}gold{% else %}{{ traits.plan | default: 'free' }}{% endif %}"
    ),
    "arithmetic": "{{ properties.revenue | times: 100 | round }}",
    "a date": "{{ timestamp | date: '%Y-%m-%d' }}",
}

# The slowest templates of tests/mapping/test_liquid.py, over the largest values they allow.
ADVERSARIAL = {
    "110 upcase/downcase steps over 99,000 characters": "{{ t"
    + "|upcase|downcase" * 55
    + "|size }}",
    "38 split/join pairs over 1,000 items": "{{ s" + " | split: ',' | join: ','" * 38 + " }}",
    "doubling by append (stops at a bound)": "{%assign a='xxxxxxxxxxxxxxxx'%}"
    + "{%assign a=a|append:a%}" * 40
    + "{{a}}",
    "squaring by times (stops at a bound)": "{%assign a=n%}"
    + "{%assign a=a|times:a%}" * 40
    + "{{a}}",
    "replace by itself, 50,000 characters": "{{ big | replace: 'x', big }}",
}
HOSTILE_EVENT: dict[str, Any] = {
    "n": 99999999999,
    "big": "x" * 50_000,
    "s": "x," * 999,
    "t": "é" * 99_000,
}


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    events = load_events(2000)
    print(f"ordinary templates over {len(events)} events, best of {repeats} passes, CPU time")
    for name, template in ORDINARY.items():
        evaluate = mapping.compile({"v": {"@liquid": template}}).evaluate
        best = float("inf")
        for _ in range(repeats):
            start = time.process_time()
            for event in events:
                evaluate(event)
            best = min(best, time.process_time() - start)
        print(f"  {name:40s} {best / len(events) * 1e6:8.1f} µs/event   {template}")
    print(f"\nslowest templates, best of {repeats} renders, CPU time")
    for name, template in ADVERSARIAL.items():
        evaluate = mapping.compile({"v": {"@liquid": template}}).evaluate
        best = float("inf")
        for _ in range(repeats):
            start = time.process_time()
            _, failures = evaluate(HOSTILE_EVENT)
            best = min(best, time.process_time() - start)
        note = f" ({failures[0].message})" if failures else ""
        print(f"  {name:55s} {best * 1e3:8.1f} ms{note}")


if __name__ == "__main__":
    main()
