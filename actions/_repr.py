"""One ``__repr__`` for the package's attrs classes, giving the text attrs' own gives:
``Name(field=value, ...)``, each field shown by ``repr`` (or by its ``repr=`` callable), the
fields declared with ``repr=False`` left out, and ``...`` for an object already being shown
further up (a cycle).

attrs writes the source of a ``__repr__`` for each class and compiles it when the class is
built, at import: about a third of what building a class costs (some 0.9 M instructions, 0.15
ms). A class that sets ``__repr__ = attrs_repr`` in its body gets this one instead: attrs keeps
a method a class defines itself. A repr is never on the per-event path, so reading the fields
from ``attrs.fields`` at each call costs nothing that matters. ``tests/test_repr.py`` holds it
to attrs' text."""

from __future__ import annotations

import threading
from typing import Any

import attrs

_showing = threading.local()
"""Per thread, the ids of the objects being shown (a cycle shows as ``...``, as attrs does)."""


def attrs_repr(self: Any) -> str:
    """``self`` as attrs shows an instance of an attrs class."""
    try:
        showing: set[int] = _showing.ids
    except AttributeError:
        showing = _showing.ids = set()
    key = id(self)
    if key in showing:
        return "..."
    showing.add(key)
    try:
        parts = []
        for field in attrs.fields(type(self)):
            if field.repr is False:
                continue
            value = (
                getattr(self, field.name)
                if field.init
                else getattr(self, field.name, attrs.NOTHING)
            )
            shown = repr(value) if field.repr is True else field.repr(value)
            parts.append(f"{field.name}={shown}")
        return f"{type(self).__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"
    finally:
        showing.discard(key)


__all__ = ["attrs_repr"]
