"""The built-in directives, as one immutable table."""

from __future__ import annotations

from actions.mapping import builtin, hashing, liquid
from actions.mapping.directives import Directives, declared_in, directives_table

BUILTIN_DIRECTIVES: Directives = directives_table(
    [*declared_in(builtin), *declared_in(hashing), *declared_in(liquid)]
)
"""Segment's directives plus ours (see docs/mapping.md)."""
