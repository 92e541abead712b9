"""Secrets out of what a partner answered. A partner's answer is text without structure: it can
echo any part of what it received. The parts of the request that come from secret settings are
found by comparing the request sent (``to_dict(reveal_secrets=True)``) with the request shown
(``to_dict()``); each such part, as sent and decoded, is replaced by ``***`` in the answer."""

from __future__ import annotations

import difflib
import json
from urllib.parse import unquote, unquote_plus

from actions.engine.outcomes import Request

PLACEHOLDER = "***"


def secret_parts(request: Request) -> tuple[str, ...] | None:
    """The texts of ``request`` that come from secret settings (longest first), or None when
    the request cannot be shown at all (nothing of the answer can then be trusted to show)."""
    sent = request.to_dict(reveal_secrets=True)
    shown = request.to_dict()
    if sent == shown:
        return ()
    if shown["url"] == PLACEHOLDER and sent["url"] != PLACEHOLDER:
        return None
    pairs = [(sent["url"], shown["url"]), (sent["body"] or "", shown["body"] or "")]
    pairs += [(v, str(shown["headers"].get(k, ""))) for k, v in sent["headers"].items()]
    pairs += [(v, str(shown["query"].get(k, ""))) for k, v in sent["query"].items()]
    parts: set[str] = set()
    for real, seen in pairs:
        if real == seen:
            continue
        matcher = difflib.SequenceMatcher(None, real, seen, autojunk=False)
        for op, i1, i2, _j1, _j2 in matcher.get_opcodes():
            if op in ("replace", "delete") and i2 > i1:
                parts.update(_forms(real[i1:i2]))
    parts.discard("")
    return tuple(sorted(parts, key=len, reverse=True))


def _forms(chunk: str) -> set[str]:
    """A part as sent, and as it reads once decoded (URL, form and JSON string encodings)."""
    forms = {chunk, unquote(chunk), unquote_plus(chunk)}
    try:
        decoded = json.loads(f'"{chunk}"')
    except ValueError:
        pass
    else:
        if isinstance(decoded, str):
            forms.add(decoded)
    return forms


def redact(text: str, parts: tuple[str, ...] | None) -> str | None:
    """``text`` with every part replaced by ``***``; None when ``parts`` is None."""
    if parts is None:
        return None
    for part in parts:
        text = text.replace(part, PLACEHOLDER)
    return text
