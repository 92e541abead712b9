"""Instruction counts under callgrind, shared by count_engine.py and bench_run.py.

The script is run under valgrind with ``--dump-before=getppid``: callgrind writes its counts at
each call of ``os.getppid()``, so a script that calls it between passes gets one count a pass.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def callgrind_parts(script: str, args: list[str]) -> tuple[dict[int, int], str]:
    """Run ``python script args...`` under callgrind: the instructions of each part (numbered
    from 1, one more part at each ``os.getppid()``), and the script's standard output."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--dump-before=getppid",
                f"--callgrind-out-file={out}",
                sys.executable,
                script,
                *args,
            ],
            env={**os.environ, "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode:
            raise SystemExit(run.stderr[-3000:])
        totals = {}
        for part in Path(folder).glob("callgrind.out.*"):
            found = re.search(r"^totals: (\d+)", part.read_text(errors="replace"), re.M)
            if found is not None:
                totals[int(part.name.rsplit(".", 1)[1])] = int(found.group(1))
    return totals, run.stdout
