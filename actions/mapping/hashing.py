"""The @hash directive: a value normalised (email, phone, name) and hashed (SHA-256, SHA-1 or
MD5; hex or base64; optionally an HMAC with a key from a setting), unless it already is a hash of
that kind. See docs/mapping.md and docs/privacy.md.

Everything that can be decided once is decided when the mapping compiles (the digest function,
the shape of an existing hash, the normaliser); no regex sees the value: the checks are
``str.strip`` over a fixed set of characters and length tests, linear in the value's length,
which is bounded by :data:`MAX_HASH_TEXT`. ``hashlib`` (with OpenSSL), ``hmac`` and ``base64``
are imported when a mapping that hashes compiles, or when a value is first hashed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from actions.mapping.directives import (
    MAPPING,
    STRING,
    CompileContext,
    Option,
    OptionError,
    Scope,
    directive,
)
from actions.mapping.ir import Const
from actions.mapping.values import (
    MISSING,
    DirectiveFailure,
    Evaluator,
    Failures,
    Settings,
    to_text,
    type_name,
)

MAX_HASH_TEXT = 10_000
"""Longest text @hash accepts (characters, before normalisation); longer is a per-event failure."""


class _Algorithms(Mapping[str, Callable[..., Any]]):
    """hashlib's constructors by name; hashlib is imported when one is first asked for."""

    _NAMES = ("sha256", "sha1", "md5")

    def __getitem__(self, name: str) -> Callable[..., Any]:
        import hashlib

        if name not in self._NAMES:
            raise KeyError(name)
        constructor: Callable[..., Any] = getattr(hashlib, name)
        return constructor

    def __iter__(self) -> Iterator[str]:
        return iter(self._NAMES)

    def __len__(self) -> int:
        return len(self._NAMES)


ALGORITHMS: Mapping[str, Callable[..., Any]] = _Algorithms()
"""hashlib's constructor of each algorithm @hash knows, by name."""
DIGEST_SIZES: Mapping[str, int] = {"sha256": 32, "sha1": 20, "md5": 16}
ENCODINGS = ("hex", "base64")
NORMALIZERS = ("none", "email", "phone", "name")

_HEX_DIGITS = "0123456789abcdefABCDEF"
_BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def hash_shape(algorithm: str, encoding: str) -> Callable[[str], str | None]:
    """A test of "this text already is a digest of ``algorithm`` in ``encoding``": it gives the
    digest as @hash would write it (hex in lowercase; base64 unchanged), or None.

    - hex: exactly twice the digest size in hex digits, in either case (SHA-256: 64, SHA-1: 40,
      MD5: 32);
    - base64: standard alphabet (``A-Z a-z 0-9 + /``) with its ``=`` padding, exactly as long as
      the digest encodes to (SHA-256: 44 characters ending in one ``=``, SHA-1: 28 ending in one
      ``=``, MD5: 24 ending in ``==``).
    """
    size = DIGEST_SIZES[algorithm]
    if encoding == "hex":
        length = 2 * size

        def hex_shape(text: str) -> str | None:
            if len(text) == length and not text.strip(_HEX_DIGITS):
                return text.lower()
            return None

        return hex_shape
    padding = (3 - size % 3) % 3
    length = 4 * ((size + 2) // 3)
    body = length - padding
    tail = "=" * padding

    def base64_shape(text: str) -> str | None:
        if len(text) == length and text.endswith(tail) and not text[:body].strip(_BASE64_ALPHABET):
            return text
        return None

    return base64_shape


def normalize_email(text: str) -> str:
    """Surrounding whitespace removed, lowercase. Dots and ``+tags`` are kept."""
    return text.strip().lower()


def normalize_name(text: str) -> str:
    """Surrounding whitespace removed, lowercase."""
    return text.strip().lower()


def normalize_phone(text: str, country: str | None = None) -> str | None:
    """E.164 (``+14155552671``), read by phonenumbers with ``country`` (ISO 3166 alpha-2) for
    numbers written without a country code; None when the text is not a valid number (one
    phonenumbers' metadata knows for its region: text with a number's length but not in any of
    its region's ranges does not count, since it would not read back as the same number)."""
    import phonenumbers  # a large import, only for mappings that hash phone numbers

    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _region(value: Any) -> str | None:
    if value is MISSING or value is None or value == "":
        return None
    import phonenumbers

    if not isinstance(value, str) or value.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise DirectiveFailure(
            "@hash: country must be a region code such as US or GB (ISO 3166 alpha-2)"
        )
    return value.upper()


def _check_options(args: Mapping[str, Any]) -> Mapping[str, Any]:
    country = args["country"]
    if country is not MISSING and args["normalize"] != "phone":
        raise OptionError("country", "country is only read with normalize: phone")
    if isinstance(country, Const):
        try:
            _region(country.value)
        except DirectiveFailure as exc:
            raise OptionError("country", exc.message.removeprefix("@hash: ")) from None
    return args


_NORMALIZERS: Mapping[str, Callable[[str], str | None] | None] = {
    "email": normalize_email,
    "name": normalize_name,
    "none": None,
}


def _hashed(
    value: Any,
    args: Mapping[str, Any],
    shaped: Callable[[str], str | None],
    country: Callable[[], Any] | None,
    key: Callable[[], Any] | None,
    digest_of: Callable[..., Any],
) -> Any:
    """What @hash gives for ``value``; ``country`` and ``key`` give those options' values
    (only called when needed), ``digest_of`` is the algorithm's constructor."""
    if value is MISSING or value is None:
        return value
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool | int | float):
        text = to_text(value)
    else:
        raise DirectiveFailure(f"@hash expected text, got {type_name(value)}")
    if len(text) > MAX_HASH_TEXT:
        raise DirectiveFailure(f"@hash: text longer than {MAX_HASH_TEXT} characters")
    stripped = text.strip()
    if not stripped:
        return MISSING
    done = shaped(stripped)
    if done is not None:
        return done
    if args["normalize"] == "phone":
        region = _region(country()) if country is not None else None
        normal = normalize_phone(text, region)
    else:
        normalizer = _NORMALIZERS[args["normalize"]]
        normal = normalizer(text) if normalizer is not None else text
    if not normal:
        return MISSING
    data = normal.encode("utf-8", "surrogatepass")
    if key is None:
        digest = digest_of(data).digest()
    else:
        secret = key()
        if not isinstance(secret, str) or not secret:
            raise DirectiveFailure("@hash: the key gives no text (is its setting set?)")
        import hmac

        digest = hmac.new(secret.encode("utf-8", "surrogatepass"), data, digest_of).digest()
    if args["encoding"] == "hex":
        return digest.hex()
    import base64

    return base64.b64encode(digest).decode("ascii")


def _hash_meaning(args: Mapping[str, Any], scope: Scope) -> Any:
    country = args["country"] if args["country"] is not MISSING else None
    key = args["key"] if args["key"] is not MISSING else None
    shaped = hash_shape(args["algorithm"], args["encoding"])
    digest_of = ALGORITHMS[args["algorithm"]]
    return _hashed(args["value"](), args, shaped, country, key, digest_of)


@directive(
    "@hash",
    options=(
        Option("value", MAPPING, required=True),
        Option("algorithm", STRING, default="sha256", choices=tuple(ALGORITHMS)),
        Option("encoding", STRING, default="hex", choices=ENCODINGS),
        Option("normalize", STRING, default="none", choices=NORMALIZERS),
        Option(
            "country",
            MAPPING,
            description="the region of phone numbers written without a country code",
        ),
        Option("key", MAPPING, description="an HMAC key, e.g. {'@path': '$settings.hash_key'}"),
    ),
    summary="a value normalised and hashed (passed as it is when already a hash of that kind)",
    declares_reads=True,
    meaning=_hash_meaning,
    parse=_check_options,
)
def hash_(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    operand: Evaluator = args["value"]
    shaped = hash_shape(args["algorithm"], args["encoding"])
    key: Evaluator | None = args["key"] if args["key"] is not MISSING else None
    country: Evaluator | None = args["country"] if args["country"] is not MISSING else None
    options = dict(args)
    digest_of = ALGORITHMS[args["algorithm"]]

    def hash_value(root: Any, settings: Settings, failures: Failures) -> Any:
        value = operand(root, settings, failures)
        if value is MISSING or value is None:
            return value
        return _hashed(
            value,
            options,
            shaped,
            None if country is None else lambda: country(root, settings, failures),
            None if key is None else lambda: key(root, settings, failures),
            digest_of,
        )

    return hash_value


__all__ = [
    "ALGORITHMS",
    "MAX_HASH_TEXT",
    "NORMALIZERS",
    "hash_shape",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
]
