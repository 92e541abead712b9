"""Validate a mapping into its typed form (:mod:`.ir`), collecting every problem with its
location; then build its evaluator from that form (the backends: :mod:`.closures`, and
:mod:`.codegen` on top of them)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeAlias

import attrs

from actions._repr import attrs_repr
from actions.errors import ActionsError, DataPath, Diagnostic, InvalidInputError, json_pointer
from actions.fql.functions import BUILTIN_FUNCTIONS, Functions
from actions.mapping import closures, codegen
from actions.mapping.directives import Directive, Directives, Kind, Option, OptionError
from actions.mapping.ir import Array, Call, Const, Field, Item, Node, Object, Path, paths_read
from actions.mapping.values import (
    MISSING,
    DirectiveFailure,
    Evaluator,
    Failures,
    MappingFailure,
    type_name,
)
from actions.yamlsource import SourceMap

MAX_MAPPING_DEPTH = 64
"""Deepest nesting of objects, arrays and directives accepted in a mapping."""

_EMPTY_SETTINGS: Mapping[str, Any] = {}
_NOTHING = Const(MISSING)

BackendName: TypeAlias = Literal["closures", "source"]
DEFAULT_BACKEND: BackendName = "source"
"""What builds a mapping's evaluator from its typed form (see :class:`CompiledMapping`)."""


class MappingError(InvalidInputError):
    """A mapping that does not compile; ``diagnostics`` lists every problem."""


class MappingDataError(ActionsError, TypeError):
    """A mapping applied to data that is not an object (as Segment's ``transform`` refuses)."""


def _not_object(data: Any) -> str:
    return f"data must be an object, got {type_name(data)}"


def is_directive(value: object) -> bool:
    """An object with exactly one ``@`` key and nothing else but ``_metadata``."""
    if not isinstance(value, dict):
        return False
    at = [k for k in value if isinstance(k, str) and k.startswith("@")]
    return len(at) == 1 and all(k == at[0] or k == "_metadata" for k in value)


class Compiler:
    def __init__(
        self,
        source: SourceMap | None,
        base_path: DataPath,
        directives: Directives,
        functions: Functions = BUILTIN_FUNCTIONS,
    ) -> None:
        self.source = source
        self.base_path = tuple(base_path)
        self.directives = directives
        self.functions = functions
        self.diagnostics: list[Diagnostic] = []

    # -- diagnostics -------------------------------------------------------------------------

    def problem(
        self,
        rule: str,
        message: str,
        path: DataPath,
        hint: str | None = None,
        *,
        key: bool = False,
        offset: int | None = None,
    ) -> None:
        full = (*self.base_path, *path)
        location = None
        if self.source is not None:
            if offset is not None:
                location = self.source.locate_in_scalar(full, offset)
            else:
                location = self.source.locate(full, key=key)
        self.diagnostics.append(Diagnostic(rule, message, path=full, location=location, hint=hint))

    # -- values ----------------------------------------------------------------------------

    def value(self, node: Any, path: DataPath, depth: int = 0) -> Node:
        """The typed form of ``node``; a part with a problem becomes ``Const(MISSING)``."""
        if depth > MAX_MAPPING_DEPTH:
            self.problem(
                "limit",
                f"mapping is nested deeper than {MAX_MAPPING_DEPTH} levels",
                path,
                "flatten the mapping",
            )
            return _NOTHING
        if isinstance(node, dict):
            at_keys = [k for k in node if isinstance(k, str) and k.startswith("@")]
            if at_keys:
                others = [k for k in node if k not in at_keys and k != "_metadata"]
                if len(at_keys) > 1 or others:
                    count = len(at_keys) + len(others)
                    self.problem(
                        "mixed-directive",
                        f"an object with a directive must have only that one @-key, "
                        f"but it has {count} keys ({', '.join(map(str, node))})",
                        path,
                        "wrap raw keys and each directive in their own objects",
                    )
                    return _NOTHING
                return self.directive(at_keys[0], node[at_keys[0]], (*path, at_keys[0]), depth)
            return Object(
                tuple(
                    Field(str(k), self.value(v, (*path, k), depth + 1), json_pointer((*path, k)))
                    for k, v in node.items()
                )
            )
        if isinstance(node, list):
            return Array(
                tuple(
                    Item(self.value(v, (*path, i), depth + 1), json_pointer((*path, i)))
                    for i, v in enumerate(node)
                )
            )
        if node is None or isinstance(node, str | bool | int | float):
            return Const(node)
        self.problem(
            "directive-type",
            f"{type(node).__name__} values are not JSON values",
            path,
            "quote the value to make it a string",
        )
        return _NOTHING

    def directive(self, name: str, argument: Any, path: DataPath, depth: int) -> Node:
        spec = self.directives.get(name)
        if spec is None:
            import difflib  # here: only a misspelt name needs it

            close = difflib.get_close_matches(name, list(self.directives), n=1, cutoff=0.6)
            self.problem(
                "unknown-directive",
                f"unknown directive {name}",
                path,
                f"did you mean {close[0]}?" if close else "see docs/mapping.md for the directives",
                key=True,
            )
            return _NOTHING
        before = len(self.diagnostics)
        args: dict[str, Any] = {}
        if spec.argument is not None:
            args[spec.argument.name] = self.option(spec, spec.argument, argument, path, depth)
        else:
            self.options(spec, argument, path, depth, args)
        if len(self.diagnostics) > before:
            return _NOTHING
        if spec.parse is None:
            return Call(spec, MappingProxyType(args), path)
        try:
            parsed = spec.parse(args)
        except OptionError as exc:
            self.option_error(spec, path, exc)
            return _NOTHING
        if isinstance(parsed, Const | Object | Array | Path | Call):
            return parsed
        return Call(spec, MappingProxyType(dict(parsed)), path)

    def option_error(self, spec: Directive, path: DataPath, exc: OptionError) -> None:
        where = (*path, exc.option) if exc.option and spec.argument is None else path
        self.problem(
            "directive-option", f"{spec.name}: {exc.message}", where, exc.hint, offset=exc.offset
        )

    def options(
        self, spec: Directive, argument: Any, path: DataPath, depth: int, args: dict[str, Any]
    ) -> None:
        if not isinstance(argument, dict) or is_directive(argument):
            what = "a directive" if is_directive(argument) else type_name(argument)
            names = ", ".join(o.name for o in spec.options)
            self.problem(
                "directive-type",
                f"{spec.name} takes an object of options ({names}), not {what}",
                path,
            )
            return
        known = {o.name for o in spec.options}
        for key in argument:
            if key not in known:
                import difflib  # here: only a misspelt name needs it

                close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
                self.problem(
                    "directive-option",
                    f"{spec.name} has no option {key!r}",
                    (*path, key),
                    f"did you mean {close[0]!r}?"
                    if close
                    else f"its options are: {', '.join(sorted(known))}",
                    key=True,
                )
        if spec.one_of:
            given = [name for name in spec.one_of if name in argument]
            if len(given) != 1:
                choices = " or ".join(repr(n) for n in spec.one_of)
                self.problem(
                    "directive-option",
                    f"{spec.name} needs exactly one of {choices}, "
                    + (f"got {len(given)}" if given else "got none"),
                    path,
                )
        for option in spec.options:
            if option.name in argument:
                args[option.name] = self.option(
                    spec, option, argument[option.name], (*path, option.name), depth
                )
            elif option.required:
                self.problem(
                    "directive-option",
                    f"{spec.name} needs the option {option.name!r}",
                    path,
                    option.description or None,
                )
            else:
                args[option.name] = option.default

    def option(
        self, spec: Directive, option: Option, value: Any, path: DataPath, depth: int
    ) -> Any:
        kind = option.kind
        label = f"{spec.name} {option.name}" if spec.argument is None else spec.name

        def wrong(expected: str) -> None:
            what = "a directive" if is_directive(value) else type_name(value)
            self.problem("directive-type", f"{label} must be {expected}, not {what}", path)

        if kind is Kind.MAPPING:
            return self.value(value, path, depth + 1)
        if kind is Kind.OBJECT_MAPPING:
            if not isinstance(value, dict):
                wrong("an object or a directive")
                return None
            return self.value(value, path, depth + 1)
        if kind is Kind.STRING_OR_DIRECTIVE:
            if isinstance(value, str):
                self.check_string(label, option, value, path)
                return value
            if is_directive(value):
                return self.value(value, path, depth + 1)
            wrong("a string or a directive")
            return None
        if kind is Kind.MAPPINGS:
            if not isinstance(value, list):
                wrong("a list")
                return ()
            least = 1 if option.min_length is None else option.min_length
            if len(value) < least:
                self.problem(
                    "directive-type",
                    f"{label} must have at least {least} item{'s' if least != 1 else ''}, "
                    f"not {len(value)}",
                    path,
                )
                return ()
            return tuple(self.value(v, (*path, i), depth + 1) for i, v in enumerate(value))
        if kind is Kind.STRING:
            if not isinstance(value, str):
                wrong("a string")
                return None
            self.check_string(label, option, value, path)
            return value
        if kind is Kind.STRINGS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                wrong("a list of strings")
                return ()
            return tuple(value)
        if kind is Kind.BOOLEAN:
            if not isinstance(value, bool):
                wrong("true or false")
                return None
            return value
        if kind is Kind.INTEGER:
            if not isinstance(value, int) or isinstance(value, bool):
                wrong("an integer")
                return None
            return value
        if kind is Kind.FQL:
            return self.fql(label, value, path)
        if kind is Kind.ARRAY_PATH:
            if not isinstance(value, list) or not 1 <= len(value) <= 2:
                wrong("an array [path, item shape]")
                return None
            root_option = Option("root", Kind.STRING_OR_DIRECTIVE)
            root = self.option(spec, root_option, value[0], (*path, 0), depth)
            shape = None
            if len(value) == 2 and value[1] != {}:
                shape_option = Option("shape", Kind.OBJECT_MAPPING)
                shape = self.option(spec, shape_option, value[1], (*path, 1), depth)
            return (root, shape)
        raise AssertionError(kind)

    def check_string(self, label: str, option: Option, value: str, path: DataPath) -> None:
        if option.choices and value not in option.choices:
            import difflib  # here: only a misspelt name needs it

            close = difflib.get_close_matches(value.lower(), option.choices, n=1, cutoff=0.5)
            self.problem(
                "directive-option",
                f"{label} must be one of {', '.join(option.choices)}, not {value!r}",
                path,
                f"did you mean {close[0]!r}?" if close else None,
            )
        if option.min_length is not None and len(value) < option.min_length:
            self.problem(
                "directive-option",
                f"{label} must have at least {option.min_length} character(s)",
                path,
            )
        if option.max_length is not None and len(value) > option.max_length:
            self.problem(
                "limit",
                f"{label} is {len(value)} characters long; the limit is {option.max_length}",
                path,
            )

    def fql(self, label: str, value: Any, path: DataPath) -> Any:
        if not isinstance(value, str):
            self.problem(
                "directive-type", f"{label} must be an FQL string, not {type_name(value)}", path
            )
            return None
        from actions import fql

        try:
            return fql.compile(value, functions=self.functions)
        except fql.FQLError as exc:
            offset = getattr(exc, "offset", None)
            self.problem(
                "fql-syntax",
                f"{label}: {getattr(exc, 'message', str(exc))}",
                path,
                getattr(exc, "hint", None),
                offset=offset if isinstance(offset, int) else None,
            )
            return None


@attrs.frozen(eq=False)
class CompiledMapping:
    """A compiled mapping (see ``backend``). Immutable; safe to share between threads; pickles (by
    its mapping, recompiled on load)."""

    __repr__ = attrs_repr

    mapping: Any
    paths: frozenset[str]
    _evaluate: Evaluator = attrs.field(repr=False, alias="evaluator")
    node: Node = attrs.field(repr=False, kw_only=True)
    """Its typed form (see :mod:`.ir`), which :mod:`.reference` evaluates the plain way."""
    backend: BackendName = attrs.field(default=DEFAULT_BACKEND, repr=False, kw_only=True)
    """What built its evaluator: ``closures`` (:mod:`.closures`) or ``source``, a function
    written for it (:mod:`.codegen`)."""
    source_code: str | None = attrs.field(default=None, repr=False, kw_only=True)
    """The source of that function (``source`` backend), to read when debugging."""
    directives: Directives = attrs.field(repr=False, kw_only=True)
    """The directives it was compiled with (an environment's)."""
    functions: Functions = attrs.field(default=BUILTIN_FUNCTIONS, repr=False, kw_only=True)
    """The FQL functions its conditions may call."""

    def evaluate(
        self, event: Any, settings: Mapping[str, Any] | None = None
    ) -> tuple[Any, tuple[MappingFailure, ...]]:
        """``(value, failures)``: the mapped value (MISSING when nothing) and why any field
        could not be produced. Never raises: data that is not an object (nor None, no data)
        gives MISSING and one failure, ``data must be an object, got ...``."""
        if not isinstance(event, dict) and event is not None:
            return MISSING, (MappingFailure("", _not_object(event)),)
        failures: Failures = []
        try:
            value = self._evaluate(
                event, _EMPTY_SETTINGS if settings is None else settings, failures
            )
        except DirectiveFailure as exc:
            failures.append(MappingFailure("", exc.message))
            value = MISSING
        except Exception as exc:
            failures.append(MappingFailure("", f"{type(exc).__name__}: {exc}"))
            value = MISSING
        return value, tuple(failures)

    @property
    def evaluator(self) -> Evaluator:
        """The compiled function itself, ``evaluator(event, settings, failures)``: the mapped
        value, with why each field that failed appended to ``failures``; a directive at the
        top that fails raises. For hot loops (a call less); :meth:`evaluate` never raises."""
        return self._evaluate

    def apply(self, event: Any, settings: Mapping[str, Any] | None = None) -> Any:
        """The mapped value; fields that failed are left out (MISSING when nothing). Raises
        :class:`MappingDataError` for data that is not an object (None is no data)."""
        if not isinstance(event, dict) and event is not None:
            raise MappingDataError(_not_object(event))
        try:
            return self._evaluate(event, _EMPTY_SETTINGS if settings is None else settings, [])
        except Exception:
            return MISSING

    def trace(self, event: Any, settings: Mapping[str, Any] | None = None) -> list[Any]:
        """Field by field: each value and where it came from (see :mod:`.tracing`)."""
        from actions.mapping.tracing import trace

        return trace(self, event, settings)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        tables = (dict(self.directives), dict(self.functions))
        return (_recompile, (self.mapping, *tables, self.backend))


def _recompile(
    mapping: Any,
    directives: dict[str, Directive],
    functions: dict[str, Any],
    backend: BackendName = "closures",
) -> CompiledMapping:
    return compile_mapping(
        mapping,
        directives=MappingProxyType(directives),
        functions=MappingProxyType(functions),
        backend=backend,
    )


class _Built(NamedTuple):  # not an attrs class: attrs compiles methods at import
    node: Node
    evaluate: Evaluator
    paths: set[str]
    diagnostics: list[Diagnostic]
    source_code: str | None


def _build(
    mapping: Any,
    source: SourceMap | None,
    base_path: DataPath,
    directives: Directives,
    functions: Functions,
    backend: BackendName = "closures",
) -> _Built:
    """Validate into the typed form, then build the evaluator from it; the reads are those of
    the typed form plus any a compile function reports."""
    compiler = Compiler(source, base_path, directives, functions)
    node = compiler.value(mapping, ())
    built = closures.build(node)
    for call, exc in built.errors:
        compiler.option_error(call.directive, call.path, exc)
    evaluate, code = built.evaluate, None
    if backend == "source" and not compiler.diagnostics:
        generated = codegen.generate(node, built.backend, built.evaluate)
        evaluate, code = generated.evaluate, generated.source
    paths = paths_read(node) | built.reads
    return _Built(node, evaluate, paths, compiler.diagnostics, code)


def check(
    mapping: Any,
    *,
    source: SourceMap | None = None,
    base_path: DataPath = (),
    directives: Directives,
    functions: Functions = BUILTIN_FUNCTIONS,
) -> list[Diagnostic]:
    """Every problem in ``mapping``, without raising."""
    return _build(mapping, source, base_path, directives, functions).diagnostics


def compile_mapping(
    mapping: Any,
    *,
    source: SourceMap | None = None,
    base_path: DataPath = (),
    directives: Directives,
    functions: Functions = BUILTIN_FUNCTIONS,
    backend: BackendName = DEFAULT_BACKEND,
) -> CompiledMapping:
    """Validate ``mapping`` completely and compile it. Raises :class:`MappingError` listing
    every problem. The caller's mapping is copied, never changed."""
    frozen = copy.deepcopy(mapping)
    built = _build(frozen, source, base_path, directives, functions, backend)
    if built.diagnostics:
        raise MappingError("invalid mapping", built.diagnostics)
    return CompiledMapping(
        frozen,
        frozenset(built.paths),
        built.evaluate,
        node=built.node,
        directives=directives,
        functions=functions,
        backend=backend,
        source_code=built.source_code,
    )
