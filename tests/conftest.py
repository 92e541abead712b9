"""The tests' own helper modules (``_loaded``) import by name, as the delivery tests'
``_support`` does (the tests run with ``--import-mode=importlib``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
