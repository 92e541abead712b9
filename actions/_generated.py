"""Python functions made from source text the package writes itself (the FQL, mapping and Spec
check generators).

The text is ours alone: identifiers we choose, and every value that comes from a pack, a config,
the settings or an event bound to one of those identifiers in the function's namespace, never
written into the text. Each generator's tests check that no input text reaches its source."""

from __future__ import annotations

import builtins as _builtins
from collections.abc import Callable, Mapping
from typing import Any


def define(
    source: str, name: str, names: Mapping[str, Any], *, label: str, builtins: bool = False
) -> Callable[..., Any]:
    """The function ``name`` that ``source`` defines, compiled with ``names`` as its globals (and
    Python's builtins only when ``builtins``): a namespace of its own, since a closure's
    variables would be copied into every call's frame. ``label`` names it in tracebacks."""
    namespace: dict[str, Any] = {"__builtins__": _builtins if builtins else {}, **names}
    exec(compile(source, f"<{label}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function
