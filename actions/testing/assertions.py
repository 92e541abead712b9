"""Partial assertions over an event's outcomes: a subset of the body, query or headers, values at
paths, the kind and reason, "no outcome from this subscription", an FQL condition. A failure
shows a diff of just what was asserted against the same parts of the outcome."""

from __future__ import annotations

import contextlib
import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from actions.engine.outcomes import Outcome
from actions.fql import FQLError
from actions.fql import compile as compile_fql

_ABSENT = "<absent>"
"""Shown in a diff where the outcome has nothing at an asserted key."""

_EXACT = ("kind", "reason", "filter", "method", "url")
_SUBSETS = ("body", "query", "headers", "payload")
KEYS = ("subscription", "none", *_EXACT, *_SUBSETS, "at", "where")
"""The keys of an assertion."""


def outcome_view(outcome: Outcome) -> dict[str, Any]:
    """What assertions see of an outcome: its ``to_dict`` with the payload, ``reason`` for
    every kind but a request, and ``body`` parsed (JSON, or a form) when it can be."""
    view = outcome.to_dict(payload=True)
    if outcome.kind == "failed":
        view["reason"] = getattr(outcome, "reason", "")
    body = view.get("body")
    if isinstance(body, str):
        encoding = getattr(outcome, "encoding", "")
        if encoding == "form":
            view["body"] = dict(parse_qsl(body, keep_blank_values=True))
        else:
            with contextlib.suppress(ValueError):
                view["body"] = json.loads(body)
    return view


def subset_of(want: Any, got: Any) -> bool:
    """``want`` is in ``got``: an object's keys with values that are subsets; else equal."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(
            k in got and subset_of(v, got[k]) for k, v in want.items()
        )
    return _same(want, got)


def _same(want: Any, got: Any) -> bool:
    return (type(want) is type(got) and want == got) or (
        isinstance(want, int | float)
        and isinstance(got, int | float)
        and not isinstance(want, bool)
        and not isinstance(got, bool)
        and want == got
    )


def _project(want: Any, got: Any) -> Any:
    """The parts of ``got`` that ``want`` asserts (its keys, recursively)."""
    if isinstance(want, dict) and isinstance(got, dict):
        return {k: _project(v, got[k]) if k in got else _ABSENT for k, v in want.items()}
    return got


def value_at(view: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path of the outcome (digits index lists); _ABSENT if none."""
    current: Any = view
    for key in dotted.split("."):
        if isinstance(current, dict) and key in current:
            current = current[key]
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return _ABSENT
    return current


def _parts(
    assertion: Mapping[str, Any], view: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(asserted, the outcome's same parts) over every part of ``assertion``."""
    want: dict[str, Any] = {}
    got: dict[str, Any] = {}
    for key in _EXACT:
        if key in assertion:
            want[key] = assertion[key]
            got[key] = view.get(key, _ABSENT)
    for key in _SUBSETS:
        if key in assertion:
            want[key] = assertion[key]
            got[key] = _project(assertion[key], view[key]) if key in view else _ABSENT
    for path, value in (assertion.get("at") or {}).items():
        want[f"at {path}"] = value
        got[f"at {path}"] = _project(value, value_at(view, str(path)))
    if "where" in assertion:
        text = assertion["where"]
        want["where"] = text
        got["where"] = text if _where(text, view) else "false"
        if got["where"] != text:
            # What the condition read of the outcome, beside it.
            for keys in sorted(compile_fql(str(text)).paths):
                dotted = ".".join(keys)
                got[f"where reads {dotted}"] = value_at(view, dotted)
    return want, got


def _where(text: str, view: Mapping[str, Any]) -> bool:
    try:
        return compile_fql(text).matches(dict(view))
    except FQLError:
        return False


def _holds(assertion: Mapping[str, Any], view: Mapping[str, Any]) -> bool:
    want, got = _parts(assertion, view)
    for key, value in want.items():
        if key.startswith("where"):
            if got[key] != value:
                return False
        elif key.startswith("at ") or key in _SUBSETS:
            if not subset_of(value, view_value(key, view)):
                return False
        elif not _same(value, got[key]):
            return False
    return True


def view_value(key: str, view: Mapping[str, Any]) -> Any:
    if key.startswith("at "):
        return value_at(view, key[3:])
    return view.get(key, _ABSENT)


def check_syntax(assertion: Any) -> str | None:
    """Why ``assertion`` cannot be checked (an FQL error, nothing asserted), or None."""
    if not isinstance(assertion, dict):
        return "an assertion is an object (kind, reason, body, at, where, none, ...)"
    unknown = sorted(str(k) for k in assertion if k not in KEYS)
    if unknown:
        return f"unknown key {unknown[0]!r}; an assertion has {', '.join(KEYS)}"
    if not any(k in assertion for k in KEYS if k != "subscription"):
        return "the assertion asserts nothing: give kind, reason, body, at, where, none, ..."
    if "at" in assertion and not isinstance(assertion["at"], dict):
        return "`at` is an object of dotted paths and values"
    if "where" in assertion:
        try:
            compile_fql(str(assertion["where"]))
        except FQLError as exc:
            return f"where: {exc}"
    if assertion.get("none") and "subscription" not in assertion:
        return "`none: true` needs the `subscription` that gives no outcome"
    return None


def failures(assertions: Sequence[Any], outcomes: Sequence[Outcome]) -> list[str]:
    """A message (with a diff of the asserted parts) per assertion that does not hold."""
    views = [outcome_view(o) for o in outcomes]
    out: list[str] = []
    for number, assertion in enumerate(assertions, start=1):
        problem = check_syntax(assertion)
        if problem is not None:
            out.append(f"assertion {number}: {problem}")
            continue
        chosen = views
        scope = ""
        if "subscription" in assertion:
            name = assertion["subscription"]
            chosen = [v for v in views if v.get("subscription") == name]
            scope = f" (subscription {name!r})"
            if assertion.get("none"):
                if chosen:
                    kinds = ", ".join(v["kind"] for v in chosen)
                    out.append(f"assertion {number}: expected no outcome{scope}, got {kinds}")
                continue
            if not chosen:
                shown = ", ".join(f"{v.get('subscription')}: {v['kind']}" for v in views)
                out.append(f"assertion {number}: no outcome{scope}; outcomes: {shown or 'none'}")
                continue
        if any(_holds(assertion, v) for v in chosen):
            continue
        # The closest outcome: the one with the fewest asserted parts that differ.
        best: dict[str, Any] = min(chosen, key=lambda v: _distance(assertion, v)) if chosen else {}
        want, got = _parts(assertion, best)
        out.append(f"assertion {number}{scope} does not hold:\n" + diff(want, got))
    return out


def _distance(assertion: Mapping[str, Any], view: Mapping[str, Any]) -> int:
    want, got = _parts(assertion, view)
    return sum(
        1 for k in want if json.dumps(want[k], default=str) != json.dumps(got[k], default=str)
    )


def diff(want: Any, got: Any, names: tuple[str, str] = ("expected", "got")) -> str:
    """A unified diff of two values as indented JSON (keys sorted)."""
    want_text = json.dumps(want, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    got_text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    lines = difflib.unified_diff(
        want_text.splitlines(), got_text.splitlines(), names[0], names[1], lineterm=""
    )
    return "\n".join(lines)


__all__ = ["check_syntax", "diff", "failures", "outcome_view", "subset_of", "value_at"]
