"""The settings a subscription's requests can read, known with certainty or not at all: to tell
when a request's shown form is the request itself.

A request's shown form (``Request.shown``) is the same request built again from the same event
with ``***`` for each secret setting's value. When nothing that builds it (the subscription's
mapping, and the action's URL, headers, query and body) can read a secret setting, both are
built from the same values and are equal: :func:`shown_as_sent` gives the names of such
subscriptions, and ``actions diff`` compares and shows their requests as they are, without
building them again.

The answer is yes only when every read is known, from the typed form of each mapping
(:mod:`actions.mapping.ir`): a path of literal text names the setting it reads
(``$settings.NAME``, and anything under it); a built-in directive reads what its options read
(those that read something other than the event included: an ``@arrayPath`` item shape, a
``@transform`` mapping), ``@template`` also its placeholders, ``@if`` also the ``$settings.NAME``
paths of its condition (FQL reads data only through paths), ``@liquid`` nothing (it renders with
the data alone). Anything else may read any setting, and makes the answer no: a directive an
environment adds or replaces, a ``@path`` or ``@template`` whose text is known only per event
(an event could make it read a secret), a path to the settings as a whole or through JSONPath,
an option holding a value of a kind not listed here.
"""

from __future__ import annotations

from typing import Any, Literal

from actions.engine.engine import CompiledSubscription, ConfiguredDestination
from actions.fql import Trigger
from actions.mapping import MISSING
from actions.mapping.catalog import BUILTIN_DIRECTIVES
from actions.mapping.ir import Array, Call, Const, Node, Object, Path, Template
from actions.mapping.paths import ParsedPath
from actions.mapping.template import parse_template

_SETTINGS = "$settings"
_LITERALS = (str, bool, int, float)


def settings_read(node: Node) -> frozenset[str] | None:
    """The names of the settings ``node`` can read, or None when that is not known."""
    found: set[str] = set()
    return frozenset(found) if _node(node, found) else None


def _node(node: Any, found: set[str]) -> bool:
    """Add what ``node`` reads to ``found``; False when that is not known."""
    if isinstance(node, Const):
        return True
    if isinstance(node, Object):
        return all(_node(field.node, found) for field in node.fields)
    if isinstance(node, Array):
        return all(_node(item.node, found) for item in node.items)
    if isinstance(node, Path):
        return _path(node.parsed, found)
    if isinstance(node, Call):
        return _call(node, found)
    return False


def _path(parsed: ParsedPath, found: set[str]) -> bool:
    if not parsed.settings:
        return True
    keys = parsed.keys
    if parsed.jsonpath is not None or not keys or not isinstance(keys[0], str):
        return False  # the settings as a whole, or settings found by a pattern
    found.add(keys[0])
    return True


def _call(call: Call, found: set[str]) -> bool:
    directive = call.directive
    name = directive.name
    if BUILTIN_DIRECTIVES.get(name) is not directive or name == "@path":
        return False  # not built in; or a @path left a call: its text is known per event
    for option, value in call.args.items():
        if name == "@template" and option == "value":
            if not isinstance(value, Template):
                return False  # its text is known per event
            if not all(_path(path, found) for path in value.paths):
                return False
        elif name == "@if" and option == "when" and isinstance(value, Trigger):
            for keys in value.paths:
                if keys[:1] == (_SETTINGS,):
                    if len(keys) < 2:
                        return False  # the condition sees the settings as a whole
                    found.add(keys[1])
        elif name == "@liquid" and option == "template":
            continue  # rendered with the data alone, never the settings
        elif not _option(value, found):
            return False
    return True


def _option(value: Any, found: set[str]) -> bool:
    if value is MISSING or value is None or isinstance(value, _LITERALS):
        return True
    if isinstance(value, tuple):
        return all(_option(item, found) for item in value)
    return _node(value, found)


def template_reads(text: Any) -> frozenset[str] | None:
    """The settings a template of text (a request's URL) reads, or None when not known."""
    if not isinstance(text, str):
        return None
    try:
        paths = parse_template(text)[1]
    except ValueError:
        return None
    found: set[str] = set()
    return frozenset(found) if all(_path(path, found) for path in paths) else None


def secret_settings(configured: ConfiguredDestination) -> frozenset[str]:
    """The names of ``configured``'s secret settings (set or not)."""
    return frozenset(n for n, spec in configured.destination.settings.items() if spec.secret)


def mapping_reads_no_secret(
    configured: ConfiguredDestination, compiled: CompiledSubscription
) -> bool:
    """Whether ``compiled``'s mapping cannot read a secret setting of ``configured``: then its
    payload is the same with ``***`` for each secret."""
    reads = settings_read(compiled.mapping.node)
    return reads is not None and reads.isdisjoint(secret_settings(configured))


def request_reads(
    configured: ConfiguredDestination, compiled: CompiledSubscription
) -> frozenset[str] | None:
    """The settings ``compiled``'s action's request can read, or None when that is not known:
    its URL (the text the pack gives, which the request's URL is compiled from), headers, query
    and body."""
    action = compiled.action
    request = action.request
    try:
        raw = configured.destination.definition["actions"][action.key]["request"]
        url = template_reads(raw["url"])
    except (KeyError, TypeError):
        return None
    parts = [url, settings_read(request.headers.node), settings_read(request.query.node)]
    if request.body is not None:
        parts.append(settings_read(request.body.node))
    found: set[str] = set()
    for part in parts:
        if part is None:
            return None
        found |= part
    return frozenset(found)


def request_reads_no_secret(
    configured: ConfiguredDestination, compiled: CompiledSubscription
) -> bool:
    """Whether ``compiled``'s action's request cannot read a secret setting of ``configured``
    (see :func:`request_reads`)."""
    reads = request_reads(configured, compiled)
    return reads is not None and reads.isdisjoint(secret_settings(configured))


SecretFree = Literal["request", "payload"]
"""What of a subscription's requests reads no secret setting: the whole request (it is shown as
it is sent), or its payload (the mapping's output: the rest is shown as built from it with
``***`` for each secret)."""


def secret_free(configured: ConfiguredDestination) -> dict[str, SecretFree]:
    """The subscriptions of ``configured`` (by name) whose requests, or whose payloads, read no
    secret setting; a name two subscriptions share counts as the less of the two."""
    found: dict[str, SecretFree | None] = {}
    for compiled in configured.compiled:
        name = compiled.subscription.name
        verdict: SecretFree | None = None
        if mapping_reads_no_secret(configured, compiled):
            verdict = "request" if request_reads_no_secret(configured, compiled) else "payload"
        if name in found and found[name] != verdict:
            verdict = "payload" if None not in (found[name], verdict) else None
        found[name] = verdict
    return {name: verdict for name, verdict in found.items() if verdict is not None}


def shown_as_sent(configured: ConfiguredDestination) -> frozenset[str]:
    """The subscriptions of ``configured`` (by name) whose requests are shown as they are
    sent: nothing that builds them can read a secret setting."""
    return frozenset(n for n, verdict in secret_free(configured).items() if verdict == "request")
