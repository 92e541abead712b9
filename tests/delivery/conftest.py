"""The ``partners`` fixture: the partner emulator (partners.py), started for one test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests are imported by path (--import-mode=importlib): the emulator module is made importable
# as ``partners`` for the tests of this folder (``from partners import Fault``).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from partners import PartnerServer


@pytest.fixture
def partners() -> Iterator[PartnerServer]:
    """A running emulator of Adjust, Kochava and Branch on 127.0.0.1 (an ephemeral port),
    stopped after the test."""
    with PartnerServer() as server:
        yield server
