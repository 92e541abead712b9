"""The payload pipeline of one subscription, compiled once into one function of the event:
check the documented fields it reads, apply the mapping, decide the skip rules, coerce and
validate the payload against the action's fields, build the request.

What stays the same from event to event (the settings, the checks, the request builder, the
subscription's name) is bound here, so the per-event path is one call. When a secret setting is
set, a second request builder is bound to the *shown* settings (each secret's value replaced by
``***``); it runs only when a request or a failure is shown (see docs/engine.md, Secrets)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from actions.destinations.model import Action
from actions.engine.outcomes import (
    SECRET_NOTE,
    SECRET_PLACEHOLDER,
    Failed,
    Outcome,
    Problem,
    Request,
    Skipped,
    problem,
)
from actions.errors import ActionsError, format_path
from actions.jsonvalues import PLAIN_DUMPS, flat_json, non_finite_path
from actions.mapping import CompiledMapping, MappingFailure
from actions.spec import FieldsCheck

Pipeline = Callable[[dict[str, Any]], Outcome]
"""One subscription's pipeline: a matching event (with a valid envelope) to its outcome."""


Finish = Callable[[dict[str, Any], Any], Outcome]
"""One subscription's pipeline from the checked payload on: ``finish(payload, event)`` is the
outcome the pipeline gives for ``event`` when the mapping, the skip rules and the checks give
``payload`` (the request built from it with the pipeline's settings, or the failure to build
it). For what knows the payload another way: ``actions diff`` of two configs that differ in
settings the mapping does not read has the payload from the other side's request."""


class Stages(NamedTuple):
    """A subscription's pipeline (:data:`Pipeline`), and its last stage alone (:data:`Finish`)."""

    run: Pipeline
    finish: Finish


def compile_pipeline(
    name: str,
    action: Action,
    mapping: CompiledMapping,
    fields: FieldsCheck,
    settings: Mapping[str, Any],
    shown: Mapping[str, Any] | None = None,
    call_type: str | None = None,
    probes: Sequence[CompiledMapping | None] = (),
    *,
    bodies: bool = True,
) -> Stages:
    """The pipeline of subscription ``name`` to ``action``: ``mapping`` (its fields in the
    action's field order, so the payload, checked in place, keeps that order), the Spec check of
    the fields it reads, and the action's request for these settings. ``call_type`` is the
    one call type the subscription's trigger admits, if it admits one: its events need no
    look-up of the check for their type. ``shown`` are the settings with every secret's value
    replaced by ``***`` (None when no secret is set): a request is shown, and a failure's
    messages are written, as the same event gives them with those settings, so nothing derived
    from a secret (a mapping may read one into a field that then fails) is ever shown.
    ``probes`` holds, per skip rule of the action, the mapping of the fields a ``missing:``
    rule names, alone (None for any other rule): see the leading rules below. ``bodies``
    False: each request's body is left unwritten (``body`` None; see
    :meth:`~actions.destinations.request.RequestSpec.bind_unwritten`), every outcome otherwise
    the same."""
    fields_valid = fields.valid_by_type.get(call_type, fields.valid) if call_type else fields.valid
    fields_problems = fields.check
    evaluator = mapping.evaluator
    check = action.checker.check_owned
    dumps = PLAIN_DUMPS
    key = action.key
    # A request that is the payload as JSON, with everything else fixed by the settings, is
    # made here with no call in between (the common case: the partners' event APIs); any other
    # by the request's builder.
    fixed = action.request.json_parts(settings) if bodies else None
    method, url, headers, encoding = fixed or ("", "", {}, "")
    build = action.request.bind(settings) if bodies else action.request.bind_unwritten(settings)
    # Per skip rule: its condition, the fields it needs, and its outcome (made once: an
    # outcome is immutable, so every event the rule skips shares it).
    skip = tuple(
        (
            rule.when.matches if rule.when else None,
            frozenset(rule.missing),
            Skipped(name, key, rule.reason),
        )
        for rule in action.skip
    )

    # The leading rules are decided before the event is checked or mapped, in order: a rule
    # on the event alone (a condition, no fields) by its condition; a ``missing:`` rule by its
    # probe, the mapping of the fields it names alone, which skips the event when it gives
    # none of them and fails nowhere (the full mapping would give the same: fields are mapped
    # independently, and one it does not give is missing after the checks too). A probe that
    # gives a field leaves its rule, and those after it, to the mapped payload (tails[n]: the
    # rules after the first n).
    leading: list[tuple[Callable[..., Any], bool, Skipped]] = []
    for index, (when, missing, outcome) in enumerate(skip):
        probe = probes[index] if index < len(probes) else None
        if when is not None and not missing:
            leading.append((when, False, outcome))
        elif when is None and missing and probe is not None:
            leading.append((probe.evaluator, True, outcome))
        else:
            break
    tails = tuple(skip[index:] for index in range(len(leading) + 1))

    def failed(problems: list[Problem]) -> Failed:
        return Failed(tuple(problems), name, key)

    redactor = None
    if shown is not None:
        shown_settings = shown
        shown_fixed = action.request.json_parts(shown_settings)
        shown_build = action.request.bind(shown_settings)

        def shown_payload(
            event: dict[str, Any],
        ) -> tuple[dict[str, Any], list[Problem], set[str]]:
            """The payload, its problems and the fields they are in, with the shown
            settings: nothing in them depends on a secret's value."""
            failures: list[MappingFailure] = []
            raw = evaluator(event, shown_settings, failures)
            found = [Problem("$" + f.pointer.replace("/", "."), f.message) for f in failures]
            bad = {f.pointer.split("/")[1] for f in failures if f.pointer.count("/")}
            payload, checked, _ = check(raw)
            for path, message in checked:
                found.append(problem(path, message))
                if path:
                    bad.add(str(path[0]))
            return payload, found, bad

        def redacted(request: Request) -> Request:
            """The request as shown: the payload with the shown settings, in the fields of the
            payload sent (a field whose placeholder is not valid where it goes is ***)."""
            payload, _, bad = shown_payload(request.source)
            payload = {
                k: SECRET_PLACEHOLDER if k in bad or k not in payload else payload[k]
                for k in request.payload
            }
            if shown_fixed is not None:
                method_, url_, headers_, encoding_ = shown_fixed
                body_ = flat_json(payload)
                return Request(
                    name, key, method_, url_, headers_.copy(), {}, body_, encoding_, payload
                )
            return Request(name, key, *shown_build(payload), payload)

        redactor = redacted

        def failed_shown(problems: list[Problem], event: dict[str, Any]) -> Failed:
            """The failure as shown: each problem's message as the shown settings give it at
            the same path, or a note that it depends on a secret."""
            messages: dict[str, str] = {}
            for found in shown_payload(event)[1]:
                messages.setdefault(found.path, found.message)
            return Failed(
                tuple(Problem(p.path, messages.get(p.path, SECRET_NOTE)) for p in problems),
                name,
                key,
            )

    else:

        def failed_shown(problems: list[Problem], event: dict[str, Any]) -> Failed:
            return Failed(tuple(problems), name, key)

    def run(event: dict[str, Any]) -> Outcome:
        # The leading skip rules first: an event they skip is never sent, so it is neither
        # checked nor mapped.
        decided = 0
        for test, probing, outcome in leading:
            if probing:
                probed: list[MappingFailure] = []
                if test(event, settings, probed) or probed:
                    break  # a field given (or failing): decided by the payload, below
                return outcome
            if test(event):
                return outcome
            decided += 1
        skip = tails[decided]
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
            return failed_shown(
                [Problem("$" + f.pointer.replace("/", "."), f.message) for f in failures], event
            )
        # Skip rules, in order, as far as the mapped payload decides them: a field the mapping
        # did not give is missing after the field checks too, so the checks can be spared.
        decided = 0
        for when, missing, skipped in skip:
            if when is not None and when(event):
                return skipped
            if missing:
                if not missing.isdisjoint(raw):
                    break  # decided by the checked payload, below
                return skipped
            decided += 1
        payload, problems, plain = check(raw)
        for when, missing, skipped in skip[decided:]:
            if (when is not None and when(event)) or (
                missing and payload.keys().isdisjoint(missing)
            ):
                return skipped
        if problems:
            return failed_shown([problem(path, message) for path, message in problems], event)
        return request(payload, plain, event)

    def request(payload: dict[str, Any], plain: bool, event: dict[str, Any]) -> Outcome:
        """The request of a checked payload (``plain``: one orjson writes as Python's encoder
        does), or the failure to build it. Encoding is strict: NaN or ±Infinity the checks let
        through (inside an object field, or an additional field) fail the request instead of
        making an invalid body. A plain payload (the common case) goes straight to orjson;
        what orjson refuses (an integer past 64 bits, a lone surrogate), and any other payload,
        to flat_json."""
        try:
            if fixed is not None:
                if plain and dumps is not None:
                    try:
                        body = dumps(payload).decode()
                    except TypeError:  # an integer past 64 bits, a lone surrogate
                        body = flat_json(payload)
                else:
                    body = flat_json(payload)
                return Request(
                    name,
                    key,
                    method,
                    url,
                    headers.copy(),
                    {},
                    body,
                    encoding,
                    payload,
                    redactor,
                    event,
                )
            return Request(name, key, *build(payload), payload, redactor, event)
        except (ValueError, ActionsError) as exc:
            return failed([unencodable(payload, exc, quote=redactor is None)])

    def finish(payload: dict[str, Any], event: Any) -> Outcome:
        return request(payload, False, event)

    return Stages(run, finish)


INT_DIGITS_MARK = "integer string conversion"
"""In the ValueError Python raises for an integer over its limit on digits."""
TOO_MANY_DIGITS = (
    "the event holds an integer with more digits than Python converts "
    "(sys.get_int_max_str_digits(), 4,300 by default)"
)
NOT_UNICODE = (
    "a string the request needs is not valid Unicode (it holds a lone surrogate, "
    'such as "\\ud800"), so it cannot be encoded'
)


def unencodable(payload: Any, exc: Exception, *, quote: bool) -> Problem:
    """The problem of a payload a request cannot be built from: where its first NaN or
    Infinity is, or else what went wrong (the error's text only when ``quote``: with secret
    settings configured, it could quote one)."""
    where = non_finite_path(payload)
    if where is not None:
        message = "is NaN or Infinity: no request carries one (JSON has no such number)"
        return problem(where, message)
    if INT_DIGITS_MARK in str(exc):
        return Problem("$", TOO_MANY_DIGITS)
    if isinstance(exc, UnicodeEncodeError):
        return Problem("$", NOT_UNICODE)
    said = getattr(exc, "message", exc) if quote else type(exc).__name__
    return Problem("$", f"the request cannot be built: {said}")


__all__ = ["Finish", "Pipeline", "Stages", "compile_pipeline"]
