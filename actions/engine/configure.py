"""Configuring a destination, in named stages: check the settings, read the privacy lists,
choose the subscriptions, compile each one (trigger, mapping, pipeline), compile the filters;
then hand everything to the runtime (:class:`ConfiguredDestination`), which builds its
dispatch index. Every problem of every stage is collected and raised together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from actions.destinations.loading import DefinitionError, load_destination_text
from actions.destinations.model import Action, Destination
from actions.destinations.settingrefs import unknown_setting_references
from actions.engine.config import Subscription, validate_settings
from actions.engine.engine import (
    SPEC_CHECKS,
    CompiledSubscription,
    Configuration,
    ConfiguredDestination,
    SpecCheck,
)
from actions.engine.outcomes import SECRET_PLACEHOLDER
from actions.engine.pipeline import compile_pipeline
from actions.engine.privacy import PrivacyError, SuppressionList
from actions.errors import ActionsError, Diagnostic
from actions.fql import FQLSyntaxError, Trigger
from actions.fql import compile as compile_trigger
from actions.language import Language
from actions.mapping import CompiledMapping, MappingError
from actions.mapping import compile as compile_mapping
from actions.mapping.paths import read_keys
from actions.spec import fields_check
from actions.yamlsource import SourceMap

if TYPE_CHECKING:
    from actions.engine.consent import Consent
    from actions.engine.filters import Filter

Privacy = tuple["Consent | None", SuppressionList | None]


def configure(
    destination: Destination,
    settings: Mapping[str, Any] | None = None,
    subscriptions: Sequence[Subscription | Mapping[str, Any]] | None = None,
    filters: Sequence[Mapping[str, Any]] | None = None,
    *,
    env: Language | None = None,
    source: SourceMap | None = None,
    spec_check: SpecCheck = "read",
    consent: Consent | Mapping[str, Any] | None = None,
    suppress: Sequence[str] | None = None,
) -> ConfiguredDestination:
    """Validate ``settings``, compile ``subscriptions`` (``None``: the pack's presets) and
    ``filters`` with ``env``'s directives and functions (the destination's when None), and
    return the configured destination. Raises :class:`DefinitionError` with every problem.

    ``source`` (the config file's positions) locates every problem in the file.
    ``spec_check``: ``"read"`` checks every event's envelope and the documented fields each
    matching subscription reads; ``"full"`` every documented field of every event.
    ``consent`` (categories, require, absent) and ``suppress`` (suppression list files) are
    checked per event before the filters (docs/privacy.md)."""
    env = destination.env if env is None else env
    if spec_check not in SPEC_CHECKS:
        raise ActionsError(
            f"spec_check must be one of {', '.join(SPEC_CHECKS)}, not {spec_check!r}"
        )
    settings = settings or {}
    values, problems = validate_settings(destination.settings, settings)
    privacy = _privacy(consent, suppress, problems)
    chosen = _chosen_subscriptions(destination, subscriptions, problems)
    shown = _shown_settings(destination, values)
    compiled = []
    for index, subscription in enumerate(chosen):
        one = _compile_subscription(
            destination,
            subscription,
            ("subscriptions", index),
            _Context(values, shown, spec_check, source, env),
            problems,
        )
        if one is not None and subscription.enabled:
            compiled.append(one)
    built_filters = _compile_filters(filters or (), env, problems)
    if problems:
        raise DefinitionError(f"configuration of {destination.slug}", problems)
    configuration = Configuration(
        destination.text,
        str(destination.path) if destination.path else None,
        dict(settings),
        None if subscriptions is None else [attrs.asdict(s) for s in chosen],
        [dict(f) for f in filters or ()],
        spec_check,
        None if privacy[0] is None else privacy[0].to_dict(),
        None if suppress is None else [str(path) for path in suppress],
        None if env.is_builtin else env,
    )
    return ConfiguredDestination(
        destination,
        values,
        tuple(compiled),
        tuple(built_filters),
        configuration,
        spec_check,
        shown,
        privacy,
        rebuild=_restore,
        env=env,
    )


# -- stages -------------------------------------------------------------------------------------


def _privacy(
    consent: Consent | Mapping[str, Any] | None,
    suppress: Sequence[str] | None,
    problems: list[Diagnostic],
) -> Privacy:
    """The consent rules and the suppression list (read from its files)."""
    try:
        if isinstance(consent, Mapping):
            from actions.engine.consent import Consent

            consent = Consent.from_dict(consent)
        return (
            consent,
            None if suppress is None else SuppressionList.load(suppress),
        )
    except PrivacyError as exc:
        problems.extend(exc.diagnostics)
        return (None, None)


def _chosen_subscriptions(
    destination: Destination,
    subscriptions: Sequence[Subscription | Mapping[str, Any]] | None,
    problems: list[Diagnostic],
) -> list[Subscription]:
    """The subscriptions as :class:`Subscription` values: the pack's presets when None."""
    if subscriptions is None:
        return [
            Subscription(p.name, p.action, p.trigger, dict(p.mapping)) for p in destination.presets
        ]
    chosen: list[Subscription] = []
    for index, item in enumerate(subscriptions):
        try:
            if isinstance(item, Subscription):
                chosen.append(item)
                continue
            action = destination.actions.get(str(item.get("action")))
            chosen.append(Subscription.from_dict(item, action.default_trigger if action else None))
        except DefinitionError as exc:
            problems.extend(d.under(("subscriptions", index)) for d in exc.diagnostics)
    return chosen


class _Context(NamedTuple):
    """What compiling every subscription shares."""

    settings: dict[str, Any]
    shown: dict[str, Any] | None
    spec_check: SpecCheck
    source: SourceMap | None
    env: Language


def _compile_subscription(
    destination: Destination,
    subscription: Subscription,
    where: tuple[str, int],
    context: _Context,
    problems: list[Diagnostic],
) -> CompiledSubscription | None:
    """One subscription: its action, the fields its mapping names, the settings it reads, its
    trigger, its mapping over the action's defaults, and its payload pipeline."""
    action = destination.actions.get(subscription.action)
    if action is None:
        problems.append(
            Diagnostic(
                "unknown-action",
                f"no action {subscription.action!r} in {destination.slug}",
                path=(*where, "action"),
                hint=f"actions: {', '.join(destination.actions)}",
            )
        )
        return None
    fields = {f.name for f in action.fields}
    for key in subscription.mapping:
        if key not in fields:
            problems.append(
                Diagnostic(
                    "unknown-field",
                    f"action {action.key!r} has no field {key!r}",
                    path=(*where, "mapping", key),
                    hint=_did_you_mean(key, fields),
                )
            )
    source = context.source
    problems.extend(
        unknown_setting_references(
            subscription.mapping, (*where, "mapping"), destination.settings, source
        )
    )
    try:
        trigger = compile_trigger(subscription.trigger, functions=context.env.functions)
    except FQLSyntaxError as exc:
        span = exc.end_column - exc.column
        at = source.locate_in_scalar((*where, "trigger"), exc.offset, span) if source else None
        problems.append(
            Diagnostic(
                "fql-syntax", exc.message, path=(*where, "trigger"), location=at, hint=exc.hint
            )
        )
        return None
    # In the action's field order: the payload, checked in place, keeps it.
    given = {**action.defaults, **subscription.mapping}
    merged = {f.name: given[f.name] for f in action.fields if f.name in given}
    try:
        mapping = compile_mapping(
            merged,
            source=source,
            base_path=(*where, "mapping"),
            directives=context.env.directives,
            functions=context.env.functions,
        )
    except MappingError as exc:
        problems.extend(exc.diagnostics)
        return None
    reads = _event_reads(trigger, mapping, action) if context.spec_check == "read" else ()
    parts = (
        subscription.name,
        action,
        mapping,
        fields_check(reads),
        context.settings,
        context.shown,
        _one_call_type(trigger),
        _probes(action, merged, context),
    )
    run, finish = compile_pipeline(*parts)
    unwritten = partial(compile_pipeline, *parts, bodies=False)
    return CompiledSubscription(subscription, action, trigger, mapping, run, unwritten, finish)


def _probes(
    action: Action, merged: Mapping[str, Any], context: _Context
) -> tuple[CompiledMapping | None, ...]:
    """Per skip rule of ``action``: for a ``missing:`` rule with no condition, the mapping of
    the fields it names alone (what the pipeline decides the rule by before mapping the rest),
    compiled as part of the whole mapping that already compiled; None for any other rule."""
    return tuple(
        compile_mapping(
            {name: merged[name] for name in rule.missing if name in merged},
            directives=context.env.directives,
            functions=context.env.functions,
        )
        if rule.missing and rule.when is None
        else None
        for rule in action.skip
    )


def _compile_filters(
    filters: Sequence[Mapping[str, Any]], env: Language, problems: list[Diagnostic]
) -> list[Filter]:
    if not filters:
        return []
    from actions.engine.filters import Filter

    built = []
    for index, raw in enumerate(filters):
        try:
            built.append(Filter.from_dict(raw, index, functions=env.functions))
        except FQLSyntaxError as exc:
            problems.append(
                Diagnostic("fql-syntax", exc.message, path=("filters", index), hint=exc.hint)
            )
        except DefinitionError as exc:
            problems.extend(exc.diagnostics)
    return built


# -- helpers ------------------------------------------------------------------------------------


def _shown_settings(destination: Destination, settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """The settings as shown, each secret's value replaced by ``***``; None when no secret
    setting is set (everything is shown as it is)."""
    secret = [name for name in settings if destination.settings[name].secret]
    if not secret:
        return None
    return {**settings, **dict.fromkeys(secret, SECRET_PLACEHOLDER)}


def _did_you_mean(name: str, choices: set[str]) -> str:
    import difflib  # here: only a misspelt name needs it

    close = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"fields: {', '.join(sorted(choices))}"


def _one_call_type(trigger: Trigger) -> str | None:
    """The call type a trigger requires, when it requires exactly one (``type = "track"``)."""
    types = trigger.index.get(("type",), frozenset())
    return next(iter(types)) if len(types) == 1 else None


def _event_reads(
    trigger: Trigger, mapping: CompiledMapping, action: Action
) -> list[tuple[str | int, ...]]:
    """Every path of the event one subscription reads: its trigger, its skip rules, its
    mapping."""
    reads: list[tuple[str | int, ...]] = [p for p in trigger.paths if p[:1] != ("$settings",)]
    for rule in action.skip:
        if rule.when is not None:
            reads.extend(p for p in rule.when.paths if p[:1] != ("$settings",))
    for text in mapping.paths:
        keys = read_keys(text)
        if keys is not None:
            reads.append(keys)
    return reads


def _restore(configuration: Configuration) -> ConfiguredDestination:
    """A configured destination configured again from what it was configured from (unpickling,
    :meth:`ConfiguredDestination.with_subscriptions`)."""
    c = configuration
    path = Path(c.file) if c.file else None
    if c.env is None:
        destination = load_destination_text(c.text, c.file, path)
    else:
        destination = load_destination_text(c.text, c.file, path, env=c.env)
    return configure(
        destination,
        c.settings,
        c.subscriptions,
        c.filters,
        spec_check=c.spec_check,
        consent=c.consent,
        suppress=c.suppress,
    )
