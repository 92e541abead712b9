"""The engine: a configured destination turns events into requests, or into the reason why not.

Per event: check it against the Segment Spec; honour its ``integrations`` object; check the
config's suppression list and consent (``privacy.py``); apply the destination filters; find the
candidate subscriptions through the dispatch index (``dispatch.py``); for each whose trigger
matches, run the payload pipeline (mapping, drop empty values, coerce, skip rules, validate) and
build the request. Nothing raises out of :meth:`process`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from threading import get_ident
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import attrs

from actions._repr import attrs_repr
from actions.destinations.model import Action, Destination
from actions.destinations.request import BuiltRequest
from actions.engine.config import Subscription
from actions.engine.dispatch import DispatchIndex, Entry
from actions.engine.outcomes import (
    EventResult,
    Failed,
    Filtered,
    Outcome,
    Problem,
    Request,
    Skipped,
    status_of,
)
from actions.engine.pipeline import (
    INT_DIGITS_MARK,
    NOT_UNICODE,
    TOO_MANY_DIGITS,
    Finish,
    Pipeline,
    Stages,
)
from actions.engine.privacy import (
    SuppressionList,
    compile_gate,
)
from actions.errors import ActionsError, format_path
from actions.fql import Trigger, combine
from actions.language import BUILTIN, Language
from actions.mapping import CompiledMapping
from actions.spec import (
    check_envelope,
    check_event,
    envelope_valid,
    event_valid,
)

if TYPE_CHECKING:
    from actions.engine.consent import Consent
    from actions.engine.filters import Filter

_TOTALS = ("events", "delivered", "filtered", "skipped", "failed", "requests")
_STATUS = {"request": "delivered", "failed": "failed", "skipped": "skipped", "filtered": "filtered"}
_NO_MATCH = Filtered("no enabled subscription matched the event")
_NO_MATCH_KEY: tuple[str | None, str] = (None, _NO_MATCH.kind)  # the commonest count key, made once

# What an event can hold that Python cannot process (see docs/engine.md, "Bounds").
_TOO_DEEP = Failed(
    (
        Problem(
            "$",
            "the event is nested too deeply to process (past Python's recursion limit); "
            "keep events under 64 levels, as `actions run` does",
        ),
    )
)
_NOT_UNICODE = Failed((Problem("$", NOT_UNICODE),))


def _internal_error(exc: BaseException) -> Failed:
    """A defect, reported by its kind and where it was raised, never by its text: an
    exception's message may quote a value of the event or of a secret setting."""
    import traceback  # here: only a defect needs it

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/actions/" in f.filename.replace("\\", "/")]
    where = ""
    if ours:
        frame = ours[-1]
        path = frame.filename.replace("\\", "/")
        where = f" at {path[path.rindex('/actions/') + 1 :]}:{frame.lineno}"
    message = f"internal error: {type(exc).__name__}{where} (a defect: please report it)"
    return Failed((Problem("$", message),))


_TOO_MANY_DIGITS = Failed((Problem("$", TOO_MANY_DIGITS),))

SpecCheck = Literal["read", "full"]
SPEC_CHECKS: tuple[SpecCheck, ...] = ("read", "full")
"""``read``: every event's envelope, and the documented fields each matching subscription reads
(the default); ``full``: every documented field of every event, before anything else."""


@attrs.frozen
class CompiledSubscription:
    """One enabled subscription, compiled: what dispatch needs, and its pipeline."""

    __repr__ = attrs_repr

    subscription: Subscription
    action: Action
    trigger: Trigger
    mapping: CompiledMapping
    """The subscription's mapping over the action's defaults (``actions explain`` traces it)."""
    run: Pipeline
    """The subscription's payload pipeline: a matching event to its outcome."""
    unwritten: Callable[[], Stages] | None = attrs.field(default=None, eq=False, repr=False)
    """Makes the same pipeline with each request's body left unwritten (see
    :meth:`ConfiguredDestination.without_bodies`); None: not known how."""
    finish: Finish | None = attrs.field(default=None, eq=False, repr=False)
    """The pipeline's last stage alone: the outcome for an event of a checked payload (see
    :data:`~actions.engine.pipeline.Finish`); None: not known how."""


@attrs.frozen
class Configuration:
    """What a configured destination was configured from, as plain values: what it pickles as,
    and what :meth:`ConfiguredDestination.with_subscriptions` changes."""

    __repr__ = attrs_repr

    text: str
    """The pack's text."""
    file: str | None
    settings: dict[str, Any]
    subscriptions: list[dict[str, Any]] | None
    """None: the pack's presets."""
    filters: list[dict[str, Any]]
    spec_check: SpecCheck = "read"
    consent: dict[str, Any] | None = None
    suppress: list[str] | None = None
    env: Language | None = None
    """None: the built-in language."""


@attrs.frozen
class Counts:
    """Counters for a configured destination. Every event is counted exactly once as delivered
    (at least one request), failed, skipped or filtered, so ``events == delivered + failed +
    skipped + filtered`` always holds. ``requests`` counts requests (an event may give several);
    ``subscriptions`` counts outcomes per subscription and kind; ``filters``, the events each
    destination filter dropped (a sample filter: the events it sampled out), by name."""

    __repr__ = attrs_repr

    events: int = 0
    delivered: int = 0
    filtered: int = 0
    skipped: int = 0
    failed: int = 0
    requests: int = 0
    subscriptions: Mapping[str, Mapping[str, int]] = attrs.field(factory=dict)
    privacy: Mapping[str, int] = attrs.field(factory=dict)
    """Events filtered by the privacy checks (counted in ``filtered`` too): ``suppressed``,
    and ``consent:<category>`` per category not granted (``consent:A or B`` for ``any``,
    ``consent:(no consent object)``)."""
    filters: Mapping[str, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class BatchResult:
    """The requests for a batch of events (batch-capable actions grouped into batch requests)
    and each event's own outcomes."""

    __repr__ = attrs_repr

    requests: tuple[Request, ...]
    results: tuple[EventResult, ...]


class ConfiguredDestination:
    """A destination with validated settings and compiled subscriptions and filters.
    Thread-safe; pickles (as its definition text and plain configuration, recompiled on load)."""

    def __init__(
        self,
        destination: Destination,
        settings: dict[str, Any],
        compiled: tuple[CompiledSubscription, ...],
        filters: tuple[Filter, ...],
        configuration: Configuration,
        spec_check: SpecCheck = "read",
        shown: Mapping[str, Any] | None = None,
        privacy: tuple[Consent | None, SuppressionList | None] = (None, None),
        *,
        rebuild: Callable[[Configuration], ConfiguredDestination],
        env: Language = BUILTIN,
    ) -> None:
        """Made by :func:`actions.configure` (``engine/configure.py``), which compiles the
        parts; ``rebuild(configuration)`` configures it again (unpickling)."""
        self.destination = destination
        self.env = env
        """The directives and functions its subscriptions were compiled with."""
        self._rebuild = rebuild
        self.consent, self.suppression = privacy
        self._gate = compile_gate(*privacy)
        self._held: dict[str, int] = {}
        self.spec_check = spec_check
        self._check_event = check_event if spec_check == "full" else check_envelope
        self._quick_valid = event_valid if spec_check == "full" else envelope_valid
        self._settings = settings
        self._subscriptions = compiled
        self._filters = filters
        self.configuration = configuration
        self._shown = shown
        # Dispatch (dispatch.py): per type, the subscriptions the index admits per event name
        # and for any other name (a look-up by two strings costs less than one by a tuple),
        # each with its trigger, or None when the index decides the whole trigger. Empty when
        # the index needs more of the event than its type and name: then _candidates_for.
        self._dispatch = DispatchIndex.build([(s, s.trigger) for s in compiled])
        self._candidates = _fuse(self._dispatch.table)
        self._lock = threading.Lock()
        # Counts. An event with one outcome (the common case) is one increment, under its
        # (subscription, kind), in a table of the thread's own: no lock, no lost update, and a
        # snapshot adds up whenever it is taken, since every total is derived from those counts.
        # Tables are found by thread id: a live thread's id is its own, and a new thread that
        # gets the id of one that has ended goes on with its table, never at the same time.
        # An event with several outcomes is counted under the lock (see _count): once by
        # status, and each outcome by (subscription, kind).
        self._tables: dict[int, dict[tuple[str | None, str], int]] = {}
        self._several: dict[str, int] = {}
        self._dropped: dict[str, int] = {}  # events each destination filter dropped
        self._outcomes: dict[tuple[str | None, str], int] = {}
        self._name, self._slug = destination.name, destination.slug
        self._bodies = True  # False for a twin made by without_bodies
        self._writers: dict[str, Callable[[Any], str | None]] = {}  # write_body's, by action

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if not self._bodies:
            return (_without_bodies, (self._rebuild, self.configuration))
        return (self._rebuild, (self.configuration,))

    def __repr__(self) -> str:
        names = [s.subscription.name for s in self._subscriptions]
        return f"ConfiguredDestination({self.destination.slug!r}, subscriptions={names!r})"

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return tuple(s.subscription for s in self._subscriptions)

    def with_subscriptions(self, subscriptions: Sequence[Subscription]) -> ConfiguredDestination:
        """The same pack, settings, filters and checks with ``subscriptions`` instead, configured
        again (raises as configuring does)."""
        plain = [attrs.asdict(s) for s in subscriptions]
        return self._rebuild(attrs.evolve(self.configuration, subscriptions=plain))

    def without_bodies(self) -> ConfiguredDestination:
        """A twin of this destination whose requests' bodies are left unwritten (``body`` is
        None; :meth:`write_body` writes one): every outcome, and every other part of each
        request, is the one :meth:`process` gives (a request whose body cannot be written
        fails alike). For what reads the bodies of few requests or none: ``actions diff``
        (only of two requests that differ in nothing else) and ``profile``. What it processes
        is counted in this destination's :attr:`counts` (which are its own too); it pickles as
        such a twin. Raises ActionsError when a subscription was compiled without the means
        (made otherwise than by :func:`actions.configure`). A twin's twin is itself."""
        if not self._bodies:
            return self
        twins = []
        for compiled in self._subscriptions:
            if compiled.unwritten is None:
                raise ActionsError(
                    f"subscription {compiled.subscription.name!r} cannot be run without bodies"
                )
            run, finish = compiled.unwritten()
            twins.append(attrs.evolve(compiled, run=run, finish=finish, unwritten=None))
        twin = ConfiguredDestination(
            self.destination,
            self._settings,
            tuple(twins),
            self._filters,
            self.configuration,
            self.spec_check,
            self._shown,
            (self.consent, self.suppression),
            rebuild=self._rebuild,
            env=self.env,
        )
        twin._bodies = False
        # It counts as this destination: the same tables, under the same lock.
        twin._lock, twin._tables, twin._several = self._lock, self._tables, self._several
        twin._outcomes, twin._held, twin._dropped = self._outcomes, self._held, self._dropped
        return twin

    def write_body(self, request: Request) -> str | None:
        """The body of ``request``, one of this destination's or of its twin's (see
        :meth:`without_bodies`), as :meth:`process` writes it: its own, or when it has none,
        written from its payload (None for an action that sends no body)."""
        if request.body is not None:
            return request.body
        write = self._writers.get(request.action)
        if write is None:
            write = self.destination.actions[request.action].request.bind_body(self._settings)
            self._writers[request.action] = write
        return write(request.payload)

    @property
    def compiled(self) -> tuple[CompiledSubscription, ...]:
        """The enabled subscriptions as compiled (trigger, mapping, pipeline), in order: what
        ``explain``, ``profile`` and coverage read."""
        return self._subscriptions

    @property
    def settings(self) -> Mapping[str, Any]:
        """The settings as its subscriptions read them: validated, with their defaults, each
        secret's value as given (what requests are built with; :attr:`settings_view` shows
        them with ``***``). Read-only."""
        return MappingProxyType(self._settings)

    @property
    def settings_view(self) -> dict[str, Any]:
        """The settings as shown: each secret's value replaced by ``***`` (what requests,
        failures and ``actions explain`` are shown with)."""
        return dict(self._settings if self._shown is None else self._shown)

    # -- processing -----------------------------------------------------------------------------

    def process(self, event: Any) -> list[Outcome]:
        """The outcomes for one event (the steps are in the module's docstring). Never
        raises."""
        try:
            if not self._quick_valid(event):
                problems = self._check_event(event)
                if problems:
                    paths = tuple(Problem(format_path(p.path), p.message) for p in problems)
                    return self._count([Failed(paths)])
            integrations = event.get("integrations")
            # Most integrations objects name neither this destination nor ``All: false``: one
            # test here, no call.
            if integrations and (
                integrations.get("All") is False
                or self._name in integrations
                or self._slug in integrations
            ):
                off = self._turned_off(integrations)
                if off:
                    return self._count([Skipped(None, None, off)])
            if self._gate is not None:
                held = self._gate(event)
                if held is not None:
                    return self._hold(*held)
            if self._filters:
                for filter_ in self._filters:
                    filtered = filter_.apply(event)
                    if filtered is None:
                        return self._count_dropped(filter_, event)
                    event = filtered
            try:
                by_name, default = self._candidates[event.get("type")]
                candidates = by_name.get(event.get("event"), default)
            except (KeyError, TypeError):
                candidates = self._candidates_for(event)
            outcomes: list[Outcome] = []
            if isinstance(candidates, _Fused):  # several triggers: one call of their set
                results = iter(candidates.matches(event))
                for compiled, matches in candidates.entries:
                    if matches is None or next(results):
                        outcomes.append(compiled.run(event))
            else:
                for compiled, matches in candidates:
                    if matches is None or matches(event):
                        outcomes.append(compiled.run(event))
        except RecursionError:  # an event nested deeper than Python's stack allows
            return self._count([_TOO_DEEP])
        except UnicodeEncodeError:  # a lone surrogate ("\ud800") in a string sent on
            return self._count([_NOT_UNICODE])
        except ValueError as exc:
            if INT_DIGITS_MARK in str(exc):  # an integer over Python's limit on digits
                return self._count([_TOO_MANY_DIGITS])
            return self._count([_internal_error(exc)])
        except Exception as exc:  # a defect must not stop a stream
            return self._count([_internal_error(exc)])
        # The common cases, counted here: one increment in this thread's own table.
        if not outcomes:
            outcomes, key = [_NO_MATCH], _NO_MATCH_KEY
        elif len(outcomes) == 1:
            outcome = outcomes[0]
            key = (outcome.subscription, outcome.kind)
        else:
            return self._count(outcomes)
        table = self._tables.get(get_ident())
        if table is None:
            table = self._table()
        table[key] = table.get(key, 0) + 1
        return outcomes

    def _hold(self, outcome: Filtered, key: str) -> list[Outcome]:
        """Count an event the privacy checks filtered (under ``key`` in ``Counts.privacy``)."""
        with self._lock:
            self._held[key] = self._held.get(key, 0) + 1
        return self._count([outcome])

    def _count_dropped(self, filter_: Filter, event: dict[str, Any]) -> list[Outcome]:
        """Count an event a destination filter dropped: as filtered, and for that filter."""
        with self._lock:
            self._dropped[filter_.name] = self._dropped.get(filter_.name, 0) + 1
        return self._count([Filtered(filter_.reason(event), filter_.name)])

    def explain_filters(self, event: Any) -> list[str]:
        """What each destination filter does with ``event``, in order, one line each (a
        sample filter's decision included); filters after one that drops it are not run."""
        lines = []
        for filter_ in self._filters:
            lines.append(filter_.explain(event))
            filtered = filter_.apply(event)
            if filtered is None:
                break
            event = filtered
        return lines

    def _table(self) -> dict[tuple[str | None, str], int]:
        """This thread's table of counts, made at its first event."""
        with self._lock:
            return self._tables.setdefault(get_ident(), {})

    def _count(self, outcomes: list[Outcome]) -> list[Outcome]:
        """Count an event's outcomes and give them back. One outcome is one increment in this
        thread's table; several are counted in one step under the lock, so a snapshot always
        adds up: once by the event's status (a request wins over failed, failed over skipped,
        skipped over filtered), and each outcome under its subscription and kind."""
        if len(outcomes) == 1:
            key = (outcomes[0].subscription, outcomes[0].kind)
            table = self._tables.get(get_ident())
            if table is None:
                table = self._table()
            table[key] = table.get(key, 0) + 1
            return outcomes
        status = status_of(outcomes)
        keys = [(o.subscription, o.kind) for o in outcomes]
        several, counted = self._several, self._outcomes
        with self._lock:
            several[status] = several.get(status, 0) + 1
            for key in keys:
                counted[key] = counted.get(key, 0) + 1
        return outcomes

    def stream(self, events: Iterable[Any]) -> Iterator[EventResult]:
        """Process any iterable of events lazily, one :class:`EventResult` each."""
        for index, event in enumerate(events):
            yield EventResult(index, event, tuple(self.process(event)))

    def process_batch(self, events: Iterable[Any]) -> BatchResult:
        """Process events and group the payloads of batch-capable actions into batch requests
        (at most ``max_size`` each, per subscription); other actions give single requests."""
        results = tuple(self.stream(events))
        singles: list[Request] = []
        groups: dict[str, list[Request]] = {}
        actions: dict[str, Action] = {}
        for result in results:
            for outcome in result.outcomes:
                if not isinstance(outcome, Request):
                    continue
                action = self.destination.actions[outcome.action]
                if action.batch is None:
                    singles.append(outcome)
                else:
                    groups.setdefault(outcome.subscription, []).append(outcome)
                    actions[outcome.subscription] = action
        batched: list[Request] = []
        for name, requests in groups.items():
            batch = actions[name].batch
            assert batch is not None
            for start in range(0, len(requests), batch.max_size):
                batched.append(self.batch_request(requests[start : start + batch.max_size]))
        return BatchResult(tuple(singles + batched), results)

    def batch_request(self, requests: Sequence[Request]) -> Request:
        """The batch request of ``requests``: requests of one subscription whose action has a
        ``batch:`` block, at most its ``max_size`` (what :meth:`process_batch` builds, for a
        caller that groups requests itself, such as delivery's batching stage)."""
        if not requests:
            raise ActionsError("a batch request needs at least one request")
        name, key = requests[0].subscription, requests[0].action
        if any(r.subscription != name or r.action != key for r in requests):
            raise ActionsError("a batch request's requests must all be of one subscription")
        action = self.destination.actions.get(key)
        if action is None or action.batch is None:
            raise ActionsError(f"action {key!r} of {self.destination.slug} does not batch")
        if len(requests) > action.batch.max_size:
            raise ActionsError(
                f"{len(requests)} requests is more than the batch's max_size "
                f"({action.batch.max_size})"
            )
        chunk = list(requests)
        data = {"payloads": [r.payload for r in chunk]}
        built = action.batch.request.build(data, self._settings)
        return self._batch_request(name, action, built, chunk)

    @property
    def counts(self) -> Counts:
        with self._lock:
            tables = list(self._tables.values())
            single = [item for table in tables for item in dict(table).items()]
            several = dict(self._several)
            outcomes = list(self._outcomes.items())
            held = dict(self._held)
            dropped = dict(self._dropped)
        totals = dict.fromkeys(_TOTALS, 0)
        per: dict[str, dict[str, int]] = {}
        for (_, kind), count in single:
            totals["events"] += count
            totals[_STATUS[kind]] += count
        for status, count in several.items():
            totals["events"] += count
            totals[status] += count
        for (name, kind), count in single + outcomes:
            if kind == "request":
                totals["requests"] += count
            if name is not None:
                counted = per.setdefault(name, {})
                counted[kind] = counted.get(kind, 0) + count
        return Counts(**totals, subscriptions=per, privacy=held, filters=dropped)

    def _turned_off(self, integrations: dict[str, Any]) -> str | None:
        """Why the event's ``integrations`` object (one that names this destination or has
        ``All: false``) turns this destination off, or None."""
        for name in (self.destination.name, self.destination.slug):
            if name in integrations:
                flag = integrations[name]
                if flag is False:
                    return f"the event's integrations object turns {name} off"
                return None
        if integrations.get("All") is False:
            return (
                f"the event's integrations object turns all destinations off (All: false) "
                f"and does not turn {self.destination.name} on"
            )
        return None

    def _candidates_for(self, event: dict[str, Any]) -> _Candidates:
        """The subscriptions the dispatch index admits for the event, in configuration order,
        each with its trigger to evaluate, or None when the index decides it."""
        return self._dispatch.candidates(event)

    def _batch_request(
        self, name: str, action: Action, built: BuiltRequest, requests: list[Request]
    ) -> Request:
        """A batch request of ``requests``' payloads; shown as the batch of their shown
        payloads built with the shown settings."""
        data = {"payloads": [r.payload for r in requests]}
        shown, batch = self._shown, action.batch
        if shown is None or batch is None:
            return Request(name, action.key, *built, data)

        def redacted(request: Request) -> Request:
            data = {"payloads": [r.shown.payload for r in request.source]}
            return Request(name, action.key, *batch.request.build(data, shown), data)

        return Request(name, action.key, *built, data, redacted, requests)


def _without_bodies(
    rebuild: Callable[[Configuration], ConfiguredDestination], configuration: Configuration
) -> ConfiguredDestination:
    """A twin made by :meth:`ConfiguredDestination.without_bodies`, configured again."""
    return rebuild(configuration).without_bodies()


_Candidates = tuple[Entry[CompiledSubscription], ...]


@attrs.frozen(eq=False)
class _Fused:
    """Candidates with several triggers to evaluate, and their :class:`~actions.fql.TriggerSet`
    (``fql.combine``): one generated function tests them all, each path read once and each
    test they share made once, and gives their results in order."""

    __repr__ = attrs_repr

    entries: _Candidates
    matches: Callable[[object], tuple[bool, ...]]


FUSED_SETS = 64
"""At most this many trigger sets are compiled per configured destination (a set per distinct
group of triggers the dispatch table holds together); past it, candidates are tested one by
one."""


def _fuse(
    table: Mapping[Any, tuple[Mapping[str, _Candidates], _Candidates]], limit: int = FUSED_SETS
) -> dict[Any, tuple[dict[str, _Candidates | _Fused], _Candidates | _Fused]]:
    """The dispatch table with every group of candidates that has two triggers or more to
    evaluate made :class:`_Fused` (the same groups share one set; types that share a table
    still do)."""
    sets: dict[tuple[int, ...], Callable[[object], tuple[bool, ...]]] = {}

    def group(entries: _Candidates) -> _Candidates | _Fused:
        tested = [compiled for compiled, matches in entries if matches is not None]
        if len(tested) < 2:
            return entries
        key = tuple(id(compiled) for compiled in tested)
        matches = sets.get(key)
        if matches is None:
            if len(sets) >= limit:
                return entries
            matches = sets[key] = combine([compiled.trigger for compiled in tested]).matches
        return _Fused(entries, matches)

    fused: dict[int, tuple[dict[str, _Candidates | _Fused], _Candidates | _Fused]] = {}
    out = {}
    for type_, (by_name, default) in table.items():
        made = fused.get(id(by_name))
        if made is None:
            made = fused[id(by_name)] = (
                {name: group(entries) for name, entries in by_name.items()},
                group(default),
            )
        out[type_] = made
    return out


__all__ = [
    "SPEC_CHECKS",
    "BatchResult",
    "CompiledSubscription",
    "Configuration",
    "ConfiguredDestination",
    "Counts",
    "SpecCheck",
]
