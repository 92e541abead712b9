"""The shared ``__repr__`` of the package's attrs classes (``actions._repr``) gives the text
attrs' own generated one gives, for any fields and values, cycles included."""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from actions._repr import attrs_repr
from actions.destinations.model import Destination
from actions.errors import Diagnostic, Location
from actions.fql.ast import Literal, Path

NAMES = st.sampled_from(["a", "b", "value", "_private", "kind", "x1"])
SHOWN = st.sampled_from([True, False, lambda v: f"<{type(v).__name__}>", str])
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


def _pair(attributes: Callable[[], dict[str, Any]]) -> tuple[type, type]:
    """The same attrs class twice: with attrs' generated ``__repr__``, and with the shared one
    (set in the class body, where the package's classes set it)."""
    theirs = attrs.make_class("Thing", attributes(), frozen=True)
    body = {"__repr__": attrs_repr, "__annotations__": dict.fromkeys(attributes(), "Any")}
    ours = attrs.frozen(type("Thing", (), {**body, **attributes()}))
    assert ours.__repr__ is attrs_repr  # attrs kept the class's own
    assert theirs.__repr__ is not attrs_repr
    return theirs, ours


@given(
    st.lists(st.tuples(NAMES, SHOWN, st.booleans()), max_size=5, unique_by=lambda f: f[0]),
    st.data(),
)
def test_the_shared_repr_is_the_text_attrs_writes(
    fields: list[tuple[str, Any, bool]], data: st.DataObject
) -> None:
    theirs, ours = _pair(
        lambda: {
            name: attrs.field(repr=shown, init=init, default=None) for name, shown, init in fields
        }
    )
    values = {name.lstrip("_"): data.draw(VALUES) for name, _shown, init in fields if init}
    assert repr(ours(**values)) == repr(theirs(**values))


def test_a_cycle_and_a_field_never_set_show_as_attrs_shows_them() -> None:
    theirs, ours = _pair(lambda: {"items": attrs.field(), "later": attrs.field(init=False)})
    shown = []
    for cls in (theirs, ours):
        holder: list[Any] = []
        thing = cls(items=holder)
        holder.extend((thing, cls(items=[1])))
        shown.append(repr(thing))
    assert shown[0] == shown[1]
    assert shown[1] == "Thing(items=[..., Thing(items=[1], later=NOTHING)], later=NOTHING)"


def test_the_shared_repr_is_safe_across_threads() -> None:
    _, ours = _pair(lambda: {"value": attrs.field()})
    out: list[str] = []
    workers = [
        threading.Thread(target=lambda i=i: out.append(repr(ours(value=i)))) for i in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(out) == sorted(f"Thing(value={i})" for i in range(8))


def test_the_package_classes_use_it_and_show_as_before() -> None:
    for cls in (Location, Diagnostic, Literal, Path, Destination):
        assert cls.__repr__ is attrs_repr, cls
    assert repr(Literal(1, start=0, end=1)) == "Literal(value=1)"
    shown = "Location(file='p.yaml', line=3, column=4, end_line=None, end_column=None)"
    assert repr(Location("p.yaml", 3, 4)) == shown


PACKAGE = FilePath(__file__).resolve().parent.parent / "actions"


def _attrs_classes_without_the_shared_repr() -> list[str]:
    """Every attrs class of the package whose body neither sets ``__repr__ = attrs_repr`` nor
    defines a ``__repr__`` of its own (one that hides values) and that is not declared with
    ``repr=False``: read from the source, so that modules of optional extras count too."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            decorators = [ast.unparse(d) for d in node.decorator_list]
            if not any(d.startswith(("attrs.", "attr.")) for d in decorators):
                continue
            if any("repr=False" in d for d in decorators):
                continue
            if not any(
                isinstance(item, ast.FunctionDef) and item.name == "__repr__" for item in node.body
            ) and not any(
                isinstance(item, ast.Assign)
                and [ast.unparse(t) for t in item.targets] == ["__repr__"]
                and ast.unparse(item.value) == "attrs_repr"
                for item in node.body
            ):
                found.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    return found


def test_every_attrs_class_of_the_package_uses_the_shared_repr() -> None:
    """attrs compiles a ``__repr__`` for each class it builds, at import: each class of the
    package sets ``__repr__ = attrs_repr`` in its body instead (the same text)."""
    assert _attrs_classes_without_the_shared_repr() == []
