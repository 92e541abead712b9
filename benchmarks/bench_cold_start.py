"""Cold start: a fresh Python process that imports ``actions``, loads and configures Adjust with
its sample settings, and processes one event.

Prints, over N fresh processes (each timed from outside and from inside), the medians of: the
whole process (interpreter start and exit included), its CPU time, the time inside from the
first import to the first event's outcome, and the import alone; then the modules that cost
the most to import, by ``python -X importtime`` (each module's best of the runs, so that a
busy moment of the machine does not show as an expensive module).

Run: python benchmarks/bench_cold_start.py [processes] [--against DIR ...]   (default 15)

With ``--against DIR [DIR ...]`` (other checkouts of the repository, say ``main`` exported by
``git archive main | tar -x -C DIR``), the processes of the checkouts take turns, each
importing its own ``actions`` (the process starts in the checkout's folder), and the medians
of all are printed side by side: on a busy machine, only figures measured this way compare.

With ``--count`` (and optionally ``--against DIR ...``), one fresh process of each checkout runs
under callgrind instead, and the instructions of each step are printed (millions), with each
checkout's ratio to the first: figures no other process on the machine disturbs (needs
valgrind; about 10 s a checkout).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _callgrind import callgrind_parts

ROOT = Path(__file__).resolve().parent.parent

# What a user does first: import, load and configure Adjust, one event. The event is inline so
# that reading the sample file is not counted.
CODE = """
import time
marks = [(time.perf_counter(), time.process_time())]
import actions
marks.append((time.perf_counter(), time.process_time()))
destination = actions.load_destination("adjust")
marks.append((time.perf_counter(), time.process_time()))
configured = actions.configure(destination, destination.sample_settings())
marks.append((time.perf_counter(), time.process_time()))
outcomes = configured.process({
    "type": "track", "event": "Order Completed", "userId": "u1",
    "messageId": "m1", "timestamp": "2026-12-06T10:00:00.000Z",
    "properties": {"revenue": 12.5, "currency": "EUR"},
    "context": {"device": {"type": "android", "id": "d1", "advertisingId": "a1"}},
})
marks.append((time.perf_counter(), time.process_time()))
assert outcomes[0].kind == "request", outcomes
for clock in (0, 1):
    steps = [b[clock] - a[clock] for a, b in zip(marks, marks[1:])]
    print(*steps, marks[-1][clock] - marks[0][clock])
"""
# Python as a user has it: the modules' bytecode cached (pip writes it when installing; here the
# first, unmeasured process writes what is missing, whatever PYTHONDONTWRITEBYTECODE says).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def one_process(root: Path = ROOT) -> tuple[float, float, list[float], list[float]]:
    """(wall time of the whole process, its CPU time, the times of each step it measured
    inside by the wall clock, and by its CPU time), the process started in ``root``."""
    before = os.times()
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, cwd=root, env=ENV
    )
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    by_wall, by_cpu = ([float(x) for x in line.split()] for line in run.stdout.splitlines())
    return wall, cpu, by_wall, by_cpu


def import_times(runs: int) -> dict[str, tuple[int, int]]:
    """Per module, the best (self, cumulative) import time in µs over ``runs`` processes."""
    best: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        run = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", CODE],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=ENV,
        )
        for line in run.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            own, cumulative, name = line[len("import time:") :].split("|")
            key = name.strip()
            pair = (int(own), int(cumulative))
            best[key] = min(best.get(key, pair), pair, key=lambda p: p[1])
    return best


def against(count: int, others: list[Path]) -> None:
    """Fresh processes of this checkout and of ``others`` in turns; medians side by side."""
    roots = {"this checkout": ROOT, **{p.name: p for p in others}}
    for root in roots.values():
        subprocess.run(
            [sys.executable, "-c", CODE], capture_output=True, check=True, cwd=root, env=ENV
        )
    runs: dict[str, list[tuple[float, float, list[float], list[float]]]] = {k: [] for k in roots}
    for _ in range(count):
        for name, root in roots.items():
            runs[name].append(one_process(root))
    print(f"{count} fresh processes of each, in turns; medians in ms (CPU time, then wall clock)")
    names = ["import actions", "load_destination", "configure", "first event", "all four"]
    print(f"  {'':<22}" + "".join(f"{n[:18]:>20}" for n in roots))
    rows = [("whole process", lambda r: (r[1], r[0]))]
    rows += [(n, lambda r, i=i: (r[3][i], r[2][i])) for i, n in enumerate(names)]
    for title, pick in rows:
        cells = []
        for name in roots:
            values = [pick(r) for r in runs[name]]
            cpu = statistics.median(v[0] for v in values) * 1e3
            wall = statistics.median(v[1] for v in values) * 1e3
            cells.append(f"{cpu:.1f} ({wall:.1f})")
        print(f"  {title:<22}" + "".join(f"{c:>20}" for c in cells))
    print(f"  load average at the end: {os.getloadavg()[0]:.2f}")


STEPS = ["import actions", "load_destination", "configure", "first event"]


def count_instructions(roots: list[Path]) -> None:
    """Instructions of each step in one fresh process of each checkout, under callgrind."""
    # The same code, with a call of os.getppid() at each mark: callgrind counts each step apart.
    counted = CODE.replace("marks.append(", "os.getppid(); marks.append(").replace(
        "import time\n", "import os, time\n", 1
    )
    counted = counted.replace("marks = [", "os.getppid(); marks = [", 1)
    table: dict[str, list[int]] = {}
    for root in roots:
        subprocess.run(
            [sys.executable, "-c", CODE], capture_output=True, check=True, cwd=root, env=ENV
        )
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "cold_start.py"
            script.write_text(f"import sys\nsys.path.insert(0, {str(root)!r})\n" + counted)
            parts, _out = callgrind_parts(str(script), [])
        steps = [parts[i] for i in range(2, 2 + len(STEPS))]
        table["this checkout" if root == ROOT else root.name] = steps
    print("instructions of one fresh process (callgrind), millions")
    print(f"  {'':<22}" + "".join(f"{n[:18]:>20}" for n in table))
    first = next(iter(table.values()))
    for i, name in enumerate([*STEPS, "all four"]):
        cells = []
        for steps in table.values():
            value = steps[i] if i < len(STEPS) else sum(steps)
            base = first[i] if i < len(STEPS) else sum(first)
            cells.append(f"{value / 1e6:.1f} ({value / base:.3f})")
        print(f"  {name:<22}" + "".join(f"{c:>20}" for c in cells))


def main() -> None:
    args = sys.argv[1:]
    if "--count" in args:
        args.remove("--count")
        others = args[args.index("--against") + 1 :] if "--against" in args else []
        count_instructions([ROOT, *(Path(a).resolve() for a in others)])
        return
    if "--against" in args:
        at = args.index("--against")
        others = [Path(a).resolve() for a in args[at + 1 :]]
        del args[at:]
        against(int(args[0]) if args else 15, others)
        return
    count = int(args[0]) if args else 15
    subprocess.run([sys.executable, "-c", CODE], capture_output=True, check=True, cwd=ROOT, env=ENV)
    walls, cpus, inside_wall, inside_cpu = [], [], [], []
    for _ in range(count):
        wall, cpu, by_wall, by_cpu = one_process()
        walls.append(wall)
        cpus.append(cpu)
        inside_wall.append(by_wall)
        inside_cpu.append(by_cpu)
    print(f"{count} fresh processes, medians (min–max), ms:")
    _row("whole process, wall clock", walls)
    _row("whole process, CPU time", cpus)
    names = ["import actions", "load_destination", "configure", "first event", "all four"]
    for title, inside in (("wall clock", inside_wall), ("CPU time", inside_cpu)):
        print(f"inside the process, {title}:")
        parts = list(zip(*inside, strict=True))
        for name, values in zip(names, parts, strict=True):
            _row(name, list(values))
        share = statistics.median(parts[0]) / statistics.median(parts[-1])
        print(f"  the import's share: {share:.0%}")
    runs = max(3, min(count, 7))
    best = import_times(runs)
    print(f"\nimport time by module, best of {runs} runs of python -X importtime, ms:")
    print("  cumulative   self  module (top 30 by cumulative)")
    ranked = sorted(best.items(), key=lambda item: -item[1][1])
    for name, (own, cumulative) in ranked[:30]:
        print(f"  {cumulative / 1e3:10.1f} {own / 1e3:6.1f}  {name}")
    print("  self  module (top 15 by self time)")
    for name, (own, _) in sorted(best.items(), key=lambda item: -item[1][0])[:15]:
        print(f"  {own / 1e3:6.1f}  {name}")


def _row(name: str, values: list[float]) -> None:
    low, high = min(values) * 1e3, max(values) * 1e3
    print(f"  {name:<26} {statistics.median(values) * 1e3:7.1f}  ({low:.1f}–{high:.1f})")


if __name__ == "__main__":
    main()
