"""Behavioural diff: run two configured destinations over the same events and say, per
subscription and per field, what changed (``actions diff OLD NEW EVENTS``).

:class:`Differ` takes one event at a time and keeps only counters and a few examples, so memory
stays flat over any number of events: per subscription, its outcome kinds before and after and
each change of kind (with its reasons); per field of the requests both sides sent, the values
added, removed and changed (the method, URL, headers and query as ``(method)``, ``(url)``,
``(header NAME)`` and ``(query NAME)``, and the body as ``(body)`` when the same payload is
written into another body: a change of the request's body mapping or encoding). Requests
are compared as they are and shown as shown (each secret setting ``***``), so no secret reaches
the report: a change only a secret makes is reported as ``(secret) changed``. A request that
nothing building it can read a secret of (:mod:`actions.analysis.settingreads`) is its own shown
form, so it is not built again.
:meth:`Differ.report` gives the JSON form that the renderers print.

Work both sides share is done once (see :func:`sides`): when OLD and NEW are one pack with the
same settings, filters, Spec check and privacy checks, each subscription that is the same in both
(name, action, trigger, mapping) runs once per event and its outcome counts for both sides; only
the subscriptions that differ run for each side. Two identical configs run the engine once.
Two configs that differ in their settings alone run the old side, and of the new side only
what those settings can change (see :func:`_other_settings`).
Each side runs with its requests' bodies left unwritten
(:meth:`~actions.engine.engine.ConfiguredDestination.without_bodies`: the same outcomes), and
the bodies of two requests are written only to compare requests equal in all else.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from actions.analysis.settingreads import request_reads, secret_free, settings_read
from actions.destinations.request import BuiltRequest
from actions.engine.engine import CompiledSubscription, ConfiguredDestination
from actions.engine.outcomes import SECRET_PLACEHOLDER, Filtered, Outcome, Request
from actions.errors import ActionsError
from actions.mapping import MappingFailure
from actions.mapping import compile as compile_mapping
from actions.mapping.ir import Object

EXAMPLES = 3
"""Examples kept per change (per kind change, per field and change)."""
MAX_SHOWN = 120
"""Characters of a value shown in an example (longer values are cut, with ``...``)."""
DESTINATION = "(destination)"
"""The name for outcomes of no subscription (no subscription matched, a filter, consent)."""
ABSENT = "(none)"
"""The kind on the side where a subscription gave no outcome for the event."""
NO_MATCH = Filtered("no enabled subscription matched the event")
"""The engine's outcome for an event no subscription takes (a side whose own subscriptions all
passed an event over, when the other side's took it)."""

Named = list[tuple[str, Outcome]]
"""One side's outcomes for an event, each with the name it is reported under."""
Sides = Callable[[Any], tuple[Named, Named]]
"""Both sides' outcomes for an event (the same list twice when the sides cannot differ)."""
_OLD, _NEW = "\x00(old)", "\x00(new)"
"""Suffixes of the names a subscription that differs runs under, in the shared destination."""
Show = Callable[[Request], Request]
"""A request to its shown form."""


def _fingerprint(value: Any) -> str | None:
    """Text equal for two values only when they are equal in type, value and order (``1`` and
    ``1.0``, ``{a, b}`` and ``{b, a}`` differ), or None when there is none."""
    try:
        return json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        return None


def _named(outcomes: Sequence[Outcome]) -> Named:
    return [(o.subscription or DESTINATION, o) for o in outcomes]


def sides(old: ConfiguredDestination, new: ConfiguredDestination) -> Sides:
    """A function giving each side's outcomes for an event, doing shared work once.

    When both are configured from one pack (the same text and file) with the same settings,
    filters, Spec check and privacy checks, every step before the subscriptions (the Spec
    check of the envelope, ``integrations``, consent and suppression, filters, dispatch) gives
    the same result on both sides, and so does each subscription that is the same in both.
    Identical configs run once (the same outcomes are both sides'); otherwise one destination
    holds the shared subscriptions once and each differing one under a name of its side, and
    its outcomes are split by side. An event that destination fails as a whole (the Spec check,
    or a defect in one subscription, which fails every outcome of the event) is run on each
    side alone, as it would have been. Anything else runs each side on its own."""
    run_old, run_new = _unwritten(old).process, _unwritten(new).process

    def apart(event: Any) -> tuple[Named, Named]:
        return _named(run_old(event)), _named(run_new(event))

    # Everything but the subscriptions must be the same: the pack's text and file, the settings,
    # filters, Spec check, consent and suppression lists, the environment.
    if not shares_settings(old, new):
        return _other_settings(old, new, apart) or apart
    before, after = old.subscriptions, new.subscriptions
    if _fingerprint([attrs.astuple(s) for s in before]) == _fingerprint(
        [attrs.astuple(s) for s in after]
    ):

        def once(event: Any) -> tuple[Named, Named]:
            named = _named(run_old(event))
            return named, named

        return once
    names = [s.name for s in before] + [s.name for s in after]
    if len({s.name for s in before}) < len(before) or len({s.name for s in after}) < len(after):
        return apart  # a name twice on one side: outcomes are told apart by position
    if any(_OLD in name or _NEW in name for name in names):
        return apart
    theirs = {s.name: _fingerprint(attrs.astuple(s)) for s in after}
    shared = {s.name for s in before if theirs.get(s.name) == _fingerprint(attrs.astuple(s))}
    union = [s for s in before if s.name in shared]
    union += [attrs.evolve(s, name=s.name + _OLD) for s in before if s.name not in shared]
    union += [attrs.evolve(s, name=s.name + _NEW) for s in after if s.name not in shared]
    try:
        both = old.with_subscriptions(union)
    except (ActionsError, OSError):  # a file it read is gone or changed: as each side alone
        return apart
    return _split(_unwritten(both).process, apart)


NewSide = Callable[[Outcome, Any], Outcome]
"""The new side's outcome of one subscription for an event, from the old side's."""


def _other_settings(
    old: ConfiguredDestination, new: ConfiguredDestination, apart: Sides
) -> Sides | None:
    """Both sides' outcomes when the configs differ in their settings alone (one pack, the same
    subscriptions, no filters), from the old side's run and as little of the new side's as
    they need; None when they differ in more.

    Every step before the subscriptions reads no setting, and neither does a trigger or a skip
    rule, so the new side's event meets the same subscriptions, whose outcomes come in the same
    order. Each subscription's new outcome comes from its old one as :func:`_new_side` says.
    An event the old side fails as a whole (the Spec check, a defect), or whose new side
    raises, is run on each side alone, as it would have been."""
    before, after = old.configuration, new.configuration
    if before.env is not after.env or before.filters or after.filters:
        return None
    rest = _fingerprint(attrs.astuple(attrs.evolve(before, settings={})))
    if rest is None or rest != _fingerprint(attrs.astuple(attrs.evolve(after, settings={}))):
        return None
    differ = frozenset(
        name
        for name in before.settings.keys() | after.settings.keys()
        if not _same_setting(before.settings, after.settings, name)
    )
    run_old, twin = _unwritten(old).process, _unwritten(new)
    plan: dict[str, NewSide] = {}
    for compiled in twin.compiled:
        name = compiled.subscription.name
        if name in plan:
            return None  # a name twice: outcomes would be told apart by position
        plan[name] = _new_side(twin, compiled, differ)

    def shared(event: Any) -> tuple[Named, Named]:
        outcomes = run_old(event)
        first = outcomes[0]
        if first.subscription is None:
            return _whole_event(first, event, apart)
        old_side: Named = []
        new_side: Named = []
        try:
            for outcome in outcomes:
                name = outcome.subscription or DESTINATION
                old_side.append((name, outcome))
                new_side.append((name, plan[name](outcome, event)))
        except Exception:  # as the new side's engine would fail the event: run it so
            return apart(event)
        return old_side, new_side

    return shared


def _new_side(
    twin: ConfiguredDestination, compiled: CompiledSubscription, differ: frozenset[str]
) -> NewSide:
    """How the new side's outcome of ``compiled`` (of the new side, ``twin``) follows from the
    old side's, the settings ``differ`` differing, by what its mapping and request can read
    (:mod:`~actions.analysis.settingreads`; a field read by no setting that differs maps to the
    same value on both sides, and the payload check takes each field on its own):

    - neither reads a setting that differs: the old outcome;
    - the mapping reads none: the request built from the old payload with the new settings
      (``CompiledSubscription.finish``), a skip the same, a failure run again (the request may
      have failed to build);
    - else, when each field that reads one is mapped to a value the payload check keeps as it
      is (Branch's ``branch_key``, Kochava's event name): the old payload with those fields
      mapped again, alone, for the event with the new settings, and its request built; a
      skip or a failure is run again;
    - else the new side's pipeline runs."""
    run, finish = compiled.run, compiled.finish

    def ran(outcome: Outcome, event: Any) -> Outcome:
        return run(event)

    node = compiled.mapping.node
    reads = settings_read(node)
    if finish is None or reads is None or not isinstance(node, Object):
        return ran
    if reads.isdisjoint(differ):
        request = request_reads(twin, compiled)
        if request is not None and request.isdisjoint(differ):
            return _old_outcome

        def rebuilt(outcome: Outcome, event: Any) -> Outcome:
            if type(outcome) is Request:
                return finish(outcome.payload, outcome.source)
            return outcome if outcome.kind == "skipped" else run(event)

        return rebuilt
    given, changed = compiled.mapping.mapping, {}
    for field in node.fields:
        field_reads = settings_read(field.node)
        if field_reads is None or not field_reads.isdisjoint(differ):
            changed[field.key] = given[field.key]
    try:
        fields = compile_mapping(
            changed, directives=compiled.mapping.directives, functions=compiled.mapping.functions
        )
    except ActionsError:
        return ran
    evaluate, settings, keeps = fields.evaluator, dict(twin.settings), compiled.action.checker.keeps

    def patched(outcome: Outcome, event: Any) -> Outcome:
        if type(outcome) is Request:
            failures: list[MappingFailure] = []
            values = evaluate(event, settings, failures)
            payload = outcome.payload
            if not failures and values.keys() == changed.keys() <= payload.keys():
                payload = {**payload, **values}
                if keeps(payload):
                    return finish(payload, outcome.source)
        return run(event)

    return patched


def _old_outcome(outcome: Outcome, event: Any) -> Outcome:
    return outcome


def _unwritten(configured: ConfiguredDestination) -> ConfiguredDestination:
    """``configured``'s twin that leaves requests' bodies unwritten (the diff writes those it
    compares), or itself when it has none."""
    try:
        return configured.without_bodies()
    except ActionsError:
        return configured


def shares_settings(old: ConfiguredDestination, new: ConfiguredDestination) -> bool:
    """Whether :func:`sides` runs both sides with one pack's actions and settings: then two
    requests of one action with equal payloads have equal bodies."""
    if old.configuration.env is not new.configuration.env:
        return False
    rest = _fingerprint(attrs.astuple(attrs.evolve(old.configuration, subscriptions=None)))
    return rest is not None and rest == _fingerprint(
        attrs.astuple(attrs.evolve(new.configuration, subscriptions=None))
    )


def same_bodies(old: ConfiguredDestination, new: ConfiguredDestination) -> frozenset[str]:
    """The actions whose two requests with equal payloads have equal bodies: both sides load
    one pack (its text and file) in one environment, and every setting the action's body can
    read (known with certainty: :func:`~actions.analysis.settingreads.settings_read`) has the
    same value on both sides (an action that sends no body, or its payload, reads none)."""
    before, after = old.configuration, new.configuration
    if before.env is not after.env or (before.text, before.file) != (after.text, after.file):
        return frozenset()
    same = set()
    for name, action in old.destination.actions.items():
        body = action.request.body
        reads: frozenset[str] | None = frozenset()
        if body is not None and not action.request.body_is_payload:
            reads = settings_read(body.node)
        if reads is not None and all(
            _same_setting(before.settings, after.settings, read) for read in reads
        ):
            same.add(name)
    return frozenset(same)


def _same_setting(before: dict[str, Any], after: dict[str, Any], name: str) -> bool:
    """Whether both sides give setting ``name`` the same value (equal in type, value and
    order), or neither gives it."""
    if name not in before or name not in after:
        return name not in before and name not in after
    text = _fingerprint(before[name])
    return text is not None and text == _fingerprint(after[name])


def _shown_forms(configured: ConfiguredDestination) -> dict[str, Show]:
    """Per subscription of ``configured`` (by name), how its requests are shown when that takes
    less than building each again from its event with ``***`` for each secret setting
    (``Request.shown``), and gives the same (see :func:`~actions.analysis.settingreads.
    secret_free`): a request that reads no secret is its own shown form; one whose mapping
    reads none has the shown payload, and the rest is built from it with the shown settings."""
    free = secret_free(configured)
    names = Counter(compiled.subscription.name for compiled in configured.compiled)
    shown: dict[str, Show] = {}
    for compiled in configured.compiled:
        name = compiled.subscription.name
        if free.get(name) == "request":
            shown[name] = _itself
        elif free.get(name) == "payload" and names[name] == 1:
            shown[name] = _built(compiled.action.request.bind(configured.settings_view))
    return shown


def _itself(request: Request) -> Request:
    return request


def _built(build: Callable[[Any], BuiltRequest]) -> Show:
    """Requests shown as built from their payload with the shown settings by ``build``."""

    def built(request: Request) -> Request:
        if request.redactor is None:  # no secret is set: shown as it is (Request.shown)
            return request
        try:
            method, url, headers, query, body, encoding = build(request.payload)
        except Exception:  # as building it again fails: the request shows what it can
            return request.shown
        payload = request.payload
        return Request(
            request.subscription,
            request.action,
            method,
            url,
            headers,
            query,
            body,
            encoding,
            payload,
        )

    return built


def _whole_event(first: Outcome, event: Any, apart: Sides) -> tuple[Named, Named]:
    """Both sides' outcomes for an event whose only outcome comes before any subscription: a
    failure (the Spec check, or a defect) as each side alone gives it; anything else the same
    on both sides."""
    if first.kind == "failed":
        return apart(event)
    named: Named = [(DESTINATION, first)]
    return named, named


def _split(run: Callable[[Any], list[Outcome]], apart: Sides) -> Sides:
    """Both sides' outcomes from the shared destination's (see :func:`sides`)."""
    cut = len(_OLD)
    no_match: Named = [(DESTINATION, NO_MATCH)]

    def together(event: Any) -> tuple[Named, Named]:
        outcomes = run(event)
        first = outcomes[0]
        if first.subscription is None:
            return _whole_event(first, event, apart)
        old_side: Named = []
        new_side: Named = []
        for outcome in outcomes:
            name = outcome.subscription or DESTINATION
            if name[-cut:] == _OLD:
                old_side.append((name[:-cut], outcome))
            elif name[-cut:] == _NEW:
                new_side.append((name[:-cut], outcome))
            else:
                pair = (name, outcome)
                old_side.append(pair)
                new_side.append(pair)
        return old_side or no_match, new_side or no_match

    return together


_LEAD = 24
"""Characters of a body shown before the first that differs."""


def _from_difference(a: str | None, b: str | None) -> tuple[str | None, str | None]:
    """Two bodies from a little before the first character where they differ (``...`` for
    what is left out): the examples show where they differ, however long the bodies."""
    if a is None or b is None:
        return a, b
    low, high = 0, min(len(a), len(b))  # the common prefix: a[:low] == b[:low], by halves
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    at = low
    if at <= _LEAD:
        return a, b
    start = at - _LEAD
    return "..." + a[start:], "..." + b[start:]


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _by_subscription(outcomes: Named) -> dict[str, Outcome]:
    found: dict[str, Outcome] = {}
    for name, outcome in outcomes:
        key, n = name, 1
        while key in found:  # several outcomes of one subscription: keep each
            n += 1
            key = f"{name} #{n}"
        found[key] = outcome
    return found


def _reason(outcome: Outcome | None) -> str | None:
    if outcome is None or outcome.kind == "request":
        return None
    return str(getattr(outcome, "reason", "")) or None


class _Subscription:
    __slots__ = ("after", "before", "fields", "kinds")

    def __init__(self) -> None:
        self.before: dict[str, int] = {}
        self.after: dict[str, int] = {}
        self.kinds: dict[tuple[str, str], list[Any]] = {}  # (old, new): [count, examples]
        self.fields: dict[tuple[str, str], list[Any]] = {}  # (field, change): [count, examples]


class DiffTally:
    """A differ's counts over a run of events, as plain values that pickle (what a worker of
    ``--jobs`` sends back for its chunk of lines); see :meth:`Differ.take`."""

    __slots__ = ("changed", "events", "subscriptions", "unreadable")

    def __init__(
        self, events: int, changed: int, unreadable: int, subscriptions: dict[str, _Subscription]
    ) -> None:
        self.events = events
        self.changed = changed
        self.unreadable = unreadable
        self.subscriptions = subscriptions


class Differ:
    """Accumulates the differences of two configured destinations, one event at a time.

    :meth:`take` and :meth:`merge` hand counts between processes: merging the counts of
    consecutive runs of a stream, in order, gives the report of the whole stream (counts add up;
    the examples kept are the first ones, in the order of the runs)."""

    def __init__(self, old: ConfiguredDestination, new: ConfiguredDestination) -> None:
        """``old`` and ``new`` are run as :func:`sides` says: work both share is done once
        (by a destination configured for the purpose, at the first event: a differ that only
        merges counts from others configures nothing), so their own ``counts`` may not move."""
        self._pair = (old, new)
        self._same_bodies: frozenset[str] | None = None  # see _same_request, made at first use
        self._sides: Sides = self._first
        self._show: tuple[dict[str, Show], dict[str, Show]] | None = None
        self.events = 0
        self.changed = 0
        self.unreadable = 0
        self._subscriptions: dict[str, _Subscription] = {}

    def _first(self, event: Any) -> tuple[Named, Named]:
        self._sides = sides(*self._pair)
        return self._sides(event)

    def prepare(self) -> None:
        """Configure now what :meth:`add` otherwise configures when first needed: the work
        both sides share (which may configure a destination, see :func:`sides`), and how
        their requests are shown. Once is enough; again does nothing."""
        if self._sides == self._first:
            self._sides = sides(*self._pair)
        self._shown()

    def _shown(self) -> tuple[dict[str, Show], dict[str, Show]]:
        """How each side's requests are shown (see :func:`_shown_forms`), made at first use."""
        if self._show is None:
            self._show = (_shown_forms(self._pair[0]), _shown_forms(self._pair[1]))
        return self._show

    def _stats(self, name: str) -> _Subscription:
        stats = self._subscriptions.get(name)
        if stats is None:
            stats = self._subscriptions[name] = _Subscription()
        return stats

    def _same(self, name: str, kind: str) -> None:
        stats = self._stats(name)
        stats.before[kind] = stats.before.get(kind, 0) + 1
        stats.after[kind] = stats.after.get(kind, 0) + 1

    def add(self, line: int, event: Any) -> bool:
        """Run both sides on one event; True when its outcomes differ."""
        self.events += 1
        old_outcomes, new_outcomes = self._sides(event)
        if old_outcomes is new_outcomes:  # the same outcomes: counted, nothing to compare
            if len(old_outcomes) == 1:
                name, outcome = old_outcomes[0]
                self._same(name, outcome.kind)
            else:
                for name, outcome in _by_subscription(old_outcomes).items():
                    self._same(name, outcome.kind)
            return False
        if len(old_outcomes) == 1 and len(new_outcomes) == 1:  # the common case, no dicts
            (name, first), (other, second) = old_outcomes[0], new_outcomes[0]
            if name == other and first.kind == second.kind:
                stats = self._stats(name)
                kind = first.kind
                stats.before[kind] = stats.before.get(kind, 0) + 1
                stats.after[kind] = stats.after.get(kind, 0) + 1
                if first is second:
                    differs = False
                elif kind == "request":
                    differs = self._fields(stats, line, first, second)
                elif _reason(first) != _reason(second):
                    differs = True
                    _note(
                        stats.kinds,
                        (kind, kind),
                        {"line": line, "before": _reason(first), "after": _reason(second)},
                    )
                else:
                    differs = False
                self.changed += differs
                return differs
        before = _by_subscription(old_outcomes)
        after = _by_subscription(new_outcomes)
        differs = False
        for name in before.keys() | after.keys():
            old, new = before.get(name), after.get(name)
            if old is new and old is not None:  # one outcome, shared by both sides
                self._same(name, old.kind)
                continue
            stats = self._stats(name)
            old_kind = old.kind if old is not None else ABSENT
            new_kind = new.kind if new is not None else ABSENT
            if old is not None:
                stats.before[old_kind] = stats.before.get(old_kind, 0) + 1
            if new is not None:
                stats.after[new_kind] = stats.after.get(new_kind, 0) + 1
            if old_kind != new_kind or _reason(old) != _reason(new):
                differs = True
                _note(
                    stats.kinds,
                    (old_kind, new_kind),
                    {"line": line, "before": _reason(old), "after": _reason(new)},
                )
            elif old_kind == "request" and old is not None and new is not None:
                differs |= self._fields(stats, line, old, new)
        if differs:
            self.changed += 1
        return differs

    def _same_request(self, old: Request, new: Request) -> bool:
        """Whether two requests are equal as sent. Their bodies may be unwritten (see
        :func:`sides`): they are compared only of requests equal in all else, and not even
        then when the requests are of one action whose body is the same on both sides for
        the same payload (:func:`same_bodies`)."""
        if not (
            old.payload == new.payload
            and old.url == new.url
            and old.headers == new.headers
            and old.query == new.query
            and old.method == new.method
        ):
            return False
        if old.body is not None and new.body is not None:
            return old.body == new.body
        if self._same_bodies is None:
            self._same_bodies = same_bodies(*self._pair)
        if old.action == new.action and old.action in self._same_bodies:
            return True
        return self._pair[0].write_body(old) == self._pair[1].write_body(new)

    def _shown_body(self, side: int, sent: Request, shown: Request) -> str | None:
        """The body of a request as shown: written when its shown form is itself (nothing
        that builds it reads a secret, or no secret is set); ``***`` for a body the shown form
        masks (one that cannot be built: see ``Request.shown``)."""
        configured = self._pair[side]
        if shown is sent:
            return configured.write_body(sent)
        if (
            shown.body is None
            and configured.destination.actions[sent.action].request.body is not None
        ):
            return SECRET_PLACEHOLDER
        return shown.body

    def _fields(self, stats: _Subscription, line: int, old: Any, new: Any) -> bool:
        if self._same_request(old, new):
            return False  # the common case: shown requests are made only for a change
        # As shown: built again with *** for the secrets, but for what provably reads none
        # (see _shown_forms).
        before, after = self._show or self._shown()
        show_old = before.get(_unsuffixed(old.subscription))
        show_new = after.get(_unsuffixed(new.subscription))
        shown_old = old.shown if show_old is None else show_old(old)
        shown_new = new.shown if show_new is None else show_new(new)
        changed = False
        if shown_old.method != shown_new.method:
            changed = True
            _field(stats, line, "(method)", shown_old.method, shown_new.method)
        if shown_old.url != shown_new.url:
            changed = True
            _field(stats, line, "(url)", shown_old.url, shown_new.url)
        for part, a, b in (
            ("header", shown_old.headers, shown_new.headers),
            ("query", shown_old.query, shown_new.query),
        ):
            if a != b:
                changed |= _fields(
                    stats,
                    line,
                    {f"({part} {k})": v for k, v in a.items()},
                    {f"({part} {k})": v for k, v in b.items()},
                )
        if _fields(stats, line, shown_old.payload, shown_new.payload):
            return True
        body_old = self._shown_body(0, old, shown_old)
        body_new = self._shown_body(1, new, shown_new)
        if body_old != body_new:
            # The same payload written otherwise: the request's body mapping or encoding.
            changed = True
            _field(stats, line, "(body)", *_from_difference(body_old, body_new))
        return changed or _secret(stats, line)

    def take(self) -> DiffTally:
        """The counts since the last :meth:`take`, which this differ then forgets."""
        taken = DiffTally(self.events, self.changed, self.unreadable, self._subscriptions)
        self.events = self.changed = self.unreadable = 0
        self._subscriptions = {}
        return taken

    def merge(self, tally: DiffTally) -> None:
        """Count a tally taken from a differ of the same two destinations, over events that
        follow the ones counted so far."""
        self.events += tally.events
        self.changed += tally.changed
        self.unreadable += tally.unreadable
        for name, theirs in tally.subscriptions.items():
            stats = self._stats(name)
            for mine, other in ((stats.before, theirs.before), (stats.after, theirs.after)):
                for kind, count in other.items():
                    mine[kind] = mine.get(kind, 0) + count
            for table, others in ((stats.kinds, theirs.kinds), (stats.fields, theirs.fields)):
                for key, (count, examples) in others.items():
                    entry = table.get(key)
                    if entry is None:
                        table[key] = [count, list(examples)]
                    else:
                        entry[0] += count
                        entry[1].extend(examples[: EXAMPLES - len(entry[1])])

    def report(self) -> dict[str, Any]:
        """The JSON form: ``events``, ``changed`` (events whose outcomes differ), and per
        subscription its counts before and after, kind changes and field changes."""
        subscriptions = []
        for name in sorted(self._subscriptions):
            stats = self._subscriptions[name]
            subscriptions.append(
                {
                    "subscription": name,
                    "before": dict(sorted(stats.before.items())),
                    "after": dict(sorted(stats.after.items())),
                    "kinds": [
                        {"before": k[0], "after": k[1], "count": v[0], "examples": v[1]}
                        for k, v in sorted(stats.kinds.items())
                    ],
                    "fields": [
                        {"field": k[0], "change": k[1], "count": v[0], "examples": v[1]}
                        for k, v in sorted(stats.fields.items())
                    ],
                }
            )
        return {
            "events": self.events,
            "changed": self.changed,
            "unreadable": self.unreadable,
            "subscriptions": subscriptions,
        }


_MISSING = object()


def _fields(stats: _Subscription, line: int, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Note each field whose value differs (in value or type) between two objects; True when
    one does."""
    changed = False
    shared = len(before)  # the fields of both
    for field, a in before.items():
        b = after.get(field, _MISSING)
        if a == b and type(a) is type(b):
            continue
        changed = True
        shared -= b is _MISSING
        _field(stats, line, field, a, b)
    if len(after) > shared:  # fields only after
        for field, b in after.items():
            if field not in before:
                changed = True
                _field(stats, line, field, _MISSING, b)
    return changed


def _field(stats: _Subscription, line: int, field: Any, a: Any, b: Any) -> None:
    """Note a field added (``a`` missing), removed (``b`` missing) or changed."""
    change = "added" if a is _MISSING else "removed" if b is _MISSING else "changed"
    key = (str(field), change)
    entry = stats.fields.get(key)
    if entry is not None and len(entry[1]) >= EXAMPLES:
        entry[0] += 1  # counted; its examples are taken (none made)
        return
    example: dict[str, Any] = {"line": line}
    if a is not _MISSING:
        example["before"] = _shown(a)
    if b is not _MISSING:
        example["after"] = _shown(b)
    _note(stats.fields, key, example)


def _secret(stats: _Subscription, line: int) -> bool:
    """Note a change only a secret setting makes (the shown requests are equal)."""
    _note(stats.fields, ("(secret)", "changed"), {"line": line})
    return True


_CUT = len(_OLD)


def _unsuffixed(name: str) -> str:
    """A subscription's name on its side (without the suffix it runs under when shared)."""
    return name[:-_CUT] if name[-_CUT:] in (_OLD, _NEW) else name


def _note(table: dict[tuple[str, str], list[Any]], key: tuple[str, str], example: Any) -> None:
    entry = table.get(key)
    if entry is None:
        table[key] = [1, [example]]
        return
    entry[0] += 1
    if len(entry[1]) < EXAMPLES:
        entry[1].append(example)


def diff_events(
    old: ConfiguredDestination, new: ConfiguredDestination, events: Iterable[tuple[int, Any]]
) -> dict[str, Any]:
    """The report of :class:`Differ` over ``(line, event)`` pairs."""
    differ = Differ(old, new)
    for line, event in events:
        differ.add(line, event)
    return differ.report()


# -- rendering -------------------------------------------------------------------------------


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _example(example: dict[str, Any]) -> str:
    parts = [f"line {example['line']}"]
    if example.get("before") is not None:
        parts.append(f"before {example['before']}")
    if example.get("after") is not None:
        parts.append(f"after {example['after']}")
    return ": ".join(parts[:1]) + (": " + "; ".join(parts[1:]) if len(parts) > 1 else "")


def _changed_subscriptions(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for s in report["subscriptions"] if s["kinds"] or s["fields"] or s["before"] != s["after"]
    ]


def render_text(report: dict[str, Any]) -> str:
    lines = [f"{report['events']} events, {report['changed']} with different outcomes"]
    if report["unreadable"]:
        lines.append(f"{report['unreadable']} lines could not be read (not compared)")
    for sub in _changed_subscriptions(report):
        lines.append("")
        lines.append(f"subscription {sub['subscription']!r}")
        lines.append(f"  before: {_counts(sub['before'])}")
        lines.append(f"  after:  {_counts(sub['after'])}")
        for kind in sub["kinds"]:
            lines.append(f"  {kind['before']} -> {kind['after']}: {_events(kind['count'])}")
            lines.extend(f"    {_example(e)}" for e in kind["examples"])
        for field in sub["fields"]:
            lines.append(f"  field {field['field']} {field['change']}: {_events(field['count'])}")
            lines.extend(f"    {_example(e)}" for e in field["examples"])
    return "\n".join(lines)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")


def render_github(report: dict[str, Any]) -> str:
    """A pull-request comment in GitHub Markdown."""
    changed = _changed_subscriptions(report)
    lines = [
        "### actions diff",
        "",
        f"**{report['changed']}** of {report['events']} events have different outcomes"
        + ("." if changed else ": nothing changed."),
    ]
    for sub in changed:
        lines += ["", f"#### `{_cell(sub['subscription'])}`", ""]
        lines += ["| outcome | before | after |", "| --- | ---: | ---: |"]
        for kind in sorted(sub["before"].keys() | sub["after"].keys()):
            lines.append(f"| {kind} | {sub['before'].get(kind, 0)} | {sub['after'].get(kind, 0)} |")
        rows = [
            (f"{k['before']} → {k['after']}", k["count"], k["examples"]) for k in sub["kinds"]
        ] + [
            (f"`{_cell(f['field'])}` {f['change']}", f["count"], f["examples"])
            for f in sub["fields"]
        ]
        if rows:
            lines += ["", "| change | events | examples |", "| --- | ---: | --- |"]
            for label, count, examples in rows:
                shown = "<br>".join(_cell(_example(e)) for e in examples)
                lines.append(f"| {label} | {count} | {shown} |")
    return "\n".join(lines)


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}
