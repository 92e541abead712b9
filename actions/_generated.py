"""Python functions made from source text the package writes itself (the FQL, mapping and Spec
check generators).

The text is ours alone: identifiers we choose, and every value that comes from a pack, a config,
the settings or an event bound to one of those identifiers in the function's namespace, never
written into the text. Each generator's tests check that no input text reaches its source.

With ``lazy``, a function is compiled when it is first called, once: loading a pack writes a
function for each trigger and mapping, and a run calls only some of them (Python's compiler takes
about 0.25 ms a kilobyte of source). Until then the function object runs a two-line stub that
compiles the source and gives the function its code; from then on the same object runs the
generated code in the same namespace, with nothing in between (whoever holds the function, an
engine's table or a closure, holds the compiled one). Should Python not compile the source
(nested beyond what its compiler takes), the function calls ``fallback`` instead, when one is
given; without one, the compiler's error is raised (by the first call, with ``lazy``).
"""

from __future__ import annotations

import builtins as _builtins
from collections.abc import Callable, Mapping
from threading import RLock
from types import CodeType, FunctionType
from typing import Any

_COMPILE = "__compile_on_first_call__"
_FALLBACK = "__fallback__"
# One compile at a time: a thread that entered the stub while another compiled finds the
# function compiled and calls it (the stub's name stays in the namespace for such a thread).
_LOCK = RLock()


def _code(source: str) -> CodeType:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<generated stub>", "exec"), namespace)
    code: CodeType = namespace["stub"].__code__
    return code


# Global names of the function's own namespace, which holds no builtins.
_STUB = _code(f"def stub(*args, **kwargs):\n    return {_COMPILE}()(*args, **kwargs)\n")
_CALL_FALLBACK = _code(f"def stub(*args, **kwargs):\n    return {_FALLBACK}(*args, **kwargs)\n")


def define(
    source: str,
    name: str,
    names: Mapping[str, Any],
    *,
    label: str,
    builtins: bool = False,
    lazy: bool = False,
    fallback: Callable[..., Any] | None = None,
) -> Callable[..., Any]:
    """The function ``name`` that ``source`` defines, with ``names`` as its globals (and
    Python's builtins only when ``builtins``): a namespace of its own, since a closure's
    variables would be copied into every call's frame. ``label`` names it in tracebacks. With
    ``lazy`` it is compiled when first called; ``fallback`` (same arguments, same results) is
    called instead when Python cannot compile the source."""
    namespace: dict[str, Any] = {"__builtins__": _builtins if builtins else {}, **names}
    function = FunctionType(_STUB, namespace, name)

    def compile_now() -> Callable[..., Any]:
        with _LOCK:
            if function.__code__ is _STUB:
                _compile_into(function, source, name, namespace, label, fallback)
        return function

    namespace[_COMPILE] = compile_now
    return function if lazy else compile_now()


def define_later(
    write: Callable[[], tuple[str, Mapping[str, Any]]],
    name: str,
    *,
    label: str,
    builtins: bool = False,
    fallback: Callable[..., Any] | None = None,
    warm: int = 0,
) -> Callable[..., Any]:
    """As :func:`define` with ``lazy``, for a function whose source is also written when it is
    first called: ``write()`` gives the source and the names it uses. For what a run may never
    call and costs more to write than to hold (the joint test of a mapping's conditions). With
    ``warm``, ``fallback`` answers the first ``warm`` calls and the source is written at the
    next: a process that calls it once (the first event of a command) does not write it."""
    namespace: dict[str, Any] = {"__builtins__": _builtins if builtins else {}}
    function = FunctionType(_STUB, namespace, name)
    answered = 0  # calls the fallback answered

    def compile_now() -> Callable[..., Any]:
        nonlocal answered
        with _LOCK:
            if function.__code__ is _STUB:
                if fallback is not None and answered < warm:
                    answered += 1
                    return fallback
                source, names = write()
                namespace.update(names)
                _compile_into(function, source, name, namespace, label, fallback)
        return function

    namespace[_COMPILE] = compile_now
    return function


def _compile_into(
    function: FunctionType,
    source: str,
    name: str,
    namespace: dict[str, Any],
    label: str,
    fallback: Callable[..., Any] | None,
) -> None:
    """Give ``function`` the code ``source`` defines as ``name`` (or the call of ``fallback``)."""
    try:
        exec(compile(source, f"<{label}>", "exec"), namespace)
    except (SyntaxError, RecursionError, MemoryError):  # nested beyond what Python compiles
        if fallback is None:
            raise
        namespace[_FALLBACK] = fallback
        function.__code__ = _CALL_FALLBACK
    else:
        compiled = namespace[name]
        function.__code__ = compiled.__code__
        function.__defaults__ = compiled.__defaults__
        function.__kwdefaults__ = compiled.__kwdefaults__
        namespace[name] = function


def compiled(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (made by :func:`define`) compiled now, if it was not yet."""
    compile_now = getattr(function, "__globals__", {}).get(_COMPILE)
    if compile_now is not None:
        compile_now()
    return function
