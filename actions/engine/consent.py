"""A config's ``consent:`` rules (docs/privacy.md), which the privacy gate (:mod:`.privacy`)
applies. Imported when a config with consent is configured."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from actions._repr import attrs_repr
from actions.engine.privacy import PrivacyError
from actions.errors import Diagnostic


@attrs.frozen
class Consent:
    """The consent categories a destination needs. ``require``: ``all`` of them (the default)
    or ``any``. ``absent``: what happens to an event with no consent object (no
    ``context.consent.categoryPreferences`` object): ``filter`` (the default) or ``allow``."""

    __repr__ = attrs_repr

    categories: tuple[str, ...]
    require: Literal["all", "any"] = "all"
    absent: Literal["filter", "allow"] = "filter"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Consent:
        problems = []
        categories = data.get("categories")
        if (
            not isinstance(categories, list | tuple)
            or not categories
            or not all(isinstance(c, str) and c for c in categories)
        ):
            problems.append(
                Diagnostic(
                    "schema",
                    "consent: categories must be a list of category names",
                    path=("consent", "categories"),
                    hint="categories: [Advertising]",
                )
            )
        require = data.get("require", "all")
        if require not in ("all", "any"):
            problems.append(
                Diagnostic(
                    "schema", "consent: require must be all or any", path=("consent", "require")
                )
            )
        absent = data.get("absent", "filter")
        if absent not in ("filter", "allow"):
            problems.append(
                Diagnostic(
                    "schema", "consent: absent must be filter or allow", path=("consent", "absent")
                )
            )
        unknown = sorted(set(data) - {"categories", "require", "absent"})
        if unknown:
            problems.append(
                Diagnostic(
                    "schema",
                    f"consent: unknown key {unknown[0]!r}",
                    path=("consent", unknown[0]),
                    hint="keys: categories, require, absent",
                )
            )
        if problems:
            raise PrivacyError(problems)
        assert isinstance(categories, list | tuple)
        return cls(tuple(categories), require, absent)

    def to_dict(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "require": self.require, "absent": self.absent}


__all__ = ["Consent"]
