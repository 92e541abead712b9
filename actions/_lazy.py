"""Names a module gives whose own module is imported when the name is first used (PEP 562):
what the first event does not need stays unimported (attrs builds each class at import)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(namespace: dict[str, Any], homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module's ``__getattr__`` for ``namespace`` (its ``globals()``): each name of ``homes``
    imported from the module ``homes`` gives at its first use, and kept in ``namespace``."""
    module = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    return __getattr__


__all__ = ["lazy_names"]
