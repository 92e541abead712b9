"""The payload pipeline of one subscription, compiled once into one function of the event:
check the documented fields it reads, apply the mapping, decide the skip rules, coerce and
validate the payload against the action's fields, build the request.

What stays the same from event to event (the settings, the secrets, the checks, the request
builder, the subscription's name) is bound here, so the per-event path is one call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from actions.destinations.model import Action
from actions.engine.outcomes import Failed, Outcome, Problem, Request, Skipped, problem, redact_text
from actions.errors import ActionsError, format_path
from actions.jsonvalues import COMPACT_CHUNKS, non_finite_path
from actions.mapping import CompiledMapping, MappingFailure
from actions.spec import FieldsCheck

Pipeline = Callable[[dict[str, Any]], Outcome]
"""One subscription's pipeline: a matching event (with a valid envelope) to its outcome."""


def compile_pipeline(
    name: str,
    action: Action,
    mapping: CompiledMapping,
    fields: FieldsCheck,
    settings: Mapping[str, Any],
    secrets: tuple[str, ...],
    call_type: str | None = None,
) -> Pipeline:
    """The pipeline of subscription ``name`` to ``action``: ``mapping`` (its fields in the
    action's field order, so the payload, checked in place, keeps that order), the Spec check of
    the fields it reads, and the action's request for these settings. ``call_type`` is the
    one call type the subscription's trigger admits, if it admits one: its events need no
    look-up of the check for their type. A message that quotes a value never shows a secret
    setting (a mapping may read one into a field that then fails)."""
    fields_valid = fields.valid_by_type.get(call_type, fields.valid) if call_type else fields.valid
    fields_problems = fields.check
    evaluator = mapping.evaluator
    check = action.checker.check_in_place
    key = action.key
    # A request that is the payload as JSON, with everything else fixed by the settings, is
    # made here with no call in between (the common case: the partners' event APIs); any other
    # by the request's builder.
    fixed = action.request.json_parts(settings)
    method, url, headers, encoding = fixed or ("", "", {}, "")
    build = action.request.bind(settings)
    chunks, join = COMPACT_CHUNKS, "".join
    skip = tuple(
        (rule.when.matches if rule.when else None, frozenset(rule.missing), rule.reason)
        for rule in action.skip
    )

    def failed(problems: list[Problem]) -> Failed:
        if secrets:
            problems = [Problem(p.path, redact_text(p.message, secrets)) for p in problems]
        return Failed(tuple(problems), name, key)

    def run(event: dict[str, Any]) -> Outcome:
        if not fields_valid(event):
            invalid = fields_problems(event)
            if invalid:
                return failed([Problem(format_path(p.path), p.message) for p in invalid])
        # The mapping is an object of fields (no field's name starts with @, so it is not a
        # directive): its evaluator gives a fresh dict, and appends each field that fails to
        # failures, in field order (it never raises).
        failures: list[MappingFailure] = []
        raw = evaluator(event, settings, failures)
        if failures:
            return failed([Problem("$" + f.pointer.replace("/", "."), f.message) for f in failures])
        # Skip rules, in order, as far as the mapped payload decides them: a field the mapping
        # did not give is missing after the field checks too, so the checks can be spared.
        decided = 0
        for when, missing, reason in skip:
            if when is not None and when(event):
                return Skipped(name, key, reason)
            if missing:
                if not missing.isdisjoint(raw):
                    break  # decided by the checked payload, below
                return Skipped(name, key, reason)
            decided += 1
        payload, problems = check(raw)
        for when, missing, reason in skip[decided:]:
            if (when is not None and when(event)) or (
                missing and payload.keys().isdisjoint(missing)
            ):
                return Skipped(name, key, reason)
        if problems:
            return failed([problem(path, message) for path, message in problems])
        # Encoding is strict: NaN or ±Infinity the checks let through (inside an object field,
        # or an additional field) fail the request instead of making an invalid body.
        try:
            if fixed is not None:
                body = join(chunks(payload, 0))
                return Request(
                    name, key, method, url, headers.copy(), {}, body, encoding, payload, secrets
                )
            return Request(name, key, *build(payload), payload, secrets)
        except (ValueError, ActionsError) as exc:
            return failed([unencodable(payload, exc)])

    return run


def unencodable(payload: Any, exc: Exception) -> Problem:
    """The problem of a payload a request cannot be built from: where its first NaN or
    Infinity is, or else what went wrong."""
    where = non_finite_path(payload)
    if where is not None:
        message = "is NaN or Infinity: no request carries one (JSON has no such number)"
        return problem(where, message)
    return Problem("$", f"the request cannot be built: {getattr(exc, 'message', exc)}")


__all__ = ["Pipeline", "compile_pipeline"]
