"""How long YAML documents take to load at the limits, and to be refused beyond them.

Prints, for the largest documents accepted (one shaped like a config, one as dense in values as
YAML allows), the time `load_yaml` takes; then the time to refuse a document one byte over the
size limit, one with too many values, and the "billion laughs" alias documents.

Run: python benchmarks/bench_yaml.py [repeats]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import yaml

from actions import yamlsource
from actions.yamlsource import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    load_yaml,
)


def _fill(
    head: str, item: Callable[[int], str], tail: str = "", limit: int = MAX_YAML_BYTES
) -> str:
    """`head`, then items while the document stays within `limit` bytes."""
    parts, size, index = [head], len(head) + len(tail), 0
    while True:
        part = item(index)
        if size + len(part) > limit:
            return "".join(parts) + tail
        parts.append(part)
        size += len(part)
        index += 1


def config_like() -> str:
    """Subscriptions as a config has them, repeated up to the size limit."""
    return _fill(
        "destination: adjust\nsettings: {app_token: abc123}\nsubscriptions:\n",
        lambda i: (
            f"  - name: Subscription {i}\n    action: send_event\n"
            f'    trigger: \'type = "track" and event = "Event {i}"\'\n'
            '    mapping: {revenue: {"@path": "$.properties.total"}, currency: EUR}\n'
        ),
    )


def dense(nodes: int) -> str:
    """A flat list of `nodes` one-digit numbers: the most values per byte YAML allows."""
    return "values: [" + ", ".join("0" for _ in range(nodes - 3)) + "]\n"


def laughs(levels: int, width: int = 9) -> str:
    lines = ["a: &a [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


def best(text: str, repeats: int) -> tuple[float, float, tuple[str, ...]]:
    """The best wall-clock and CPU times of `repeats` loads (CPU time leaves out the time
    other processes had the processor), and the rules of the problems found."""
    wall, cpu, rules = [], [], ()
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        loaded = load_yaml(text)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        rules = tuple(p.rule for p in loaded.problems)
    return min(wall), min(cpu), rules


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    composer = "libyaml (CSafeLoader)" if yamlsource._Loader is not yaml.SafeLoader else "Python"
    print(f"PyYAML {yaml.__version__}, composer: {composer}")
    print(
        f"limits: {MAX_YAML_BYTES:,} bytes, {MAX_YAML_NODES:,} values, "
        f"{MAX_YAML_DEPTH} levels, {MAX_YAML_ALIAS_NODES:,} values from aliases"
    )
    cases = [
        ("largest config-like document accepted", config_like()),
        ("densest document accepted", dense(MAX_YAML_NODES)),
        ("one value over the value limit", dense(MAX_YAML_NODES + 1)),
        ("one byte over the size limit", "k: " + "x" * (MAX_YAML_BYTES - 3) + "\n"),
        ("billion laughs, 6 levels of 9 aliases", laughs(6)),
        ("billion laughs, 9 levels of 9 aliases", laughs(9)),
    ]
    print(f"{'document':<40} {'bytes':>10} {'wall ms':>9} {'CPU ms':>9}  outcome")
    for name, text in cases:
        wall, cpu, rules = best(text, repeats)
        outcome = ", ".join(rules) or "loaded"
        size = len(text.encode())
        print(f"{name:<40} {size:>10,} {wall * 1000:>9.1f} {cpu * 1000:>9.1f}  {outcome}")


if __name__ == "__main__":
    main()
