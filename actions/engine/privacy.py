"""Consent and suppression: a config's ``consent:`` and ``suppress:`` keys, checked per event
before the destination filters (see docs/privacy.md).

- **Consent** reads Segment's consent object, ``context.consent.categoryPreferences`` (category
  name to ``true``/``false``): an event that does not grant the categories the destination needs
  (``all`` of them, or ``any``) is filtered with the reason ``consent``, naming the category.
- **Suppression** holds the identifiers of a suppression list file (deletion and opt-out
  requests) as hashes, never as text: an event whose ``userId``, ``anonymousId``,
  ``traits.email`` or ``context.traits.email`` is on the list is filtered with the reason
  ``suppressed``.

Both are compiled once into one function of the event (:func:`compile_gate`); a config with
neither has no function at all, so its events pay nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_names
from actions.engine.outcomes import Filtered
from actions.errors import ActionsError, Diagnostic

if TYPE_CHECKING:  # imported when first used (see __getattr__): a config without consent
    from actions.engine.consent import Consent as Consent

CONSENT_PATH = "context.consent.categoryPreferences"
"""Where an event's consent is read: an object of category names to booleans."""
SUPPRESSION_PATHS = ("userId", "anonymousId", "traits.email", "context.traits.email")
"""The event values compared with a suppression list, in this order."""
MAX_SUPPRESSION_LINE = 1_000
"""Longest entry of a suppression list file (characters, surrounding whitespace removed)."""
MAX_SUPPRESSION_ENTRIES = 10_000_000
"""Most entries of all the suppression list files of one config together."""


def _sha256_hex(text: str) -> bytes | None:
    """The 32 bytes of a SHA-256 written in hex (either case), or None for any other text."""
    if len(text) != 64:
        return None
    try:
        digest = bytes.fromhex(text)
    except ValueError:
        return None
    return digest if len(digest) == 32 else None  # fromhex skips spaces between pairs


def identity_key(text: str) -> str:
    """An identifier as it is compared: surrounding whitespace removed, and in lowercase when
    it holds an ``@`` (an email address; userIds and anonymousIds without one keep their
    case). Entries of the list and the event's values go through the same function."""
    text = text.strip()
    return text.lower() if "@" in text else text


class PrivacyError(ActionsError):
    """A ``consent:`` or ``suppress:`` that cannot be used: each problem as a diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = tuple(diagnostics)


class SuppressionList:
    """The identifiers of suppression list files, held as hashes: each entry is kept as the
    64-bit keyed hash Python gives its text (SipHash, keyed at random per process), or, for an
    entry that is a SHA-256 in hex, as those 32 bytes; never as text. Membership is one set
    look-up per value (and, when a file lists SHA-256 hashes, one SHA-256 of the value)."""

    __slots__ = ("_digests", "_keys", "files", "size")

    def __init__(
        self, keys: AbstractSet[int], digests: AbstractSet[bytes], files: tuple[str, ...], size: int
    ) -> None:
        self._keys = keys
        self._digests = digests
        self.files = files
        self.size = size

    @classmethod
    def load(cls, files: Iterable[str | Path]) -> SuppressionList:
        """Read suppression list files: one entry per line (a userId, an anonymousId, an email
        address, or the SHA-256 in hex of one of them as :func:`identity_key` gives it); blank
        lines and lines starting with ``#`` are skipped. Problems name the file and line, never
        the line's text."""
        keys: set[int] = set()
        digests: set[bytes] = set()
        names = tuple(str(f) for f in files)
        size = 0
        problems: list[Diagnostic] = []
        for index, name in enumerate(names):
            where = ("suppress", index)
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                problems.append(
                    Diagnostic(
                        "suppress-file",
                        f"cannot read suppression list {name}: {exc.strerror or exc}",
                        path=where,
                    )
                )
                continue
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = data.count(b"\n", 0, exc.start) + 1
                problems.append(
                    Diagnostic(
                        "suppress-file",
                        f"{name}:{line}: the suppression list is not UTF-8",
                        path=where,
                    )
                )
                continue
            # identity_key, inline: the same text as it gives, a million lines in well under
            # a second.
            stripped = [line.strip() for line in text.split("\n")]
            del data, text  # the file's bytes and text are not needed any more
            entries = [e.lower() if "@" in e else e for e in stripped if e and e[0] != "#"]
            if entries and max(map(len, entries)) > MAX_SUPPRESSION_LINE:
                number = next(i for i, e in enumerate(stripped, 1) if len(e) > MAX_SUPPRESSION_LINE)
                problems.append(
                    Diagnostic(
                        "suppress-file",
                        f"{name}:{number}: an entry longer than "
                        f"{MAX_SUPPRESSION_LINE:,} characters",
                        path=where,
                    )
                )
                continue
            # An entry of 64 hex digits is the SHA-256 of an identifier: kept as its 32 bytes.
            size += len(entries)
            long = [e for e in entries if len(e) == 64]
            if long:
                try:  # a well-formed file: one call per entry, in C
                    parsed: list[bytes | None] = list(map(bytes.fromhex, long))
                except ValueError:
                    parsed = list(map(_sha256_hex, long))
                found = [d for d in parsed if d is not None and len(d) == 32]
                digests.update(found)
                other = (
                    []
                    if len(found) == len(long)
                    else [e for e, d in zip(long, parsed, strict=True) if d is None or len(d) != 32]
                )
                short = [e for e in entries if len(e) != 64] if len(long) < len(entries) else []
                entries = short + other
            keys.update(map(hash, entries))
        if size > MAX_SUPPRESSION_ENTRIES:
            problems.append(
                Diagnostic(
                    "suppress-file",
                    f"suppression lists of more than {MAX_SUPPRESSION_ENTRIES:,} entries",
                    path=("suppress",),
                )
            )
        if problems:
            raise PrivacyError(problems)
        return cls(keys, digests, names, size)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        key = identity_key(value)
        if not key:
            return False
        if hash(key) in self._keys:
            return True
        if not self._digests:
            return False
        import hashlib  # here: only a list that holds hashes needs it (and OpenSSL)

        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest() in self._digests

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"SuppressionList({self.size} entries from {list(self.files)!r})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Hashes are keyed per process: a copy reads the files again.
        return (SuppressionList.load, (self.files,))


def _membership(listed: SuppressionList) -> Callable[[object], bool]:
    """``value in listed`` as one call: :func:`identity_key` inline, and no SHA-256 unless the
    list holds hashes."""
    keys, digests = listed._keys, listed._digests

    def on_list(value: object) -> bool:
        if type(value) is not str:
            return False
        key = value.strip()
        if "@" in key:
            key = key.lower()
        return hash(key) in keys

    def on_list_or_hashed(value: object) -> bool:
        if type(value) is not str:
            return False
        key = value.strip()
        if "@" in key:
            key = key.lower()
        if not key:
            return False
        return hash(key) in keys or sha256(key.encode("utf-8", "surrogatepass")).digest() in digests

    if not digests:
        return on_list
    from hashlib import sha256  # here: only a list that holds hashes needs it (and OpenSSL)

    return on_list_or_hashed


Gate = Callable[[dict[str, Any]], "tuple[Filtered, str] | None"]
"""The privacy check of one event: None to go on, or the outcome and its count key."""


def _suppressed(path: str) -> tuple[Filtered, str]:
    return (
        Filtered(f"suppressed: the event's {path} is on the suppression list", "suppressed"),
        "suppressed",
    )


def _no_consent(categories: Sequence[str], require: str) -> tuple[Filtered, str]:
    if len(categories) == 1:
        what = f"the category {categories[0]!r}"
    else:
        what = f"any of the categories {', '.join(map(repr, categories))}"
    joined = " or ".join(categories) if require == "any" else categories[0]
    return (Filtered(f"consent: the event does not grant {what}", "consent"), f"consent:{joined}")


_ABSENT = (
    Filtered(f"consent: the event has no consent object ({CONSENT_PATH})", "consent"),
    "consent:(no consent object)",
)


def compile_gate(consent: Consent | None, suppression: SuppressionList | None) -> Gate | None:
    """One function of the event for both checks (suppression first: a deletion or opt-out
    request outranks any consent), or None when there is nothing to check."""
    if consent is None and (suppression is None or not suppression.size):
        return None
    outcomes = {path: _suppressed(path) for path in SUPPRESSION_PATHS}
    listed = suppression if suppression is not None and suppression.size else None
    user, anonymous = outcomes["userId"], outcomes["anonymousId"]
    traits_email, context_email = outcomes["traits.email"], outcomes["context.traits.email"]

    on_list = _membership(listed) if listed is not None else None

    def suppressed(event: dict[str, Any]) -> tuple[Filtered, str] | None:
        assert on_list is not None
        if on_list(event.get("userId")):
            return user
        if on_list(event.get("anonymousId")):
            return anonymous
        traits = event.get("traits")
        if type(traits) is dict and on_list(traits.get("email")):
            return traits_email
        context = event.get("context")
        if type(context) is dict:
            inner = context.get("traits")
            if type(inner) is dict and on_list(inner.get("email")):
                return context_email
        return None

    if consent is None:
        return suppressed

    categories = consent.categories
    allow_absent = consent.absent == "allow"
    denied = {c: _no_consent((c,), "all") for c in categories}
    none_granted = _no_consent(categories, "any")
    require_all = consent.require == "all"

    def consented(event: dict[str, Any]) -> tuple[Filtered, str] | None:
        context = event.get("context")
        preferences = None
        if type(context) is dict:
            found = context.get("consent")
            if type(found) is dict:
                preferences = found.get("categoryPreferences")
        if type(preferences) is not dict:
            return None if allow_absent else _ABSENT
        if require_all:
            for category in categories:
                if preferences.get(category) is not True:
                    return denied[category]
            return None
        for category in categories:
            if preferences.get(category) is True:
                return None
        return none_granted

    if listed is None:
        return consented

    def both(event: dict[str, Any]) -> tuple[Filtered, str] | None:
        return suppressed(event) or consented(event)

    return both


def explain(consent: Consent | None, suppression: SuppressionList | None, event: Any) -> list[str]:
    """What ``actions explain`` prints about the privacy checks of one event. It names the
    paths that matched a suppression list, never an entry or the value."""
    lines: list[str] = []
    if not isinstance(event, dict):
        return lines
    if suppression is not None:
        gate = compile_gate(None, suppression)
        held = gate(event) if gate is not None else None
        checked = ", ".join(SUPPRESSION_PATHS)
        verdict = "not on the list" if held is None else f"filtered ({held[0].reason})"
        lines.append(
            f"suppression: {checked} checked against {suppression.size} entries: {verdict}"
        )
    if consent is not None:
        gate = compile_gate(consent, None)
        held = gate(event) if gate is not None else None
        needs = ", ".join(map(repr, consent.categories))
        verdict = "granted" if held is None else f"filtered ({held[0].reason})"
        lines.append(f"consent: needs {consent.require} of {needs}: {verdict}")
    return lines


__all__ = [
    "CONSENT_PATH",
    "MAX_SUPPRESSION_ENTRIES",
    "MAX_SUPPRESSION_LINE",
    "SUPPRESSION_PATHS",
    "Consent",
    "PrivacyError",
    "SuppressionList",
    "compile_gate",
    "explain",
    "identity_key",
]


# Consent's module is imported when first used: a config without consent does not need it.
__getattr__ = lazy_names(globals(), {"Consent": "actions.engine.consent"})
