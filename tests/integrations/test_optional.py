"""Beam is optional: the library and its recipes import without it, and the Beam module says
which extra to install."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
sys.modules["apache_beam"] = None  # as if Beam were not installed
import actions, actions.pipelines
assert "apache_beam" not in [m for m in sys.modules if sys.modules[m] is not None]
try:
    import actions.beam
except actions.ActionsError as exc:
    print(exc)
"""


def test_actions_imports_without_beam_and_names_the_extra() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.strip() == "Apache Beam is not installed: pip install 'actions[beam]'"
