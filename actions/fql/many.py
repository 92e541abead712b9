"""Many triggers tested at once: :class:`TriggerSet`, what :func:`actions.fql.compile_many`
and :func:`actions.fql.combine` give. Imported when first used: one trigger at a time needs
none of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from actions._repr import attrs_repr
from actions.fql.functions import BUILTIN_FUNCTIONS, Functions

if TYPE_CHECKING:
    from actions.fql import Trigger


@attrs.frozen(eq=False)
class TriggerSet:
    """Many triggers tested at once. Immutable, thread-safe, and pickles (by its texts).

    ``matches(event)`` gives a tuple of booleans, one per trigger in order, each exactly what
    that trigger's ``matches`` gives. It is one generated function: every path is read once,
    and a test that several triggers share (``type = "track"``) is computed once."""

    __repr__ = attrs_repr

    triggers: tuple[Trigger, ...]
    matches: Callable[[object], tuple[bool, ...]] = attrs.field(repr=False)
    functions: Functions = attrs.field(default=BUILTIN_FUNCTIONS, repr=False)
    source_code: str = attrs.field(default="", repr=False)
    """The Python source ``matches`` was compiled from; it holds none of the triggers' text."""

    def __len__(self) -> int:
        return len(self.triggers)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        from actions.fql import _compile_many_with, compile_many

        texts = [trigger.source for trigger in self.triggers]
        if self.functions is BUILTIN_FUNCTIONS:
            return (compile_many, (texts,))
        return (_compile_many_with, (texts, dict(self.functions)))


__all__ = ["TriggerSet"]
